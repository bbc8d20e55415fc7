//go:build unix

package verify

import (
	"errors"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/fileio/fileiotest"
)

// The digest of a FIFO, a device or a directory is refused at once with fileio.ErrNotRegular
// (and ErrInput), in every algorithm, on the read and on the mapped path.
func TestFileDigestsRefuseSpecialFiles(t *testing.T) {
	for name, p := range fileiotest.Special(t, t.TempDir()) {
		t.Run(name, func(t *testing.T) {
			for _, algs := range [][]string{{"sha256"}, {"sha256", "sha512"}, {"sha512"}} {
				var err error
				fileiotest.NoHang(t, "fileDigests("+p+")", func() { _, err = fileDigests(p, algs...) })
				if !errors.Is(err, fileio.ErrNotRegular) || !errors.Is(err, ErrInput) {
					t.Fatalf("fileDigests(%s, %v) = %v, want ErrInput and fileio.ErrNotRegular", p, algs, err)
				}
			}
			var err error
			fileiotest.NoHang(t, "fileSHA256("+p+")", func() { _, err = fileSHA256(p) })
			if !errors.Is(err, fileio.ErrNotRegular) {
				t.Fatalf("fileSHA256(%s) = %v, want fileio.ErrNotRegular", p, err)
			}
		})
	}
}

// Refusing /dev/zero reached through a .jsonl symlink reads nothing: it costs an error
// message, not the 600 MiB that reading up to the size bound cost.
func TestDevZeroDigestCostsNothing(t *testing.T) {
	p, ok := fileiotest.Special(t, t.TempDir())[fileiotest.DevZeroSymlink]
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
