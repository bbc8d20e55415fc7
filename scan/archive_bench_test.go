package scan_test

import (
	"os"
	"testing"

	"github.com/candor-dev/candor/scan"
)

// BenchmarkScanArchive scans the archive, package or image named by
// CANDOR_BENCH_ARCHIVE (for instance Debian's docker.io package); compare with
// BenchmarkSHA256 on the same file, or run bench/archive-vs-sha256sum.sh.
func BenchmarkScanArchive(b *testing.B) {
	p := os.Getenv("CANDOR_BENCH_ARCHIVE")
	if p == "" {
		b.Skip("set CANDOR_BENCH_ARCHIVE to an archive, package or image")
	}
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	s, err := scan.New()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ScanFile(b.Context(), p); err != nil {
			b.Fatal(err)
		}
	}
}
