package output

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/verify"
)

// goldenResult is a result with one passing and one failing verdict, and a note, as
// verify builds them: the failed verdict lists the steps it did not run as skipped and
// carries the policy error and its text.
func goldenResult() *verify.Result {
	pass := &verify.Verdict{Artifact: "dist/agent", SHA256: "66004e4366ece3530d6910d480de45907ed414fb389d61181d13a8eeacbf1338", Subject: "agent",
		Attestation: "dist/agent.intoto.json", AttestationSHA256: "78952b61cf8b42a7799a4e44dc7074c145b2d4c9a67cadffb3914a8d6d1f5992",
		SignedBy: []string{"SHA256:MaMPO9TtLSsSBmjzz4Exy7tz6/d2VMnwtUUVr6LTcKQ"},
		Passed:   true,
		Checks: []verify.Check{
			{Step: verify.StepParse, Status: verify.Pass, Detail: "DSSE envelope, 2844-byte payload, 1 signature(s)"},
			{Step: verify.StepSignature, Status: verify.Pass, Detail: "1 of 1 trusted key(s) signed (threshold 1): vendor.pub"},
			{Step: verify.StepPolicy, Rule: verify.RuleUndisclosed, Status: verify.Pass, Detail: "3 finding(s), 0 undisclosed (at most 0)"},
			{Step: verify.StepRescan, Status: verify.Skip, Detail: "not asked (--rescan)"},
		}}
	reasons := []string{"c2.evil.example (found in agent) is not on the allow list", "*.tracker.example (endpoints[1]) is denied by *.tracker.example"}
	err := fmt.Errorf("%w: %s", verify.ErrPolicy, strings.Join(reasons, "; "))
	fail := &verify.Verdict{Artifact: "dist/agent.exe", SHA256: "c1afc9b1cbe92e2a0ef84fc9f56dfa0f729228fd0d0c4ad48d102dc25ac9082b", Attestation: "dist/agent.exe.intoto.json",
		Checks: []verify.Check{
			{Step: verify.StepParse, Status: verify.Pass, Detail: "DSSE envelope, 3011-byte payload, 1 signature(s)"},
			{Step: verify.StepSignature, Status: verify.Pass, Detail: "1 of 1 trusted key(s) signed (threshold 1): vendor.pub"},
			{Step: verify.StepPayloadType, Status: verify.Pass, Detail: "application/vnd.in-toto+json"},
			{Step: verify.StepStatement, Status: verify.Pass, Detail: "in-toto Statement v1"},
			{Step: verify.StepSubject, Status: verify.Pass, Detail: "sha256 c1afc9b1cbe92e2a0ef84fc9f56dfa0f729228fd0d0c4ad48d102dc25ac9082b is subject \"agent.exe\""},
			{Step: verify.StepPredicate, Status: verify.Pass, Detail: "valid predicate"},
			{Step: verify.StepPolicy, Rule: verify.RuleEndpoints, Status: verify.Fail, Reasons: reasons},
			{Step: verify.StepRescan, Status: verify.Skip, Detail: "not run: an earlier step failed"},
		},
		Err: err, Message: err.Error()}
	return &verify.Result{Passed: false, Verdicts: []*verify.Verdict{pass, fail}, Notes: []string{"dist: 1 file(s) named by no attestation, not verified: README.md"}}
}

// TestVerifyGolden: the text and JSON of a verification result are byte for byte the
// goldens (go test -update rewrites them).
func TestVerifyGolden(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]Format{"result.golden.txt": FormatText, "result.golden.json": FormatJSON} {
		r, err := New(f)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := r.Verify(&got, goldenResult()); err != nil {
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
	if r := goldenResult(); !errors.Is(r.Verdicts[1].Err, verify.ErrPolicy) || r.Verdicts[1].FailedStep() != verify.StepPolicy {
		t.Errorf("failed verdict: %v", r.Verdicts[1].Err)
	}
}

// TestVerifyTextDigests: every digest a verdict checked is shown, SHA-256 first, and a
// passed verdict lists its skipped steps each on its own line.
func TestVerifyTextDigests(t *testing.T) {
	t.Parallel()
	sha512 := strings.Repeat("ab", 64)
	res := &verify.Result{Passed: true, Verdicts: []*verify.Verdict{{Artifact: "app", SHA256: strings.Repeat("cd", 32),
		Digests: map[string]string{"sha512": sha512}, Passed: true,
		Checks: []verify.Check{{Step: verify.StepRescan, Status: verify.Skip, Detail: "not asked"}}}}}
	var b bytes.Buffer
	if err := (textRenderer{}).Verify(&b, res); err != nil {
		t.Fatal(err)
	}
	want := "PASS app\n  artifact sha256 " + strings.Repeat("cd", 32) + "\n  artifact sha512 " + sha512 + "\n" +
		"  skip  rescan               not asked\n\nPASS: 1 of 1 verdict(s) passed\n"
	if b.String() != want {
		t.Errorf("text =\n%s\nwant\n%s", b.String(), want)
	}
}

// TestUnsupported: a format asked for a result it has no form for says so with
// ErrUnsupported and writes nothing; every renderer refuses a nil result.
func TestUnsupported(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		f     Format
		write func(Renderer, *bytes.Buffer) error
	}{
		{FormatSARIF, func(r Renderer, b *bytes.Buffer) error { return r.Verify(b, goldenResult()) }},
		{FormatSARIF, func(r Renderer, b *bytes.Buffer) error {
			return r.Attest(b, &Attestation{Result: sampleAttestResult()})
		}},
	} {
		r, err := New(tt.f)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := tt.write(r, &b); !errors.Is(err, ErrUnsupported) || b.Len() != 0 {
			t.Errorf("%s: err %v, wrote %q; want ErrUnsupported and nothing", tt.f, err, b.String())
		}
	}
	for _, f := range Formats() {
		r, _ := New(f)
		if err := r.Scan(&bytes.Buffer{}, nil); !errors.Is(err, errNilResult) {
			t.Errorf("%s: Scan(nil) = %v", f, err)
		}
		if f == FormatSARIF {
			continue
		}
		if err := r.Verify(&bytes.Buffer{}, nil); !errors.Is(err, errNilResult) {
			t.Errorf("%s: Verify(nil) = %v", f, err)
		}
	}
	if err := (textRenderer{}).Attest(&bytes.Buffer{}, &Attestation{}); !errors.Is(err, errNilResult) {
		t.Errorf("Attest with no result = %v", err)
	}
	unsigned := sampleAttestResult()
	unsigned.Envelope = nil
	var b bytes.Buffer
	if err := (textRenderer{}).Attest(&b, &Attestation{Result: unsigned, Signed: true}); !errors.Is(err, errNilResult) || b.Len() != 0 {
		t.Errorf("Attest signed with no envelope = %v, wrote %q", err, b.String())
	}
}
