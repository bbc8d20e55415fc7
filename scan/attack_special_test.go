//go:build unix

package scan_test

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/scan"
)

// `candor scan FIFO` (or a device, or a link to one) is refused at once with ErrInput and
// fileio.ErrNotRegular: it neither blocks on the pipe nor reads /dev/zero to the size bound.
func TestScanRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "app")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "app-link")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	paths := []string{fifo, link}
	if _, err := os.Stat("/dev/zero"); err == nil {
		zero := filepath.Join(dir, "zero")
		if err := os.Symlink("/dev/zero", zero); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, zero, "/dev/zero", "/dev/null")
	}
	// An OCI layout whose index.json is a FIFO.
	layout := filepath.Join(dir, "layout")
	if err := os.Mkdir(layout, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(layout, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(layout, "index.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		done := make(chan error, 2)
		go func() {
			_, err := s.ScanFile(t.Context(), p)
			done <- err
			_, err = s.Run(t.Context(), []string{p})
			done <- err
		}()
		for range 2 {
			select {
			case err := <-done:
				if !errors.Is(err, scan.ErrInput) || !errors.Is(err, fileio.ErrNotRegular) {
					t.Errorf("scan %s: %v, want ErrInput and fileio.ErrNotRegular", p, err)
				}
			case <-time.After(20 * time.Second):
				t.Fatalf("scan %s blocked", p)
			}
		}
	}
	done := make(chan error, 1)
	go func() { _, err := s.ScanFile(t.Context(), layout); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a layout whose index.json is a FIFO was scanned")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("scan of a layout whose index.json is a FIFO blocked")
	}
}
