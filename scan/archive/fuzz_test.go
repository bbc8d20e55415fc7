package archive_test

import (
	"bytes"
	"context"
	"errors"
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
		_, err := archive.Walk(context.Background(), bytes.NewReader(b), int64(len(b)), &archive.Options{Limits: lim}, func(e *archive.Entry) error {
			if e.Kind == archive.Executable {
				n, err := io.Copy(io.Discard, e.Content)
				if n > lim.MaxMemberBytes {
					t.Fatalf("%s: read %d bytes past the member limit", e.Path, n)
				}
				return err
			}
			return nil
		})
		if err != nil && !errors.Is(err, archive.ErrMalformed) && !errors.Is(err, archive.ErrLimit) && !errors.Is(err, archive.ErrUnsupported) {
			t.Fatalf("error outside the families: %v", err)
		}
	})
}
