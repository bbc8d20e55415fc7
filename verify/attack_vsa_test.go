package verify

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/candor-dev/candor/signing"
)

// A verification summary the buyer signed is read beside the disclosure; one whose
// resourceUri names another artifact, or whose result is not PASSED, fails at the predicate
// even though the buyer's key signed it.
func TestAttackVSAResource(t *testing.T) {
	dir := t.TempDir()
	bin := copyFile(t, fixture(t, "phonehome"), dir, "phonehome")
	vendorKey, vendorPub := testKey(t, t.TempDir(), "vendor")
	buyerKey, buyerPub := testKey(t, t.TempDir(), "buyer")
	attestFile(t, phonehomeDisclosure, bin+SuffixJSON, true, []string{vendorKey}, bin)
	signer, err := signing.LoadSigner(context.Background(), buyerKey, signing.Options{})
	must(t, err)
	vsa := bin + SuffixVSA
	_, err = Run(context.Background(), verifierFor(t, []string{vendorPub}), Inputs{Artifacts: []string{bin}, Summary: &SummaryOptions{Path: vsa, Signer: signer}})
	must(t, err)
	good := readFile(t, vsa)

	v := verifierFor(t, []string{vendorPub, buyerPub})
	res, err := Run(context.Background(), v, Inputs{Artifacts: []string{bin}})
	if err != nil || len(res.Verdicts) != 2 {
		t.Fatalf("disclosure and summary: %v, %+v", err, res)
	}
	var sum *Verdict
	for _, vd := range res.Verdicts {
		if vd.Attestation == vsa {
			sum = vd
		}
	}
	if sum == nil || sum.Summary == nil || sum.Summary.Result != "PASSED" || sum.Summary.Verifier != VerifierID || sum.Product != nil {
		t.Fatalf("the summary's verdict: %+v", sum)
	}

	for _, tc := range []struct {
		field, value, want string
	}{
		{"resourceUri", "file:///srv/other-program", "does not name the artifact"},
		{"resourceUri", "", "has no resourceUri"},
		{"verificationResult", "FAILED", "says FAILED"},
		{"verificationResult", "passed", "want PASSED or FAILED"},
	} {
		st := payloadOf(t, good)
		st["predicate"].(map[string]any)[tc.field] = tc.value
		st["predicateType"] = SummaryPredicateType
		must(t, os.WriteFile(vsa, resign(t, st, buyerKey), 0o644))
		res, err := Run(context.Background(), v, Inputs{Artifacts: []string{bin}})
		if !errors.Is(err, ErrPredicate) || res == nil {
			t.Fatalf("%s %q: %v", tc.field, tc.value, err)
		}
		for _, vd := range res.Verdicts {
			if vd.Attestation == vsa && (vd.FailedStep() != StepPredicate || !strings.Contains(vd.Message, tc.want)) {
				t.Errorf("%s %q: %s, %q; want the predicate step, %q", tc.field, tc.value, vd.FailedStep(), vd.Message, tc.want)
			}
		}
	}
}
