package scan_test

import (
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/internal/testbuild"
	"github.com/candor-dev/candor/scan"
)

// benchFile is a file to benchmark on.
type benchFile struct {
	name string
	path string
	size int64
}

// benchFiles returns the largest fixture (telemetry, linux/amd64, not stripped)
// and, when CANDOR_BENCH_FILE is set, that file.
func benchFiles(b *testing.B) []benchFile {
	b.Helper()
	var files []benchFile
	add := func(name, path string) {
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, benchFile{name, path, fi.Size()})
	}
	for _, bin := range testbuild.Build(b, "", testbuild.Target{GOOS: "linux", GOARCH: "amd64"}) {
		if bin.Program == "telemetry" {
			add("fixture=telemetry", bin.Path)
		}
	}
	if p := os.Getenv("CANDOR_BENCH_FILE"); p != "" {
		add("file="+filepath.Base(p), p)
	}
	return files
}

// BenchmarkScanFile measures a full scan (hashing included) in MB/s; compare
// with BenchmarkSHA256 of the same files: DESIGN.md wants a scan to cost little
// more than hashing. Set CANDOR_BENCH_FILE to add a file of your own.
func BenchmarkScanFile(b *testing.B) {
	s, err := scan.New()
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range benchFiles(b) {
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(f.size)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.ScanFile(b.Context(), f.path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSHA256 reads and hashes the same files as BenchmarkScanFile, like
// sha256sum does.
func BenchmarkSHA256(b *testing.B) {
	for _, f := range benchFiles(b) {
		b.Run(f.name, func(b *testing.B) {
			b.SetBytes(f.size)
			b.ReportAllocs()
			buf := make([]byte, 1<<20)
			for b.Loop() {
				fh, err := os.Open(f.path)
				if err != nil {
					b.Fatal(err)
				}
				h := sha256.New()
				_, err = io.CopyBuffer(h, fh, buf)
				fh.Close()
				if err != nil {
					b.Fatal(err)
				}
				h.Sum(nil)
			}
		})
	}
}
