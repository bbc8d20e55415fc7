package diff

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGoToolchainReleases diffs two releases of a real program: the go command of Go 1.22.12
// and of Go 1.23.4, which added Go telemetry (golang.org/x/telemetry, uploading to
// telemetry.go.dev). It runs when both toolchains are in the module cache (GOTOOLCHAIN
// downloads them there; the repository's tests use several) and is skipped otherwise.
func TestGoToolchainReleases(t *testing.T) {
	if testing.Short() {
		t.Skip("scans two 13 MiB binaries")
	}
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skip("no go command")
	}
	bin := func(v string) string {
		return filepath.Join(strings.TrimSpace(string(out)), "golang.org", "toolchain@v0.0.1-go"+v+".linux-amd64", "bin", "go")
	}
	old, new := bin("1.22.12"), bin("1.23.4")
	for _, p := range []string{old, new} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("no %s in the module cache", p)
		}
	}
	l := loader(t)
	oi, err := l.Load(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	ni, err := l.Load(ctx, new)
	if err != nil {
		t.Fatal(err)
	}
	res := Compare(oi, ni)
	got := keys(res.Changes)
	if !res.HasNew() || len(got) < 2 || got[0] != "added capability telemetry.sdk" || got[1] != "added host telemetry.go.dev" {
		t.Fatalf("go 1.22.12 → 1.23.4: %q", got)
	}
	if c := res.Changes[0]; !slices.Contains(c.Rules, "go.telemetry.golang") || len(c.Evidence) == 0 || !strings.Contains(c.Evidence[0].Value, "golang.org/x/telemetry") {
		t.Errorf("the telemetry capability's evidence: %+v", c)
	}
	if a := res.Artifacts[0]; a.OldGo != "go1.22.12" || a.NewGo != "go1.23.4" {
		t.Errorf("artifact: %+v", a)
	}
	// And back: only removals, nothing new.
	if back := Compare(ni, oi); back.HasNew() {
		t.Errorf("go 1.23.4 → 1.22.12 is new: %q", keys(back.Changes))
	}
}
