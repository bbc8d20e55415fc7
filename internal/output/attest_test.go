package output

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/internal/termsafe/termsafetest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// sampleAttestResult is an attest outcome with two undisclosed findings (one with a
// note, more evidence than shown and only an acceptance to suggest) that was signed
// anyway, with one commitment broken.
func sampleAttestResult() *attest.Result {
	return &attest.Result{
		Predicate: &predicate.Predicate{
			Analysis: predicate.Analysis{Artifacts: []predicate.ArtifactAnalysis{{Name: "agent"}, {Name: "agent.exe"}}},
			Verdict: predicate.Verdict{
				NoUndisclosedRemoteControl: predicate.CommitmentVerdict{Holds: true, Findings: 2},
				NoUndisclosedExfiltration: predicate.CommitmentVerdict{Findings: 3, Undisclosed: 1,
					Reasons: []string{"c2.evil.example is not disclosed", "telemetry is off by default but not declared"}},
				NoForcedUpgrade: predicate.CommitmentVerdict{Holds: true},
			},
		},
		Uncovered: []attest.Uncovered{
			{
				Artifact: "agent",
				Finding: scan.Finding{Rule: "endpoint.literal", Capability: scan.NetworkEndpoint, Confidence: scan.Referenced,
					Host: "c2.evil.example", Summary: "hard-coded remote host c2.evil.example",
					Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://c2.evil.example/beacon", Where: ".rodata"}}},
				Disclose: "endpoints:\n  - host: c2.evil.example\n    purpose: <what it is for>\n",
				Accept:   "accepted:\n  - {rule: endpoint.literal, value: c2.evil.example, reason: <why>}\n",
			},
			{
				Artifact: "agent.exe",
				Finding: scan.Finding{Rule: "update.self", Capability: scan.UpdateSelf, Confidence: scan.Linked,
					Evidence:      []scan.Evidence{{Kind: scan.EvidenceFunction, Value: "selfupdate.Apply", Where: "pclntab"}},
					EvidenceTotal: 4},
				Note:   "the disclosure says updates: none",
				Accept: "accepted:\n  - {rule: update.self, value: selfupdate.Apply, reason: <why>}\n",
			},
		},
		Envelope: &dsse.Envelope{Signatures: []dsse.Signature{{KeyID: "a"}, {KeyID: "b"}}},
		Written:  "dist/agent.intoto.json",
	}
}

// TestAttestGolden: the text of an attest outcome, signed and refused, is byte for byte
// the golden (go test -update rewrites it): the findings, a blank line, and only for a
// signed run the summary.
func TestAttestGolden(t *testing.T) {
	t.Parallel()
	var got bytes.Buffer
	for _, signed := range []bool{true, false} {
		if err := (textRenderer{}).Attest(&got, &Attestation{Result: sampleAttestResult(), Disclosure: "disclosure.yaml", Signed: signed}); err != nil {
			t.Fatal(err)
		}
		got.WriteString("----\n")
	}
	res := sampleAttestResult()
	res.Uncovered, res.Written = nil, ""
	if err := (textRenderer{}).Attest(&got, &Attestation{Result: res, Signed: true}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "attest.golden.txt")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("attest text differs (go test -update rewrites it):\n%s", got.String())
	}
}

// TestAttestSummaryEscapes: the file the envelope went to and the verdict's reasons are
// written escaped in the summary of a signed run.
func TestAttestSummaryEscapes(t *testing.T) {
	t.Parallel()
	for _, v := range []string{"\x1b[2J", "\x1b]0;t\x07", "\u009b2J", "\u202eexe", "\rPASS", "\b\bok", "\xff"} {
		res := sampleAttestResult()
		res.Uncovered = nil
		res.Written = "out" + v + ".json"
		res.Predicate.Verdict.NoUndisclosedExfiltration.Reasons = []string{"reason " + v}
		var b bytes.Buffer
		if err := (textRenderer{}).Attest(&b, &Attestation{Result: res, Signed: true}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if bad := termsafetest.Raw(out); bad != "" {
			t.Errorf("summary holds the raw %q:\n%q", bad, out)
		}
		for _, want := range []string{"wrote " + termsafe.String("out"+v+".json") + "\n", "false: " + termsafe.Line("reason "+v) + "\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("summary lacks %q:\n%s", want, out)
			}
		}
	}
}
