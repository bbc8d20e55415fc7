package verify

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// capFinding is a finding of capability c found by rule, with one evidence value.
func capFinding(c scan.Capability, rule string, conf scan.Confidence, value, coveredBy string) predicate.Finding {
	com, _ := scan.CommitmentOf(c)
	return predicate.Finding{Finding: scan.Finding{Rule: rule, Capability: c, Commitment: com, Confidence: conf,
		Evidence: []scan.Evidence{{Kind: scan.EvidenceFunction, Value: value, Where: ".gopclntab"}}, EvidenceTotal: 1,
		Summary: string(c) + " found"}, CoveredBy: coveredBy}
}

func accepted(rule, value, reason string) predicate.Accepted {
	return predicate.Accepted{Rule: rule, Value: value, Reason: reason}
}

// failedRules applies the policy (nil: the defaults) to pred's only artifact and returns the
// rules that failed and every reason.
func failedRules(t *testing.T, policy string, pred *predicate.Predicate) ([]string, []string) {
	t.Helper()
	var pol *Policy
	if policy != "" {
		pol = mustPolicy(t, "apiVersion: candor.dev/policy/v1\n"+policy+"\n")
	}
	a := &pred.Analysis.Artifacts[0]
	var failed, reasons []string
	for _, c := range applyPolicy(pol, policyInput{pred: pred, analysis: a, name: a.Name, now: testNow()}) {
		if c.Status == Fail {
			failed = append(failed, c.Rule)
			if len(c.Reasons) == 0 {
				t.Errorf("rule %s failed without a reason", c.Rule)
			}
			reasons = append(reasons, c.Reasons...)
		}
	}
	return failed, reasons
}

// TestPolicyTopicsSeeThroughAcceptance: each topic judges every finding of its capabilities,
// disclosed, accepted or undisclosed, and an accepted one fails unless the policy allows
// accepted findings of its capability. Cases marked old fail on the code before topics judged
// findings (it passed them).
func TestPolicyTopicsSeeThroughAcceptance(t *testing.T) {
	t.Parallel()
	yes := true
	selfUpdate := func(by string) predicate.Finding {
		return capFinding(scan.UpdateSelf, "go.selfupdate.custom", scan.Linked, "main.selfUpdate", by)
	}
	updateCheck := func(by string) predicate.Finding {
		return capFinding(scan.UpdateCheck, "go.update.check.feed", scan.Referenced, "https://api.github.com/repos/acme/agent/releases", by)
	}
	sentry := func(by string) predicate.Finding {
		f := capFinding(scan.TelemetrySDK, "go.telemetry.sdk", scan.Linked, "github.com/getsentry/sentry-go.(*Client).CaptureEvent", by)
		f.Evidence = append(f.Evidence, scan.Evidence{Kind: scan.EvidenceModule, Value: "github.com/getsentry/sentry-go@v0.46.2", Where: "buildinfo"})
		f.EvidenceTotal = 2
		return f
	}
	listen := func(by string) predicate.Finding {
		return capFinding(scan.NetworkListen, "go.net.listen", scan.Linked, "net.(*netFD).accept", by)
	}
	exec := func(by string) predicate.Finding {
		return capFinding(scan.ProcessExec, "go.process.exec", scan.Linked, "os/exec.(*Cmd).Start", by)
	}

	userApproved := &predicate.Updates{Mechanism: predicate.UpdateUserApproved, Endpoints: []string{"updates.acme.example"}, UserCanDisable: &yes, Signed: &yes}
	updDisclosed := testPredicate(predicate.Declarations{Updates: userApproved}, selfUpdate("updates"))
	updAccepted := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{accepted("go.selfupdate.custom", "main.selfUpdate", "trust us")}}, selfUpdate("accepted[0]"))
	checkAccepted := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{accepted("go.update.check.feed", "https://api.github.com/repos/acme/agent/releases", "release notes link")}}, updateCheck("accepted[0]"))
	updUndisclosed := testPredicate(predicate.Declarations{}, selfUpdate(""))
	checkUndisclosed := testPredicate(predicate.Declarations{}, updateCheck(""))

	sentryEntry := []predicate.Telemetry{{Name: "Sentry", SDK: "github.com/getsentry/sentry-go", Data: []string{"crashes"}, Consent: predicate.ConsentOptIn}}
	telDisclosed := testPredicate(predicate.Declarations{Telemetry: sentryEntry}, sentry("telemetry[0]"))
	telAccepted := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{accepted("go.telemetry.sdk", "github.com/getsentry/sentry-go@v0.46.2", "crash reports are off in builds we ship")}}, sentry("accepted[0]"))
	telUndisclosed := testPredicate(predicate.Declarations{}, sentry(""))

	metrics := []predicate.Listener{{Port: &predicate.PortRange{Low: 9100, High: 9100}, Bind: "all", Purpose: "metrics", Authentication: "none"}}
	lisDisclosed := testPredicate(predicate.Declarations{Listeners: metrics}, listen("listeners"))
	lisAccepted := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{accepted("go.net.listen", "net.(*netFD).accept", "only in tests")}}, listen("accepted[0]"))
	lisUndisclosed := testPredicate(predicate.Declarations{}, listen(""))

	hooks := []predicate.RemoteControl{{Capability: scan.ProcessExec, Purpose: "runs the user's hooks", Consent: predicate.ConsentUserInitiated}}
	rcDisclosed := testPredicate(predicate.Declarations{RemoteControl: hooks}, exec("remoteControl[0]"))
	rcAccepted := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{accepted("go.process.exec", "os/exec.(*Cmd).Start", "runs git")}}, exec("accepted[0]"))
	rcUndisclosed := testPredicate(predicate.Declarations{}, exec(""))

	some := "findings: {maxUndisclosed: 5}\n"
	tests := []struct {
		name   string
		policy string
		pred   *predicate.Predicate
		fail   []string
	}{
		// updates
		{"updates: disclosed, mechanism not allowed", "updates: {allowedMechanisms: [none]}", updDisclosed, []string{RuleUpdates}},
		{"updates: disclosed, mechanism allowed", "updates: {allowedMechanisms: [none, user-approved]}", updDisclosed, nil},
		{"updates: accepted, not allowed (old)", "updates: {allowedMechanisms: [none]}", updAccepted, []string{RuleUpdates}},
		{"updates: accepted, allowed explicitly", "updates: {allowedMechanisms: [none]}\nfindings: {accepted: {allow: [update.self]}}", updAccepted, nil},
		{"updates: accepted linked self-update fails the defaults (old)", "", updAccepted, []string{RuleUpdates}},
		{"updates: accepted linked self-update, defaults relaxed", "findings: {accepted: {allow: [update.self]}}", updAccepted, nil},
		{"updates: accepted update check passes the defaults", "", checkAccepted, nil},
		{"updates: accepted update check, mechanisms named (old)", "updates: {allowedMechanisms: [none, notify]}", checkAccepted, []string{RuleUpdates}},
		{"updates: undisclosed, not allowed (old)", some + "updates: {allowedMechanisms: [none, notify, user-approved]}", updUndisclosed, []string{RuleUpdates}},
		{"updates: undisclosed, the worst allowed", some + "updates: {allowedMechanisms: [none, automatic]}", updUndisclosed, nil},
		{"updates: undisclosed check, notify allowed", some + "updates: {allowedMechanisms: [none, notify]}", checkUndisclosed, nil},
		{"updates: undisclosed check, none only (old)", some + "updates: {allowedMechanisms: [none]}", checkUndisclosed, []string{RuleUpdates}},
		// telemetry
		{"telemetry: disclosed, consent not allowed", "telemetry: {allowedConsent: []}", telDisclosed, []string{RuleTelemetry}},
		{"telemetry: disclosed, consent allowed", "telemetry: {allowedConsent: [opt-in]}", telDisclosed, nil},
		{"telemetry: accepted, not allowed (old)", "telemetry: {allowedConsent: []}", telAccepted, []string{RuleTelemetry}},
		{"telemetry: accepted, consent named but acceptance not (old)", "telemetry: {allowedConsent: [opt-in, always]}", telAccepted, []string{RuleTelemetry}},
		{"telemetry: accepted, allowed explicitly", "telemetry: {allowedConsent: []}\nfindings: {accepted: {allow: [telemetry.sdk]}}", telAccepted, nil},
		{"telemetry: undisclosed, not allowed (old)", some + "telemetry: {allowedConsent: [opt-in]}", telUndisclosed, []string{RuleTelemetry}},
		{"telemetry: undisclosed, always allowed", some + "telemetry: {allowedConsent: [always]}", telUndisclosed, nil},
		// listeners
		{"listeners: disclosed, bind not allowed", "listeners: {allowedBinds: []}", lisDisclosed, []string{RuleListeners}},
		{"listeners: disclosed, bind allowed", "listeners: {allowedBinds: [all]}", lisDisclosed, nil},
		{"listeners: accepted, not allowed (old)", "listeners: {allowedBinds: []}", lisAccepted, []string{RuleListeners}},
		{"listeners: accepted, allowed explicitly", "listeners: {allowedBinds: []}\nfindings: {accepted: {allow: [network.listen]}}", lisAccepted, nil},
		{"listeners: undisclosed, not allowed (old)", some + "listeners: {allowedBinds: [loopback]}", lisUndisclosed, []string{RuleListeners}},
		{"listeners: undisclosed, all allowed", some + "listeners: {allowedBinds: [loopback, all]}", lisUndisclosed, nil},
		// remote control (a new topic)
		{"remoteControl: disclosed, capability not allowed", "remoteControl: {allowed: []}", rcDisclosed, []string{RuleRemoteControl}},
		{"remoteControl: disclosed, allowed", "remoteControl: {allowed: [process.exec]}", rcDisclosed, nil},
		{"remoteControl: disclosed, consent not allowed", "remoteControl: {allowed: [process.exec], allowedConsent: [opt-in]}", rcDisclosed, []string{RuleRemoteControl}},
		{"remoteControl: disclosed, consent allowed", "remoteControl: {allowed: [process.exec], allowedConsent: [user-initiated]}", rcDisclosed, nil},
		{"remoteControl: accepted, not allowed", "remoteControl: {allowed: [process.exec]}", rcAccepted, []string{RuleRemoteControl}},
		{"remoteControl: accepted, allowed explicitly", "remoteControl: {allowed: []}\nfindings: {accepted: {allow: [process.exec]}}", rcAccepted, nil},
		{"remoteControl: undisclosed, not allowed", some + "remoteControl: {allowed: [remote.admin]}", rcUndisclosed, []string{RuleRemoteControl}},
		{"remoteControl: undisclosed, allowed", some + "remoteControl: {allowed: [process.exec]}", rcUndisclosed, nil},
		{"remoteControl: undisclosed, consent could be always", some + "remoteControl: {allowed: [process.exec], allowedConsent: [opt-in]}", rcUndisclosed, []string{RuleRemoteControl}},
		// a topic the policy does not name judges nothing
		{"telemetry unnamed", "", telAccepted, nil},
		{"listeners unnamed", "", lisAccepted, nil},
		// findings.accepted.maxLinked
		{"maxLinked caps accepted linked findings", "findings: {accepted: {allow: [update.self], maxLinked: {update.self: 0}}}", updAccepted, []string{RuleAccepted}},
		{"maxLinked counts linked ones only", "findings: {accepted: {maxLinked: {update.check: 0}}}", checkAccepted, nil},
		{"maxLinked other capability", "findings: {accepted: {allow: [update.self], maxLinked: {network.listen: 0}}}", updAccepted, nil},
		{"maxLinked within the cap", "findings: {accepted: {allow: [update.self], maxLinked: {update.self: 1}}}", updAccepted, nil},
	}
	for _, tt := range tests {
		t.Run(strings.NewReplacer(" ", "_", ":", "", ",", "").Replace(tt.name), func(t *testing.T) {
			t.Parallel()
			failed, reasons := failedRules(t, tt.policy, tt.pred)
			if !slices.Equal(failed, tt.fail) {
				t.Errorf("failed rules %q, want %q\nreasons: %q", failed, tt.fail, reasons)
			}
		})
	}
}

// TestAcceptedReasonsSay: the reason an accepted finding fails names the artifact, the
// finding (rule and value), the accepted entry and its reason, escaped.
func TestAcceptedReasonsSay(t *testing.T) {
	t.Parallel()
	f := capFinding(scan.NetworkListen, "go.net.listen", scan.Linked, "net.(*netFD).accept", "accepted[0]")
	pred := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{accepted("go.net.listen", "net.(*netFD).accept", "only \x1b[31min tests")}}, f)
	_, reasons := failedRules(t, "listeners: {allowedBinds: []}", pred)
	want := `agent: network.listen [linked] (rule go.net.listen, function "net.(*netFD).accept") is only accepted, by accepted[0] (reason "only \x1b[31min tests"), not disclosed; the policy accepts it only if findings.accepted.allow lists network.listen`
	if !slices.Contains(reasons, want) {
		t.Errorf("reasons %q\nwant %q", reasons, want)
	}
	_, reasons = failedRules(t, "findings: {accepted: {allow: [network.listen], maxLinked: {network.listen: 0}}}", pred)
	want2 := []string{`agent: network.listen [linked] (rule go.net.listen, function "net.(*netFD).accept") is accepted by accepted[0] (reason "only \x1b[31min tests")`,
		"1 accepted linked network.listen finding(s); the policy accepts at most 0 (findings.accepted.maxLinked)"}
	if !slices.Equal(reasons, want2) {
		t.Errorf("reasons %q\nwant %q", reasons, want2)
	}
}

// TestAcceptedDispositionIsTheWeaker: a finding the attestation calls disclosed but that only
// an accepted entry covers is judged as accepted; one marked accepted that a declaration
// covers is judged as accepted too.
func TestAcceptedDispositionIsTheWeaker(t *testing.T) {
	t.Parallel()
	f := capFinding(scan.NetworkListen, "go.net.listen", scan.Linked, "net.(*netFD).accept", "listeners")
	pred := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{accepted("go.net.listen", "net.(*netFD).accept", "tests")}}, f)
	if failed, _ := failedRules(t, "listeners: {allowedBinds: [all]}", pred); !slices.Equal(failed, []string{RuleListeners}) {
		t.Errorf("a finding marked covered by listeners, with no listener declared: failed %q", failed)
	}
}

// TestEndpointScope: the allow list judges hosts the disclosure says are contacted and hosts
// nothing covers; hosts of accepted findings meet the deny list only unless the policy says
// allowAndDeny. Each host is listed once, and a reason names the policy's pattern.
func TestEndpointScope(t *testing.T) {
	t.Parallel()
	table := predicate.Finding{Finding: scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
		Confidence: scan.Referenced, Hosts: []string{"api.eu.sdk.example", "api.cn.sdk.example"}, Table: "example.com/sdk/partition.init", Module: "example.com/sdk@v1.0.0",
		Evidence:      []scan.Evidence{{Kind: scan.EvidenceString, Value: "api.eu.sdk.example", Where: ".rodata"}, {Kind: scan.EvidenceString, Value: "api.cn.sdk.example", Where: ".rodata"}},
		EvidenceTotal: 2, Summary: "2 hosts from one table"}, CoveredBy: "accepted[0]"}
	acceptedTable := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{{Rule: "endpoint.table", Value: "example.com/sdk", Reason: "region table"}}}, table)
	acceptedHost := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{{Rule: "endpoint.literal", Value: "docs.other.example", Reason: "a link in help text"}}},
		endpointFinding("docs.other.example", "accepted[0]"))
	decl := predicate.Declarations{Endpoints: []predicate.Endpoint{{Host: "api.acme.example", Purpose: "licence", Data: []string{}, Consent: predicate.ConsentAlways}}}
	twice := testPredicate(decl, endpointFinding("api.acme.example", "endpoints[0]"))
	undisclosed := testPredicate(predicate.Declarations{}, endpointFinding("evil.example", ""))
	wildDecl := predicate.Declarations{Endpoints: []predicate.Endpoint{{Host: "*.acme.example", Purpose: "licence", Data: []string{}, Consent: predicate.ConsentAlways}}}
	wildcard := testPredicate(wildDecl, endpointFinding("api.acme.example", "endpoints[0]"), endpointFinding("eu.acme.example", "endpoints[0]"))

	tests := []struct {
		name    string
		policy  string
		pred    *predicate.Predicate
		reasons []string
	}{
		{"an accepted table's hosts skip the allow list (old)", `endpoints: {allow: ["*.acme.example"]}`, acceptedTable, nil},
		{"an accepted host skips the allow list (old)", `endpoints: {allow: ["*.acme.example"]}`, acceptedHost, nil},
		{"an accepted table's hosts meet the deny list", `endpoints: {deny: ["*.other.example", "*.cn.sdk.example"]}`, acceptedTable,
			[]string{"api.cn.sdk.example (found in agent in endpoint table example.com/sdk/partition.init, accepted by accepted[0]) is denied by endpoints.deny[1] *.cn.sdk.example"}},
		{"allowAndDeny: accepted hosts meet the allow list too", `endpoints: {allow: ["api.eu.sdk.example"], acceptedHosts: allowAndDeny}`, acceptedTable,
			[]string{"api.cn.sdk.example (found in agent in endpoint table example.com/sdk/partition.init, accepted by accepted[0]) is not on the allow list (endpoints.allow)"}},
		{"an undisclosed host meets both", `findings: {maxUndisclosed: 1}` + "\n" + `endpoints: {allow: ["*.acme.example"], deny: [x.example, evil.example]}`, undisclosed,
			[]string{"evil.example (found in agent, undisclosed) is denied by endpoints.deny[1] evil.example",
				"evil.example (found in agent, undisclosed) is not on the allow list (endpoints.allow)"}},
		{"a declared and found host is listed once (old: twice)", `endpoints: {deny: ["*.example"]}`, twice,
			[]string{"api.acme.example (endpoints[0]; found in agent, covered by endpoints[0]) is denied by endpoints.deny[0] *.example"}},
		{"a declared and found host within the allow list", `endpoints: {allow: [api.acme.example]}`, twice, nil},
		{"a found host under a denied declaration is named in its reason (old: twice)", `endpoints: {deny: [other.example, "*.acme.example"]}`, wildcard,
			[]string{"*.acme.example (endpoints[0]; it covers the found api.acme.example, eu.acme.example) is denied by endpoints.deny[1] *.acme.example"}},
		{"a found host denied under an allowed declaration", `endpoints: {deny: [eu.acme.example]}`, wildcard,
			[]string{"*.acme.example (endpoints[0]; it covers the found eu.acme.example) is denied by endpoints.deny[0] eu.acme.example"}},
		{"an exact allow misses the declared wildcard, not the found hosts", `endpoints: {allow: [api.acme.example, eu.acme.example]}`, wildcard,
			[]string{"*.acme.example (endpoints[0]) is not on the allow list (endpoints.allow)"}},
	}
	for _, tt := range tests {
		t.Run(strings.NewReplacer(" ", "_", ":", "").Replace(tt.name), func(t *testing.T) {
			t.Parallel()
			_, reasons := failedRules(t, tt.policy, tt.pred)
			if !slices.Equal(reasons, tt.reasons) {
				t.Errorf("reasons\n%q\nwant\n%q", reasons, tt.reasons)
			}
		})
	}
}

// TestPolicyParseMessages: an age in other units says which units work, a disclosure given as
// a policy is named as one, and the new sections are checked by the schema.
func TestPolicyParseMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		line       int
		field      string
		message    string
	}{
		{"age units", "apiVersion: candor.dev/policy/v1\nmaxAge: 7days\n", 2, "maxAge", `"7days" is not an age: write days as 30d, or hours, minutes and seconds as 720h, 90m or 1h30m`},
		{"a disclosure", "apiVersion: candor.dev/disclosure/v1\nproduct: {name: agent, version: \"1.0.0\", vendor: ACME}\n", 1, "apiVersion",
			"this looks like a disclosure, not a policy; pass it to candor attest --disclosure (a policy starts with apiVersion: candor.dev/policy/v1)"},
		{"a disclosure without apiVersion", "product: {name: agent, version: \"1.0.0\", vendor: ACME}\nsecurity: {contact: security@acme.example}\n", 1, "apiVersion",
			"this looks like a disclosure, not a policy; pass it to candor attest --disclosure (a policy starts with apiVersion: candor.dev/policy/v1)"},
		{"a disclosure's lists", "apiVersion: v1\nendpoints:\n  - host: a.example\n", 1, "apiVersion",
			"this looks like a disclosure, not a policy; pass it to candor attest --disclosure (a policy starts with apiVersion: candor.dev/policy/v1)"},
		{"unknown capability in allow", "apiVersion: candor.dev/policy/v1\nfindings: {accepted: {allow: [network.everything]}}\n", 2, "findings.accepted.allow[0]", ""},
		{"unknown capability in maxLinked", "apiVersion: candor.dev/policy/v1\nfindings:\n  accepted:\n    maxLinked: {update.selfish: 0}\n", 4, "findings.accepted.maxLinked.update.selfish", ""},
		{"negative cap", "apiVersion: candor.dev/policy/v1\nfindings:\n  accepted:\n    maxLinked: {update.self: -1}\n", 4, "findings.accepted.maxLinked.update.self", ""},
		{"remote control needs allowed", "apiVersion: candor.dev/policy/v1\nremoteControl: {allowedConsent: [opt-in]}\n", 2, "remoteControl.allowed", ""},
		{"not a remote-control capability", "apiVersion: candor.dev/policy/v1\nremoteControl: {allowed: [telemetry.sdk]}\n", 2, "remoteControl.allowed[0]", ""},
		{"accepted hosts scope", "apiVersion: candor.dev/policy/v1\nendpoints: {deny: [a.example], acceptedHosts: allow}\n", 2, "endpoints.acceptedHosts", ""},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			_, err := ParsePolicy("buyer.yaml", []byte(tt.text))
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *PolicyError", err)
			}
			p := pe.Problems[0]
			if p.Line != tt.line || p.Field != tt.field || tt.message != "" && p.Message != tt.message {
				t.Errorf("problem %d %q %q\nwant %d %q %q", p.Line, p.Field, p.Message, tt.line, tt.field, tt.message)
			}
			if strings.Contains(err.Error(), "^(") {
				t.Errorf("a regular expression in the message: %v", err)
			}
		})
	}
	// The new sections read into the Go types.
	p := mustPolicy(t, "apiVersion: candor.dev/policy/v1\nfindings: {maxUndisclosed: 0, accepted: {allow: [network.endpoint], maxLinked: {update.self: 0}}}\n"+
		"remoteControl: {allowed: [process.exec], allowedConsent: [user-initiated]}\nendpoints: {allow: [a.example], acceptedHosts: allowAndDeny}\n")
	if a := p.Findings.Accepted; !slices.Equal(a.Allow, []scan.Capability{scan.NetworkEndpoint}) || a.MaxLinked[scan.UpdateSelf] != 0 || len(a.MaxLinked) != 1 {
		t.Errorf("findings.accepted = %+v", a)
	}
	if r := p.RemoteControl; !slices.Equal(r.Allowed, []scan.Capability{scan.ProcessExec}) || !slices.Equal(r.AllowedConsent, []predicate.Consent{predicate.ConsentUserInitiated}) {
		t.Errorf("remoteControl = %+v", r)
	}
	if p.Endpoints.AcceptedHosts != AcceptedHostsAllowAndDeny {
		t.Errorf("acceptedHosts = %q", p.Endpoints.AcceptedHosts)
	}
}

// attackDisclosure accepts, with reasons, the listener of pprofserver, the telemetry SDK of
// telemetry and the self-update library of selfupdater: the attack of issue 12 spread over
// one release of three programs.
const attackDisclosure = `apiVersion: candor.dev/disclosure/v1
product: {name: agent, version: "1.0.0", vendor: ACME}
security: {contact: security@acme.example, policy: "https://acme.example/security", notificationDays: 30}
configuredEndpoints:
  - purpose: talks to the servers the user configures
    data: [requests]
    consent: user-initiated
accepted:
  - {rule: go.http.server, value: "net/http.(*Server).ListenAndServe", reason: "metrics on :9100, never exposed"}
  - {rule: go.net.listen, value: "net.(*TCPListener).accept", reason: "metrics on :9100, never exposed"}
  - {rule: go.debug.handlers, value: "net/http.(*Server).Serve", reason: debugging only}
  - {rule: go.telemetry.sdk, value: github.com/getsentry/sentry-go@v0.46.2, reason: trust us}
  - {rule: go.usage.reporter, value: "github.com/getsentry/sentry-go.(*HTTPTransport).worker", reason: trust us}
  - {rule: go.exec, value: os.StartProcess, reason: runs the user's editor}
  - {rule: endpoint.literal, value: o0.ingest.sentry.io, reason: never contacted}
  - {rule: endpoint.literal, value: releases.selfupdater-fixture.io, reason: never contacted}
  - {rule: go.selfupdate.library, value: github.com/minio/selfupdate@v0.6.0, reason: only on request}
`

// TestAcceptedAttackFailsStrictPolicy is the attack of issue 12: programs that listen on
// :9100, link a telemetry SDK and replace their own executable, with a disclosure that only
// accepts those findings, attested and signed by the vendor. A strict buyer's policy fails
// each on its topic, naming the accepted entries and their reasons, also with the re-scan;
// with the acceptance allowed explicitly it passes.
func TestAcceptedAttackFailsStrictPolicy(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	priv, pub := testKey(t, dir, "vendor")
	var bins []string
	for _, p := range []string{"pprofserver", "telemetry", "selfupdater"} {
		bins = append(bins, copyFile(t, fixture(t, p), dir, p))
	}
	env := attestFile(t, attackDisclosure, filepath.Join(dir, "release.intoto.json"), false, []string{priv}, bins...)
	sc, err := scan.New()
	must(t, err)

	strict := mustPolicy(t, "apiVersion: candor.dev/policy/v1\nupdates: {allowedMechanisms: [none]}\ntelemetry: {allowedConsent: []}\nlisteners: {allowedBinds: []}\n")
	for i, want := range []struct{ rule, reason string }{
		{RuleListeners, `pprofserver: network.listen [linked] (rule go.http.server, function "net/http.(*Server).ListenAndServe") is only accepted, by accepted[0] (reason "metrics on :9100, never exposed"), not disclosed`},
		{RuleTelemetry, `telemetry: telemetry.sdk [linked] (rule go.telemetry.sdk, module "github.com/getsentry/sentry-go@v0.46.2") is only accepted, by accepted[3] (reason "trust us"), not disclosed`},
		{RuleUpdates, `selfupdater: update.self [linked] (rule go.selfupdate.library, module "github.com/minio/selfupdate@v0.6.0") is only accepted, by accepted[8] (reason "only on request"), not disclosed`},
	} {
		for _, opts := range [][]VerifierOption{{WithPolicy(strict)}, {WithPolicy(strict), WithRescan(sc)}} {
			vd := verifierFor(t, []string{pub}, opts...).Verify(context.Background(), "release.intoto.json", env, targetOf(t, bins[i]))
			if vd.Passed {
				t.Fatalf("%s: the attack passed a strict policy: %+v", bins[i], vd.Checks)
			}
			var reasons string
			for _, c := range vd.Checks {
				if c.Step == StepPolicy && c.Rule == want.rule && c.Status == Fail {
					reasons = strings.Join(c.Reasons, "\n")
				}
			}
			if !strings.Contains(reasons, want.reason) {
				t.Errorf("%s: rule %s reasons %q do not say %q\n%+v", filepath.Base(bins[i]), want.rule, reasons, want.reason, vd.Checks)
			}
		}
	}
	// The defaults alone refuse the accepted linked self-update.
	if vd := verifierFor(t, []string{pub}).Verify(context.Background(), "release.intoto.json", env, targetOf(t, bins[2])); vd.Passed {
		t.Errorf("the defaults passed an accepted linked self-update: %+v", vd.Checks)
	}
	// A buyer who tolerates these accepted findings says so, and every verdict passes.
	lenient := mustPolicy(t, "apiVersion: candor.dev/policy/v1\nupdates: {allowedMechanisms: [none]}\ntelemetry: {allowedConsent: []}\nlisteners: {allowedBinds: []}\n"+
		"findings: {accepted: {allow: [network.listen, telemetry.sdk, update.self]}}\n")
	for _, bin := range bins {
		if vd := verifierFor(t, []string{pub}, WithPolicy(lenient), WithRescan(sc)).Verify(context.Background(), "release.intoto.json", env, targetOf(t, bin)); !vd.Passed {
			t.Errorf("%s: explicitly allowed accepted findings failed: %v\n%+v", filepath.Base(bin), vd.Err, vd.Checks)
		}
	}
}

// TestPolicyBuiltInGo: the new sections of a policy built in Go go through the schema as a
// file's would, and apply.
func TestPolicyBuiltInGo(t *testing.T) {
	t.Parallel()
	p := &Policy{APIVersion: PolicyAPIVersion,
		Findings:      &FindingsPolicy{Accepted: &AcceptedPolicy{Allow: []scan.Capability{scan.NetworkListen}, MaxLinked: map[scan.Capability]int{scan.NetworkListen: 0}}},
		RemoteControl: &RemoteControlPolicy{Allowed: []scan.Capability{}},
		Endpoints:     &EndpointsPolicy{Deny: []string{"evil.example"}, AcceptedHosts: AcceptedHostsAllowAndDeny},
	}
	must(t, p.check())
	if p.Digest() == "" || p.Findings.Accepted.MaxLinked[scan.NetworkListen] != 0 || p.Endpoints.AcceptedHosts != AcceptedHostsAllowAndDeny {
		t.Fatalf("policy after check: %+v", p)
	}
	f := capFinding(scan.NetworkListen, "go.net.listen", scan.Linked, "net.(*netFD).accept", "accepted[0]")
	pred := testPredicate(predicate.Declarations{Accepted: []predicate.Accepted{accepted("go.net.listen", "net.(*netFD).accept", "tests")}}, f)
	a := &pred.Analysis.Artifacts[0]
	var failed []string
	for _, c := range applyPolicy(p, policyInput{pred: pred, analysis: a, name: a.Name, now: testNow()}) {
		if c.Status == Fail {
			failed = append(failed, c.Rule)
		}
	}
	if !slices.Equal(failed, []string{RuleAccepted}) {
		t.Errorf("failed %q, want the maxLinked cap alone", failed)
	}
	bad := &Policy{APIVersion: PolicyAPIVersion, Endpoints: &EndpointsPolicy{Deny: []string{"a.example"}, AcceptedHosts: "allow"}}
	if err := bad.check(); !errors.Is(err, ErrPolicyFile) {
		t.Errorf("acceptedHosts: allow: %v", err)
	}
}

// TestCanonHostMatchesLikeMatchHost: the policy step's host matching, normalising each host
// once, agrees with predicate.MatchHost.
func TestCanonHostMatchesLikeMatchHost(t *testing.T) {
	t.Parallel()
	hosts := []string{"api.acme.example", "API.Acme.Example.", "acme.example", "bücher.example", "xn--bcher-kva.example", "10.0.0.1", "[::1]", "::ffff:10.0.0.1",
		"fe80::1%eth0", "a_b.example", "", "*.acme.example", "example", "a..example", "x.10.0.0.1"}
	patterns := []string{"*.acme.example", "acme.example", "api.acme.example", "*.example", "*.xn--bcher-kva.example", "xn--bcher-kva.example", "10.0.0.1", "::1",
		"*.0.0.1", "a_b.example", "*.a_b.example", "*", "", "*.10.0.0.1"}
	for _, h := range hosts {
		c := canonOf(h)
		for _, p := range patterns {
			if got, want := c.matchedBy(p), predicate.MatchHost(p, h); got != want {
				t.Errorf("host %q pattern %q: %v, MatchHost says %v", h, p, got, want)
			}
		}
	}
}
