package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/candor-dev/candor/cmd/candor/internal/cli"
	"github.com/candor-dev/candor/scan"
)

// Test programs with known behaviour, built during the test.
const (
	progNothing = "package main\n\nfunc main() {}\n"
	progListen  = `package main

import "net"

func main() {
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		panic(err)
	}
	c, err := ln.Accept()
	if err == nil {
		c.Close()
	}
}
`
)

// buildProgram builds a one-file main package with the local toolchain and returns
// the binary's path.
func buildProgram(t *testing.T, src string) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH to build test programs")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/prog\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "prog")
	cmd := exec.Command(goCmd, "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// candor runs the CLI in-process.
func candor(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = cli.Main(context.Background(), args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestScanPrograms(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		want    []scan.Capability // must be found
		wantNot []scan.Capability // must not be found
		none    bool              // no findings at all
	}{
		{name: "does nothing", src: progNothing, none: true},
		{name: "listens", src: progListen, want: []scan.Capability{scan.NetworkListen}, wantNot: []scan.Capability{scan.UpdateSelf}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			bin := buildProgram(t, tt.src)
			code, stdout, stderr := candor("scan", "--config", "", "--format", "json", "--sha512", bin)
			if code != cli.ExitOK {
				t.Fatalf("exit code %d, stderr:\n%s", code, stderr)
			}
			var rep scan.Report
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("output is not a JSON report: %v\n%s", err, stdout)
			}
			if len(rep.Artifacts) != 1 {
				t.Fatalf("got %d artifacts, want 1", len(rep.Artifacts))
			}
			a := rep.Artifacts[0]
			if a.Path != bin || len(a.SHA256) != 64 || len(a.SHA512) != 128 {
				t.Errorf("artifact path %q sha256 %q sha512 %q: want the path and both digests", a.Path, a.SHA256, a.SHA512)
			}
			var got []scan.Capability
			for _, f := range a.Findings {
				got = append(got, f.Capability)
			}
			if tt.none && len(got) != 0 {
				t.Errorf("findings %v, want none", got)
			}
			for _, c := range tt.want {
				if !slices.Contains(got, c) {
					t.Errorf("findings %v lack %s", got, c)
				}
			}
			for _, c := range tt.wantNot {
				if slices.Contains(got, c) {
					t.Errorf("findings %v include %s", got, c)
				}
			}

			// The same scan in every format: exit 0, and the text report names the capability.
			for _, format := range []string{"text", "sarif"} {
				code, out, stderr := candor("scan", "--config", "", "--format", format, bin)
				if code != cli.ExitOK || out == "" {
					t.Errorf("--format %s: exit code %d, stderr:\n%s", format, code, stderr)
				}
				if format == "text" && tt.none && !strings.Contains(out, "no findings") {
					t.Errorf("text report lacks the no-findings line:\n%s", out)
				}
				for _, c := range tt.want {
					if !strings.Contains(out, string(c)) {
						t.Errorf("--format %s output lacks %s", format, c)
					}
				}
			}
		})
	}
}

func TestScanDeterministic(t *testing.T) {
	t.Parallel()
	bin := buildProgram(t, progListen)
	for _, format := range []string{"json", "sarif", "text"} {
		_, a, _ := candor("scan", "--config", "", "--format", format, bin)
		_, b, _ := candor("scan", "--config", "", "--format", format, bin)
		if a != b || a == "" {
			t.Errorf("--format %s: two scans of the same file differ", format)
		}
	}
}

func TestScanOutputFile(t *testing.T) {
	t.Parallel()
	bin := buildProgram(t, progNothing)
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, stderr := candor("scan", "--config", "", "--format", "json", "--output", out, bin)
	if code != cli.ExitOK || stdout != "" {
		t.Fatalf("exit code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Errorf("%s is not JSON", out)
	}

	// A failing scan leaves an existing report alone.
	code, _, _ = candor("scan", "--config", "", "--format", "json", "--output", out, filepath.Join(t.TempDir(), "missing"))
	if code != cli.ExitUsage {
		t.Errorf("scan of a missing file: exit code %d, want %d", code, cli.ExitUsage)
	}
	if again, err := os.ReadFile(out); err != nil || !bytes.Equal(again, data) {
		t.Errorf("a failed scan changed %s", out)
	}
}

func TestScanInputErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("just some text\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated")
	if err := os.WriteFile(truncated, []byte("\x7fELF\x02\x01\x01\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want error
	}{
		{"missing", filepath.Join(dir, "missing"), scan.ErrInput},
		{"directory", dir, scan.ErrInput},
		{"text file", text, scan.ErrUnsupported},
		{"truncated ELF", truncated, scan.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := candor("scan", "--config", "", tt.path)
			// A file that is not an executable is skipped with a note first.
			if code != cli.ExitUsage || stdout != "" || !strings.Contains("\n"+stderr, "\ncandor: ") {
				t.Errorf("exit code %d, stdout %q, stderr %q: want %d, nothing, a candor: message", code, stdout, stderr, cli.ExitUsage)
			}
			// The scanner's error family survives to the exit code mapping.
			s, err := scan.New()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Run(context.Background(), []string{tt.path}); !errors.Is(err, tt.want) {
				t.Errorf("scan error %v, want %v", err, tt.want)
			}
		})
	}
}
