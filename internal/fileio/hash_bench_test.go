package fileio

import (
	"os"
	"testing"
)

// BenchmarkHashFile hashes a 64 MiB file (or CANDOR_BENCH_FILE) from the page cache, in
// SHA-256 alone and with SHA-512, as verify and scan --sha512 do.
func BenchmarkHashFile(b *testing.B) {
	p := os.Getenv("CANDOR_BENCH_FILE")
	if p == "" {
		p, _ = randomFile(b, b.TempDir(), 64<<20)
	}
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		algs []Alg
	}{{"sha256", []Alg{SHA256}}, {"sha256+sha512", []Alg{SHA256, SHA512}}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := HashFile(p, c.algs...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
