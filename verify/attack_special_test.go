//go:build unix

package verify

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
)

// noHang runs f and fails the test, instead of hanging it, if f has not returned soon.
func noHang(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s blocked: it did not return within 20 s", what)
	}
}

// specialInputs makes, beside an artifact in dir, the files that must never be read: a FIFO
// attestation (mkfifo app.intoto.json), a FIFO reached through a symlink, a .jsonl linked to
// /dev/zero, a device, a directory.
func specialInputs(t *testing.T, dir string) map[string]string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "app"), []byte("\x7fELF"), 0o755); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "app"+SuffixJSON)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "other"+SuffixJSON)
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"fifo": fifo, "fifo via symlink": link, "directory": dir}
	if _, err := os.Stat("/dev/zero"); err == nil {
		zero := filepath.Join(dir, "app"+SuffixJSONL)
		if err := os.Symlink("/dev/zero", zero); err != nil {
			t.Fatal(err)
		}
		out["/dev/zero via symlink"] = zero
		out["/dev/zero"] = "/dev/zero"
	}
	if _, err := os.Stat("/dev/null"); err == nil {
		out["/dev/null"] = "/dev/null"
	}
	return out
}

// The digest of a FIFO, a device or a directory is refused at once with fileio.ErrNotRegular
// (and ErrInput), in every algorithm, on the read and on the mapped path.
func TestFileDigestsRefuseSpecialFiles(t *testing.T) {
	for name, p := range specialInputs(t, t.TempDir()) {
		t.Run(name, func(t *testing.T) {
			for _, algs := range [][]string{{"sha256"}, {"sha256", "sha512"}, {"sha512"}} {
				var err error
				noHang(t, "fileDigests("+p+")", func() { _, err = fileDigests(p, algs...) })
				if !errors.Is(err, fileio.ErrNotRegular) || !errors.Is(err, ErrInput) {
					t.Fatalf("fileDigests(%s, %v) = %v, want ErrInput and fileio.ErrNotRegular", p, algs, err)
				}
			}
			var err error
			noHang(t, "fileSHA256("+p+")", func() { _, err = fileSHA256(p) })
			if !errors.Is(err, fileio.ErrNotRegular) {
				t.Fatalf("fileSHA256(%s) = %v, want fileio.ErrNotRegular", p, err)
			}
		})
	}
}

// Refusing /dev/zero reached through a .jsonl symlink reads nothing: it costs an error
// message, not the 600 MiB that reading up to the size bound cost.
func TestDevZeroDigestCostsNothing(t *testing.T) {
	p, ok := specialInputs(t, t.TempDir())["/dev/zero via symlink"]
	if !ok {
		t.Skip("no /dev/zero")
	}
	var ms0, ms1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms0)
	for range 10 {
		if _, err := fileDigests(p, "sha256", "sha512"); !errors.Is(err, fileio.ErrNotRegular) {
			t.Fatalf("fileDigests = %v, want fileio.ErrNotRegular", err)
		}
	}
	runtime.ReadMemStats(&ms1)
	if got := ms1.TotalAlloc - ms0.TotalAlloc; got > 1<<20 {
		t.Errorf("10 refusals allocated %d bytes, want under 1 MiB", got)
	}
}

// A missing artifact still says so: the OS error is kept.
func TestFileDigestsMissing(t *testing.T) {
	_, err := fileSHA256(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, ErrInput) || errors.Is(err, fileio.ErrNotRegular) {
		t.Fatalf("got %v, want ErrInput for a missing file", err)
	}
}
