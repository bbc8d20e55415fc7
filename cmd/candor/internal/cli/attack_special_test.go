//go:build unix

package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
)

// A config file that is a FIFO, a device or a link to one is refused at once: the command
// fails with a usage error that says what the file is, instead of waiting for a writer.
func TestConfigFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "candor.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{fifo: "named pipe", dir: "directory"}
	if _, err := os.Stat("/dev/zero"); err == nil {
		link := filepath.Join(dir, "zero.yaml")
		if err := os.Symlink("/dev/zero", link); err != nil {
			t.Fatal(err)
		}
		paths[link] = "character device"
	}
	for p, what := range paths {
		var err error
		done := make(chan struct{})
		go func() { defer close(done); _, err = readConfigFile(p) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("reading config %s blocked", p)
		}
		if !errors.Is(err, errConfigFile) || !errors.Is(err, fileio.ErrNotRegular) || !strings.Contains(err.Error(), what) {
			t.Errorf("config %s: %v, want errConfigFile and fileio.ErrNotRegular saying %q", p, err, what)
		}

		var stdout, stderr bytes.Buffer
		code := -1
		done = make(chan struct{})
		go func() {
			defer close(done)
			code = Main(context.Background(), []string{"--config", p, "version"}, strings.NewReader(""), &stdout, &stderr)
		}()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Fatalf("candor --config %s blocked", p)
		}
		if code != ExitUsage || !strings.Contains(stderr.String(), what) {
			t.Errorf("candor --config %s version: exit %d, stderr %q; want %d and a message saying %q", p, code, stderr.String(), ExitUsage, what)
		}
	}
}

// A config file over the bound is refused by its size.
func TestConfigFileTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "candor.yaml")
	if err := os.WriteFile(p, bytes.Repeat([]byte("# x\n"), maxConfigSize/4+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := readConfigFile(p); !errors.Is(err, errConfigFile) || !errors.Is(err, fileio.ErrTooLarge) {
		t.Fatalf("got %v, want errConfigFile and fileio.ErrTooLarge", err)
	}
}
