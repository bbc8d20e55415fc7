package verify

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	stdjson "encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// countingKey is a trusted key that counts the signature verifications made with it: the
// work counter the CPU bounds are tested by.
type countingKey struct {
	Key
	n atomic.Int64
}

func (k *countingKey) Verify(ctx context.Context, data, sig []byte) error {
	k.n.Add(1)
	return k.Key.Verify(ctx, data, sig)
}

func loadCounting(t *testing.T, pub string) *countingKey {
	t.Helper()
	ks, err := LoadKeys(context.Background(), []string{pub}, keysOptions())
	if err != nil {
		t.Fatal(err)
	}
	return &countingKey{Key: ks[0]}
}

// withJunkSignatures adds n signatures of random bytes (ECDSA-sized) to an envelope, after
// its own.
func withJunkSignatures(t *testing.T, env []byte, n int) []byte {
	t.Helper()
	return editEnvelope(t, env, func(m map[string]any) {
		sigs := m["signatures"].([]any)
		for range n {
			junk := make([]byte, 72)
			rand.Read(junk)
			sigs = append(sigs, map[string]any{"keyid": "", "sig": base64.StdEncoding.EncodeToString(junk)})
		}
		m["signatures"] = sigs
	})
}

// writeBundle writes envelopes as a JSON lines file.
func writeBundle(t *testing.T, path string, envs ...[]byte) {
	t.Helper()
	var b bytes.Buffer
	for _, e := range envs {
		if err := stdjson.Compact(&b, e); err != nil {
			t.Fatal(err)
		}
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSignaturesPerEnvelopeBound: an envelope carrying more signatures than
// Limits.MaxSignatures fails its signature step without a single verification, even when a
// genuine signature is among them; raising the limit lets the genuine one count.
func TestSignaturesPerEnvelopeBound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for _, tc := range []struct {
		junk, limit int
		pass        bool
	}{
		{junk: 8, limit: 0, pass: false},  // 9 signatures, default limit 8
		{junk: 63, limit: 0, pass: false}, // the most ParseEnvelope accepts
		{junk: 8, limit: 9, pass: true},
		{junk: 3, limit: 4, pass: true},
		{junk: 4, limit: 4, pass: false},
	} {
		k := loadCounting(t, w.pub)
		v, err := NewVerifier([]Key{k}, WithKeyNames(w.pub), WithClock(testNow), WithLimits(Limits{MaxSignatures: tc.limit}))
		if err != nil {
			t.Fatal(err)
		}
		env := withJunkSignatures(t, w.env, tc.junk)
		vd := v.Verify(ctx, "junk.intoto.json", env, targetOf(t, w.bin))
		if vd.Passed != tc.pass {
			t.Errorf("%d junk signatures, limit %d: passed %v: %v", tc.junk, tc.limit, vd.Passed, vd.Err)
			continue
		}
		if tc.pass {
			// The genuine signature comes first: one verification.
			if got := k.n.Load(); got != 1 {
				t.Errorf("%d junk signatures, limit %d: %d verifications, want 1", tc.junk, tc.limit, got)
			}
			continue
		}
		var le *LimitError
		if !errors.Is(vd.Err, ErrSignature) || !errors.As(vd.Err, &le) || le.Limit != LimitSignatures || le.Need != int64(tc.junk+1) {
			t.Errorf("%d junk signatures, limit %d: %v", tc.junk, tc.limit, vd.Err)
		}
		if got := k.n.Load(); got != 0 {
			t.Errorf("%d junk signatures over the limit: %d verifications made, want none", tc.junk, got)
		}
	}
}

// TestSignatureChecksPerBatchBound: the bundle of envelopes full of junk signatures.
// Over Limits.MaxSignatureChecks the run stops with an input error before any cryptography;
// within it, the work is exactly what the limit counts.
func TestSignatureChecksPerBatchBound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	dir := t.TempDir()
	bin := copyFile(t, w.bin, dir, "app")
	junk, err := ParseEnvelope(withJunkSignatures(t, w.env, 8))
	must(t, err)
	// 200 envelopes of 8 junk signatures (no genuine one: every key tries every signature).
	junk.Signatures = junk.Signatures[1:]
	one := marshalEnv(t, junk)
	envs := make([][]byte, 200)
	for i := range envs {
		envs[i] = one
	}
	writeBundle(t, bin+SuffixJSONL, envs...)

	// 200 × 8 signatures × 2 keys = 3,200 checks, over a limit of 3,199: no verification.
	k1, k2 := loadCounting(t, w.pub), loadCounting(t, w.other)
	_, err = runWith(ctx, runOptions{TrustedKeys: []Key{k1, k2}, Artifacts: []string{bin}, Now: testNow, Limits: Limits{MaxSignatureChecks: 3199}})
	var le *LimitError
	if !errors.Is(err, ErrInput) || !errors.As(err, &le) || le.Limit != LimitSignatureChecks || le.Need != 3200 || le.Max != 3199 {
		t.Fatalf("over the batch limit: %v", err)
	}
	if n := k1.n.Load() + k2.n.Load(); n != 0 {
		t.Errorf("over the batch limit: %d verifications made, want none", n)
	}
	if !strings.Contains(err.Error(), "MaxSignatureChecks") {
		t.Errorf("the error does not name the limit: %v", err)
	}
	// At the limit: every envelope fails its signature step, with exactly 3,200 checks.
	_, err = runWith(ctx, runOptions{TrustedKeys: []Key{k1, k2}, Artifacts: []string{bin}, Now: testNow, Limits: Limits{MaxSignatureChecks: 3200}})
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("junk signatures at the limit: %v", err)
	}
	if n := k1.n.Load() + k2.n.Load(); n != 3200 {
		t.Errorf("at the batch limit: %d verifications, want 3200", n)
	}

	// The shape: 2,000 envelopes of 64 junk signatures. With the default limits each
	// envelope is refused unchecked.
	wide, err := ParseEnvelope(withJunkSignatures(t, w.env, 63))
	must(t, err)
	envs = make([][]byte, 2000)
	for i := range envs {
		envs[i] = marshalEnv(t, wide)
	}
	writeBundle(t, bin+SuffixJSONL, envs...)
	k1.n.Store(0)
	res, err := runWith(ctx, runOptions{TrustedKeys: []Key{k1}, Artifacts: []string{bin}, Now: testNow})
	if !errors.Is(err, ErrSignature) || !errors.Is(err, ErrLimit) || res == nil || len(res.Verdicts) != 2000 {
		t.Fatalf("2,000 envelopes of 64 signatures: %v", err)
	}
	if n := k1.n.Load(); n != 0 {
		t.Errorf("2,000 envelopes of 64 signatures: %d verifications, want none", n)
	}
}

// TestEnvelopesPerFileBound: a JSON lines file with more envelopes than
// Limits.MaxEnvelopes fails to parse as a whole, naming the limit.
func TestEnvelopesPerFileBound(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	bin := copyFile(t, w.bin, dir, "app")
	envs := make([][]byte, 11)
	for i := range envs {
		envs[i] = w.env
	}
	writeBundle(t, bin+SuffixJSONL, envs...)
	k := loadCounting(t, w.pub)
	_, err := runWith(context.Background(), runOptions{TrustedKeys: []Key{k}, Artifacts: []string{bin}, Now: testNow, Limits: Limits{MaxEnvelopes: 10}})
	var le *LimitError
	if !errors.Is(err, ErrParse) || !errors.As(err, &le) || le.Limit != LimitEnvelopes || le.Need != 11 {
		t.Fatalf("11 envelopes, limit 10: %v", err)
	}
	if k.n.Load() != 0 {
		t.Errorf("a file over the envelope limit was checked: %d verifications", k.n.Load())
	}
	res, err := runWith(context.Background(), runOptions{TrustedKeys: []Key{k}, Artifacts: []string{bin}, Now: testNow, Limits: Limits{MaxEnvelopes: 11}})
	if err != nil || len(res.Verdicts) != 11 {
		t.Fatalf("11 envelopes, limit 11: %v", err)
	}
}

// TestBytesPerBatchBound: the attestation files of one run together stay within
// Limits.MaxBytes, counted before they are read.
func TestBytesPerBatchBound(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	size := func(name string) int64 {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	total := size("phonehome"+SuffixJSON) + size("quiet"+SuffixJSON)
	ctx := context.Background()
	_, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow, Limits: Limits{MaxBytes: total - 1}})
	var le *LimitError
	if !errors.Is(err, ErrInput) || !errors.As(err, &le) || le.Limit != LimitBytes || le.Need != total {
		t.Fatalf("one byte short: %v", err)
	}
	if res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow, Limits: Limits{MaxBytes: total}}); err != nil || !res.Passed {
		t.Fatalf("exactly at the limit: %v", err)
	}
}

// TestLimitsOptions: negative limits and limits over the hard bounds are option errors.
func TestLimitsOptions(t *testing.T) {
	t.Parallel()
	for _, l := range []Limits{{MaxSignatures: -1}, {MaxEnvelopes: -1}, {MaxSignatureChecks: -5}, {MaxBytes: -1},
		{MaxSignatures: MaxSignatures + 1}, {MaxEnvelopes: MaxBundleEnvelopes + 1}} {
		if _, err := runWith(context.Background(), runOptions{Keys: []string{"k.pub"}, Artifacts: []string{"a"}, Limits: l}); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: %v", l, err)
		}
		if _, err := NewVerifier(nil, WithLimits(l)); !errors.Is(err, ErrOptions) {
			t.Errorf("WithLimits(%+v): %v", l, err)
		}
	}
}

// marshalEnv writes a parsed envelope back as DSSE JSON.
func marshalEnv(t *testing.T, e *Envelope) []byte {
	t.Helper()
	sigs := make([]map[string]string, len(e.Signatures))
	for i, s := range e.Signatures {
		sigs[i] = map[string]string{"keyid": s.KeyID, "sig": base64.StdEncoding.EncodeToString(s.Sig)}
	}
	b, err := stdjson.Marshal(map[string]any{"payloadType": e.PayloadType, "payload": base64.StdEncoding.EncodeToString(e.Payload), "signatures": sigs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
