package archive_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/fileio/fileiotest"
	"github.com/candor-dev/candor/scan/archive"
)

// specialTar holds one regular executable among members that are no regular files: a FIFO,
// a character device (1,5: /dev/zero), a block device, a symlink to /dev/zero and a hard link
// to the device. Only the executable is content; the links are reported as links, inside
// the archive, and nothing is read through them.
func specialTar(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	put := func(h *tar.Header, body []byte) {
		h.Mode, h.Format = 0o755, tar.FormatPAX
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	put(&tar.Header{Name: "bin/fifo", Typeflag: tar.TypeFifo}, nil)
	put(&tar.Header{Name: "dev/zero", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 5}, nil)
	put(&tar.Header{Name: "dev/sda", Typeflag: tar.TypeBlock, Devmajor: 8}, nil)
	put(&tar.Header{Name: "bin/zero", Typeflag: tar.TypeSymlink, Linkname: "/dev/zero"}, nil)
	put(&tar.Header{Name: "bin/up", Typeflag: tar.TypeSymlink, Linkname: "../../../../dev/zero"}, nil)
	put(&tar.Header{Name: "bin/hard", Typeflag: tar.TypeLink, Linkname: "dev/zero"}, nil)
	put(&tar.Header{Name: "bin/app", Typeflag: tar.TypeReg}, fakeELF("app"))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkSpecialWalk(t *testing.T, w *walked, prefix string) {
	t.Helper()
	if got := w.paths(); got != prefix+"bin/app" {
		t.Errorf("executables %q, want only %sbin/app: a FIFO, a device or a link is no content", got, prefix)
	}
	want := map[string]string{prefix + "bin/zero": prefix + "dev/zero", prefix + "bin/up": prefix + "dev/zero", prefix + "bin/hard": prefix + "dev/zero"}
	for p, target := range want {
		if w.links[p] != target {
			t.Errorf("link %s leads to %q, want %q (inside the archive)", p, w.links[p], target)
		}
	}
	if len(w.links) != len(want) {
		t.Errorf("links %v, want %v", w.links, want)
	}
}

// FIFO, device, symlink and hard link members of a tar, plain or compressed, in place or
// streamed, are never content: the walk sees one executable and three links, and reads
// nothing through them.
func TestTarSpecialMembers(t *testing.T) {
	b := specialTar(t)
	for name, data := range map[string][]byte{"tar": b, "tar+gzip": gz(t, b), "tar+zstd": zst(t, b)} {
		t.Run(name, func(t *testing.T) {
			var w *walked
			var err error
			fileiotest.NoHang(t, "walk", func() { w, err = walk(t, data, archive.Limits{}) })
			if err != nil {
				t.Fatal(err)
			}
			checkSpecialWalk(t, w, "")
		})
	}
	t.Run("nested in a tar", func(t *testing.T) {
		outer := mkTar(t, file{name: "inner.tar", body: b})
		w, err := walk(t, outer, archive.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		checkSpecialWalk(t, w, "inner.tar"+archive.Sep)
	})
	t.Run("deb", func(t *testing.T) {
		w, err := walk(t, mkDeb(t, "data.tar.gz", gz(t, b)), archive.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got := w.paths(); got != "data.tar.gz"+archive.Sep+"bin/app" && got != "bin/app" {
			t.Errorf("executables %q, want only bin/app", got)
		}
	})
}

// In an image layer, a FIFO or device entry is no content either.
func TestImageLayerSpecialMembers(t *testing.T) {
	w, err := walk(t, mkTar(t, ociImage(t, [][]byte{specialTar(t)}, true)...), archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(w.execs) != 1 {
		t.Errorf("executables %q, want only bin/app", w.paths())
	}
	for p := range w.execs {
		if filepath.Base(p) != "app" {
			t.Errorf("member %s handed on as content", p)
		}
	}
}

// Zip members with FIFO or device modes are skipped, not read.
func TestZipSpecialMembers(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, mode := range map[string]fs.FileMode{
		"bin/fifo": fs.ModeNamedPipe | 0o644,
		"dev/zero": fs.ModeDevice | fs.ModeCharDevice | 0o644,
		"dev/sda":  fs.ModeDevice | 0o644,
		"s.sock":   fs.ModeSocket | 0o644,
	} {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(fakeELF(name)); err != nil { // content a reader would wrongly take as an executable
			t.Fatal(err)
		}
	}
	w, err := zw.Create("bin/app")
	if err == nil {
		_, err = w.Write(fakeELF("app"))
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := walk(t, buf.Bytes(), archive.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.paths() != "bin/app" {
		t.Errorf("executables %q, want only bin/app", got.paths())
	}
}

// WalkFile opens only a regular file (or walks a layout directory): a FIFO, a device or a
// link to one fails at once with fileio.ErrNotRegular.
func TestWalkFileRefusesSpecialFiles(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	special := fileiotest.Special(t, t.TempDir())
	delete(special, fileiotest.Directory) // a directory is walked as an OCI layout
	for _, p := range special {
		var err error
		fileiotest.NoHang(t, "WalkFile("+p+")", func() {
			_, err = archive.WalkFile(context.Background(), p, nil, func(*archive.Entry) error { return nil })
		})
		if !errors.Is(err, fileio.ErrNotRegular) {
			t.Errorf("WalkFile(%s) = %v, want fileio.ErrNotRegular", p, err)
		}
	}
}

// In an OCI layout directory, a blob that is a FIFO, or a link to /dev/zero, is never
// opened: the listing skips what is not a regular file, so the blob is missing.
func TestLayoutDirectorySpecialBlobs(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	files := ociImage(t, [][]byte{mkTar(t, file{name: "bin/app", body: fakeELF("app")})}, false)
	for _, special := range []string{"fifo", "zero"} {
		t.Run(special, func(t *testing.T) {
			dir := t.TempDir()
			replaced := ""
			for _, f := range files {
				p := filepath.Join(dir, filepath.FromSlash(f.name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				// Replace the layer blob (the largest blob) with the special file.
				if replaced == "" && filepath.Base(filepath.Dir(p)) == "sha256" && len(f.body) > 1000 {
					replaced = p
					if special == "fifo" {
						fileiotest.Mkfifo(t, p)
					} else {
						fileiotest.Symlink(t, "/dev/zero", p)
					}
					continue
				}
				if err := os.WriteFile(p, f.body, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if replaced == "" {
				t.Fatal("no layer blob found to replace")
			}
			var err error
			var got []string
			fileiotest.NoHang(t, "WalkFile(layout)", func() {
				_, err = archive.WalkFile(context.Background(), dir, nil, func(e *archive.Entry) error {
					if e.Kind == archive.Executable {
						io.Copy(io.Discard, e.Content)
						got = append(got, e.Path)
					}
					return nil
				})
			})
			if err == nil || len(got) != 0 {
				t.Errorf("walk of a layout whose layer is a %s: executables %v, error %v; want an error and nothing read", special, got, err)
			}
		})
	}
}
