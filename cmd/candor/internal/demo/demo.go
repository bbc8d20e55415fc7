package demo

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
)

// sampleFiles holds the sample program. The sources carry a .txt suffix because an
// embed directive cannot reach into a directory holding a go.mod (another module).
//
//go:embed sample/main.go.txt sample/go.mod.txt
var sampleFiles embed.FS

// SampleHost is the host the sample program phones home to.
const SampleHost = "telemetry.candor-demo.dev"

// Options configure a demo run.
type Options struct {
	// Dir is where the sample is written and built, and where the key, disclosure,
	// attestation and policy are written; it is kept afterwards. Empty means a new
	// temporary directory, removed when [Run] returns.
	Dir string
	// Go is the go command to build with. Empty means "go" looked up on PATH.
	Go string
	// Fallback is the executable scanned when the sample cannot be built. Empty
	// means candor's own executable.
	Fallback string
}

// session is what the steps share.
type session struct {
	opts           Options
	stdout, stderr io.Writer
	dir            string
	// binary is the file the scan step scans; sample says whether it is the sample.
	binary string
	sample bool
	report *scan.Report
	// text renders the report, what attest refused and the verdicts, as the commands do
	// by default.
	text output.Renderer
	// The vendor's and buyer's files, set by the workflow steps (workflow.go).
	key, pub, disclosure, envelope string
}

// step is one stage of the demo, announced as "step N: title".
type step struct {
	title string
	run   func(ctx context.Context, s *session) error
}

// steps are the demo's stages, in order.
func steps() []step {
	return []step{
		{"writing a small sample program", writeSample},
		{"building the sample with the Go toolchain", buildSample},
		{"scanning the binary, as 'candor scan' does", scanBinary},
		{"reading the report", explain},
		{"the vendor makes a throwaway signing key, as 'candor keygen' does", makeKey},
		{"the vendor writes a disclosure: what the program does on the network", writeDisclosure},
		{"the vendor attests the build, as 'candor attest' does", attestSample},
		{"what if the disclosure missed an endpoint?", attestUndisclosed},
		{"the buyer verifies the release with a policy, as 'candor verify' does", verifyAsBuyer},
		{"the buyer verifies a tampered copy", verifyTampered},
	}
}

// Run runs the demo. The scan report and the verify verdicts go to stdout; the narration,
// and what attest prints when it refuses, go to stderr.
func Run(ctx context.Context, stdout, stderr io.Writer, opts Options) error {
	text, err := output.New(output.FormatText)
	if err != nil {
		return err
	}
	s := &session{opts: opts, stdout: stdout, stderr: stderr, dir: opts.Dir, text: text}
	if s.dir == "" {
		dir, err := os.MkdirTemp("", "candor-demo-")
		if err != nil {
			return fmt.Errorf("demo: creating a working directory: %w", err)
		}
		defer os.RemoveAll(dir)
		s.dir = dir
	} else {
		// Absolute, because the build runs inside the sample's directory.
		dir, err := filepath.Abs(s.dir)
		if err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		s.dir = dir
	}
	fmt.Fprintln(stderr, "candor demo: candor finds what a program can do that a buyer would want disclosed:")
	fmt.Fprintln(stderr, "accept remote control, send data out, or force upgrades. Let's try it on a sample.")
	for i, st := range steps() {
		fmt.Fprintf(stderr, "\nstep %d: %s…\n", i+1, termsafe.Line(st.title))
		if err := st.run(ctx, s); err != nil {
			return fmt.Errorf("demo step %d (%s): %w", i+1, st.title, err)
		}
	}
	s.next()
	return nil
}

// say writes one indented line of narration, escaped: its arguments may name the
// directory the demo works in.
func (s *session) say(format string, args ...any) {
	fmt.Fprintf(s.stderr, "  %s\n", termsafe.Message(fmt.Sprintf(format, args...)))
}

func writeSample(_ context.Context, s *session) error {
	src := filepath.Join(s.dir, "sample")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	for _, name := range []string{"main.go", "go.mod"} {
		data, err := sampleFiles.ReadFile("sample/" + name + ".txt")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(src, name), data, 0o644); err != nil {
			return err
		}
	}
	s.say("The sample is a tiny web service, standard library only, in %s.", src)
	s.say("When started it serves HTTP on 127.0.0.1:8080 and reports to")
	s.say("https://%s/v1/ping that it is running. (It is never run here.)", SampleHost)
	return nil
}

func buildSample(ctx context.Context, s *session) error {
	goCmd := s.opts.Go
	if goCmd == "" {
		goCmd = "go"
	}
	goPath, err := exec.LookPath(goCmd)
	if err != nil {
		s.say("There is no go command on PATH, so the sample cannot be built.")
		return useFallback(s)
	}
	name := "candor-demo-sample"
	if runtime.GOOS == "windows" {
		name += ".exe"
	}
	bin := filepath.Join(s.dir, name)
	cmd := exec.CommandContext(ctx, goPath, "build", "-o", bin, ".")
	cmd.Dir = filepath.Join(s.dir, "sample")
	// Inherit the environment (GOTOOLCHAIN, GOCACHE...) but pin what changes the binary
	// or reaches for the network: no cgo, no workspace, no VCS stamping, no local paths.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false -trimpath")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	s.say("Running: go build -o %s . (CGO_ENABLED=0, -trimpath; nothing is downloaded)", bin)
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.say("The build failed (%v):", err)
		for _, line := range lastLines(out.String(), 5) {
			s.say("  %s", line)
		}
		return useFallback(s)
	}
	s.binary, s.sample = bin, true
	s.say("Built %s.", bin)
	return nil
}

// useFallback switches the demo to scanning candor's own executable.
func useFallback(s *session) error {
	self := s.opts.Fallback
	if self == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("cannot find candor's own executable to scan instead: %w", err)
		}
		self = exe
	}
	s.binary, s.sample = self, false
	s.say("The demo scans candor's own executable instead: %s", self)
	s.say("(With Go installed, the demo builds and scans the sample.)")
	return nil
}

func scanBinary(ctx context.Context, s *session) error {
	sc, err := scan.New()
	if err != nil {
		return err
	}
	a := sc.Analyzer()
	s.say("candor %s hashes the file and reads its build info, function table and", a.Version)
	s.say("strings, then applies its rules (version %s, %s).", a.RulesVersion, shortDigest(a.RulesDigest))
	s.say("Nothing is executed.")
	rep, err := sc.Run(ctx, []string{s.binary})
	if err != nil {
		return err
	}
	s.report = rep
	s.say("The report follows on standard output:")
	fmt.Fprintln(s.stderr)
	return s.text.Scan(s.stdout, rep)
}

func explain(_ context.Context, s *session) error {
	if s.report == nil {
		return errNoReport
	}
	var found []string
	byCommitment := map[scan.Commitment][]string{}
	for _, art := range s.report.Artifacts {
		for _, f := range art.Findings {
			c := string(f.Capability)
			if f.Host != "" {
				c += " " + f.Host
			}
			if !slices.Contains(byCommitment[f.Commitment], c) {
				byCommitment[f.Commitment] = append(byCommitment[f.Commitment], c)
			}
			found = append(found, c)
		}
	}
	if len(found) == 0 {
		s.say("No rule matched: the rules found no capability to disclose.")
	} else {
		for _, c := range []struct {
			id    scan.Commitment
			label string
		}{
			{scan.CommitmentRemoteControl, "remote control"},
			{scan.CommitmentExfiltration, "exfiltration"},
			{scan.CommitmentForcedUpgrade, "forced upgrade"},
			{scan.CommitmentAll, "all commitments"},
		} {
			if l := byCommitment[c.id]; len(l) > 0 {
				s.say("%-15s %s", c.label+":", strings.Join(l, ", "))
			}
		}
	}
	if s.sample {
		s.say("The sample serves HTTP (a network.listen finding: a way in) and phones home")
		s.say("to %s (network.connect and network.endpoint: a way out).", SampleHost)
	} else {
		s.say("candor carries the sample's source to build it, so the sample's host shows")
		s.say("up as a string. 'referenced' means only a string was found; 'linked' means")
		s.say("the code that does it is in the binary.")
	}
	s.say("Findings are not verdicts: they are what the vendor must disclose and what a")
	s.say("buyer decides to accept. Each one names its rule and the evidence to check.")
	return nil
}

// next suggests what to try after the demo.
func (s *session) next() {
	fmt.Fprintln(s.stderr, "\nnext:")
	target := s.binary
	if s.opts.Dir == "" && s.sample {
		target = "./your-program"
		s.say("candor demo --dir ./candor-demo     keep the sample, key, disclosure and attestation")
	}
	s.say("candor scan --format json %s", shellQuote(target))
	s.say("candor keygen && candor attest --disclosure disclosure.yaml --key candor.key -o app.intoto.json ./app")
	s.say("candor verify --key vendor.pub --policy policy.yaml --rescan ./app")
	s.say("candor help attest; candor help verify")
}

// shortDigest abbreviates "sha256:<hex>" for narration; reports carry the full digest.
func shortDigest(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13] + "…"
	}
	return d
}

// lastLines returns the last n non-empty lines of s.
func lastLines(s string, n int) []string {
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(p string) string {
	if p != "" && strings.IndexFunc(p, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:=@", r))
	}) < 0 {
		return p
	}
	return "'" + strings.ReplaceAll(p, "'", `'\''`) + "'"
}

// errNoReport guards explain against running before the scan step.
var errNoReport = errors.New("no scan report to explain")
