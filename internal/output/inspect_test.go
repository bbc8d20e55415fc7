package output

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// sampleInspect is an inspect report with every kind of attestation and check outcome.
func sampleInspect(hostile string) *inspect.Report {
	sha := strings.Repeat("a1", 32)
	yes := true
	disc := &predicate.Predicate{
		Product:  predicate.Product{Name: "agent" + hostile, Version: "1.4.2", Vendor: "ACME Corp"},
		Security: predicate.Security{Contact: "security@acme.example", Policy: "https://acme.example/security", NotificationDays: 30},
		Disclosure: predicate.Declarations{
			Endpoints: []predicate.Endpoint{{Host: "api.acme.example", Ports: []int{443}, Purpose: "licence check" + hostile, Data: []string{"licence key", "host name"}, Consent: predicate.ConsentAlways}},
			Listeners: []predicate.Listener{{Port: &predicate.PortRange{Low: 9100, High: 9100}, Bind: "loopback", Purpose: "Prometheus metrics", Authentication: "none"}},
			Updates:   &predicate.Updates{Mechanism: predicate.UpdateUserApproved, Endpoints: []string{"updates.acme.example"}, UserCanDisable: &yes, Signed: &yes},
			Accepted:  []predicate.Accepted{{Rule: "process.exec", Value: "os/exec.(*Cmd).Start", Reason: "runs the configured hook" + hostile}},
		},
		Analysis: predicate.Analysis{
			Analyzer: scan.Analyzer{Name: "candor", Version: "v1.2.3", RulesVersion: "7", RulesDigest: "sha256:" + strings.Repeat("cd", 32)},
			Artifacts: []predicate.ArtifactAnalysis{{Name: "agent", Digest: map[string]string{"sha256": sha}, Format: "elf", Arch: "amd64",
				Findings: []predicate.Finding{{
					Finding: scan.Finding{Rule: "endpoint.literal", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration, Confidence: scan.Linked,
						Host: "api.acme.example", Summary: "contacts api.acme.example",
						Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://api.acme.example/v1/licence" + hostile, Where: ".rodata+0x1200",
							Reach: "direct", Path: []string{"main.main", "main.checkLicence", "net/http.(*Client).Do"}}}, EvidenceTotal: 3},
					CoveredBy: "endpoints[0]", Disposition: predicate.Disclosed,
				}}}},
		},
		Verdict: predicate.Verdict{NoUndisclosedRemoteControl: predicate.CommitmentVerdict{Holds: true, Findings: 1, Accepted: 1},
			NoUndisclosedExfiltration: predicate.CommitmentVerdict{Holds: true, Findings: 1, Disclosed: 1}, NoForcedUpgrade: predicate.CommitmentVerdict{Holds: true}},
	}
	key := inspect.KeyRef{Name: "vendor.pub", Fingerprint: "SHA256:vendorfingerprint"}
	subj := []inspect.Subject{{Name: "agent", Digest: map[string]string{"sha256": sha}}}
	atts := []*inspect.Attestation{
		{Source: "agent.intoto.jsonl#1", SHA256: strings.Repeat("01", 32), PayloadType: predicate.PayloadType, Signers: []inspect.KeyRef{key}, Verified: true, Signatures: 1,
			StatementType: "https://in-toto.io/Statement/v1", PredicateType: predicate.PredicateType, Kind: inspect.KindDisclosure, Subjects: subj, Disclosure: disc},
		{Source: "agent.intoto.jsonl#2", SHA256: strings.Repeat("02", 32), PayloadType: predicate.PayloadType, Signers: []inspect.KeyRef{key}, Verified: true, Signatures: 1,
			PredicateType: inspect.ProvenanceV1, Kind: inspect.KindProvenance, Subjects: subj,
			Provenance: &inspect.Provenance{Version: "v1", Builder: "https://github.com/actions/runner", BuildType: "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
				SourceRepo: "git+https://github.com/acme/agent", SourceCommit: strings.Repeat("c", 40), Dependencies: []inspect.Resource{{URI: "git+https://github.com/acme/agent"}}}},
		{Source: "agent.intoto.jsonl#3", SHA256: strings.Repeat("03", 32), PayloadType: predicate.PayloadType, Signers: []inspect.KeyRef{key}, Verified: true, Signatures: 1,
			PredicateType: inspect.CycloneDXBOM, Kind: inspect.KindSBOM, Subjects: subj,
			SBOM: &inspect.SBOM{Format: "CycloneDX-1.5", Components: []inspect.Component{{Name: "golang.org/x/net", Version: "v0.30.0"}}, GoModules: []inspect.Module{{Path: "golang.org/x/net", Version: "v0.30.0"}}}},
		{Source: "agent.vsa.intoto.json", SHA256: strings.Repeat("04", 32), PayloadType: predicate.PayloadType, Signers: []inspect.KeyRef{key}, Verified: true, Signatures: 1,
			PredicateType: inspect.SummaryV1, Kind: inspect.KindVSA, Subjects: subj,
			VSA: &inspect.VSA{Verifier: "https://candor.dev/verify/v1", Result: "PASSED", Levels: []string{"CANDOR_DISCLOSURE_VERIFIED"}, Policy: inspect.Resource{URI: "https://candor.dev/policy/default/v1"},
				ResourceURI: "file:///release/agent", Inputs: []inspect.Resource{{URI: "agent.intoto.jsonl", Digest: map[string]string{"sha256": strings.Repeat("01", 32)}}}}},
		{Source: "agent.link.intoto.json", SHA256: strings.Repeat("06", 32), PayloadType: predicate.PayloadType, Signers: []inspect.KeyRef{key}, Verified: true, Signatures: 1,
			PredicateType: inspect.LinkV03, Kind: inspect.KindLink, Subjects: subj,
			Link: &inspect.Link{Name: "build" + hostile, Command: []string{"go", "build", "./cmd/agent" + hostile}, Materials: []inspect.Resource{{URI: "main.go"}}}},
		{Source: "agent.intoto.jsonl#5" + hostile, SHA256: strings.Repeat("05", 32), PayloadType: predicate.PayloadType, Signers: []inspect.KeyRef{}, Signatures: 1,
			KeyIDs: []string{"SHA256:other" + hostile}, PredicateType: "https://example.com/custom" + hostile, Kind: inspect.KindUnknown, Subjects: subj},
	}
	ch := &inspect.Chain{Artifact: "release/agent" + hostile, SHA256: sha, Attestations: atts, Checks: []inspect.Check{
		{Name: inspect.CheckAttestations, Status: inspect.Pass, Detail: "5 attestation(s)"},
		{Name: inspect.CheckSignatures, Status: inspect.Fail, Detail: "1 of 5 attestation(s) unverified", Items: []string{"agent.intoto.jsonl#5" + hostile + ": unverified"}},
		{Name: inspect.CheckModules, Status: inspect.Pass, Detail: "the SBOM lists the 1 analysed Go module(s) at the same versions"},
		{Name: inspect.CheckVSAInputs, Status: inspect.NotPossible, Detail: "no verification summary" + hostile},
	}}
	return &inspect.Report{Passed: false, Chains: []*inspect.Chain{ch}, Keys: []inspect.KeyRef{key},
		Problems: []string{"agent.intoto.jsonl#4: line skipped: not a DSSE envelope" + hostile}}
}

func TestInspectGolden(t *testing.T) {
	for _, tc := range []struct {
		f      Format
		golden string
	}{{FormatText, "inspect.golden.txt"}, {FormatJSON, "inspect.golden.json"}, {FormatHTML, "inspect.golden.html"}} {
		var got bytes.Buffer
		if err := Inspect(&got, tc.f, sampleInspect("")); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", tc.golden)
		if *update {
			if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update)", err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", tc.f, path, got.String())
		}
	}
}

// Strings from attestations reach no terminal as control sequences and no page as markup.
func TestInspectEscapes(t *testing.T) {
	const hostile = "\x1b]8;;http://evil.example\x07<script>alert(1)</script><img src=http://evil.example/x>\u202e"
	r := sampleInspect(hostile)
	var text, js, page bytes.Buffer
	if err := Inspect(&text, FormatText, r); err != nil {
		t.Fatal(err)
	}
	if err := Inspect(&js, FormatJSON, r); err != nil {
		t.Fatal(err)
	}
	if err := Inspect(&page, FormatHTML, r); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"text": text.Bytes(), "json": js.Bytes()} {
		if bytes.ContainsAny(b, "\x1b\x07\u202e") {
			t.Errorf("%s holds a raw control character", name)
		}
	}
	var back inspect.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Chains[0].Artifact != "release/agent"+hostile {
		t.Errorf("JSON does not decode to the report's strings: %v", err)
	}
	for _, bad := range []string{"<script", "<img", "\x1b"} {
		if bytes.Contains(page.Bytes(), []byte(bad)) {
			t.Errorf("HTML holds %q unescaped", bad)
		}
	}
	if !bytes.Contains(page.Bytes(), []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("HTML does not show the hostile string escaped")
	}
}

// The HTML report loads nothing: no script, no external stylesheet, font or image.
func TestInspectHTMLSelfContained(t *testing.T) {
	var page bytes.Buffer
	if err := Inspect(&page, FormatHTML, sampleInspect("")); err != nil {
		t.Fatal(err)
	}
	s := page.String()
	for _, bad := range []string{"<script", "<link", "@import", "url(", "src=", "http-equiv"} {
		if strings.Contains(s, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{`id="summary"`, `href="#chain-1-att-1"`, `class="node att unverified"`} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	for _, want := range []string{"The three commitments", "api.acme.example", "licence check", "licence key", "always",
		"main.main → main.checkLicence → net/http.(*Client).Do", "runs the configured hook", "SHA256:vendorfingerprint", "unverified",
		"CycloneDX-1.5", "PASSED", "go build ./cmd/agent"} {
		if !strings.Contains(s, htmlText(want)) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

// htmlText escapes s as html/template writes text.
func htmlText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "+", "&#43;").Replace(s)
}

// With no trusted key but a trusted root and an identity policy, the page and the text say
// so, instead of calling every attestation unverified.
func TestInspectIdentityPolicyShown(t *testing.T) {
	r := sampleInspect("")
	r.Keys = nil
	r.IdentityPolicy = `identity "https://github.com/acme/agent/.github/workflows/release.yml@refs/tags/v1.4.2", issuer "https://token.actions.githubusercontent.com"`
	var text, page bytes.Buffer
	if err := Inspect(&text, FormatText, r); err != nil {
		t.Fatal(err)
	}
	if err := Inspect(&page, FormatHTML, r); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"text": text.String(), "html": page.String()} {
		if strings.Contains(s, "every attestation is unverified") {
			t.Errorf("%s says every attestation is unverified although an identity policy is given", name)
		}
	}
	if want := htmlText(r.IdentityPolicy); !strings.Contains(page.String(), "identity policy <code>"+want+"</code>") {
		t.Errorf("the page does not name the identity policy %s", want)
	}
	if !strings.Contains(text.String(), "identity policy "+r.IdentityPolicy) {
		t.Errorf("the text does not name the identity policy:\n%s", text.String())
	}
}
