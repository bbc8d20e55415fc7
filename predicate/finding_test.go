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
// (omitted when empty), disposition and reason (omitted when empty) added last, and reads
// back, strictly, to the same value.
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
	for _, tt := range []struct{ by, reason string }{{"endpoints[0]", ""}, {"", ""}, {"accepted[1]", "never contacted"}} {
		by := tt.by
		f := Finding{Finding: sf, CoveredBy: by, Disposition: DispositionOf(by), Reason: tt.reason}
		got, err := stdjson.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		want := strings.TrimSuffix(string(scanJSON), "}")
		if by != "" {
			want += `,"coveredBy":"` + by + `"`
		}
		want += `,"disposition":"` + string(DispositionOf(by)) + `"`
		if tt.reason != "" {
			want += `,"reason":"` + tt.reason + `"`
		}
		want += "}"
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

// TestCoverTable: an endpoint table is covered when every host is, or by an
// accepted entry naming its module (with or without the version) or its owner.
func TestCoverTable(t *testing.T) {
	t.Parallel()
	table := scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint,
		Hosts: []string{"api.eu-west-1.sdk.example", "api.us-east-1.sdk.example"},
		Table: "static data at 0x1000, used by example.com/sdk/partition.Host", Module: "example.com/sdk@v1.2.3"}
	for _, tt := range []struct {
		name string
		d    Declarations
		want string
	}{
		{"every host by a wildcard", Declarations{Endpoints: []Endpoint{{Host: "*.sdk.example", Purpose: "api", Data: []string{}, Consent: ConsentAlways}}}, "endpoints[0]"},
		{"one host missing", Declarations{Endpoints: []Endpoint{{Host: "api.eu-west-1.sdk.example", Purpose: "api", Data: []string{}, Consent: ConsentAlways}}}, ""},
		{"accepted by module path", Declarations{Accepted: []Accepted{{Rule: "endpoint.table", Value: "example.com/sdk", Reason: "region table, one region used"}}}, "accepted[0]"},
		{"accepted by module@version", Declarations{Accepted: []Accepted{{Rule: "endpoint.table", Value: "example.com/sdk@v1.2.3", Reason: "r"}}}, "accepted[0]"},
		{"other version", Declarations{Accepted: []Accepted{{Rule: "endpoint.table", Value: "example.com/sdk@v1.2.4", Reason: "r"}}}, ""},
		{"other module", Declarations{Accepted: []Accepted{{Rule: "endpoint.table", Value: "example.com/other", Reason: "r"}}}, ""},
		{"accepted by owner", Declarations{Accepted: []Accepted{{Rule: "endpoint.table", Value: table.Table, Reason: "r"}}}, "accepted[0]"},
	} {
		if got := tt.d.Cover(table); got != tt.want {
			t.Errorf("%s: Cover = %q, want %q", tt.name, got, tt.want)
		}
	}
}
