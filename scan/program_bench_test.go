package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkCodePass times the code pass alone (newProgram: decoding, static
// data, inline trees, the call graph and reach) on the binaries listed in
// CANDOR_BENCH_CODE (space-separated paths). Bytes per operation are the
// text section's size, so MB/s is text decoded per second of wall time.
// bench/code-pass.sh runs it on the corpus and Debian's dockerd.
func BenchmarkCodePass(b *testing.B) {
	paths := strings.Fields(os.Getenv("CANDOR_BENCH_CODE"))
	if len(paths) == 0 {
		b.Skip("set CANDOR_BENCH_CODE to the binaries to time the code pass on")
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		bf, err := openBinary(data)
		if err != nil {
			b.Fatalf("%s: %v", path, err)
		}
		im := bf.images[0]
		tab := findPclntab(im)
		if tab == nil {
			b.Fatalf("%s: no function table", path)
		}
		text := im.textSection()
		b.Run(filepath.Base(path), func(b *testing.B) {
			b.SetBytes(int64(len(text.data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := newProgram(im, tab, &moduleIndex{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data))/(1<<20), "file-MiB")
			b.ReportMetric(float64(len(text.data))/(1<<20), "text-MiB")
		})
	}
}
