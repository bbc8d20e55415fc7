//go:build unix

package scan_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/fileio/fileiotest"
	"github.com/candor-dev/candor/scan"
)

// `candor scan FIFO` (or a device, or a link to one) is refused at once with ErrInput and
// fileio.ErrNotRegular: it neither blocks on the pipe nor reads /dev/zero to the size bound.
func TestScanRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	special := fileiotest.Special(t, dir)
	delete(special, fileiotest.Directory) // a directory is scanned as a tree of files
	// An OCI layout whose index.json is a FIFO.
	layout := filepath.Join(dir, "layout")
	if err := os.Mkdir(layout, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(layout, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	fileiotest.Mkfifo(t, filepath.Join(layout, "index.json"))
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range special {
		var errs [2]error
		fileiotest.NoHang(t, "scan "+p, func() {
			_, errs[0] = s.ScanFile(t.Context(), p)
			_, errs[1] = s.Run(t.Context(), []string{p})
		})
		for _, err := range errs {
			if !errors.Is(err, scan.ErrInput) || !errors.Is(err, fileio.ErrNotRegular) {
				t.Errorf("scan %s: %v, want ErrInput and fileio.ErrNotRegular", p, err)
			}
		}
	}
	fileiotest.NoHang(t, "scan of a layout whose index.json is a FIFO", func() { _, err = s.ScanFile(t.Context(), layout) })
	if err == nil {
		t.Error("a layout whose index.json is a FIFO was scanned")
	}
}
