package verify

import (
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

func scanEndpoint(rule, host string) scan.Finding {
	return scan.Finding{Rule: rule, Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration, Confidence: scan.Referenced,
		Host: host, Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://" + host, Where: ".rodata+0x10"}}, EvidenceTotal: 1}
}

// TestCompareRescan: findings are matched by place, rule and host with the same rules, by
// place, capability and host with others; members of archives are compared in place.
func TestCompareRescan(t *testing.T) {
	t.Parallel()
	sha := strings.Repeat("a", 64)
	an := scan.Analyzer{Name: "candor", Version: "v1.3.0", RulesVersion: "1", RulesDigest: "sha256:00"}
	decl := predicate.Declarations{Endpoints: []predicate.Endpoint{{Host: "*.acme.example", Purpose: "p", Data: []string{}, Consent: predicate.ConsentAlways}}}
	pred := testPredicate(decl)
	a := &pred.Analysis.Artifacts[0]
	a.Name = "bundle.tar"
	a.Digest["sha256"] = sha
	a.Members = []predicate.ArtifactAnalysis{{Name: "bin/agent", Format: "elf", Arch: "amd64",
		Findings: []predicate.Finding{endpointFinding("api.acme.example", "endpoints[0]"), endpointFinding("old.acme.example", "endpoints[0]")}}}

	fresh := func(fs ...scan.Finding) *scan.Artifact {
		return &scan.Artifact{SHA256: sha, Members: []scan.Artifact{{Path: "bin/agent", Findings: fs}}}
	}
	same := an
	other := an
	other.RulesDigest, other.RulesVersion = "sha256:11", "2"

	// Same rules, same findings (one attested finding gone: a note, not a failure).
	res := compareRescan("bundle.tar", sha, fresh(scanEndpoint("endpoint.literal", "api.acme.example")), same, pred, a, 0)
	if len(res.reasons) != 0 || len(res.notes) != 1 || !strings.Contains(res.notes[0], "old.acme.example") {
		t.Errorf("same findings: reasons %q notes %q", res.reasons, res.notes)
	}
	// A host the attestation does not list, inside a member: named with its place.
	res = compareRescan("bundle.tar", sha, fresh(scanEndpoint("endpoint.literal", "c2.evil.example")), same, pred, a, 0)
	if len(res.reasons) != 1 || !strings.HasPrefix(res.reasons[0], "bundle.tar!/bin/agent: the re-scan found network.endpoint c2.evil.example") {
		t.Errorf("new host: %q", res.reasons)
	}
	// Other rules: the rule id changed, the capability and host did not.
	res = compareRescan("bundle.tar", sha, fresh(scanEndpoint("endpoint.url", "api.acme.example")), other, pred, a, 0)
	if len(res.reasons) != 0 || !strings.Contains(strings.Join(res.notes, "\n"), "compared by capability and host") {
		t.Errorf("other rules: reasons %q notes %q", res.reasons, res.notes)
	}
	// With the same rules, another rule id is another finding.
	res = compareRescan("bundle.tar", sha, fresh(scanEndpoint("endpoint.url", "api.acme.example")), same, pred, a, 0)
	if len(res.reasons) != 1 {
		t.Errorf("same rules, other rule id: %q", res.reasons)
	}
	// An attested but uncovered finding fails even when listed.
	a.Members[0].Findings[0].CoveredBy = ""
	res = compareRescan("bundle.tar", sha, fresh(scanEndpoint("endpoint.literal", "api.acme.example")), same, pred, a, 0)
	if len(res.reasons) != 1 || !strings.Contains(res.reasons[0], "not covered") {
		t.Errorf("uncovered: %q", res.reasons)
	}
	// ... unless the policy accepts that many undisclosed findings (findings.maxUndisclosed),
	// as the policy step does; one more than it accepts fails again.
	res = compareRescan("bundle.tar", sha, fresh(scanEndpoint("endpoint.literal", "api.acme.example")), same, pred, a, 1)
	if len(res.reasons) != 0 || !strings.Contains(res.detail, "1 undisclosed (at most 1)") {
		t.Errorf("uncovered within maxUndisclosed 1: reasons %q detail %q", res.reasons, res.detail)
	}
	a.Members[0].Findings[1].CoveredBy = ""
	res = compareRescan("bundle.tar", sha, fresh(scanEndpoint("endpoint.literal", "api.acme.example"), scanEndpoint("endpoint.literal", "old.acme.example")), same, pred, a, 1)
	if len(res.reasons) != 3 || !strings.Contains(res.reasons[2], "accepts at most 1") {
		t.Errorf("2 uncovered, maxUndisclosed 1: %q", res.reasons)
	}
	// A finding the analysis does not list fails whatever maxUndisclosed allows.
	res = compareRescan("bundle.tar", sha, fresh(scanEndpoint("endpoint.literal", "c2.evil.example")), same, pred, a, 5)
	if len(res.reasons) != 1 || !strings.Contains(res.reasons[0], "does not list") {
		t.Errorf("unlisted finding with maxUndisclosed 5: %q", res.reasons)
	}
	a.Members[0].Findings[1].CoveredBy = "endpoints[0]"
	// The file changed between hashing and scanning.
	f := fresh()
	f.SHA256 = strings.Repeat("b", 64)
	if res = compareRescan("bundle.tar", sha, f, same, pred, a, 0); len(res.reasons) != 1 || !strings.Contains(res.reasons[0], "changed during verification") {
		t.Errorf("changed file: %q", res.reasons)
	}
}
