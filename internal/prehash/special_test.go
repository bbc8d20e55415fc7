//go:build unix

package prehash

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
)

// A FIFO or device put where the guess saw a file is refused by the hashing goroutine,
// which neither blocks nor reads without end; verify then hashes (and refuses) it itself.
func TestHashRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "app")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	paths := []string{fifo}
	if _, err := os.Stat("/dev/zero"); err == nil {
		link := filepath.Join(dir, "zero")
		if err := os.Symlink("/dev/zero", link); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, link)
	}
	for _, p := range paths {
		f := &file{done: make(chan struct{})}
		go f.hash(p)
		select {
		case <-f.done:
		case <-time.After(20 * time.Second):
			t.Fatalf("%s: hashing blocked", p)
		}
		if !errors.Is(f.err, fileio.ErrNotRegular) {
			t.Errorf("%s: %v, want fileio.ErrNotRegular", p, f.err)
		}
		s := &Set{files: map[string]*file{p: f}}
		if _, ok := s.SHA256(p); ok {
			t.Errorf("%s: a digest was given", p)
		}
	}
}
