package verify

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// acceptedDisclosure accepts phonehome's hard-coded collector by host instead of declaring
// it; its connections are declared as configured.
const acceptedDisclosure = `apiVersion: candor.dev/disclosure/v1
product: {name: phonehome, version: "1.0.0", vendor: ACME}
security: {contact: security@acme.example, policy: "https://acme.example/security", notificationDays: 30}
configuredEndpoints:
  - {setting: --server, purpose: reports to the server the operator names, data: [host name], consent: opt-in}
accepted:
  - host: "*.phonehome-fixture.net"
    reason: "the fixture's collector <never contacted>"
`

// TestAcceptedFindingsListed: a verdict lists each accepted finding with its entry and
// reason, and counts the artifact's findings by disposition per commitment.
func TestAcceptedFindingsListed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	bin := copyFile(t, fixture(t, "phonehome"), dir, "phonehome")
	priv, pub := testKey(t, dir, "vendor")
	env := attestFile(t, acceptedDisclosure, filepath.Join(dir, "phonehome.intoto.json"), false, []string{priv}, bin)
	vd := verifierFor(t, []string{pub}).Verify(context.Background(), "phonehome.intoto.json", env, targetOf(t, bin))
	if !vd.Passed {
		t.Fatalf("verdict failed: %v\n%+v", vd.Err, vd.Checks)
	}
	if len(vd.Accepted) != 1 {
		t.Fatalf("accepted findings: %+v", vd.Accepted)
	}
	a := vd.Accepted[0]
	if a.Artifact != "phonehome" || a.Capability != scan.NetworkEndpoint || a.Host != "collect.phonehome-fixture.net" ||
		a.AcceptedBy != "accepted[0]" || a.Selectors != `host="*.phonehome-fixture.net"` || a.Reason != "the fixture's collector <never contacted>" || a.Confidence == "" {
		t.Errorf("accepted finding %+v", a)
	}
	var ex FindingCounts
	for _, c := range vd.Findings {
		if c.Findings != c.Disclosed+c.Accepted+c.Undisclosed {
			t.Errorf("counts do not add up: %+v", c)
		}
		if c.Commitment == "noUndisclosedExfiltration" {
			ex = c
		}
	}
	if ex.Findings < 2 || ex.Disclosed < 1 || ex.Accepted != 1 || ex.Undisclosed != 0 {
		t.Errorf("exfiltration counts %+v (findings %+v)", ex, vd.Findings)
	}
}

// TestForgedCoverage: a vendor who signs by hand what attest would refuse (a wildcard under
// a public suffix or on an IP's digits, a disposition or reason coveredBy does not give,
// counts that do not add up) gets a failing predicate step.
func TestForgedCoverage(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pred := func(m map[string]any) map[string]any { return m["predicate"].(map[string]any) }
	disclosure := func(m map[string]any) map[string]any { return pred(m)["disclosure"].(map[string]any) }
	findings := func(m map[string]any) []any {
		return pred(m)["analysis"].(map[string]any)["artifacts"].([]any)[0].(map[string]any)["findings"].([]any)
	}
	// endpointFinding is the finding of the collector's host.
	endpointFinding := func(m map[string]any) map[string]any {
		for _, f := range findings(m) {
			if f := f.(map[string]any); f["capability"] == string(scan.NetworkEndpoint) {
				return f
			}
		}
		t.Fatal("no endpoint finding")
		return nil
	}
	accept := func(m map[string]any, host string) {
		disclosure(m)["accepted"] = []any{map[string]any{"host": host, "reason": "hand-signed, never contacted"}}
		disclosure(m)["endpoints"] = []any{map[string]any{"host": "other.acme.example", "purpose": "p", "data": []any{}, "consent": "always"}}
		f := endpointFinding(m)
		f["coveredBy"], f["disposition"], f["reason"] = "accepted[0]", "accepted", "hand-signed, never contacted"
		ex := pred(m)["verdict"].(map[string]any)["noUndisclosedExfiltration"].(map[string]any)
		ex["disclosed"], ex["accepted"] = ex["disclosed"].(float64)-1, 1.0
	}
	for _, tt := range []struct {
		name string
		edit func(m map[string]any)
		want string
	}{
		{"endpoint *.net", func(m map[string]any) {
			disclosure(m)["endpoints"].([]any)[0].(map[string]any)["host"] = "*.net"
		}, `endpoints[0].host: "*.net" would cover every domain under the public suffix`},
		{"accepted *.net", func(m map[string]any) { accept(m, "*.net") }, `accepted[0].host: "*.net" would cover`},
		{"accepted *.0.1", func(m map[string]any) { accept(m, "*.0.1") }, "an IP address cannot take a wildcard"},
		{"telemetry endpoint *.com", func(m map[string]any) {
			disclosure(m)["telemetry"] = []any{map[string]any{"name": "t", "endpoints": []any{"*.com"}, "data": []any{}, "consent": "opt-in"}}
		}, "telemetry[0].endpoints[0]"},
		{"update endpoint *.co.uk", func(m map[string]any) {
			disclosure(m)["updates"] = map[string]any{"mechanism": "notify", "endpoints": []any{"*.co.uk"}, "signed": true, "userCanDisable": true}
		}, "updates.endpoints[0]"},
		{"host not normalised", func(m map[string]any) {
			disclosure(m)["endpoints"].([]any)[0].(map[string]any)["host"] = "Collect.Phonehome-Fixture.NET"
		}, "not in the normal form"},
		{"undisclosed marked disclosed", func(m map[string]any) {
			f := endpointFinding(m)
			delete(f, "coveredBy")
		}, `is marked disclosed, but coveredBy "" makes it undisclosed`},
		{"accepted marked disclosed", func(m map[string]any) {
			accept(m, "*.phonehome-fixture.net")
			endpointFinding(m)["disposition"] = "disclosed"
			delete(endpointFinding(m), "reason")
		}, `is marked disclosed, but coveredBy "accepted[0]" makes it accepted`},
		{"disclosed marked accepted", func(m map[string]any) {
			endpointFinding(m)["disposition"] = "accepted"
		}, `is marked accepted, but coveredBy "endpoints[0]" makes it disclosed`},
		{"reason on a disclosed finding", func(m map[string]any) {
			endpointFinding(m)["reason"] = "trust us, it is fine"
		}, "has a reason but is not accepted"},
		{"another reason than the entry's", func(m map[string]any) {
			accept(m, "*.phonehome-fixture.net")
			endpointFinding(m)["reason"] = "a nicer reason"
		}, `has reason "a nicer reason", not the reason of accepted[0]`},
		{"coveredBy an entry that does not exist", func(m map[string]any) {
			accept(m, "*.phonehome-fixture.net")
			endpointFinding(m)["coveredBy"] = "accepted[3]"
		}, "is covered by accepted[3], which the disclosure does not have"},
		{"counts that do not add up", func(m map[string]any) {
			ex := pred(m)["verdict"].(map[string]any)["noUndisclosedExfiltration"].(map[string]any)
			ex["disclosed"] = ex["disclosed"].(float64) + 1
		}, "verdict noUndisclosedExfiltration counts"},
		{"counts that hide an accepted finding", func(m map[string]any) {
			accept(m, "*.phonehome-fixture.net")
			ex := pred(m)["verdict"].(map[string]any)["noUndisclosedExfiltration"].(map[string]any)
			ex["disclosed"], ex["accepted"] = ex["disclosed"].(float64)+1, 0.0
		}, "verdict noUndisclosedExfiltration counts"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := payloadOf(t, w.env)
			tt.edit(m)
			env := resign(t, m, w.priv)
			vd := verifierFor(t, []string{w.pub}).Verify(context.Background(), "x.intoto.json", env, targetOf(t, w.bin))
			if vd.Passed || !errors.Is(vd.Err, ErrPredicate) {
				t.Fatalf("got %v (passed %v), want ErrPredicate", vd.Err, vd.Passed)
			}
			if !strings.Contains(vd.Err.Error(), tt.want) {
				t.Errorf("error does not say %q:\n%v", tt.want, vd.Err)
			}
			if len(vd.Accepted) != 0 {
				t.Errorf("a refused predicate lists accepted findings: %+v", vd.Accepted)
			}
		})
	}
	// The edit that accepts the collector by a sound wildcard is itself consistent: it passes.
	m := payloadOf(t, w.env)
	accept(m, "*.phonehome-fixture.net")
	vd := verifierFor(t, []string{w.pub}).Verify(context.Background(), "x.intoto.json", resign(t, m, w.priv), targetOf(t, w.bin))
	if !vd.Passed || len(vd.Accepted) != 1 {
		t.Errorf("consistent hand-made acceptance: %v, accepted %+v", vd.Err, vd.Accepted)
	}
}

// TestCheckSignedBounded: a predicate with very many inconsistent findings gives a bounded
// list of reasons.
func TestCheckSignedBounded(t *testing.T) {
	t.Parallel()
	p := &predicate.Predicate{}
	a := predicate.ArtifactAnalysis{Name: "a"}
	for range 1000 {
		a.Findings = append(a.Findings, predicate.Finding{Finding: scan.Finding{Capability: scan.ProcessExec, Commitment: scan.CommitmentRemoteControl}, Disposition: predicate.Disclosed})
	}
	p.Analysis.Artifacts = []predicate.ArtifactAnalysis{a}
	r := checkSigned(p)
	if len(r) != maxSchemaReasons+1 || r[len(r)-1] != "and more" {
		t.Errorf("%d reasons, last %q", len(r), r[len(r)-1])
	}
}
