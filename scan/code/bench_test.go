package code

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// buildGoCommand builds cmd/go of the running toolchain for linux/goarch: a real Go
// program of about 8 MB of text.
func buildGoCommand(tb testing.TB, goarch string) string {
	tb.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Skipf("no go command: %v", err)
	}
	out := filepath.Join(tb.TempDir(), "go")
	cmd := exec.CommandContext(tb.Context(), gobin, "build", "-o", out, "cmd/go")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building cmd/go for linux/%s: %v\n%s", goarch, err, msg)
	}
	return out
}

// benchScan scans the whole text of bin: on one goroutine, on GOMAXPROCS, and on one with
// every address reference kept.
func benchScan(b *testing.B, bin *elfBinary) {
	for _, bc := range []struct {
		name string
		lim  Limits
	}{
		{"serial", Limits{Workers: 1}},
		{"parallel", Limits{}},
		{"serial+addrs", Limits{Workers: 1, KeepAddr: keepAll}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bin.Text.Data)))
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				if _, err := Scan(bin.Text, bin.Funcs, bin.IsData, bc.lim); err != nil {
					b.Fatal(err)
				}
			}
			// The machine is shared: the rate per second of CPU time the process used
			// says more than the wall time (for parallel, it is the rate per core).
			if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
				b.ReportMetric(float64(len(bin.Text.Data))*float64(b.N)/1e6/cpu, "MB/cpu-s")
			}
		})
	}
}

// BenchmarkDecodeAMD64 scans the whole text of the go command.
func BenchmarkDecodeAMD64(b *testing.B) { benchScan(b, loadELF(b, goToolBinary(b), "amd64")) }

// BenchmarkDecodeARM64 scans the whole text of the go command built for linux/arm64.
func BenchmarkDecodeARM64(b *testing.B) {
	benchScan(b, loadELF(b, buildGoCommand(b, "arm64"), "arm64"))
}
