package attest

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
)

// TestLoadAcceptedHost: an accepted host is checked and normalised as an endpoint's host;
// the wildcards attest refuses there are refused here, saying why and where.
func TestLoadAcceptedHost(t *testing.T) {
	t.Parallel()
	d, err := ParseDisclosure("d.yaml", []byte(validHead+"accepted:\n  - host: \"*.ChinaCloudAPI.CN\"\n    reason: sovereign cloud, never contacted\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Accepted[0].Host; got != "*.chinacloudapi.cn" {
		t.Errorf("accepted host normalised to %q", got)
	}
	for _, tt := range []struct{ host, why string }{
		{"*.0.1", "an IP address cannot take a wildcard"},
		{"*.com", "public suffix"},
		{"*.co.uk", "public suffix"},
		{"*", "would match every host"},
		{"a.*.example", "whole first label"},
	} {
		doc := validHead + "accepted:\n  - host: \"" + tt.host + "\"\n    reason: never contacted at all\n"
		_, err := ParseDisclosure("d.yaml", []byte(doc))
		if !errors.Is(err, ErrDisclosure) {
			t.Errorf("host %q: got %v, want ErrDisclosure", tt.host, err)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "d.yaml:5:") || !strings.Contains(msg, "accepted[0].host") || !strings.Contains(msg, tt.why) {
			t.Errorf("host %q: message does not say where and why (%q):\n%s", tt.host, tt.why, msg)
		}
	}
	// The same rule for an endpoint: "*.0.1" would cover every IPv4 address ending in .0.1.
	_, err = ParseDisclosure("d.yaml", []byte(validHead+"endpoints:\n  - {host: \"*.0.1\", purpose: p, data: [], consent: always}\n"))
	if err == nil || !strings.Contains(err.Error(), "endpoints[0].host") || !strings.Contains(err.Error(), "IP address") {
		t.Errorf("endpoint *.0.1: %v", err)
	}
}

// sovereignReport is a report with a cloud SDK's sovereign-cloud endpoints: two hosts and a
// table, all under one domain, and a helper started by a vendored module.
func sovereignReport() *scan.Report {
	r := testReport()
	ep := func(host string) scan.Finding {
		f := endpoint(host)
		f.Module = "github.com/azure/sdk@v1.2.0"
		return f
	}
	table := scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
		Confidence: scan.Referenced, Hosts: []string{"a.chinacloudapi.cn", "b.chinacloudapi.cn"},
		Table: "github.com/azure/sdk/cloud.init", Module: "github.com/azure/sdk@v1.2.0",
		Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "a.chinacloudapi.cn", Where: ".rodata+0x10"}}}
	for _, f := range []scan.Finding{ep("login.chinacloudapi.cn"), ep("management.chinacloudapi.cn"), table} {
		r = withFinding(r, f)
	}
	return r
}

const sovereignAccepted = `accepted:
  - capability: network.endpoint
    value: schemas.xmlsoap.org
    reason: an XML namespace, never contacted
  - host: "*.chinacloudapi.cn"
    reason: China sovereign cloud, never contacted
`

// TestScopedAcceptance: one host wildcard accepts every host and table under it, the
// predicate records each as accepted with the reason, and the verdict counts them.
func TestScopedAcceptance(t *testing.T) {
	t.Parallel()
	d := acceptanceDisclosure(t, sovereignAccepted)
	p, uncovered, err := BuildPredicate(d, sovereignReport(), fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	if len(uncovered) != 0 {
		t.Fatalf("uncovered: %+v", uncovered)
	}
	accepted := 0
	for _, f := range p.Analysis.Artifacts[0].Findings {
		if f.Disposition != predicate.DispositionOf(f.CoveredBy) {
			t.Errorf("%s %s: disposition %s for %q", f.Rule, f.Host, f.Disposition, f.CoveredBy)
		}
		switch f.CoveredBy {
		case "accepted[1]":
			accepted++
			if f.Reason != "China sovereign cloud, never contacted" {
				t.Errorf("%s: reason %q", f.Host, f.Reason)
			}
		case "accepted[0]":
			accepted++
			if f.Reason != "an XML namespace, never contacted" {
				t.Errorf("%s: reason %q", f.Host, f.Reason)
			}
		default:
			if f.Reason != "" {
				t.Errorf("%s %s covered by %q has reason %q", f.Rule, f.Host, f.CoveredBy, f.Reason)
			}
		}
	}
	if accepted != 4 {
		t.Errorf("%d accepted findings, want 4 (the namespace, two hosts and the table)", accepted)
	}
	ex := p.Verdict.NoUndisclosedExfiltration
	// api.acme.example, dial, sentry and the windows sentry host are disclosed.
	if !ex.Holds || ex.Findings != 8 || ex.Disclosed != 4 || ex.Accepted != 4 || ex.Undisclosed != 0 {
		t.Errorf("exfiltration verdict %+v", ex)
	}
	for _, v := range []predicate.CommitmentVerdict{p.Verdict.NoUndisclosedRemoteControl, p.Verdict.NoForcedUpgrade, ex} {
		if v.Findings != v.Disclosed+v.Accepted+v.Undisclosed {
			t.Errorf("counts do not add up: %+v", v)
		}
	}
}

// TestStaleAccepted: an accepted entry that matches no finding stops attest, naming the entry
// and its selectors; AllowStaleAccepted signs with a warning.
func TestStaleAccepted(t *testing.T) {
	t.Parallel()
	k, _ := genKey(t, signing.ECDSAP256)
	stale := sovereignAccepted + `  - host: "*.microsoftonline.us"
    reason: US government cloud, never contacted
  - rule: endpoint.table
    module: github.com/azure/sdk
    reason: every region table of the SDK
  - module: github.com/gone/module
    table: gone.init
    reason: a table of an older release
  - value: "*.chinacloudapi.cn"
    reason: meant as a wildcard, written as a value
`
	d := acceptanceDisclosure(t, stale)
	if got := StaleAccepted(d, sovereignReport()); len(got) != 3 || got[0] != 2 || got[1] != 4 || got[2] != 5 {
		t.Errorf("StaleAccepted = %v, want [2 4 5]", got)
	}
	dir := t.TempDir()
	opts := Options{Disclosure: d, Report: sovereignReport(), Keys: []string{k}, KeyOptions: pwOpts,
		Output: filepath.Join(dir, "a.intoto.json"), Now: fixedNow}
	res, err := Run(context.Background(), opts)
	if !errors.Is(err, ErrStaleAccepted) {
		t.Fatalf("got %v, want ErrStaleAccepted", err)
	}
	for _, want := range []string{`accepted[2] (host="*.microsoftonline.us")`, `accepted[4] (module="github.com/gone/module" table="gone.init")`, "--allow-stale-accepted",
		`accepted[5] (value="*.chinacloudapi.cn") matches no finding of the release (a value is compared as it is: a wildcard goes in host:)`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message lacks %q:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), "accepted[3]") {
		t.Errorf("accepted[3] matches the table (a host entry covers it first) but is called stale: %v", err)
	}
	if res == nil || res.Envelope != nil || len(res.Stale) != 3 {
		t.Errorf("result %+v", res)
	}
	assertEmptyDir(t, dir)

	opts.AllowStaleAccepted = true
	res, err = Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Written == "" || len(res.Warnings) != 3 || !strings.Contains(res.Warnings[0], `accepted[2] (host="*.microsoftonline.us") matches no finding`) {
		t.Errorf("written %q, warnings %q", res.Written, res.Warnings)
	}
}

// TestAcceptedCounts: an accepted entry covers an obfuscated artifact's finding,
// which counts as accepted, and the verdict still fails.
func TestAcceptedCounts(t *testing.T) {
	t.Parallel()
	d := acceptanceDisclosure(t, sovereignAccepted+"  - capability: analysis.obfuscated\n    value: UPX0\n    reason: packed by the installer\n")
	rep := withFinding(sovereignReport(), capability(scan.AnalysisObscured, scan.Evidence{Kind: scan.EvidenceFormat, Value: "UPX0", Where: "sections"}))
	p, _, err := BuildPredicate(d, rep, fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	rc := p.Verdict.NoUndisclosedRemoteControl
	if rc.Holds || rc.Accepted != 1 || rc.Undisclosed != 0 || rc.Findings != rc.Disclosed+rc.Accepted {
		t.Errorf("remote-control verdict %+v", rc)
	}
}

func acceptanceDisclosure(t *testing.T, accepted string) *Disclosure {
	t.Helper()
	d := loadTestDisclosure(t)
	a, err := ParseDisclosure("a.yaml", []byte(validHead+accepted))
	if err != nil {
		t.Fatal(err)
	}
	d.Accepted = a.Accepted
	return d
}
