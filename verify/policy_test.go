package verify

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
)

func TestLoadPolicyErrorsAreLocated(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		line       int
		field      string
		schema     bool
	}{
		{"unknown field", "apiVersion: candor.dev/policy/v1\nendpoints:\n  allow: [a.example]\n  denny: [b.example]\n", 4, "endpoints.denny", true},
		{"wrong type", "apiVersion: candor.dev/policy/v1\nfindings:\n  maxUndisclosed: none\n", 3, "findings.maxUndisclosed", true},
		{"bad enum", "apiVersion: candor.dev/policy/v1\nlisteners:\n  allowedBinds: [loopback, everywhere]\n", 3, "listeners.allowedBinds[1]", true},
		{"bad host", "apiVersion: candor.dev/policy/v1\nendpoints:\n  deny:\n    - a.*.example\n", 4, "endpoints.deny[0]", true},
		{"bad wildcard", "apiVersion: candor.dev/policy/v1\nendpoints:\n  deny:\n    - \"*.10.0.0.1\"\n", 4, "endpoints.deny[0]", false},
		{"bad version", "apiVersion: candor.dev/policy/v1\nanalyzer: {minVersion: latest}\n", 2, "analyzer.minVersion", true},
		{"zero age", "apiVersion: candor.dev/policy/v1\nmaxAge: 0d\n", 2, "maxAge", false},
		{"duplicate key", "apiVersion: candor.dev/policy/v1\nmaxAge: 1d\nmaxAge: 30d\n", 3, "maxAge", false},
		{"anchors", "apiVersion: candor.dev/policy/v1\nendpoints: &e {allow: [a.example]}\n", 2, "endpoints", false},
		{"missing apiVersion", "maxAge: 1d\n", 1, "apiVersion", true},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			_, err := ParsePolicy("buyer.yaml", []byte(tt.text))
			var pe *PolicyError
			if !errors.As(err, &pe) || !errors.Is(err, ErrPolicyFile) {
				t.Fatalf("got %v, want a *PolicyError", err)
			}
			if errors.Is(err, schemas.ErrInvalid) != tt.schema {
				t.Errorf("schema error %v, want %v", errors.Is(err, schemas.ErrInvalid), tt.schema)
			}
			p := pe.Problems[0]
			if p.Line != tt.line || p.Field != tt.field {
				t.Errorf("problem at line %d field %q, want line %d field %q: %v", p.Line, p.Field, tt.line, tt.field, err)
			}
			if !strings.HasPrefix(err.Error(), "buyer.yaml:") {
				t.Errorf("message does not name the file: %v", err)
			}
		})
	}
	if _, err := LoadPolicy(filepath.Join(t.TempDir(), "missing.yaml")); !errors.Is(err, ErrPolicyFile) {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	must(t, os.WriteFile(big, []byte("apiVersion: candor.dev/policy/v1\n#"+strings.Repeat("x", MaxPolicySize)), 0o644))
	if _, err := LoadPolicy(big); !errors.Is(err, ErrPolicyFile) {
		t.Errorf("oversized policy: %v", err)
	}
}

func TestPolicyNormalisesHosts(t *testing.T) {
	t.Parallel()
	p := mustPolicy(t, "apiVersion: candor.dev/policy/v1\nendpoints:\n  allow: [\"*.Bücher.Example\", API.acme.example.]\n  deny: [\"*.cn\"]\n")
	if want := []string{"*.xn--bcher-kva.example", "api.acme.example"}; !slices.Equal(p.Endpoints.Allow, want) {
		t.Errorf("allow = %q, want %q", p.Endpoints.Allow, want)
	}
	if !slices.Equal(p.Endpoints.Deny, []string{"*.cn"}) {
		t.Errorf("deny = %q: a buyer may deny a whole top-level domain", p.Endpoints.Deny)
	}
	if p.Digest() == "" || p.Source() != "policy.yaml" {
		t.Errorf("digest %q source %q", p.Digest(), p.Source())
	}
	// An empty allow list is kept: it allows nothing.
	p = mustPolicy(t, "apiVersion: candor.dev/policy/v1\nendpoints: {allow: []}\n")
	if p.Endpoints.Allow == nil {
		t.Error("allow: [] read as no allow list")
	}
}

// testPredicate is a predicate with one artifact holding the given findings.
func testPredicate(d predicate.Declarations, findings ...predicate.Finding) *predicate.Predicate {
	return &predicate.Predicate{
		Product:    predicate.Product{Name: "agent", Version: "1.4.2", Vendor: "ACME"},
		Security:   predicate.Security{Contact: "security@acme.example", Policy: "https://acme.example/security", NotificationDays: 30},
		Disclosure: d,
		Analysis: predicate.Analysis{
			Analyzer: scan.Analyzer{Name: "candor", Version: "v1.3.0", RulesVersion: "1", RulesDigest: "sha256:00"},
			Artifacts: []predicate.ArtifactAnalysis{{Name: "agent", Digest: map[string]string{"sha256": strings.Repeat("a", 64)},
				Format: "elf", Arch: "amd64", Findings: findings}},
		},
		ScannedAt: scannedAt,
	}
}

func endpointFinding(host, coveredBy string) predicate.Finding {
	return predicate.Finding{Finding: scan.Finding{Rule: "endpoint.literal", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
		Confidence: scan.Referenced, Host: host, Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://" + host, Where: ".rodata"}},
		EvidenceTotal: 1}, CoveredBy: coveredBy}
}

// TestPolicyRules: each rule passes what it should and fails what it should, with the
// defaults applying when the policy is silent.
func TestPolicyRules(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	decl := predicate.Declarations{
		Endpoints: []predicate.Endpoint{{Host: "*.acme.example", Purpose: "licence", Data: []string{}, Consent: predicate.ConsentAlways}},
		Listeners: []predicate.Listener{{Port: &predicate.PortRange{Low: 9100, High: 9100}, Bind: "all", Purpose: "metrics", Authentication: "none"}},
		Telemetry: []predicate.Telemetry{{Name: "Sentry", Endpoints: []string{"o1.ingest.sentry.io"}, Data: []string{"crashes"}, Consent: predicate.ConsentOptOut}},
		Updates:   &predicate.Updates{Mechanism: predicate.UpdateUserApproved, Endpoints: []string{"updates.acme.example"}, UserCanDisable: &yes, Signed: &yes},
	}
	covered := testPredicate(decl, endpointFinding("api.acme.example", "endpoints[0]"))
	forced := testPredicate(predicate.Declarations{Updates: &predicate.Updates{Mechanism: predicate.UpdateAutomatic, Endpoints: []string{"u.acme.example"}, UserCanDisable: &no, Signed: &yes}})
	undisclosed := testPredicate(predicate.Declarations{}, endpointFinding("evil.example", ""))
	obfuscated := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{{Capability: scan.AnalysisObscured, Value: "UPX!", Reason: "packed on purpose"}}},
		predicate.Finding{Finding: scan.Finding{Rule: "packer.upx", Capability: scan.AnalysisObscured, Commitment: scan.CommitmentAll, Confidence: scan.Linked,
			Evidence: []scan.Evidence{{Kind: scan.EvidenceFormat, Value: "UPX!", Where: "header"}}, EvidenceTotal: 1, Summary: "packed with UPX"}, CoveredBy: "accepted[0]"})

	// An endpoint table accepted by its module: its hosts still meet the
	// buyer's deny list one by one, and the allow list when the policy says so.
	table := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{{Rule: "endpoint.table", Value: "example.com/sdk", Reason: "region table"}}},
		predicate.Finding{Finding: scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
			Confidence: scan.Referenced, Hosts: []string{"api.eu.sdk.example", "api.cn.sdk.example"}, Table: "example.com/sdk/partition.init", Module: "example.com/sdk@v1.0.0",
			Evidence:      []scan.Evidence{{Kind: scan.EvidenceString, Value: "api.eu.sdk.example", Where: ".rodata"}, {Kind: scan.EvidenceString, Value: "api.cn.sdk.example", Where: ".rodata"}},
			EvidenceTotal: 2, Summary: "2 hosts from one table"}, CoveredBy: "accepted[0]"})

	tests := []struct {
		name   string
		policy string
		pred   *predicate.Predicate
		fail   []string // rules expected to fail
	}{
		{"a host in an endpoint table meets the deny list", `endpoints: {deny: ["api.cn.sdk.example"]}`, table, []string{RuleEndpoints}},
		{"an accepted endpoint table's hosts skip the allow list", `endpoints: {allow: ["api.eu.sdk.example"]}`, table, nil},
		{"an accepted endpoint table's hosts meet the allow list when the policy says so", `endpoints: {allow: ["api.eu.sdk.example"], acceptedHosts: allowAndDeny}`, table, []string{RuleEndpoints}},
		{"an endpoint table within the allow list", `endpoints: {allow: ["*.sdk.example"]}`, table, nil},
		{"defaults pass a clean attestation", "", covered, nil},
		{"defaults refuse a forced upgrade", "", forced, []string{RuleUpdates}},
		{"a policy may accept forced upgrades explicitly", "updates: {allowForced: true}", forced, nil},
		{"a policy silent on updates still refuses a forced upgrade", "maxAge: 30d", forced, []string{RuleUpdates}},
		{"defaults refuse undisclosed findings", "", undisclosed, []string{RuleUndisclosed}},
		{"a policy may accept some undisclosed findings", "findings: {maxUndisclosed: 1}", undisclosed, nil},
		{"obfuscation fails whatever covers it", "findings: {maxUndisclosed: 5}", obfuscated, []string{RuleUndisclosed}},
		{"update mechanisms", "updates: {allowedMechanisms: [none, notify]}", covered, []string{RuleUpdates}},
		{"no updates declared counts as none", "updates: {allowedMechanisms: [none]}", undisclosed, []string{RuleUndisclosed}},
		{"telemetry consent", "telemetry: {allowedConsent: [opt-in, user-initiated]}", covered, []string{RuleTelemetry}},
		{"no telemetry at all", "telemetry: {allowedConsent: []}", covered, []string{RuleTelemetry}},
		{"listener binds", "listeners: {allowedBinds: [loopback]}", covered, []string{RuleListeners}},
		{"listener binds allowed", "listeners: {allowedBinds: [loopback, all]}", covered, nil},
		{"allow list covers every host", `endpoints: {allow: ["*.acme.example", "*.sentry.io"]}`, covered, nil},
		{"allow list misses a telemetry host", `endpoints: {allow: ["*.acme.example"]}`, covered, []string{RuleEndpoints}},
		{"an exact allow never covers a declared wildcard", `endpoints: {allow: [api.acme.example, updates.acme.example, o1.ingest.sentry.io]}`, covered, []string{RuleEndpoints}},
		{"deny a found host", `endpoints: {deny: [api.acme.example]}`, covered, []string{RuleEndpoints}},
		{"deny overlapping a declared wildcard", `endpoints: {deny: ["*.eu.acme.example"]}`, covered, []string{RuleEndpoints}},
		{"deny a whole domain", `endpoints: {deny: ["*.io"]}`, covered, []string{RuleEndpoints}},
		{"deny unrelated hosts", `endpoints: {deny: ["*.evil.example", acme.example]}`, covered, nil},
		{"whole labels only", `endpoints: {deny: ["*.cme.example"]}`, covered, nil},
		{"notification window", "security: {maxNotificationDays: 14}", covered, []string{RuleSecurity}},
		{"advisory feed required", "security: {requireContact: true, requireAdvisoryFeed: true}", covered, []string{RuleSecurity}},
		{"product", "product: {name: agent, version: 1.4.2}", covered, nil},
		{"wrong product version", "product: {name: agent, version: 1.5.0}", covered, []string{RuleProduct}},
		{"analyser version", "analyzer: {minVersion: v1.2.0}", covered, nil},
		{"analyser too old", "analyzer: {minVersion: v1.10.0}", covered, []string{RuleAnalyzer}},
		{"age", "maxAge: 2d", covered, nil},
		{"too old", "maxAge: 1h", covered, []string{RuleAge}},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			var pol *Policy
			if tt.policy != "" {
				pol = mustPolicy(t, "apiVersion: candor.dev/policy/v1\n"+tt.policy+"\n")
			}
			a := &tt.pred.Analysis.Artifacts[0]
			checks := applyPolicy(pol, policyInput{pred: tt.pred, analysis: a, name: a.Name, now: testNow()})
			var failed []string
			for _, c := range checks {
				if c.Status == Fail {
					failed = append(failed, c.Rule)
					if len(c.Reasons) == 0 {
						t.Errorf("rule %s failed without a reason", c.Rule)
					}
				}
			}
			if !slices.Equal(failed, tt.fail) {
				t.Errorf("failed rules %q, want %q\n%+v", failed, tt.fail, checks)
			}
		})
	}
}

func TestSemver(t *testing.T) {
	t.Parallel()
	order := []string{"v0.9.9", "v1.0.0-alpha", "v1.0.0-alpha.1", "v1.0.0-alpha.beta", "v1.0.0-beta.2", "v1.0.0-beta.11", "v1.0.0-rc.1", "v1.0.0", "v1.0.1", "v1.10.0", "v2.0.0"}
	for i := 1; i < len(order); i++ {
		a, okA := parseSemver(order[i-1])
		b, ok := parseSemver(order[i])
		if !okA || !ok || a.compare(b) >= 0 || b.compare(a) <= 0 {
			t.Errorf("%s < %s does not hold", order[i-1], order[i])
		}
	}
	for _, bad := range []string{"devel", "v1.2", "v1.2.3-", "v01.2.3", "1.2.x"} {
		if _, ok := parseSemver(bad); ok {
			t.Errorf("%q parsed", bad)
		}
	}
	if _, ok := parseSemver("v0.0.0-20261101120000-abcdef123456"); !ok {
		t.Error("pseudo-version refused")
	}
}
