package attest

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

func loadTestDisclosure(t testing.TB) *Disclosure {
	t.Helper()
	d, err := LoadDisclosure(filepath.Join("testdata", "disclosure.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func endpoint(host string) scan.Finding {
	return scan.Finding{Rule: "endpoint.literal", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
		Confidence: scan.Referenced, Host: host,
		Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://" + host + "/v1", Where: ".rodata+0x10"}}}
}

func capability(c scan.Capability, ev ...scan.Evidence) scan.Finding {
	com, _ := scan.CommitmentOf(c)
	return scan.Finding{Rule: "go." + string(c), Capability: c, Commitment: com, Confidence: scan.Linked, Evidence: ev}
}

func TestCover(t *testing.T) {
	t.Parallel()
	d := loadTestDisclosure(t)
	sentry := scan.Evidence{Kind: scan.EvidenceModule, Value: "github.com/getsentry/sentry-go@v0.27.0", Where: "buildinfo"}
	posthog := scan.Evidence{Kind: scan.EvidenceModule, Value: "github.com/posthog/posthog-go@v1.2.0", Where: "buildinfo"}
	for _, tt := range []struct {
		name string
		f    scan.Finding
		want string
	}{
		{"wildcard subdomain", endpoint("api.acme.example"), "endpoints[0]"},
		{"wildcard deep subdomain, case", endpoint("EU.Api.ACME.example"), "endpoints[0]"},
		{"wildcard never the apex", endpoint("acme.example"), ""},
		{"wildcard whole labels only", endpoint("evilacme.example"), ""},
		{"wildcard suffix trick", endpoint("acme.example.evil.net"), ""},
		{"IDNA host, unicode", endpoint("bücher.example"), "endpoints[1]"},
		{"IDNA host, punycode", endpoint("XN--BCHER-KVA.example"), "endpoints[1]"},
		{"telemetry endpoint", endpoint("o1.ingest.sentry.io"), "telemetry[0]"},
		{"update endpoint", endpoint("updates.acme.example"), "endpoints[0]"}, // endpoints are tried first
		{"accepted host", endpoint("schemas.xmlsoap.org"), "accepted[0]"},
		{"undisclosed host", endpoint("collector.evil.example"), ""},
		{"connect with configured endpoints", capability(scan.NetworkConnect), "configuredEndpoints"},
		{"listen", capability(scan.NetworkListen), "listeners"},
		{"process.exec", capability(scan.ProcessExec), "remoteControl[0]"},
		{"remote.admin not declared", capability(scan.RemoteAdmin), ""},
		{"telemetry by sdk module", capability(scan.TelemetrySDK, sentry), "telemetry[0]"},
		{"telemetry by sdk package", capability(scan.TelemetrySDK, scan.Evidence{Kind: scan.EvidencePackage, Value: "github.com/getsentry/sentry-go/internal/debug"}), "telemetry[0]"},
		{"telemetry sdk prefix is not a module", capability(scan.TelemetrySDK, scan.Evidence{Kind: scan.EvidencePackage, Value: "github.com/getsentry/sentry-gopher"}), ""},
		{"other telemetry sdk", capability(scan.TelemetrySDK, posthog), ""},
		{"update.self", capability(scan.UpdateSelf), "updates"},
		{"obfuscated", capability(scan.AnalysisObscured), ""},
	} {
		if got := d.Cover(tt.f); got != tt.want {
			t.Errorf("%s: Cover = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestCoverSections(t *testing.T) {
	t.Parallel()
	base := func() *Disclosure {
		d := loadTestDisclosure(t)
		d.Declarations = predicate.Declarations{}
		return d
	}
	// network.connect falls back from configured endpoints to endpoints, telemetry, updates.
	d := base()
	if got := d.Cover(capability(scan.NetworkConnect)); got != "" {
		t.Errorf("connect with nothing declared: %q", got)
	}
	d.Updates = &predicate.Updates{Mechanism: predicate.UpdateNotify, Endpoints: []string{"u.acme.example"}}
	if got := d.Cover(capability(scan.NetworkConnect)); got != "updates" {
		t.Errorf("connect with update endpoints: %q", got)
	}
	d.Telemetry = []predicate.Telemetry{{Name: "New Relic", Data: []string{}, Consent: predicate.ConsentOptIn}, {Name: "x", Endpoints: []string{"t.acme.example"}, Data: []string{}, Consent: predicate.ConsentOptIn}}
	if got := d.Cover(capability(scan.NetworkConnect)); got != "telemetry[1]" {
		t.Errorf("connect with telemetry endpoints: %q", got)
	}
	d.Endpoints = []predicate.Endpoint{{Host: "a.acme.example", Purpose: "p", Data: []string{}, Consent: predicate.ConsentAlways}}
	if got := d.Cover(capability(scan.NetworkConnect)); got != "endpoints" {
		t.Errorf("connect with endpoints: %q", got)
	}
	// Telemetry never by its name (a word of the module path), only by its sdk module.
	nr := capability(scan.TelemetrySDK, scan.Evidence{Kind: scan.EvidenceModule, Value: "github.com/newrelic/go-agent/v3@v3.30.0"})
	if got := d.Cover(nr); got != "" {
		t.Errorf("telemetry by name: %q, want nothing", got)
	}
	d.Telemetry[0].SDK = "github.com/newrelic/go-agent/v3"
	if got := d.Cover(nr); got != "telemetry[0]" {
		t.Errorf("telemetry by sdk: %q", got)
	}
	// updates: none covers no update finding, and the suggestion says why.
	d.Updates = &predicate.Updates{Mechanism: predicate.UpdateNone}
	f := capability(scan.UpdateCheck)
	if got := d.Cover(f); got != "" {
		t.Errorf("update with mechanism none: %q", got)
	}
	if s := d.Suggest("a", f); !strings.Contains(s.Note, "mechanism: none") {
		t.Errorf("note: %q", s.Note)
	}
	// Accepted: by rule or by capability, with the value of the host or an evidence item.
	d.Accepted = []predicate.Accepted{
		{Rule: "go.process.exec", Value: "os/exec.(*Cmd).Start", Reason: "only runs the bundled helper"},
		{Capability: scan.NetworkEndpoint, Value: "Docs.Acme.Example", Reason: "documentation link"},
	}
	exec := capability(scan.ProcessExec, scan.Evidence{Kind: scan.EvidenceFunction, Value: "os/exec.(*Cmd).Start"})
	if got := d.Cover(exec); got != "accepted[0]" {
		t.Errorf("accepted by rule and evidence: %q", got)
	}
	exec.Evidence[0].Value = "syscall.Exec"
	if got := d.Cover(exec); got != "" {
		t.Errorf("accepted value must match: %q", got)
	}
	if got := d.Cover(endpoint("docs.acme.example")); got != "accepted[1]" {
		t.Errorf("accepted host, case-insensitive: %q", got)
	}
}

func TestSuggestLoads(t *testing.T) {
	t.Parallel()
	// A suggestion with its placeholders filled in must load; unedited, the enumerations fail.
	d := loadTestDisclosure(t)
	fill := strings.NewReplacer(
		"<always|opt-out|opt-in|user-initiated>", "opt-in",
		"<loopback|configurable|all>", "loopback",
		"<none|password|token|mtls|os|other>", "token",
		"<notify|user-approved|automatic>", "notify",
		"<true|false>", "true",
		"<port, or a range such as \"8000-8100\">", "8080",
		"<host the data goes to>", "t.acme.example",
		"<host updates come from>", "u.acme.example",
	)
	for _, f := range []scan.Finding{
		endpoint("collector.evil.example"), capability(scan.NetworkConnect, fn("net.(*Dialer).DialContext")),
		capability(scan.NetworkListen, fn("net.(*TCPListener).accept")), capability(scan.RemoteAdmin, fn("net/http/pprof.Index")),
		capability(scan.TelemetrySDK, scan.Evidence{Kind: scan.EvidenceModule, Value: "github.com/posthog/posthog-go@v1"}),
		capability(scan.UpdateSelf, fn("github.com/minio/selfupdate.Apply")), capability(scan.AnalysisObscured, scan.Evidence{Kind: scan.EvidenceFormat, Value: "UPX0"}),
		endpointTable(),
	} {
		u := (&Disclosure{}).Suggest("a", f)
		snippets := []string{u.Disclose, u.Accept}
		if f.Capability == scan.AnalysisObscured {
			snippets = snippets[1:]
		}
		for _, snippet := range snippets {
			if snippet == "" {
				t.Errorf("%s: empty suggestion", f.Capability)
				continue
			}
			// Free-text placeholders too: attest refuses any value left "<...>".
			doc := validHead + freeText.ReplaceAllString(fill.Replace(snippet), "text the vendor wrote")
			filled, err := ParseDisclosure("s.yaml", []byte(doc))
			if err != nil {
				t.Errorf("%s: filled suggestion does not load:\n%s\n%v", f.Capability, snippet, err)
			} else if f.Rule == "endpoint.table" && filled.Cover(f) == "" {
				t.Errorf("endpoint table: the filled suggestion does not cover it:\n%s", snippet)
			}
			if strings.Contains(snippet, "<always|") || strings.Contains(snippet, "<loopback|") || strings.Contains(snippet, "<notify|") {
				if _, err := ParseDisclosure("s.yaml", []byte(validHead+snippet)); err == nil {
					t.Errorf("%s: unedited suggestion loads:\n%s", f.Capability, snippet)
				}
			}
		}
	}
	if u := d.Suggest("a", scan.Finding{Rule: "r", Capability: scan.ProcessExec}); u.Accept != "" {
		t.Errorf("accept suggestion without a value: %q", u.Accept)
	}
}

// freeText matches a placeholder a suggestion leaves for the vendor's own words.
var freeText = regexp.MustCompile(`<[^<>\n]*>`)

// endpointTable is an endpoint table finding: hosts from one SDK table.
func endpointTable() scan.Finding {
	hosts := []string{"api.eu-west-1.sdk.example", "api.us-east-1.sdk.example"}
	f := scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
		Confidence: scan.Referenced, Hosts: hosts, Module: "example.com/sdk@v1.2.3", Table: "static data at 0x1000, used by example.com/sdk/partition.Host"}
	for _, h := range hosts {
		f.Evidence = append(f.Evidence, scan.Evidence{Kind: scan.EvidenceString, Value: h, Where: ".rodata+0x10"})
	}
	return f
}

func fn(name string) scan.Evidence {
	return scan.Evidence{Kind: scan.EvidenceFunction, Value: name, Where: "pclntab"}
}
