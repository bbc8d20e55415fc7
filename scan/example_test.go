package scan_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"

	"github.com/candor-dev/candor/scan"
)

// Scan one file: here the test binary running this example, which is a Go program.
// Nothing is executed: the scanner reads the file's build info, function table and
// strings, and applies its rules.
func ExampleScanner_ScanFile() {
	s, err := scan.New()
	if err != nil {
		log.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	a, err := s.ScanFile(context.Background(), self)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("main module:", a.MainModule.Path)
	fmt.Println("built by this toolchain:", a.GoVersion == runtime.Version())
	fmt.Println("sha256 hex digits:", len(a.SHA256))
	// a.Findings lists what the program can do: each finding names a capability
	// (network.listen...), the rule that found it and the evidence to check.
	// Output:
	// main module: github.com/candor-dev/candor
	// built by this toolchain: true
	// sha256 hex digits: 64
}

// A file that is neither an executable nor an archive candor reads is refused with an
// error of the ErrUnsupported family.
func ExampleScanner_ScanFile_unsupported() {
	dir, err := os.MkdirTemp("", "candor-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("release notes\n"), 0o644); err != nil {
		log.Fatal(err)
	}

	s, err := scan.New()
	if err != nil {
		log.Fatal(err)
	}
	_, err = s.ScanFile(context.Background(), notes)
	fmt.Println("unsupported:", errors.Is(err, scan.ErrUnsupported))
	// Output:
	// unsupported: true
}
