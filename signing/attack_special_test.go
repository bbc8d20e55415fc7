//go:build unix

package signing

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/fileio/fileiotest"
)

// A key file that is a FIFO, a device (directly or through a symlink) or a directory is
// refused at once, for public and private keys alike, without blocking or reading it.
func TestKeyFileRefusesSpecialFiles(t *testing.T) {
	for _, p := range fileiotest.Special(t, t.TempDir()) {
		for what, load := range map[string]func() error{
			"public":  func() error { _, err := LoadPublicKey(p); return err },
			"private": func() error { _, err := loadFile(context.Background(), p, Options{}); return err },
		} {
			var err error
			fileiotest.NoHang(t, what+" key "+p+": loading", func() { err = load() })
			if !errors.Is(err, ErrKey) || !errors.Is(err, fileio.ErrNotRegular) {
				t.Errorf("%s key %s: %v, want ErrKey and fileio.ErrNotRegular", what, p, err)
			}
		}
	}
}

// A key file over the bound is refused by its size, not read.
func TestKeyFileTooLarge(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.pub")
	if err := os.WriteFile(p, make([]byte, maxKeyFile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPublicKey(p); !errors.Is(err, ErrKey) || !errors.Is(err, fileio.ErrTooLarge) {
		t.Fatalf("got %v, want ErrKey and fileio.ErrTooLarge", err)
	}
	if _, err := LoadPublicKey(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, ErrKey) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing key: %v, want ErrKey and fs.ErrNotExist", err)
	}
}
