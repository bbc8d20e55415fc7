package verify

import (
	"errors"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// FuzzPolicy: any policy text is read without panicking, refused with ErrPolicyFile or
// accepted; an accepted policy applies to findings of every disposition without panicking,
// and every failing rule says why.
func FuzzPolicy(f *testing.F) {
	for _, s := range []string{
		"apiVersion: candor.dev/policy/v1\n",
		"apiVersion: candor.dev/policy/v1\nfindings: {maxUndisclosed: 1, accepted: {allow: [network.listen], maxLinked: {update.self: 0}}}\n",
		"apiVersion: candor.dev/policy/v1\nupdates: {allowedMechanisms: [none]}\ntelemetry: {allowedConsent: []}\nlisteners: {allowedBinds: []}\nremoteControl: {allowed: [process.exec], allowedConsent: [opt-in]}\n",
		"apiVersion: candor.dev/policy/v1\nendpoints: {allow: [\"*.acme.example\"], deny: [evil.example], acceptedHosts: allowAndDeny}\n",
		"apiVersion: candor.dev/disclosure/v1\nproduct: {name: a}\n",
		"security: {contact: a@b.example}\nendpoints: [{host: a.example}]\n",
		"apiVersion: candor.dev/policy/v1\nmaxAge: 7days\n",
	} {
		f.Add([]byte(s))
	}
	d := predicate.Declarations{
		Endpoints: []predicate.Endpoint{{Host: "*.acme.example", Purpose: "p", Data: []string{}, Consent: predicate.ConsentAlways}},
		Listeners: []predicate.Listener{{Port: &predicate.PortRange{Low: 1, High: 1}, Bind: "all", Purpose: "p", Authentication: "none"}},
		Accepted:  []predicate.Accepted{accepted("go.net.listen", "net.(*netFD).accept", "r")},
	}
	pred := testPredicate(d,
		endpointFinding("api.acme.example", "endpoints[0]"),
		endpointFinding("evil.example", ""),
		capFinding(scan.NetworkListen, "go.net.listen", scan.Linked, "net.(*netFD).accept", "accepted[0]"),
		capFinding(scan.NetworkListen, "go.http.server", scan.Linked, "x", "listeners"),
		capFinding(scan.UpdateSelf, "go.selfupdate.custom", scan.Linked, "main.selfUpdate", "accepted[7]"),
		capFinding(scan.ProcessExec, "go.exec", scan.Linked, "os.StartProcess", "remoteControl[x]"),
		capFinding(scan.TelemetrySDK, "go.telemetry.sdk", scan.Referenced, "m", ""),
	)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrPolicyFile) {
				t.Fatalf("error %v does not wrap ErrPolicyFile", err)
			}
			return
		}
		a := &pred.Analysis.Artifacts[0]
		for _, c := range applyPolicy(p, policyInput{pred: pred, analysis: a, name: a.Name, now: testNow()}) {
			if c.Status == Fail && len(c.Reasons) == 0 {
				t.Fatalf("rule %s failed without a reason", c.Rule)
			}
		}
	})
}
