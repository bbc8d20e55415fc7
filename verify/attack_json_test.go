package verify

import (
	"bytes"
	"context"
	"encoding/base64"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/predicate"
)

// edited returns b with the first old replaced by new; the test fails when old is absent,
// so that an edit cannot silently do nothing.
func edited(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%q not in %.200s", old, b)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

// nest returns n levels of nested objects.
func nest(n int) string { return strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1) }

// TestCaseVariantStatements: a signed statement whose member names another JSON parser reads
// differently (case-insensitively, last duplicate winning, '_' ignored) is refused at the
// step that reads it, at every level: statement, subject, digest and predicate.
func TestCaseVariantStatements(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	env, err := ParseEnvelope(w.env)
	if err != nil {
		t.Fatal(err)
	}
	payload := env.Payload
	quiet := targetOf(t, w.quiet).SHA256
	otherSubject := `[{"name":"quiet","digest":{"sha256":"` + quiet + `"}}]`
	const slsa = "https://slsa.dev/provenance/v1"
	tests := []struct {
		name    string
		payload func() []byte
		step    error                     // the verification step's sentinel
		kind    error                     // the strictjson sentinel
		loose   func(map[string]any) bool // when not nil: what encoding/json reads differently
	}{
		{"subject then Subject", func() []byte {
			return edited(t, payload, `,"predicateType":`, `,"Subject":`+otherSubject+`,"predicateType":`)
		}, ErrStatement, strictjson.ErrDuplicate, func(m map[string]any) bool {
			return m["Subject"] != nil // encoding/json fills Subject from the last of them
		}},
		{"predicateType then PredicateType", func() []byte {
			return edited(t, payload, `,"predicate":{`, `,"PredicateType":"`+slsa+`","predicate":{`)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"predicateType then predicate_type (protojson's name)", func() []byte {
			return edited(t, payload, `,"predicate":{`, `,"predicate_type":"`+slsa+`","predicate":{`)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"predicate_type alone", func() []byte {
			return edited(t, payload, `"predicateType":`, `"predicate_type":`)
		}, ErrStatement, strictjson.ErrFoldedName, nil},
		{"_type then _Type", func() []byte {
			return edited(t, payload, `,"subject":`, `,"_Type":"https://in-toto.io/Statement/v0.1","subject":`)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"SUBJECT alone", func() []byte {
			return edited(t, payload, `"subject":`, `"SUBJECT":`)
		}, ErrStatement, strictjson.ErrFoldedName, nil},
		{"subject with a long s", func() []byte {
			return edited(t, payload, `,"predicateType":`, `,"\u017Fubject":`+otherSubject+`,"predicateType":`)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"name then Name in a subject", func() []byte {
			return edited(t, payload, `{"name":"phonehome",`, `{"name":"phonehome","Name":"quiet",`)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"resource descriptor field folded (URI)", func() []byte {
			return edited(t, payload, `{"name":"phonehome",`, `{"name":"phonehome","URI":"https://evil.example/quiet",`)
		}, ErrStatement, strictjson.ErrFoldedName, nil},
		{"sha256 then SHA256 in a digest", func() []byte {
			return edited(t, payload, `"digest":{"sha256":"`, `"digest":{"SHA256":"`+quiet+`","sha256":"`)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"holds then Holds deep in the predicate", func() []byte {
			return edited(t, payload, `"holds":true`, `"holds":true,"Holds":false`)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"rulesVersion then rules_version in the predicate", func() []byte {
			return edited(t, payload, `"rulesVersion":`, `"rules_version":"0","rulesVersion":`)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"sha256 then Sha256 in a predicate digest", func() []byte {
			i := bytes.Index(payload, []byte(`"predicate":`))
			return append(bytes.Clone(payload[:i]), edited(t, payload[i:], `"digest":{"sha256":`, `"digest":{"Sha256":"00","sha256":`)...)
		}, ErrStatement, strictjson.ErrDuplicate, nil},
		{"scannedAt spelt ScannedAt", func() []byte {
			return edited(t, payload, `"scannedAt":`, `"ScannedAt":`)
		}, ErrPredicate, strictjson.ErrFoldedName, nil},
		{"rulesDigest spelt rules_digest", func() []byte {
			return edited(t, payload, `"rulesDigest":`, `"rules_digest":`)
		}, ErrPredicate, strictjson.ErrFoldedName, nil},
		{"predicate nested 100 deep", func() []byte {
			return edited(t, payload, `"predicate":{`, `"predicate":{"deep":`+nest(100)+`,`)
		}, ErrStatement, strictjson.ErrDepth, nil},
		{"predicate nested 3300 deep", func() []byte {
			return edited(t, payload, `"predicate":{`, `"predicate":{"deep":`+nest(3300)+`,`)
		}, ErrStatement, strictjson.ErrDepth, nil},
	}
	ctx := context.Background()
	v := verifierFor(t, []string{w.pub})
	// The edits start from the genuine payload, which passes when signed again as it is.
	if vd := v.Verify(ctx, "genuine", signPayload(t, predicate.PayloadType, payload, w.priv), targetOf(t, w.bin)); !vd.Passed {
		t.Fatalf("the genuine payload, re-signed, fails: %v", vd.Err)
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			p := tt.payload()
			if tt.loose != nil {
				var m map[string]any
				if err := stdjson.Unmarshal(p, &m); err != nil || !tt.loose(m) {
					t.Fatalf("the edit does not make another parser read another statement (%v)", err)
				}
			}
			vd := v.Verify(ctx, "attestation", signPayload(t, predicate.PayloadType, p, w.priv), targetOf(t, w.bin))
			if vd.Passed {
				t.Fatalf("accepted:\n%+v", vd.Checks)
			}
			if !errors.Is(vd.Err, tt.step) || !errors.Is(vd.Err, tt.kind) {
				t.Fatalf("got %v; want %v and %v", vd.Err, tt.step, tt.kind)
			}
			if got := vd.FailedStep(); sentinel(got) != tt.step {
				t.Errorf("failed step %s, want the step of %v", got, tt.step)
			}
			var se *strictjson.Error
			if !errors.As(vd.Err, &se) || !strings.HasPrefix(se.Path, "$") || !strings.Contains(vd.Err.Error(), se.Path) {
				t.Errorf("the error does not name the path: %v", vd.Err)
			}
		})
	}
}

// TestCaseVariantEnvelopes: envelope members another parser reads differently are refused
// when the envelope is parsed, before any signature is checked.
func TestCaseVariantEnvelopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	env, err := ParseEnvelope(w.env)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.StdEncoding.EncodeToString
	// build writes the envelope with extra members at the top and in its signature.
	build := func(top, sig string) []byte {
		s := env.Signatures[0]
		return fmt.Appendf(nil, `{"payloadType":%q,"payload":%q,"signatures":[{"keyid":%q,"sig":%q%s}]%s}`,
			env.PayloadType, b64(env.Payload), s.KeyID, b64(s.Sig), sig, top)
	}
	forged := b64([]byte(`{"_type":"https://in-toto.io/Statement/v1"}`))
	tests := []struct {
		name     string
		envelope []byte
		kind     error
		path     string
	}{
		{"payload then Payload", build(`,"Payload":"`+forged+`"`, ""), strictjson.ErrDuplicate, "$"},
		{"signatures then Signatures", build(`,"Signatures":[{"sig":"AAAA"}]`, ""), strictjson.ErrDuplicate, "$"},
		{"payloadType then payload_type", build(`,"payload_type":"application/json"`, ""), strictjson.ErrDuplicate, "$"},
		{"PAYLOAD alone", bytes.Replace(build("", ""), []byte(`"payload":`), []byte(`"PAYLOAD":`), 1), strictjson.ErrFoldedName, "$"},
		{"keyid then keyId", build("", `,"keyId":"other"`), strictjson.ErrDuplicate, "$.signatures[0]"},
		{"sig then SIG", build("", `,"SIG":"AAAA"`), strictjson.ErrDuplicate, "$.signatures[0]"},
		{"nested 100 deep", build(`,"x":`+nest(100), ""), strictjson.ErrDepth, "$.x" + strings.Repeat(".a", strictjson.MaxDepth-1)},
		{"nested 3300 deep in a signature", build("", `,"x":`+nest(3300)), strictjson.ErrDepth, "$.signatures[0].x" + strings.Repeat(".a", strictjson.MaxDepth-3)},
	}
	ctx := context.Background()
	v := verifierFor(t, []string{w.pub})
	if vd := v.Verify(ctx, "genuine", build("", ""), targetOf(t, w.bin)); !vd.Passed {
		t.Fatalf("the genuine envelope, rewritten, fails: %v", vd.Err)
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			vd := v.Verify(ctx, "attestation", tt.envelope, targetOf(t, w.bin))
			if vd.Passed || !errors.Is(vd.Err, ErrParse) || !errors.Is(vd.Err, tt.kind) {
				t.Fatalf("got %v; want %v and %v", vd.Err, ErrParse, tt.kind)
			}
			var se *strictjson.Error
			if !errors.As(vd.Err, &se) || se.Path != tt.path {
				t.Errorf("path %q, want %q: %v", se.Path, tt.path, vd.Err)
			}
		})
	}
}

// TestDeepInputCostIsBounded: refusing a deep statement, predicate or envelope allocates no
// more at depth 3300 or 200,000 than at depth 100: nothing is copied per level.
func TestDeepInputCostIsBounded(t *testing.T) {
	statement := func(n int) []byte {
		return []byte(`{"_type":"` + StatementType + `","predicate":{"deep":` + nest(n) + `}}`)
	}
	envelope := func(n int) []byte { return []byte(`{"x":` + nest(n) + `}`) }
	parses := []struct {
		name string
		doc  func(int) []byte
		run  func([]byte) error
		step error
	}{
		{"statement", statement, func(b []byte) error { _, err := ParseStatement(b); return err }, ErrStatement},
		{"predicate", func(n int) []byte { return []byte(`{"deep":` + nest(n) + `}`) }, func(b []byte) error { _, err := parsePredicate(b); return err }, ErrPredicate},
		{"envelope", envelope, func(b []byte) error { _, err := ParseEnvelope(b); return err }, ErrParse},
	}
	for _, p := range parses {
		var allocs [3]float64
		var bytesAlloc [3]uint64
		for i, n := range []int{100, 3300, 200_000} {
			doc := p.doc(n)
			if err := p.run(doc); !errors.Is(err, p.step) || !errors.Is(err, strictjson.ErrDepth) {
				t.Fatalf("%s nested %d deep: got %v, want %v and ErrDepth", p.name, n, err, p.step)
			}
			allocs[i] = testing.AllocsPerRun(10, func() { _ = p.run(doc) })
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for range 10 {
				_ = p.run(doc)
			}
			runtime.ReadMemStats(&after)
			bytesAlloc[i] = (after.TotalAlloc - before.TotalAlloc) / 10
		}
		t.Logf("%s: allocations %v, bytes %v at depths 100, 3300, 200000", p.name, allocs, bytesAlloc)
		if allocs[1] > allocs[0] || allocs[2] > allocs[0] || bytesAlloc[1] > bytesAlloc[0]+2048 || bytesAlloc[2] > bytesAlloc[0]+2048 || bytesAlloc[0] > 64<<10 {
			t.Errorf("%s: the cost of refusing grows with depth: allocations %v, bytes %v", p.name, allocs, bytesAlloc)
		}
	}
}

// TestCaseVariantPolicies: policy keys that differ only in case, '_' or '-', or that fold
// onto a policy field without being it, are refused with their line, in YAML and in JSON.
func TestCaseVariantPolicies(t *testing.T) {
	t.Parallel()
	const head = "apiVersion: candor.dev/policy/v1\n"
	tests := []struct {
		name, text string
		kind       error
		line       int
		field      string
	}{
		{"maxAge then MaxAge", head + "maxAge: 1d\nMaxAge: 3650d\n", strictjson.ErrDuplicate, 3, "MaxAge"},
		{"apiVersion then APIVERSION", head + "APIVERSION: candor.dev/policy/v0\n", strictjson.ErrDuplicate, 2, "APIVERSION"},
		{"allow then Allow", head + "endpoints:\n  allow: [a.example]\n  Allow: [evil.example]\n", strictjson.ErrDuplicate, 4, "endpoints.Allow"},
		{"max_age alone", head + "max_age: 3650d\n", strictjson.ErrFoldedName, 2, "max_age"},
		{"nested key folded", head + "findings:\n  max-undisclosed: 100\n", strictjson.ErrFoldedName, 3, "findings.max-undisclosed"},
		{"upper-case section", head + "UPDATES: {allowForced: true}\n", strictjson.ErrFoldedName, 2, "UPDATES"},
		{"requireContact then requirecontact", head + "security:\n  requireContact: true\n  requirecontact: false\n", strictjson.ErrDuplicate, 4, "security.requirecontact"},
		{"long s in a nested key", head + "security:\n  maxNotificationDay\u017F: 90\n", strictjson.ErrFoldedName, 3, "security.maxNotificationDay\u017F"},
		{"JSON policy", `{"apiVersion":"candor.dev/policy/v1","maxAge":"1d","MAXAGE":"3650d"}`, strictjson.ErrDuplicate, 1, "MAXAGE"},
		{"JSON policy, escaped long s", `{"apiVersion":"candor.dev/policy/v1","\u017Fecurity":{}}`, strictjson.ErrFoldedName, 1, "\u017Fecurity"},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			_, err := ParsePolicy("buyer.yaml", []byte(tt.text))
			var pe *PolicyError
			if !errors.Is(err, ErrPolicyFile) || !errors.Is(err, tt.kind) || !errors.As(err, &pe) {
				t.Fatalf("got %v; want ErrPolicyFile and %v", err, tt.kind)
			}
			for _, p := range pe.Problems {
				if p.Line == tt.line && p.Field == tt.field && errors.Is(p.Err, tt.kind) {
					return
				}
			}
			t.Errorf("no %v problem at line %d, field %q: %v", tt.kind, tt.line, tt.field, err)
		})
	}
	// Genuine policies, with fields that contain '-' or '_' in their values, still load.
	mustPolicy(t, head+"maxAge: 30d\nfindings: {maxUndisclosed: 0}\nupdates: {allowedMechanisms: [none, user-approved]}\ntelemetry: {allowedConsent: [opt-in, user-initiated]}\n")
}
