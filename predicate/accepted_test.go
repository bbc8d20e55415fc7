package predicate

import (
	"testing"

	"github.com/candor-dev/candor/scan"
)

// Findings the selector tests match.
var (
	urlFinding = scan.Finding{Rule: "endpoint.url", Capability: scan.NetworkEndpoint, Host: "login.chinacloudapi.cn",
		Module:   "github.com/azure/sdk@v1.2.0",
		Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://login.chinacloudapi.cn/", Module: "github.com/azure/sdk@v1.2.0"}}}
	tableFinding = scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint,
		Hosts: []string{"a.chinacloudapi.cn", "b.chinacloudapi.cn"}, Table: "github.com/azure/sdk/cloud.init", Module: "github.com/azure/sdk@v1.2.0"}
	mixedTable = scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint,
		Hosts: []string{"a.chinacloudapi.cn", "login.microsoftonline.us"}, Table: "github.com/azure/sdk/cloud.init", Module: "github.com/azure/sdk@v1.2.0"}
	execFinding = scan.Finding{Rule: "go.exec", Capability: scan.ProcessExec,
		Evidence: []scan.Evidence{
			{Kind: scan.EvidenceFunction, Value: "os/exec.(*Cmd).Start", Module: "github.com/tool/git@v0.3.0"},
			{Kind: scan.EvidenceFunction, Value: "syscall.forkExec"},
		}}
	execTwoModules = scan.Finding{Rule: "go.exec", Capability: scan.ProcessExec,
		Evidence: []scan.Evidence{
			{Kind: scan.EvidenceFunction, Value: "os/exec.(*Cmd).Start", Module: "github.com/tool/git@v0.3.0"},
			{Kind: scan.EvidenceFunction, Value: "os/exec.Command", Module: "example.com/vendor/app@v1.0.0"},
		}}
)

// TestAcceptedSelectors: each selector alone, and every selector given must match.
func TestAcceptedSelectors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		a    Accepted
		f    scan.Finding
		want bool
	}{
		{"host wildcard, URL", Accepted{Host: "*.chinacloudapi.cn"}, urlFinding, true},
		{"host wildcard, apex not below", Accepted{Host: "*.chinacloudapi.cn"}, scan.Finding{Capability: scan.NetworkEndpoint, Host: "chinacloudapi.cn"}, false},
		{"host exact", Accepted{Host: "login.chinacloudapi.cn"}, urlFinding, true},
		{"host other", Accepted{Host: "*.microsoftonline.us"}, urlFinding, false},
		{"host, every table host", Accepted{Host: "*.chinacloudapi.cn"}, tableFinding, true},
		{"host, one table host outside", Accepted{Host: "*.chinacloudapi.cn"}, mixedTable, false},
		{"host, finding without host", Accepted{Host: "*.chinacloudapi.cn"}, execFinding, false},
		{"host never matches an IP", Accepted{Host: "*.0.1"}, scan.Finding{Capability: scan.NetworkEndpoint, Host: "10.0.0.1"}, false},
		{"module path", Accepted{Module: "github.com/azure/sdk"}, tableFinding, true},
		{"module path@version", Accepted{Module: "github.com/azure/sdk@v1.2.0"}, urlFinding, true},
		{"module other version", Accepted{Module: "github.com/azure/sdk@v1.2.1"}, urlFinding, false},
		{"module prefix is not the module", Accepted{Module: "github.com/azure"}, urlFinding, false},
		{"module of the evidence", Accepted{Module: "github.com/tool/git"}, execFinding, true},
		{"module of only some evidence", Accepted{Module: "github.com/tool/git"}, execTwoModules, false},
		{"module, no module anywhere", Accepted{Module: "github.com/tool/git"}, scan.Finding{Capability: scan.ProcessExec}, false},
		{"table owner", Accepted{Table: "github.com/azure/sdk/cloud.init"}, mixedTable, true},
		{"table other", Accepted{Table: "github.com/azure/sdk/cloud.other"}, mixedTable, false},
		{"value host", Accepted{Rule: "endpoint.url", Value: "LOGIN.chinacloudapi.cn"}, urlFinding, true},
		{"value evidence", Accepted{Capability: scan.ProcessExec, Value: "syscall.forkExec"}, execFinding, true},
		{"value wildcard is not a host selector", Accepted{Value: "*.chinacloudapi.cn"}, urlFinding, false},
		{"only a rule selects nothing", Accepted{Rule: "endpoint.url"}, urlFinding, false},
		{"only a capability selects nothing", Accepted{Capability: scan.ProcessExec}, execFinding, false},
		{"host and rule", Accepted{Rule: "endpoint.url", Host: "*.chinacloudapi.cn"}, urlFinding, true},
		{"host and other rule", Accepted{Rule: "endpoint.table", Host: "*.chinacloudapi.cn"}, urlFinding, false},
		{"host and other capability", Accepted{Capability: scan.ProcessExec, Host: "*.chinacloudapi.cn"}, urlFinding, false},
		{"module and table", Accepted{Module: "github.com/azure/sdk", Table: "github.com/azure/sdk/cloud.init"}, tableFinding, true},
		{"module and other table", Accepted{Module: "github.com/azure/sdk", Table: "x"}, tableFinding, false},
		{"host and module, module wrong", Accepted{Host: "*.chinacloudapi.cn", Module: "github.com/other/sdk"}, tableFinding, false},
		{"host and value, value wrong", Accepted{Host: "*.chinacloudapi.cn", Value: "nothing"}, urlFinding, false},
		{"all four", Accepted{Rule: "endpoint.table", Capability: scan.NetworkEndpoint, Host: "*.chinacloudapi.cn", Module: "github.com/azure/sdk@v1.2.0", Table: "github.com/azure/sdk/cloud.init", Value: "github.com/azure/sdk"}, tableFinding, true},
	} {
		if got := tt.a.Matches(tt.f); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestCoverAccepted: Cover tries accepted entries in order, after the declarations, and
// Record gives the disposition and the accepted entry's reason.
func TestCoverAccepted(t *testing.T) {
	t.Parallel()
	d := &Declarations{
		Endpoints: []Endpoint{{Host: "login.chinacloudapi.cn", Purpose: "sign-in", Data: []string{}, Consent: ConsentAlways}},
		Accepted: []Accepted{
			{Host: "*.microsoftonline.us", Reason: "US government cloud, never contacted"},
			{Host: "*.chinacloudapi.cn", Reason: "China cloud, never contacted"},
		},
	}
	for _, tt := range []struct {
		f      scan.Finding
		by     string
		disp   Disposition
		reason string
	}{
		{urlFinding, "endpoints[0]", Disclosed, ""},
		{tableFinding, "accepted[1]", AcceptedFinding, "China cloud, never contacted"},
		{mixedTable, "", Undisclosed, ""},
		{execFinding, "", Undisclosed, ""},
	} {
		got := d.Record(tt.f)
		if got.CoveredBy != tt.by || got.Disposition != tt.disp || got.Reason != tt.reason {
			t.Errorf("Record(%s %s%v) = %q %s %q; want %q %s %q", tt.f.Rule, tt.f.Host, tt.f.Hosts, got.CoveredBy, got.Disposition, got.Reason, tt.by, tt.disp, tt.reason)
		}
	}
}

// TestJudge: a reference gives its disposition; one to an accepted entry the disclosure does
// not have, or not written as candor writes it, is not ok.
func TestJudge(t *testing.T) {
	t.Parallel()
	d := &Declarations{Accepted: []Accepted{{Value: "x", Reason: "a good reason"}}}
	for _, tt := range []struct {
		by     string
		disp   Disposition
		reason string
		ok     bool
	}{
		{"", Undisclosed, "", true},
		{"endpoints[3]", Disclosed, "", true},
		{"updates", Disclosed, "", true},
		{"accepted[0]", AcceptedFinding, "a good reason", true},
		{"accepted[1]", AcceptedFinding, "", false},
		{"accepted[-1]", AcceptedFinding, "", false},
		{"accepted[00]", AcceptedFinding, "", false},
		{"accepted[0", AcceptedFinding, "", false},
	} {
		disp, reason, ok := d.Judge(tt.by)
		if disp != tt.disp || reason != tt.reason || ok != tt.ok {
			t.Errorf("Judge(%q) = %s %q %v; want %s %q %v", tt.by, disp, reason, ok, tt.disp, tt.reason, tt.ok)
		}
	}
}

// TestCoverTelemetry: a telemetry entry covers an SDK finding by the SDK's module or by the
// hosts it lists, never by its name.
func TestCoverTelemetry(t *testing.T) {
	t.Parallel()
	sentry := scan.Finding{Rule: "go.telemetry.sdk", Capability: scan.TelemetrySDK, Module: "github.com/getsentry/sentry-go@v0.27.0",
		Evidence: []scan.Evidence{{Kind: scan.EvidencePackage, Value: "github.com/getsentry/sentry-go"}}}
	sentryByValue := scan.Finding{Rule: "go.telemetry.sdk", Capability: scan.TelemetrySDK,
		Evidence: []scan.Evidence{{Kind: scan.EvidenceFunction, Value: "github.com/getsentry/sentry-go.Init"}}}
	sentryByEvidenceModule := scan.Finding{Rule: "go.telemetry.sdk", Capability: scan.TelemetrySDK,
		Evidence: []scan.Evidence{{Kind: scan.EvidenceFunction, Value: "net/http.(*Client).Do", Module: "github.com/getsentry/sentry-go@v0.27.0"}}}
	reporter := scan.Finding{Rule: "go.usage.reporter", Capability: scan.TelemetrySDK,
		Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://usage.acme.example/v1/report"}}}
	tel := func(name, sdk string, endpoints ...string) Declarations {
		return Declarations{Telemetry: []Telemetry{{Name: name, SDK: sdk, Endpoints: endpoints, Data: []string{}, Consent: ConsentOptIn}}}
	}
	for _, tt := range []struct {
		name string
		d    Declarations
		f    scan.Finding
		want string
	}{
		{"sdk is the finding's module", tel("Sentry", "github.com/getsentry/sentry-go"), sentry, "telemetry[0]"},
		{"sdk named by an evidence value", tel("Sentry", "github.com/getsentry/sentry-go"), sentryByValue, "telemetry[0]"},
		{"sdk is an evidence item's module", tel("Sentry", "github.com/getsentry/sentry-go"), sentryByEvidenceModule, "telemetry[0]"},
		{"other sdk", tel("Sentry", "github.com/getsentry/raven-go"), sentry, ""},
		{"sdk prefix of another path", tel("Sentry", "github.com/getsentry/sentry"), sentry, ""},
		// The old rule matched a name against words of the rule id and evidence values.
		{"name Go", tel("Go", ""), sentry, ""},
		{"name SDK", tel("SDK", ""), sentry, ""},
		{"name com", tel("com", ""), sentry, ""},
		{"name github", tel("github", ""), sentry, ""},
		{"name Sentry", tel("Sentry", ""), sentry, ""},
		{"name telemetry", tel("telemetry", ""), reporter, ""},
		{"endpoint the finding names", tel("Usage reports", "", "*.acme.example"), reporter, "telemetry[0]"},
		{"endpoint the finding does not name", tel("Usage reports", "", "*.other.example"), reporter, ""},
		{"endpoint, finding names no host", tel("Sentry", "", "*.sentry.io"), sentry, ""},
	} {
		if got := tt.d.Cover(tt.f); got != tt.want {
			t.Errorf("%s: Cover = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestCoverUpdates: an update mechanism covers only the findings it describes.
func TestCoverUpdates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		mech              UpdateMechanism
		check, self, exec bool
	}{
		{UpdateNone, false, false, false},
		{UpdateNotify, true, false, false},
		{UpdateUserApproved, true, true, true},
		{UpdateAutomatic, true, true, true},
	} {
		d := &Declarations{Updates: &Updates{Mechanism: tt.mech}}
		for _, c := range []struct {
			capability scan.Capability
			want       bool
		}{{scan.UpdateCheck, tt.check}, {scan.UpdateSelf, tt.self}, {scan.UpdateFetchExec, tt.exec}} {
			got := d.Cover(scan.Finding{Rule: "go.update", Capability: c.capability}) == "updates"
			if got != c.want {
				t.Errorf("mechanism %s covers %s: %v, want %v", tt.mech, c.capability, got, c.want)
			}
		}
	}
}
