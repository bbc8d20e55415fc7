package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	stdjson "encoding/json"
	"errors"
	"testing"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/keys"
	"github.com/sigstore/sigstore/pkg/signature"
)

// seedStatement is a small valid statement for the fuzz corpora.
const seedStatement = `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"` +
	"66004e4366ece3530d6910d480de45907ed414fb389d61181d13a8eeacbf1338" +
	`"}}],"predicateType":"https://candor.dev/attestation/disclosure/v1","predicate":{"product":{"name":"app"}}}`

func seedEnvelope(tb testing.TB) []byte {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	sv, err := signature.LoadSignerVerifier(k, crypto.SHA256)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := keys.NewSigner(context.Background(), sv, "seed")
	if err != nil {
		tb.Fatal(err)
	}
	env, err := attest.Sign(context.Background(), []byte(seedStatement), s)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := attest.MarshalEnvelope(env, attest.FormatJSON)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func FuzzParseEnvelope(f *testing.F) {
	f.Add(seedEnvelope(f))
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30","signatures":[{"keyid":"","sig":"AA-_"}]}`))
	f.Add([]byte(`{"payloadType":"x","payload":"e30=","payload":"e30=","signatures":[{"sig":"AA=="}]}`))
	f.Add([]byte(`[{"payloadType":"x"}]`))
	f.Add([]byte("{\"payloadType\":\"x\",\"payload\":\"e3\n0=\",\"signatures\":[{\"sig\":\"AA==\"}]}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := ParseEnvelope(b)
		if err != nil {
			if !errors.Is(err, ErrParse) || !errors.Is(err, ErrVerification) {
				t.Fatalf("error does not wrap ErrParse: %v", err)
			}
			return
		}
		if env.PayloadType == "" || len(env.Payload) == 0 || len(env.Signatures) == 0 || len(env.Signatures) > MaxSignatures {
			t.Fatalf("accepted an incomplete envelope: %+v", env)
		}
		// Whatever strict parsing accepts, the lenient standard parser reads the same way.
		var loose struct {
			PayloadType string `json:"payloadType"`
		}
		if err := stdjson.Unmarshal(b, &loose); err != nil || loose.PayloadType != env.PayloadType {
			t.Fatalf("encoding/json reads payloadType %q (%v), strict parser %q", loose.PayloadType, err, env.PayloadType)
		}
	})
}

func FuzzParseStatement(f *testing.F) {
	f.Add([]byte(seedStatement))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","_type":"x"}`))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://candor.dev/attestation/disclosure/v1","predicate":null}`))
	f.Add([]byte(`{"_TYPE":"https://in-toto.io/Statement/v1"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStatement(b)
		if err != nil {
			if !errors.Is(err, ErrStatement) {
				t.Fatalf("error does not wrap ErrStatement: %v", err)
			}
			return
		}
		if st.Type != StatementType || st.PredicateType != attest.PredicateType || len(st.Subject) == 0 {
			t.Fatalf("accepted %+v", st)
		}
		// Two parsers must agree on what was signed: encoding/json (case-insensitive, last
		// duplicate wins) reads the same type and predicate type from accepted bytes.
		var loose struct {
			Type          string `json:"_type"`
			PredicateType string `json:"predicateType"`
		}
		if err := stdjson.Unmarshal(b, &loose); err != nil || loose.Type != st.Type || loose.PredicateType != st.PredicateType {
			t.Fatalf("parsers disagree: %+v (%v) vs %+v", loose, err, st)
		}
		// The predicate step never panics on what the statement step accepts.
		_, _ = parsePredicate(st.Predicate)
	})
}
