package predicate

import (
	stdjson "encoding/json"
	"encoding/json/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan"
)

// TestFindingWire: a predicate finding is written as the analyser's finding with coveredBy
// added last (omitted when empty), and reads back, strictly, to the same value.
func TestFindingWire(t *testing.T) {
	t.Parallel()
	sf := scan.Finding{Rule: "endpoint.url", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
		Confidence: scan.Referenced, Host: "api.acme.example",
		Evidence:      []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://api.acme.example/v1", Where: ".rodata+0x10"}},
		EvidenceTotal: 1, Summary: "hard-coded host"}
	scanJSON, err := stdjson.Marshal(sf)
	if err != nil {
		t.Fatal(err)
	}
	for _, by := range []string{"endpoints[0]", ""} {
		f := Finding{Finding: sf, CoveredBy: by}
		got, err := stdjson.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		want := string(scanJSON)
		if by != "" {
			want = strings.TrimSuffix(want, "}") + `,"coveredBy":"` + by + `"}`
		}
		if string(got) != want {
			t.Errorf("coveredBy %q: JSON\n%s\nwant\n%s", by, got, want)
		}
		var back Finding
		if err := json.Unmarshal(got, &back, json.RejectUnknownMembers(true)); err != nil {
			t.Fatalf("coveredBy %q: %v", by, err)
		}
		if !reflect.DeepEqual(back, f) {
			t.Errorf("coveredBy %q: read back %+v, want %+v", by, back, f)
		}
	}
	var bad Finding
	if err := json.Unmarshal([]byte(`{"rule":"r","covered":"x"}`), &bad, json.RejectUnknownMembers(true)); err == nil {
		t.Error("an unknown member was accepted")
	}
}

// TestCoverAttested: the matcher takes an attested finding as it is (its embedded
// scan.Finding), so verify judges coverage again without converting it.
func TestCoverAttested(t *testing.T) {
	t.Parallel()
	d := &Declarations{
		Endpoints: []Endpoint{{Host: "*.acme.example", Purpose: "licence", Data: []string{}, Consent: ConsentAlways}},
		Accepted:  []Accepted{{Rule: "endpoint.url", Value: "schemas.xmlsoap.org", Reason: "a namespace, never contacted"}},
	}
	for _, tt := range []struct{ host, want string }{
		{"eu.api.acme.example", "endpoints[0]"},
		{"acme.example", ""},
		{"SCHEMAS.xmlsoap.org", "accepted[0]"},
		{"evilacme.example", ""},
	} {
		f := Finding{Finding: scan.Finding{Rule: "endpoint.url", Capability: scan.NetworkEndpoint, Host: tt.host}, CoveredBy: "endpoints[0]"}
		if got := d.Cover(f.Finding); got != tt.want {
			t.Errorf("Cover(%s) = %q, want %q", tt.host, got, tt.want)
		}
	}
}
