package output

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// sampleReport is a hand-built report: the renderers are under test, not the scanner.
// It has an artifact with findings under every commitment (one with a hostile string
// and truncated evidence) and one artifact with none.
func sampleReport() *scan.Report {
	return &scan.Report{
		Analyzer: scan.Analyzer{Name: "candor", Version: "0.1.0-test", RulesVersion: "2026.1", RulesDigest: "sha256:4f3c2a"},
		Artifacts: []scan.Artifact{
			{
				Path:       "dist/agent-linux-amd64",
				Size:       7340032,
				SHA256:     "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
				SHA512:     "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db27ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff",
				Format:     "elf",
				OS:         "linux",
				Arch:       "amd64",
				GoVersion:  "go1.27.3",
				MainModule: &scan.Module{Path: "example.com/agent", Version: "v1.4.0"},
				Modules:    []scan.Module{{Path: "github.com/minio/selfupdate", Version: "v0.6.0"}},
				Functions:  4210,
				Packages:   87,
				Findings: []scan.Finding{
					{
						Rule: "go.net.listen", Capability: scan.NetworkListen, Commitment: scan.CommitmentRemoteControl,
						Confidence: scan.Linked, Summary: "accepts inbound network connections",
						Evidence: []scan.Evidence{
							{Kind: scan.EvidenceFunction, Value: "net.(*TCPListener).accept", Where: ".gopclntab"},
							{Kind: scan.EvidenceFunction, Value: "net/http.(*Server).Serve", Where: ".gopclntab"},
						},
						EvidenceTotal: 5,
					},
					{
						Rule: "go.net.connect", Capability: scan.NetworkConnect, Commitment: scan.CommitmentExfiltration,
						Confidence: scan.Linked, Summary: "opens outbound network connections",
						Evidence:      []scan.Evidence{{Kind: scan.EvidenceFunction, Value: "net.(*Dialer).DialContext", Where: ".gopclntab"}},
						EvidenceTotal: 1,
					},
					{
						Rule: "str.endpoint", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
						Confidence: scan.Referenced, Host: "telemetry.example.com", Summary: "hard-coded remote host",
						Evidence:      []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://telemetry.example.com/v1/ping", Where: ".rodata+0x1a2b"}},
						EvidenceTotal: 1,
					},
					{
						Rule: "str.endpoint", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
						Confidence: scan.Referenced, Host: "evil.example\u202e", Summary: "hard-coded remote host",
						Evidence:      []scan.Evidence{{Kind: scan.EvidenceString, Value: "http://evil.example\u202e/\x1b[2Jx", Where: ".rodata+0x2000"}},
						EvidenceTotal: 1,
					},
					{
						Rule: "go.mod.selfupdate", Capability: scan.UpdateSelf, Commitment: scan.CommitmentForcedUpgrade,
						Confidence: scan.Linked, Summary: "replaces its own executable",
						Evidence:      []scan.Evidence{{Kind: scan.EvidenceModule, Value: "github.com/minio/selfupdate@v0.6.0", Where: "buildinfo"}},
						EvidenceTotal: 1,
					},
					{
						Rule: "fmt.packed", Capability: scan.AnalysisObscured, Commitment: scan.CommitmentAll,
						Confidence: scan.Linked, Summary: "packed with UPX: cannot be attested clean",
						Evidence:      []scan.Evidence{{Kind: scan.EvidenceFormat, Value: "UPX0 section", Where: "section headers"}},
						EvidenceTotal: 1,
					},
				},
			},
			{
				Path:      "dist/hello",
				Size:      1200000,
				SHA256:    "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
				Format:    "macho",
				OS:        "darwin",
				Arch:      "arm64",
				Modules:   nil,
				Functions: 1200,
				Packages:  30,
				Findings:  nil,
			},
		},
	}
}

// sampleSpecs describe some of the sample report's rules, as the scanner's rule set would.
var sampleSpecs = []scan.RuleSpec{
	{ID: "str.endpoint", Capability: scan.NetworkEndpoint, Summary: "hard-coded remote host"},
	{ID: "go.net.listen", Capability: scan.NetworkListen, Summary: "accepts inbound connections (listeners, servers)"},
}

func TestGolden(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			got := render(t, f, sampleReport(), WithRuleSpecs(sampleSpecs))
			golden := filepath.Join("testdata", "report."+string(f)+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/output -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s output differs from %s (rerun with -update if the change is intended)\n--- got ---\n%s", f, golden, got)
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	for _, f := range Formats() {
		t.Run(string(f), func(t *testing.T) {
			a := render(t, f, sampleReport())
			for range 5 {
				if b := render(t, f, sampleReport()); !bytes.Equal(a, b) {
					t.Fatalf("two renderings of the same report differ")
				}
			}
			if !bytes.HasSuffix(a, []byte("\n")) {
				t.Errorf("output does not end in a newline")
			}
		})
	}
}

func TestJSONRoundTrip(t *testing.T) {
	got := render(t, FormatJSON, sampleReport())
	var back scan.Report
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Artifacts) != 2 || len(back.Artifacts[0].Findings) != 6 {
		t.Fatalf("round trip lost data: %+v", back)
	}
	if back.Artifacts[1].Findings == nil || back.Artifacts[1].Modules == nil {
		t.Errorf("empty lists encoded as null, want []")
	}
	if back.Artifacts[0].Findings[3].Host != "evil.example\u202e" {
		t.Errorf("JSON must carry values exactly, got host %q", back.Artifacts[0].Findings[3].Host)
	}
}

func TestTextEscapesHostileStrings(t *testing.T) {
	got := string(render(t, FormatText, sampleReport()))
	if strings.ContainsAny(got, "\x1b\u202e") {
		t.Errorf("text output carries raw control or bidi characters:\n%q", got)
	}
	for _, want := range []string{
		`"http://evil.example\u202e/\x1b[2Jx"`,
		"no findings",
		"forced upgrade: 1 finding",
		"summary: 2 artifacts, 6 findings (remote control 1, exfiltration 3, forced upgrade 1, all commitments 1)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("text output lacks %q", want)
		}
	}
}

func TestPrintable(t *testing.T) {
	long := strings.Repeat("a", maxValue+10)
	tests := []struct{ in, want string }{
		{"net.(*Dialer).DialContext", "net.(*Dialer).DialContext"},
		{"with space", "with space"},
		{"tab\there", `"tab\there"`},
		{"\x1b[31mred", `"\x1b[31mred"`},
		{"rtl\u202eoverride", `"rtl\u202eoverride"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"nbsp\u00a0", `"nbsp\u00a0"`},
		{"héllo wörld", "héllo wörld"},
		{long, strings.Repeat("a", maxValue) + "…"},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := printable(tt.in); got != tt.want {
				t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	for _, f := range Formats() {
		if _, err := New(f); err != nil {
			t.Errorf("New(%q): %v", f, err)
		}
	}
	if _, err := New("yaml"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("New(yaml) = %v, want ErrUnknownFormat", err)
	}
	r, _ := New(FormatText)
	if err := r.Scan(&bytes.Buffer{}, nil); err == nil {
		t.Errorf("rendering a nil report succeeded")
	}
}

func render(t *testing.T, f Format, r *scan.Report, opts ...Option) []byte {
	t.Helper()
	ren, err := New(f, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ren.Scan(&buf, r); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
