package archive_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan/archive"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// layers returns three layers exercising every whiteout rule:
//
//	layer 1 adds bin/a, bin/b, opt/x/c, srv/e, usr/lib/keep and a link;
//	layer 2 replaces bin/a, whites out bin/b, makes opt/x opaque and adds opt/x/d;
//	layer 3 replaces the directory srv with a file, and whites out and re-adds bin/z.
func layers(t testing.TB) [][]byte {
	return [][]byte{
		mkTar(t,
			file{name: "bin/", dir: true},
			file{name: "bin/a", body: fakeELF("a1")},
			file{name: "bin/b", body: fakeELF("b1")},
			file{name: "bin/z", body: fakeELF("z1")},
			file{name: "opt/x/", dir: true},
			file{name: "opt/x/c", body: fakeELF("c1")},
			file{name: "srv/e", body: fakeELF("e1")},
			file{name: "usr/lib/keep", body: fakeELF("keep")},
			file{name: "usr/lib/libk.so.1", link: "keep"},
			file{name: "etc/passwd", body: []byte("root:x:0:0")},
		),
		mkTar(t,
			file{name: "bin/a", body: fakeELF("a2")},
			file{name: "bin/.wh.b"},
			file{name: "opt/x/.wh..wh..opq"},
			file{name: "opt/x/d", body: fakeELF("d2")},
		),
		mkTar(t,
			file{name: "srv", body: []byte("now a file")},
			file{name: "bin/.wh.z"},
		),
	}
}

// wantFinal is what survives layers(): path -> content tag, and the layer (1-based) that added it.
var wantFinal = map[string]struct {
	tag   string
	layer int
}{
	"bin/a":        {"a2", 2},
	"opt/x/d":      {"d2", 2},
	"usr/lib/keep": {"keep", 1},
}

func checkImage(t *testing.T, w *walked, layerDigest func(i int) string, prefix string) {
	t.Helper()
	if len(w.execs) != len(wantFinal) {
		t.Errorf("executables %s, want %d", w.paths(), len(wantFinal))
	}
	for p, want := range wantFinal {
		got, ok := w.execs[prefix+p]
		if !ok {
			t.Errorf("%s missing", prefix+p)
			continue
		}
		if got != want.tag {
			t.Errorf("%s has content %q, want %q (from layer %d)", p, got, want.tag, want.layer)
		}
		if d := layerDigest(want.layer); w.layers[prefix+p] != d {
			t.Errorf("%s: layer %s, want %s", p, w.layers[prefix+p], d)
		}
	}
	if got := w.links[prefix+"usr/lib/libk.so.1"]; got != prefix+"usr/lib/keep" {
		t.Errorf("link usr/lib/libk.so.1 -> %q", got)
	}
}

// TestImages applies layers with whiteouts in an OCI layout (as a tar, a
// compressed tar and a directory) and a docker save tarball.
func TestImages(t *testing.T) {
	t.Parallel()
	ls := layers(t)
	ociDigest := func(gzipped bool) func(int) string {
		return func(i int) string {
			l := ls[i-1]
			if gzipped {
				l = gz(t, l)
			}
			return digest(l)
		}
	}
	t.Run("oci-archive", func(t *testing.T) {
		w, err := walk(t, mkTar(t, ociImage(t, ls, true)...), archive.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if w.format != "oci-archive" {
			t.Errorf("format %q", w.format)
		}
		checkImage(t, w, ociDigest(true), "")
	})
	t.Run("oci-archive, spools over their budget", func(t *testing.T) {
		// Executables fit the member limit, the first layer's spool does
		// not: it is read again from the archive, with the same result.
		w, err := walk(t, mkTar(t, ociImage(t, ls, true)...), archive.Limits{MaxMemberBytes: int64(len(ls[0])) - 1})
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, w, ociDigest(true), "")
	})
	t.Run("oci-archive+gzip, uncompressed layers", func(t *testing.T) {
		w, err := walk(t, gz(t, mkTar(t, ociImage(t, ls, false)...)), archive.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if w.format != "oci-archive+gzip" {
			t.Errorf("format %q", w.format)
		}
		checkImage(t, w, ociDigest(false), "")
	})
	t.Run("docker-archive", func(t *testing.T) {
		w, err := walk(t, mkTar(t, dockerSave(t, ls)...), archive.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if w.format != "docker-archive" {
			t.Errorf("format %q", w.format)
		}
		checkImage(t, w, ociDigest(false), "")
	})
	t.Run("go-containerregistry tarball", func(t *testing.T) {
		// What crane pull (its default format), crane save and ko write: the config as
		// sha256:HEX and gzipped layers as HEX.tar.gz, manifest.json last; written here by
		// go-containerregistry itself.
		img := empty.Image
		for _, l := range ls {
			layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(l)), nil })
			if err != nil {
				t.Fatal(err)
			}
			if img, err = mutate.AppendLayers(img, layer); err != nil {
				t.Fatal(err)
			}
		}
		ref, err := name.NewTag("registry.example/app:1")
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := tarball.Write(ref, img, &b); err != nil {
			t.Fatal(err)
		}
		w, err := walk(t, b.Bytes(), archive.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if w.format != "docker-archive" {
			t.Errorf("format %q, want docker-archive", w.format)
		}
		lys, err := img.Layers()
		if err != nil {
			t.Fatal(err)
		}
		checkImage(t, w, func(i int) string {
			d, err := lys[i-1].Digest()
			if err != nil {
				t.Fatal(err)
			}
			return d.String()
		}, "")
	})
	t.Run("oci-image directory", func(t *testing.T) {
		dir := t.TempDir()
		for _, f := range ociImage(t, ls, true) {
			p := filepath.Join(dir, filepath.FromSlash(f.name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, f.body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// A symbolic link in the layout is never followed.
		if err := os.Symlink("/etc", filepath.Join(dir, "blobs", "escape")); err != nil {
			t.Fatal(err)
		}
		w := &walked{execs: map[string]string{}, layers: map[string]string{}, links: map[string]string{}}
		format, err := archive.WalkFile(context.Background(), dir, nil, func(e *archive.Entry) error {
			if e.Kind == archive.Symlink {
				w.links[e.Path] = e.Target
				return nil
			}
			b := make([]byte, 1<<10)
			n, _ := e.Content.Read(b)
			w.execs[e.Path] = string(b[64:n])
			w.layers[e.Path] = e.Layer
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if format != "oci-image" {
			t.Errorf("format %q", format)
		}
		checkImage(t, w, ociDigest(true), "")
	})
	// Nested, an image is still read as one, whether held in place (inside
	// an uncompressed tar) or in a stream (deflated in a zip, gzipped inside
	// a tar: copied to a temporary file and read twice).
	nested := []struct {
		name  string
		outer func() []byte
	}{
		{"in a tar", func() []byte { return mkTar(t, file{name: "img.tar", body: mkTar(t, dockerSave(t, ls)...)}) }},
		{"in a zip", func() []byte { return mkZip(t, file{name: "img.tar", body: mkTar(t, dockerSave(t, ls)...)}) }},
		{"gzipped in a tar", func() []byte {
			return mkTar(t, file{name: "img.tar.gz", body: gz(t, mkTar(t, dockerSave(t, ls)...))})
		}},
	}
	for _, c := range nested {
		t.Run("docker-archive "+c.name, func(t *testing.T) {
			w, err := walk(t, c.outer(), archive.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			prefix := "img.tar!/"
			if strings.HasSuffix(c.name, "gzipped in a tar") {
				prefix = "img.tar.gz!/"
			}
			checkImage(t, w, ociDigest(false), prefix)
		})
	}
	t.Run("a nested image copied to disk obeys the member limit", func(t *testing.T) {
		img := mkTar(t, dockerSave(t, ls)...)
		_, err := walk(t, mkTar(t, file{name: "img.tar.gz", body: gz(t, img)}), archive.Limits{MaxMemberBytes: int64(len(img)) - 1})
		var le *archive.LimitError
		if !errors.As(err, &le) || le.Limit != archive.LimitMemberBytes || le.Member != "img.tar.gz" {
			t.Fatalf("got %v, want a member-bytes limit error for img.tar.gz", err)
		}
		if _, err := walk(t, mkTar(t, file{name: "img.tar.gz", body: gz(t, img)}), archive.Limits{MaxMemberBytes: int64(len(img))}); err != nil {
			t.Fatalf("at the limit: %v", err)
		}
	})
	t.Run("a nested image counts toward the total-bytes limit", func(t *testing.T) {
		img := gz(t, mkTar(t, dockerSave(t, ls)...))
		_, err := walk(t, mkTar(t, file{name: "img.tar.gz", body: img}), archive.Limits{MaxTotalBytes: 8 << 10})
		if !errors.Is(err, archive.ErrLimit) {
			t.Fatalf("got %v, want a limit error", err)
		}
	})
}

// TestImageBlobDigest: a layer whose content does not match its name fails.
func TestImageBlobDigest(t *testing.T) {
	t.Parallel()
	files := ociImage(t, layers(t), false)
	for i := range files {
		if strings.HasPrefix(files[i].name, "blobs/") && len(files[i].body) > 1024 {
			files[i].body = append([]byte(nil), files[i].body...)
			files[i].body[1024+10] ^= 1 // inside bin/a's content, not a header
			break
		}
	}
	_, err := walk(t, mkTar(t, files...), archive.Limits{})
	if !errors.Is(err, archive.ErrMalformed) || !strings.Contains(err.Error(), "digest") {
		t.Fatalf("error %v, want ErrMalformed about the digest", err)
	}
}

// TestImageMissingLayer: a manifest naming a layer the archive lacks fails.
func TestImageMissingLayer(t *testing.T) {
	t.Parallel()
	files := mkTar(t, dockerSave(t, layers(t))[3:]...) // drop the first layer's files
	_, err := walk(t, files, archive.Limits{})
	if !errors.Is(err, archive.ErrMalformed) {
		t.Fatalf("error %v, want ErrMalformed", err)
	}
}

// TestNotAnImage: a tar whose names look like an image's but that has no
// manifest is read as a plain tar.
func TestNotAnImage(t *testing.T) {
	t.Parallel()
	w, err := walk(t, mkTar(t, file{name: "blobs/tool", body: fakeELF("x")}), archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if w.format != "tar" || w.paths() != "blobs/tool" {
		t.Errorf("format %q, executables %q", w.format, w.paths())
	}
}

// TestImageRootEntry: a layer that starts with the root "./" (dpkg-deb --fsys-tarfile
// writes one, and so do many image builders) gives each executable its own content: the
// second pass reads the entry the first listed, not its neighbour.
func TestImageRootEntry(t *testing.T) {
	t.Parallel()
	layer := mkTar(t,
		file{name: "./", dir: true},
		file{name: "./usr/", dir: true},
		file{name: "./usr/bin/a", body: fakeELF("a")},
		file{name: "./usr/bin/b", body: fakeELF("b")},
		file{name: "./usr/sbin/c", body: fakeELF("c")},
	)
	for name, img := range map[string][]byte{
		"docker-archive": mkTar(t, dockerSave(t, [][]byte{layer})...),
		"oci-archive":    mkTar(t, ociImage(t, [][]byte{layer}, true)...),
	} {
		w, err := walk(t, img, archive.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		for p, tag := range map[string]string{"usr/bin/a": "a", "usr/bin/b": "b", "usr/sbin/c": "c"} {
			if got := w.execs[p]; got != tag {
				t.Errorf("%s: %s has the content of %q, want %q (all: %v)", name, p, got, tag, w.execs)
			}
		}
	}
}
