package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/scan"
)

// TestAttestJSON: the JSON form of an attest outcome lists every uncovered finding with its
// artifact, rule, capability, confidence, host and suggested YAML, the grouped block, and the
// verdict; it decodes to exactly the outcome's strings, and no control character is raw.
func TestAttestJSON(t *testing.T) {
	t.Parallel()
	res := sampleAttestResult()
	res.Uncovered[0].Artifact = "agent\x1b[2J"
	var b bytes.Buffer
	if err := (jsonRenderer{}).Attest(&b, &Attestation{Result: res, Signed: true}); err != nil {
		t.Fatal(err)
	}
	if bytes.ContainsAny(b.Bytes(), "\x1b\r") {
		t.Fatalf("raw control character:\n%s", b.String())
	}
	var got AttestJSON
	dec := json.NewDecoder(&b)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if !got.Signed || got.Written != "dist/agent.intoto.json" || got.Artifacts != 2 || got.Verdict == nil || got.Verdict.NoUndisclosedExfiltration.Holds {
		t.Errorf("outcome: %+v", got)
	}
	if len(got.Uncovered) != 2 {
		t.Fatalf("uncovered: %+v", got.Uncovered)
	}
	u := got.Uncovered[0]
	if u.Artifact != "agent\x1b[2J" || u.Rule != "endpoint.literal" || u.Capability != scan.NetworkEndpoint ||
		u.Confidence != scan.Referenced || u.Host != "c2.evil.example" || !strings.HasPrefix(u.Disclose, "endpoints:") {
		t.Errorf("first: %+v", u)
	}
	if got.Uncovered[1].Note == "" || got.Uncovered[1].Accept == "" {
		t.Errorf("second: %+v", got.Uncovered[1])
	}
	if got.Suggestion != attest.SuggestYAML(res.Uncovered) || !strings.Contains(got.Suggestion, "\nupdates:\n") {
		t.Errorf("suggestion:\n%s", got.Suggestion)
	}

	// Nothing uncovered: an empty list, not null.
	res.Uncovered = nil
	b.Reset()
	if err := (jsonRenderer{}).Attest(&b, &Attestation{Result: res, Signed: true}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"uncovered": []`) || strings.Contains(b.String(), `"suggestion"`) {
		t.Errorf("all covered:\n%s", b.String())
	}
}
