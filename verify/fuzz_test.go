package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	stdjson "encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/signing"
	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/sigstore/pkg/signature"
	"google.golang.org/protobuf/encoding/protojson"
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
	s, err := signing.NewSigner(context.Background(), sv, "seed")
	if err != nil {
		tb.Fatal(err)
	}
	env, err := signing.SignEnvelope(context.Background(), predicate.PayloadType, []byte(seedStatement), s)
	if err != nil {
		tb.Fatal(err)
	}
	b, err := signing.MarshalEnvelope(env, signing.FormatJSON)
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
	// Case variants, names folding onto fields, deep nesting.
	f.Add([]byte(`{"payloadType":"x","payload":"e30=","Payload":"e30=","signatures":[{"sig":"AA=="}]}`))
	f.Add([]byte(`{"payload_type":"x","payload":"e30=","signatures":[{"sig":"AA==","SIG":"AA=="}]}`))
	f.Add([]byte(`{"payloadType":"x","payload":"e30=","signatures":[{"keyid":"a","keyId":"b","sig":"AA=="}],"Signatures":[]}`))
	f.Add([]byte(`{"payloadType":"x","p\u0061yload":"e30=","signatures":[{"\u017Fig":"AA=="}]}`))
	f.Add([]byte(`{"payloadType":"x","payload":"e30=","signatures":[{"sig":"AA==","x":` + nest(strictjson.MaxDepth) + `}]}`))
	f.Add([]byte(`{"x":` + strings.Repeat("[", 3300) + strings.Repeat("]", 3300) + `}`))
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
		// The same payload and signatures too, and nothing nests deeper than the bound.
		var full struct {
			Payload    string
			Signatures []struct{ KeyID, Sig string }
		}
		if err := stdjson.Unmarshal(b, &full); err != nil || len(full.Signatures) != len(env.Signatures) {
			t.Fatalf("encoding/json reads %d signatures (%v), strict parser %d", len(full.Signatures), err, len(env.Signatures))
		}
		if p, err := decodeBase64(full.Payload); err != nil || !bytes.Equal(p, env.Payload) {
			t.Fatalf("encoding/json reads another payload (%v)", err)
		}
		for i, s := range full.Signatures {
			if sig, err := decodeBase64(s.Sig); err != nil || s.KeyID != env.Signatures[i].KeyID || !bytes.Equal(sig, env.Signatures[i].Sig) {
				t.Fatalf("encoding/json reads another signature %d (%v)", i, err)
			}
		}
		if d := maxDepth(b); d > strictjson.MaxDepth {
			t.Fatalf("accepted nesting %d deep", d)
		}
	})
}

// maxDepth returns how deeply the arrays and objects of valid JSON nest.
func maxDepth(b []byte) int {
	depth, deepest, inString, escaped := 0, 0, false, false
	for _, c := range b {
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			deepest = max(deepest, depth)
		case c == '}' || c == ']':
			depth--
		}
	}
	return deepest
}

func FuzzParseStatement(f *testing.F) {
	f.Add([]byte(seedStatement))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","_type":"x"}`))
	f.Add([]byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[],"predicateType":"https://candor.dev/attestation/disclosure/v1","predicate":null}`))
	f.Add([]byte(`{"_TYPE":"https://in-toto.io/Statement/v1"}`))
	// Case variants at every level, proto names, folds outside ASCII, deep nesting.
	for _, edit := range [][2]string{
		{`,"predicateType":`, `,"Subject":[{"name":"other","digest":{"sha256":"00"}}],"predicateType":`},
		{`,"predicate":{`, `,"PredicateType":"https://slsa.dev/provenance/v1","predicate":{`},
		{`"predicateType":`, `"predicate_type":`},
		{`,"subject":`, `,"_Type":"x","subject":`},
		{`{"name":"app"`, `{"name":"app","Name":"other"`},
		{`"digest":{"sha256":`, `"digest":{"SHA256":"00","sha256":`},
		{`"subject":`, `"\u017Fubject":`},
		{`{"product":{"name":"app"}}`, `{"product":{"name":"app","NAME":"other"}}`},
		{`{"product":{"name":"app"}}`, `{"product":{"name":"app"},"deep":` + nest(strictjson.MaxDepth-2) + `}`},
		{`{"product":{"name":"app"}}`, `{"deep":` + strings.Repeat("[", 3300) + strings.Repeat("]", 3300) + `}`},
	} {
		f.Add([]byte(strings.Replace(seedStatement, edit[0], edit[1], 1)))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		st, err := ParseStatement(b)
		if err != nil {
			if !errors.Is(err, ErrStatement) {
				t.Fatalf("error does not wrap ErrStatement: %v", err)
			}
			return
		}
		if st.Type != StatementType || st.PredicateType != predicate.PredicateType || len(st.Subject) == 0 {
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
		// And the same subjects, names and digests.
		var subjects struct{ Subject []Subject }
		if err := stdjson.Unmarshal(b, &subjects); err != nil || !reflect.DeepEqual(subjects.Subject, st.Subject) {
			t.Fatalf("encoding/json reads subjects %+v (%v), strict parser %+v", subjects.Subject, err, st.Subject)
		}
		// protojson, as the in-toto library reads statements, agrees when it reads one.
		var pb intoto.Statement
		if (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &pb) == nil {
			if pb.GetType() != st.Type || pb.GetPredicateType() != st.PredicateType || len(pb.GetSubject()) != len(st.Subject) {
				t.Fatalf("protojson reads %v, strict parser %+v", &pb, st)
			}
			for i, s := range pb.GetSubject() {
				if s.GetName() != st.Subject[i].Name || !maps.Equal(s.GetDigest(), st.Subject[i].Digest) {
					t.Fatalf("protojson reads subject %d as %v, strict parser %+v", i, s, st.Subject[i])
				}
			}
		}
		if d := maxDepth(b); d > strictjson.MaxDepth {
			t.Fatalf("accepted nesting %d deep", d)
		}
		// The predicate step never panics on what the statement step accepts.
		_, _ = parsePredicate(st.Predicate)
	})
}
