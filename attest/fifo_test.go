package attest

import (
	"errors"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
)

// TestLoadDisclosureRefusesFIFO: a disclosure that is a FIFO is refused at once, not waited
// on; so is a device.
func TestLoadDisclosureRefusesFIFO(t *testing.T) {
	t.Parallel()
	fifo := filepath.Join(t.TempDir(), "disclosure.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		done := make(chan error, 1)
		go func() { _, err := LoadDisclosure(p); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, ErrDisclosure) || !errors.Is(err, fileio.ErrNotRegular) {
				t.Errorf("%s: %v", p, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("LoadDisclosure(%s) hangs", p)
		}
	}
}
