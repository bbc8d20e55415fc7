package verify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// BenchmarkPolicyEndpoints: the policy step on an rclone-sized analysis (29 accepted endpoint
// tables of 40 hosts, 200 found hosts under one declared wildcard) against 1,001 denied
// patterns. Each host is normalised once: about 23 ms per verdict on a busy 2-core machine,
// where normalising it for every pattern took 2.7 s.
func BenchmarkPolicyEndpoints(b *testing.B) {
	var fs []predicate.Finding
	for t := 0; t < 29; t++ {
		var hs []string
		for h := 0; h < 40; h++ {
			hs = append(hs, fmt.Sprintf("api%d.region%d.cloud%d.example", h, t, t%5))
		}
		fs = append(fs, predicate.Finding{Finding: scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint, Confidence: scan.Referenced,
			Hosts: hs, Table: fmt.Sprintf("example.com/sdk/t%d", t), Module: "example.com/sdk@v1.0.0"}, CoveredBy: "accepted[0]"})
	}
	for h := 0; h < 200; h++ {
		fs = append(fs, endpointFinding(fmt.Sprintf("h%d.acme.example", h), "endpoints[0]"))
	}
	pred := testPredicate(predicate.Declarations{Endpoints: []predicate.Endpoint{{Host: "*.acme.example", Purpose: "p", Data: []string{}, Consent: predicate.ConsentAlways}},
		Accepted: []predicate.Accepted{{Rule: "endpoint.table", Module: "example.com/sdk", Reason: "region tables"}}}, fs...)
	var deny []string
	for i := 0; i < 1000; i++ {
		deny = append(deny, fmt.Sprintf("%q", fmt.Sprintf("*.bad%d.example", i)))
	}
	pol := mustPolicy(b, "apiVersion: candor.dev/policy/v1\nendpoints: {allow: [\"*.acme.example\"], deny: ["+strings.Join(deny, ", ")+", evil.example]}\n")
	a := &pred.Analysis.Artifacts[0]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, c := range applyPolicy(pol, policyInput{pred: pred, analysis: a, name: a.Name, now: testNow()}) {
			if c.Status != Pass {
				b.Fatalf("%s: %v", c.Rule, c.Reasons)
			}
		}
	}
}
