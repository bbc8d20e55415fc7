package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/internal/termsafe/termsafetest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/verify"
)

// hostileResult is a failed result with v in every string verify takes from an
// attestation, a policy or a file name.
func hostileResult(v string) *verify.Result {
	vd := &verify.Verdict{Artifact: "app" + v, SHA256: "sha" + v, Digests: map[string]string{"sha512": "512" + v},
		Subject: "subject" + v, Attestation: "app" + v + ".intoto.json", SignedBy: []string{"key" + v},
		Product: &predicate.Product{Name: "phonehome " + v, Vendor: v},
		Checks: []verify.Check{
			{Step: verify.StepParse, Status: verify.Pass, Detail: "detail " + v},
			{Step: verify.Step("step" + v), Rule: "rule" + v, Status: verify.Pass, Detail: "ok"},
			{Step: verify.StepPolicy, Rule: verify.RuleEndpoints, Status: verify.Fail, Reasons: []string{"one " + v}},
			{Step: verify.StepPolicy, Rule: verify.RuleUpdates, Status: verify.Fail, Reasons: []string{"two " + v, "three " + v}},
			{Step: verify.Step("skipped" + v), Status: verify.Skip, Detail: "not run: an earlier step failed"},
		},
		Notes: []string{"verdict note " + v}, Message: "verification failed: " + v}
	return &verify.Result{Verdicts: []*verify.Verdict{vd, {Attestation: "garbage" + v, Checks: []verify.Check{{Step: verify.StepParse, Status: verify.Fail, Reasons: []string{v}}}}},
		Notes: []string{"note " + v}, Summaries: []string{"vsa" + v + ".json"}}
}

// TestVerifyTextEscapes: whatever the strings of a result hold, its text names them
// escaped (no raw control byte, C1, bidi or invalid UTF-8 reaches the output) and still
// ends with the real FAIL line.
func TestVerifyTextEscapes(t *testing.T) {
	t.Parallel()
	for name, v := range termsafetest.Hostile {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := (textRenderer{}).Verify(&b, hostileResult(v)); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if bad := termsafetest.Raw(out); bad != "" {
				t.Fatalf("text output holds the raw %q:\n%s", bad, out)
			}
			for _, want := range []string{"FAIL " + termsafe.String("app"+v) + "\n", termsafe.String("512" + v), termsafe.Line("detail " + v),
				termsafe.String("step"+v) + " " + termsafe.String("rule"+v), termsafe.Line("one " + v), "- " + termsafe.Line("three "+v),
				"skip  " + termsafe.String("skipped"+v) + " (not run", "FAIL attestation " + termsafe.String("garbage"+v),
				"note: " + termsafe.Line("verdict note "+v), "note: " + termsafe.Line("note "+v), "summary " + termsafe.String("vsa"+v+".json")} {
				if !strings.Contains(out, want) {
					t.Errorf("text output lacks %q:\n%s", want, out)
				}
			}
			if !strings.HasSuffix(out, "\nFAIL: 0 of 2 verdict(s) passed\n") {
				t.Errorf("text output does not end with the FAIL line:\n%s", out)
			}
		})
	}
}

// TestVerifyJSONEscapes: the JSON of a result holds no character a terminal acts on and
// decodes to exactly its strings (invalid UTF-8 as a JSON parser reads it).
func TestVerifyJSONEscapes(t *testing.T) {
	t.Parallel()
	for name, v := range termsafetest.Hostile {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var b bytes.Buffer
			if err := (jsonRenderer{}).Verify(&b, hostileResult(v)); err != nil {
				t.Fatal(err)
			}
			if bad := termsafetest.Raw(b.String()); bad != "" {
				t.Fatalf("JSON output holds the raw %q:\n%s", bad, b.String())
			}
			var back verify.Result
			if err := json.Unmarshal(b.Bytes(), &back); err != nil {
				t.Fatalf("JSON output is not valid: %v", err)
			}
			want := string([]rune(v))
			if len(back.Verdicts) != 2 || back.Verdicts[0].Product == nil {
				t.Fatalf("JSON output lost the verdicts: %s", b.String())
			}
			vd := back.Verdicts[0]
			for _, p := range [][2]string{{vd.Product.Vendor, want}, {vd.Product.Name, "phonehome " + want}, {vd.Artifact, "app" + want},
				{vd.Checks[2].Reasons[0], "one " + want}, {vd.Message, "verification failed: " + want}, {back.Notes[0], "note " + want}} {
				if p[0] != p[1] {
					t.Errorf("JSON holds %q, want exactly %q", p[0], p[1])
				}
			}
		})
	}
}
