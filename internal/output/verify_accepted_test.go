package output

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/internal/termsafe/termsafetest"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/verify"
)

// acceptedResult is a passing verdict whose vendor accepted an update that fetches and runs
// code, a table of sovereign-cloud hosts and a member's listener, each with a reason.
func acceptedResult() *verify.Result {
	hosts := []string{"a.chinacloudapi.cn", "b.chinacloudapi.cn", "c.chinacloudapi.cn", "d.chinacloudapi.cn", "e.chinacloudapi.cn", "f.chinacloudapi.cn", "g.chinacloudapi.cn"}
	vd := &verify.Verdict{Artifact: "dist/agent.tar.gz", SHA256: "66004e4366ece3530d6910d480de45907ed414fb389d61181d13a8eeacbf1338", Subject: "agent.tar.gz",
		Attestation: "dist/agent.tar.gz.intoto.json", Passed: true,
		Checks: []verify.Check{
			{Step: verify.StepPredicate, Status: verify.Pass, Detail: "valid predicate, 9 finding(s) in this artifact"},
			{Step: verify.StepPolicy, Rule: verify.RuleUndisclosed, Status: verify.Pass, Detail: "9 finding(s), 0 undisclosed (at most 0)"},
		},
		Findings: []verify.FindingCounts{
			{Commitment: "noUndisclosedRemoteControl", Findings: 2, Disclosed: 1, Accepted: 1},
			{Commitment: "noUndisclosedExfiltration", Findings: 6, Disclosed: 5, Accepted: 1},
			{Commitment: "noForcedUpgrade", Findings: 1, Accepted: 1},
		},
		Accepted: []verify.AcceptedFinding{
			{Artifact: "agent.tar.gz", Rule: "go.update.fetch-exec", Capability: scan.UpdateFetchExec, Confidence: scan.Linked,
				Value: "golang.org/x/mod/modfetch.Download", Module: "golang.org/toolchain@v0.0.1",
				AcceptedBy: "accepted[0]", Selectors: `capability="update.fetch-exec" module="golang.org/toolchain"`, Reason: "trust us"},
			{Artifact: "agent.tar.gz", Rule: "endpoint.table", Capability: scan.NetworkEndpoint, Confidence: scan.Referenced,
				Hosts: hosts, Table: "github.com/azure/sdk/cloud.init", Module: "github.com/azure/sdk@v1.2.0",
				AcceptedBy: "accepted[1]", Selectors: `host="*.chinacloudapi.cn"`, Reason: "China sovereign cloud, never contacted"},
			{Artifact: "agent.tar.gz!/bin/agentd", Rule: "go.net.listen", Capability: scan.NetworkListen, Confidence: scan.Linked,
				Value: "net.(*TCPListener).accept", AcceptedBy: "accepted[2]", Selectors: `rule="go.net.listen" value="net.(*TCPListener).accept"`,
				Reason: "the debug listener is compiled out of release builds"},
		}}
	return &verify.Result{Passed: true, Verdicts: []*verify.Verdict{vd}}
}

// TestVerifyAcceptedGolden: the text lists a verdict's counts per commitment and each
// accepted finding with its entry and reason; the JSON carries them as fields (go test
// -update rewrites the goldens).
func TestVerifyAcceptedGolden(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]Format{"result_accepted.golden.txt": FormatText, "result_accepted.golden.json": FormatJSON} {
		r, err := New(f)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := r.Verify(&got, acceptedResult()); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", name)
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
			t.Errorf("%s differs (go test -update rewrites it):\n%s", name, got.String())
		}
	}
	var b bytes.Buffer
	if err := (textRenderer{}).Verify(&b, acceptedResult()); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"    no forced upgrade              1 finding: 0 disclosed, 1 accepted, 0 undisclosed\n",
		"    no undisclosed exfiltration    6 findings: 5 disclosed, 1 accepted, 0 undisclosed\n",
		"  accepted by the vendor (3 finding(s)",
		"    - update.fetch-exec golang.org/x/mod/modfetch.Download [linked] (rule go.update.fetch-exec)\n",
		`      accepted[0] capability="update.fetch-exec" module="golang.org/toolchain": trust us` + "\n",
		"table of 7 host(s): a.chinacloudapi.cn, b.chinacloudapi.cn, c.chinacloudapi.cn, d.chinacloudapi.cn, e.chinacloudapi.cn, and 2 more [referenced]",
		"      in agent.tar.gz!/bin/agentd\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}

// TestVerifyAcceptedEscapes: an accepted finding's strings come from the signed predicate:
// the text shows them escaped, the JSON decodes to them exactly.
func TestVerifyAcceptedEscapes(t *testing.T) {
	t.Parallel()
	for name, v := range termsafetest.Hostile {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res := acceptedResult()
			vd := res.Verdicts[0]
			vd.Findings[0].Commitment = "commitment" + v
			a := &vd.Accepted[1]
			a.Rule, a.Hosts[0], a.Table, a.Module, a.Selectors, a.Reason = "rule"+v, "host"+v, "table"+v, "module"+v, "sel"+v, "reason "+v
			vd.Accepted[0].Value, vd.Accepted[2].Artifact = "value"+v, "member"+v
			var b bytes.Buffer
			if err := (textRenderer{}).Verify(&b, res); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if bad := termsafetest.Raw(out); bad != "" {
				t.Fatalf("text output holds the raw %q:\n%s", bad, out)
			}
			for _, want := range []string{termsafe.String("rule" + v), termsafe.String("host" + v), termsafe.String("table" + v),
				termsafe.String("module" + v), termsafe.Line("sel" + v), termsafe.Line("reason " + v), termsafe.String("value" + v),
				"in " + termsafe.String("member"+v), termsafe.String("commitment" + v)} {
				if !strings.Contains(out, want) {
					t.Errorf("text output lacks %q:\n%s", want, out)
				}
			}
			b.Reset()
			if err := (jsonRenderer{}).Verify(&b, res); err != nil {
				t.Fatal(err)
			}
			if bad := termsafetest.Raw(b.String()); bad != "" {
				t.Fatalf("JSON output holds the raw %q", bad)
			}
			var back verify.Result
			if err := json.Unmarshal(b.Bytes(), &back); err != nil {
				t.Fatal(err)
			}
			want := string([]rune(v))
			if got := back.Verdicts[0].Accepted[1].Reason; got != "reason "+want {
				t.Errorf("JSON reason %q, want %q", got, "reason "+want)
			}
		})
	}
}
