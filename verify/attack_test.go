package verify

import (
	"bytes"
	"context"
	"encoding/base64"
	stdjson "encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/scan"
)

// world is a vendor's release: the phonehome fixture, its attestation signed with the
// vendor's key, and an unrelated key.
type world struct {
	dir              string
	bin, quiet       string
	priv, pub        string
	otherPriv, other string
	env              []byte
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{dir: t.TempDir()}
	w.bin = copyFile(t, fixture(t, "phonehome"), w.dir, "phonehome")
	w.quiet = copyFile(t, fixture(t, "quiet"), w.dir, "quiet")
	w.priv, w.pub = testKey(t, w.dir, "vendor")
	w.otherPriv, w.other = testKey(t, w.dir, "other")
	w.env = attestFile(t, phonehomeDisclosure, filepath.Join(w.dir, "phonehome.intoto.json"), false, []string{w.priv}, w.bin)
	return w
}

// editEnvelope decodes the envelope JSON, lets edit change it, and encodes it again.
func editEnvelope(t *testing.T, env []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := stdjson.Unmarshal(env, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := stdjson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenuineAttestationPasses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	v := verifierFor(t, []string{w.pub})
	vd := v.Verify(context.Background(), "phonehome.intoto.json", w.env, targetOf(t, w.bin))
	if !vd.Passed || vd.Err != nil {
		t.Fatalf("genuine attestation failed: %v\n%+v", vd.Err, vd.Checks)
	}
	for _, s := range []Step{StepParse, StepSignature, StepPayloadType, StepStatement, StepSubject, StepPredicate} {
		if !stepPassed(vd, s) {
			t.Errorf("step %s did not pass: %+v", s, vd.Checks)
		}
	}
	if vd.Subject != "phonehome" || vd.Product == nil || vd.Product.Name != "phonehome" {
		t.Errorf("subject %q product %+v", vd.Subject, vd.Product)
	}
	// With the re-scan too: the attested analysis is what the analyser finds.
	sc, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	v = verifierFor(t, []string{w.pub}, WithRescan(sc))
	vd = v.Verify(context.Background(), "phonehome.intoto.json", w.env, targetOf(t, w.bin))
	if !vd.Passed || !stepPassed(vd, StepRescan) {
		t.Fatalf("re-scan of a genuine attestation failed: %v\n%+v", vd.Err, vd.Checks)
	}
}

// TestStatementV01Passes: the same statement as in-toto Statement v0.1 (what cosign attest
// writes) passes every step, the re-scan included; only the exact _type is read so.
func TestStatementV01Passes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	m := payloadOf(t, w.env)
	m["_type"] = StatementTypeV01
	env := resign(t, m, w.priv)
	sc, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	v := verifierFor(t, []string{w.pub}, WithRescan(sc))
	vd := v.Verify(context.Background(), "phonehome.intoto.json", env, targetOf(t, w.bin))
	if !vd.Passed || !stepPassed(vd, StepStatement) || !stepPassed(vd, StepRescan) {
		t.Fatalf("a v0.1 statement failed: %v\n%+v", vd.Err, vd.Checks)
	}
}

// TestAttacks: each forged, tampered or non-compliant attestation is refused by the right step.
func TestAttacks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	st := func() map[string]any { return payloadOf(t, w.env) }
	pred := func(m map[string]any) map[string]any { return m["predicate"].(map[string]any) }
	sc, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}

	otherEnv := attestFile(t, phonehomeDisclosure, filepath.Join(t.TempDir(), "q.intoto.json"), false, []string{w.priv}, w.quiet)

	tests := []struct {
		name     string
		envelope func() []byte
		artifact string
		keys     []string
		opts     []VerifierOption
		want     error
	}{
		{"untrusted key", func() []byte { return w.env }, w.bin, []string{w.other}, nil, ErrSignature},
		{"payload changed after signing", func() []byte {
			m := st()
			pred(m)["product"].(map[string]any)["version"] = "6.6.6"
			b, _ := stdjson.Marshal(m)
			return editEnvelope(t, w.env, func(e map[string]any) { e["payload"] = base64.StdEncoding.EncodeToString(b) })
		}, w.bin, nil, nil, ErrSignature},
		{"payload type changed after signing", func() []byte {
			return editEnvelope(t, w.env, func(e map[string]any) { e["payloadType"] = "application/json" })
		}, w.bin, nil, nil, ErrSignature},
		{"payload type signed but wrong", func() []byte {
			b, _ := stdjson.Marshal(st())
			return signPayload(t, "application/json", b, w.priv)
		}, w.bin, nil, nil, ErrPayloadType},
		{"signature copied from another envelope", func() []byte {
			var o map[string]any
			must(t, stdjson.Unmarshal(otherEnv, &o))
			return editEnvelope(t, w.env, func(e map[string]any) { e["signatures"] = o["signatures"] })
		}, w.bin, nil, nil, ErrSignature},
		{"subject digest of another artifact", func() []byte { return w.env }, w.quiet, nil, nil, ErrSubject},
		{"predicate type swapped", func() []byte {
			m := st()
			m["predicateType"] = "https://slsa.dev/provenance/v1"
			return resign(t, m, w.priv)
		}, w.bin, nil, nil, ErrStatement},
		{"wrong statement type", func() []byte {
			m := st()
			m["_type"] = "https://in-toto.io/Statement/v2"
			return resign(t, m, w.priv)
		}, w.bin, nil, nil, ErrStatement},
		{"statement type in other case", func() []byte {
			m := st()
			m["_type"] = "https://in-toto.io/statement/V0.1"
			return resign(t, m, w.priv)
		}, w.bin, nil, nil, ErrStatement},
		{"duplicate keys in the payload", func() []byte {
			b, _ := stdjson.Marshal(st())
			// A second predicateType after the first: a last-wins parser reads another statement.
			dup := bytes.Replace(b, []byte(`"predicateType":`), []byte(`"predicateType":"https://slsa.dev/provenance/v1","predicateType":`), 1)
			return signPayload(t, "application/vnd.in-toto+json", dup, w.priv)
		}, w.bin, nil, nil, ErrStatement},
		{"duplicate keys deep in the predicate", func() []byte {
			b, _ := stdjson.Marshal(st())
			dup := bytes.Replace(b, []byte(`"holds":`), []byte(`"holds":false,"holds":`), 1)
			return signPayload(t, "application/vnd.in-toto+json", dup, w.priv)
		}, w.bin, nil, nil, ErrStatement},
		{"truncated envelope", func() []byte { return w.env[:len(w.env)/2] }, w.bin, nil, nil, ErrParse},
		{"oversized envelope", func() []byte {
			return append(bytes.Repeat([]byte(" "), MaxEnvelopeSize), w.env...)
		}, w.bin, nil, nil, ErrParse},
		{"base64 garbage in the payload", func() []byte {
			return editEnvelope(t, w.env, func(e map[string]any) { e["payload"] = "!!not base64!!" })
		}, w.bin, nil, nil, ErrParse},
		{"base64 garbage in a signature", func() []byte {
			return editEnvelope(t, w.env, func(e map[string]any) {
				e["signatures"].([]any)[0].(map[string]any)["sig"] = "%%%%"
			})
		}, w.bin, nil, nil, ErrParse},
		{"unknown envelope field", func() []byte {
			return editEnvelope(t, w.env, func(e map[string]any) { e["payloads"] = []any{} })
		}, w.bin, nil, nil, ErrParse},
		{"trailing data", func() []byte { return append(bytes.Clone(w.env), []byte(`{"payloadType":"x"}`)...) }, w.bin, nil, nil, ErrParse},
		{"same key listed twice to meet a threshold", func() []byte { return w.env }, w.bin, []string{w.pub, w.pub}, []VerifierOption{WithThreshold(2)}, ErrSignature},
		{"one signature repeated to meet a threshold", func() []byte {
			return editEnvelope(t, w.env, func(e map[string]any) {
				s := e["signatures"].([]any)
				e["signatures"] = append(s, s[0])
			})
		}, w.bin, []string{w.pub, w.other}, []VerifierOption{WithThreshold(2)}, ErrSignature},
		{"attestation older than the policy allows", func() []byte { return w.env }, w.bin, nil,
			[]VerifierOption{WithPolicy(mustPolicy(t, "apiVersion: candor.dev/policy/v1\nmaxAge: 12h\n")), WithClock(func() time.Time { return scannedAt.Add(13 * time.Hour) })}, ErrPolicy},
		{"attestation from the future", func() []byte { return w.env }, w.bin, nil,
			[]VerifierOption{WithPolicy(mustPolicy(t, "apiVersion: candor.dev/policy/v1\nmaxAge: 30d\n")), WithClock(func() time.Time { return scannedAt.Add(-time.Hour) })}, ErrPolicy},
		{"undisclosed findings", func() []byte {
			return attestFile(t, bareDisclosure, filepath.Join(t.TempDir(), "u.intoto.json"), true, []string{w.priv}, w.bin)
		}, w.bin, nil, nil, ErrPolicy},
		{"finding falsely marked as covered", func() []byte {
			m := st()
			p := pred(m)
			delete(p["disclosure"].(map[string]any), "endpoints")
			p["disclosure"].(map[string]any)["configuredEndpoints"] = []any{map[string]any{"purpose": "reports", "data": []any{}, "consent": "opt-in"}}
			return resign(t, m, w.priv)
		}, w.bin, nil, nil, ErrPolicy},
		{"analysis omits a capability the binary has", func() []byte {
			m := st()
			arts := pred(m)["analysis"].(map[string]any)["artifacts"].([]any)
			a := arts[0].(map[string]any)
			var keep []any
			for _, f := range a["findings"].([]any) {
				if f.(map[string]any)["capability"] != "network.endpoint" {
					keep = append(keep, f)
				}
			}
			a["findings"] = keep
			// The verdict's counts follow, so that only the re-scan can tell.
			ex := pred(m)["verdict"].(map[string]any)["noUndisclosedExfiltration"].(map[string]any)
			ex["findings"], ex["disclosed"] = ex["findings"].(float64)-1, ex["disclosed"].(float64)-1
			return resign(t, m, w.priv)
		}, w.bin, nil, []VerifierOption{WithRescan(sc)}, ErrRescan},
		{"predicate against its schema", func() []byte {
			m := st()
			pred(m)["verdict"].(map[string]any)["surprise"] = true
			return resign(t, m, w.priv)
		}, w.bin, nil, nil, ErrPredicate},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			keys := tt.keys
			if keys == nil {
				keys = []string{w.pub}
			}
			v := verifierFor(t, keys, tt.opts...)
			vd := v.Verify(ctx, "attestation", tt.envelope(), targetOf(t, tt.artifact))
			if vd.Passed {
				t.Fatalf("accepted:\n%+v", vd.Checks)
			}
			if !errors.Is(vd.Err, tt.want) || !errors.Is(vd.Err, ErrVerification) {
				t.Fatalf("got %v, want %v", vd.Err, tt.want)
			}
			if got := vd.FailedStep(); sentinel(got) != tt.want {
				t.Errorf("failed step %s, want the step of %v", got, tt.want)
			}
		})
	}
}

func mustPolicy(t testing.TB, text string) *Policy {
	t.Helper()
	p, err := ParsePolicy("policy.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestThresholdWithDistinctKeys: two keys signing meet a threshold of two; one does not.
func TestThresholdWithDistinctKeys(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	both := attestFile(t, phonehomeDisclosure, filepath.Join(t.TempDir(), "2.intoto.json"), false, []string{w.priv, w.otherPriv}, w.bin)
	ctx := context.Background()
	v := verifierFor(t, []string{w.pub, w.other}, WithThreshold(2))
	if vd := v.Verify(ctx, "2", both, targetOf(t, w.bin)); !vd.Passed {
		t.Fatalf("two signatures by two trusted keys: %v", vd.Err)
	}
	if vd := v.Verify(ctx, "1", w.env, targetOf(t, w.bin)); !errors.Is(vd.Err, ErrSignature) {
		t.Fatalf("one signature for a threshold of two: %v", vd.Err)
	}
	// A signature by an unknown key is ignored, not counted.
	_, third := testKey(t, t.TempDir(), "third")
	v = verifierFor(t, []string{w.pub, third}, WithThreshold(2))
	if vd := v.Verify(ctx, "2", both, targetOf(t, w.bin)); !errors.Is(vd.Err, ErrSignature) {
		t.Fatalf("a signature by an untrusted key counted: %v", vd.Err)
	}
	if _, err := NewVerifier(nil, WithThreshold(1)); !errors.Is(err, ErrOptions) {
		t.Errorf("no keys: %v", err)
	}
	ks, err := LoadKeys(ctx, []string{w.pub}, keysOptions())
	must(t, err)
	if _, err := NewVerifier(ks, WithThreshold(2)); !errors.Is(err, ErrOptions) {
		t.Errorf("threshold above the keys given: %v", err)
	}
}
