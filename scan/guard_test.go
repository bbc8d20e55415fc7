package scan

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/internal/fileio"
)

// guardSink keeps the test's read of the mapping from being optimised away.
var guardSink byte

// TestGuard: a panic, and a fault on a mapped page of a file truncated under the mapping,
// become ErrMalformed errors of the goroutine that met them instead of crashing the
// process (the code pass reads the mapped file on goroutines of its own).
func TestGuard(t *testing.T) {
	if err := guard("part", func() { panic("boom") }); !errors.Is(err, ErrMalformed) {
		t.Fatalf("panic: got %v, want ErrMalformed", err)
	}
	if err := guard("part", func() {}); err != nil {
		t.Fatalf("no panic: got %v", err)
	}

	path := filepath.Join(t.TempDir(), "bin")
	if err := os.WriteFile(path, make([]byte, 1<<16), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := fileio.Map(f, 1<<16)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if !m.Mapped() {
		t.Skip("the file was read, not mapped: nothing can fault")
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	data := m.Bytes()
	errc := make(chan error, 1)
	go func() { // as the code pass's goroutines do
		errc <- guard("code pass", func() { guardSink = data[len(data)-1] })
	}()
	if err := <-errc; !errors.Is(err, ErrMalformed) {
		t.Fatalf("fault on a truncated mapping: got %v, want ErrMalformed", err)
	}
}
