package verify

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// goldenResult is a result with one passing and one failing verdict, and a note.
func goldenResult() *Result {
	pass := (&Verdict{Artifact: "dist/agent", SHA256: "66004e4366ece3530d6910d480de45907ed414fb389d61181d13a8eeacbf1338", Subject: "agent",
		Attestation: "dist/agent.intoto.json", AttestationSHA256: "78952b61cf8b42a7799a4e44dc7074c145b2d4c9a67cadffb3914a8d6d1f5992",
		SignedBy: []string{"SHA256:MaMPO9TtLSsSBmjzz4Exy7tz6/d2VMnwtUUVr6LTcKQ"},
		Checks: []Check{
			{Step: StepParse, Status: Pass, Detail: "DSSE envelope, 2844-byte payload, 1 signature(s)"},
			{Step: StepSignature, Status: Pass, Detail: "1 of 1 trusted key(s) signed (threshold 1): vendor.pub"},
			{Step: StepPolicy, Rule: RuleUndisclosed, Status: Pass, Detail: "3 finding(s), 0 undisclosed (at most 0)"},
			{Step: StepRescan, Status: Skip, Detail: "not asked (--rescan)"},
		}}).finish(nil)
	reasons := []string{"c2.evil.example (found in agent) is not on the allow list", "*.tracker.example (endpoints[1]) is denied by *.tracker.example"}
	fail := (&Verdict{Artifact: "dist/agent.exe", SHA256: "c1afc9b1cbe92e2a0ef84fc9f56dfa0f729228fd0d0c4ad48d102dc25ac9082b", Attestation: "dist/agent.exe.intoto.json",
		Checks: []Check{
			{Step: StepParse, Status: Pass, Detail: "DSSE envelope, 3011-byte payload, 1 signature(s)"},
			{Step: StepSignature, Status: Pass, Detail: "1 of 1 trusted key(s) signed (threshold 1): vendor.pub"},
			{Step: StepPayloadType, Status: Pass, Detail: "application/vnd.in-toto+json"},
			{Step: StepStatement, Status: Pass, Detail: "in-toto Statement v1"},
			{Step: StepSubject, Status: Pass, Detail: "sha256 c1afc9b1cbe92e2a0ef84fc9f56dfa0f729228fd0d0c4ad48d102dc25ac9082b is subject \"agent.exe\""},
			{Step: StepPredicate, Status: Pass, Detail: "valid predicate"},
			{Step: StepPolicy, Rule: RuleEndpoints, Status: Fail, Reasons: reasons},
		}}).finish(stepErr(StepPolicy, reasons))
	return &Result{Passed: false, Verdicts: []*Verdict{pass, fail}, Notes: []string{"dist: 1 file(s) named by no attestation, not verified: README.md"}}
}

func TestOutputGolden(t *testing.T) {
	t.Parallel()
	for name, write := range map[string]func(*bytes.Buffer, *Result) error{
		"result.golden.txt":  func(b *bytes.Buffer, r *Result) error { return WriteText(b, r) },
		"result.golden.json": func(b *bytes.Buffer, r *Result) error { return WriteJSON(b, r) },
	} {
		var got bytes.Buffer
		if err := write(&got, goldenResult()); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", name)
		if *update {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
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
	if r := goldenResult(); !errors.Is(r.Verdicts[1].Err, ErrPolicy) || r.Verdicts[1].FailedStep() != StepPolicy {
		t.Errorf("failed verdict: %v", r.Verdicts[1].Err)
	}
}
