package demo

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoBuildsAndScansTheSample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the sample program")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	var stdout, stderr bytes.Buffer
	if err := Run(context.Background(), &stdout, &stderr, Options{Dir: dir}); err != nil {
		t.Fatalf("Run: %v\nstderr:\n%s", err, stderr.String())
	}
	for _, want := range []string{"network.listen", "network.connect", "network.endpoint " + SampleHost, "summary: 1 artifact"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, stdout.String())
		}
	}
	for i, want := range []string{"step 1: ", "step 2: ", "step 3: ", "step 4: ", "Built ", "way in", "way out",
		"step 5: ", "Wrote demo.key", "step 6: ", "    |   - host: " + SampleHost, "step 7: ", "candor-demo-sample.intoto.json",
		"step 8: ", "not covered by draft-disclosure.yaml", "hosts: " + SampleHost, "\n  - host: " + SampleHost, "attest refused",
		"step 9: ", "Every step passed", "step 10: ", "the subject step fails", "next:"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("narration lacks %q (%d):\n%s", want, i, stderr.String())
		}
	}
	// The buyer's verdicts follow the report on stdout: the genuine release passes every
	// step, re-scan included; the tampered copy fails at the subject.
	for _, want := range []string{"\nPASS " + filepath.Join(dir, "candor-demo-sample") + "\n", "  pass  rescan ", "  pass  policy endpoints ",
		"\nFAIL " + filepath.Join(dir, "tampered", "candor-demo-sample") + "\n", "  FAIL  subject "} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("verdicts lack %q:\n%s", want, stdout.String())
		}
	}
	for _, f := range []string{"candor-demo-sample", "demo.key", "demo.pub", "disclosure.yaml", "candor-demo-sample.intoto.json", "policy.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("--dir is kept: %v", err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "draft.intoto.json")); err == nil {
		t.Error("the refused attestation was written")
	}
}

func TestDemoWithoutGo(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	opts := Options{Go: filepath.Join(t.TempDir(), "no-such-go"), Fallback: self}
	if err := Run(context.Background(), &stdout, &stderr, opts); err != nil {
		t.Fatalf("Run: %v\nstderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "There is no go command on PATH") || !strings.Contains(stderr.String(), "own executable instead") {
		t.Errorf("narration does not explain the fallback:\n%s", stderr.String())
	}
	// The vendor and buyer steps need the sample: each says it is skipped.
	if n := strings.Count(stderr.String(), "Skipped: this step works on the sample program"); n != 6 {
		t.Errorf("%d steps skipped, want 6:\n%s", n, stderr.String())
	}
	if !strings.Contains(stdout.String(), self) || !strings.Contains(stdout.String(), "summary: 1 artifact") {
		t.Errorf("report is not about %s:\n%s", self, stdout.String())
	}
}

func TestDemoTempDirIsRemoved(t *testing.T) {
	t.Parallel()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if err := Run(context.Background(), &bytes.Buffer{}, &stderr, Options{Go: filepath.Join(t.TempDir(), "no-go"), Fallback: self}); err != nil {
		t.Fatal(err)
	}
	// The narration names the sample's directory; it must be gone.
	for _, line := range strings.Split(stderr.String(), "\n") {
		if _, rest, ok := strings.Cut(line, "standard library only, in "); ok {
			dir := strings.TrimSuffix(rest, ".")
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("temporary directory %s still exists (%v)", dir, err)
			}
			return
		}
	}
	t.Errorf("narration does not name the sample's directory:\n%s", stderr.String())
}

func TestLastLinesAndQuote(t *testing.T) {
	t.Parallel()
	if got := lastLines("a\n\nb\nc\n", 2); strings.Join(got, "|") != "b|c" {
		t.Errorf("lastLines = %q", got)
	}
	tests := []struct{ in, want string }{
		{"./bin/app", "./bin/app"},
		{"my app", "'my app'"},
		{"it's", `'it'\''s'`},
	}
	for _, tt := range tests {
		if got := shellQuote(tt.in); got != tt.want {
			t.Errorf("shellQuote(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
