package archive_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/candor-dev/candor/scan/archive"
)

// FuzzWalk feeds arbitrary bytes to the archive readers: they must never
// panic, must respect the limits, and must fail with one of the package's
// errors (or the visitor's).
func FuzzWalk(f *testing.F) {
	seed := func(b []byte) { f.Add(b) }
	elf := fakeELF("x")
	tarball := mkTar(f, file{name: "bin/x", body: elf}, file{name: "l", link: "../x"}, file{name: "d/", dir: true})
	seed(tarball)
	seed(gz(f, tarball))
	seed(zst(f, tarball))
	seed(mkZip(f, file{name: "bin/x", body: elf}, file{name: "in.tar", body: tarball}))
	seed(mkDeb(f, "data.tar.gz", gz(f, tarball)))
	seed(mkTar(f, ociImage(f, layers(f), true)...))
	seed(mkTar(f, dockerSave(f, layers(f))...))
	lim := archive.Limits{MaxTotalBytes: 8 << 20, MaxMembers: 1000, MaxDepth: 4, MaxMemberBytes: 1 << 20}
	f.Fuzz(func(t *testing.T, b []byte) {
		var errs [2]error
		var seen [2][]string
		for i, mapped := range []bool{false, true} {
			visit := func(e *archive.Entry) error {
				if e.Kind == archive.Executable {
					n, err := io.Copy(io.Discard, e.Content)
					if n > lim.MaxMemberBytes {
						t.Fatalf("%s: read %d bytes past the member limit", e.Path, n)
					}
					if e.Data != nil && int64(len(e.Data)) != n {
						t.Fatalf("%s: Data holds %d bytes, Content %d", e.Path, len(e.Data), n)
					}
					seen[i] = append(seen[i], e.Path+" "+e.Layer)
					return err
				}
				seen[i] = append(seen[i], e.Path+" -> "+e.Target)
				return nil
			}
			if mapped {
				_, errs[i] = archive.WalkMapped(context.Background(), b, &archive.Options{Limits: lim}, visit)
			} else {
				_, errs[i] = archive.Walk(context.Background(), bytes.NewReader(b), int64(len(b)), &archive.Options{Limits: lim}, visit)
			}
			err := errs[i]
			if err != nil && !errors.Is(err, archive.ErrMalformed) && !errors.Is(err, archive.ErrLimit) && !errors.Is(err, archive.ErrUnsupported) {
				t.Fatalf("error outside the families: %v", err)
			}
		}
		// Reading in place must accept exactly what reading a stream does.
		if (errs[0] == nil) != (errs[1] == nil) {
			t.Fatalf("Walk and WalkMapped disagree: %v / %v", errs[0], errs[1])
		}
		if errs[0] == nil && fmt.Sprint(seen[0]) != fmt.Sprint(seen[1]) {
			t.Fatalf("Walk and WalkMapped saw different entries:\n%q\n%q", seen[0], seen[1])
		}
	})
}
