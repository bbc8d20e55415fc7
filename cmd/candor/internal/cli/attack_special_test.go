//go:build unix

package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/fileio/fileiotest"
)

// A config file that is a FIFO, a device or a link to one is refused at once: the command
// fails with a usage error that says what the file is, instead of waiting for a writer.
func TestConfigFileRefusesSpecialFiles(t *testing.T) {
	special := fileiotest.Special(t, t.TempDir())
	for kind, what := range map[string]string{
		fileiotest.FIFO:           "named pipe",
		fileiotest.FIFOViaSymlink: "named pipe",
		fileiotest.Directory:      "directory",
		fileiotest.DevZero:        "character device",
		fileiotest.DevZeroSymlink: "character device",
		fileiotest.DevNull:        "character device",
		fileiotest.Socket:         "socket",
	} {
		p, ok := special[kind]
		if !ok {
			continue
		}
		var err error
		fileiotest.NoHang(t, "reading config "+p, func() { _, err = readConfigFile(p) })
		if !errors.Is(err, errConfigFile) || !errors.Is(err, fileio.ErrNotRegular) || !strings.Contains(err.Error(), what) {
			t.Errorf("config %s: %v, want errConfigFile and fileio.ErrNotRegular saying %q", p, err, what)
		}

		var stdout, stderr bytes.Buffer
		code := -1
		fileiotest.NoHang(t, "candor --config "+p, func() {
			code = Main(context.Background(), []string{"--config", p, "version"}, strings.NewReader(""), &stdout, &stderr)
		})
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
