package verify

import (
	"bytes"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/asn1"
	"encoding/base64"
	stdjson "encoding/json"
	"flag"
	"math/big"
	"os"
	"path/filepath"
	"testing"
)

var limitsDir = flag.String("limits-dir", "", "TestGenerateLimitInputs writes the largest inputs the default limits allow here (for bench/verify-limits.sh)")

// TestGenerateLimitInputs writes, for bench/verify-limits.sh, the worst inputs the default
// Limits let through, each a release of one artifact with its JSON lines bundle beside it:
//
//   - junk/app: as many envelopes of MaxSignatures junk signatures as MaxSignatureChecks
//     allows with one trusted key (every signature is checked);
//   - junk-over/app: one envelope more (refused before any check);
//   - big/app: genuine envelopes of nearly MaxEnvelopeSize each, together nearly MaxBytes,
//     their predicates full of findings (each is parsed and schema-validated);
//   - big-max/app: as many of them as the largest JSON lines file holds (MaxBundleSize),
//     verified with MaxBytes raised to it.
//
// It does nothing unless -limits-dir is given. The trusting key is DIR/vendor.pub.
func TestGenerateLimitInputs(t *testing.T) {
	if *limitsDir == "" {
		t.Skip("give -limits-dir DIR to write the largest inputs the limits allow")
	}
	w := newWorld(t)
	root := *limitsDir
	mk := func(name string) string {
		d := filepath.Join(root, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return copyFile(t, w.bin, d, "app")
	}
	pubBytes, err := os.ReadFile(w.pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "vendor.pub"), pubBytes, 0o644); err != nil {
		t.Fatal(err)
	}

	// Junk: the genuine payload with MaxSignatures random ECDSA-sized signatures.
	junk, err := ParseEnvelope(w.env)
	if err != nil {
		t.Fatal(err)
	}
	junk.Signatures = nil
	for range DefaultLimits.MaxSignatures {
		junk.Signatures = append(junk.Signatures, Signature{Sig: junkECDSA(t)})
	}
	line := marshalEnv(t, junk)
	n := DefaultLimits.MaxSignatureChecks / DefaultLimits.MaxSignatures
	writeLines(t, mk("junk")+SuffixJSONL, line, n)
	writeLines(t, mk("junk-over")+SuffixJSONL, line, n+1)

	// Big: findings repeated until the envelope is just under MaxEnvelopeSize.
	st := payloadOf(t, w.env)
	art := st["predicate"].(map[string]any)["analysis"].(map[string]any)["artifacts"].([]any)[0].(map[string]any)
	one := art["findings"].([]any)
	var findings []any
	size := func() int {
		art["findings"] = findings
		b, _ := stdjson.Marshal(st)
		return base64.StdEncoding.EncodedLen(len(b))
	}
	for chunk := 4096; chunk >= 1; chunk /= 2 {
		for {
			before := len(findings)
			for range chunk {
				findings = append(findings, one...)
			}
			if size() > MaxEnvelopeSize-4096 {
				findings = findings[:before]
				break
			}
		}
	}
	size()
	big := resign(t, st, w.priv)
	var c bytes.Buffer
	if err := stdjson.Compact(&c, big); err != nil {
		t.Fatal(err)
	}
	count := int(DefaultLimits.MaxBytes / int64(c.Len()+1))
	writeLines(t, mk("big")+SuffixJSONL, c.Bytes(), count)
	writeLines(t, mk("big-max")+SuffixJSONL, c.Bytes(), int(MaxBundleSize/int64(c.Len()+1)))
	t.Logf("junk: %d envelopes of %d signatures; big: %d envelopes of %d bytes, %d findings each", n, DefaultLimits.MaxSignatures, count, c.Len(), len(findings))
}

// junkECDSA is a well-formed P-256 signature of random r and s: it parses, and only the
// curve arithmetic can refuse it, the most costly signature to check.
func junkECDSA(t *testing.T) []byte {
	t.Helper()
	n := elliptic.P256().Params().N
	r, _ := rand.Int(rand.Reader, n)
	s, _ := rand.Int(rand.Reader, n)
	b, err := asn1.Marshal(struct{ R, S *big.Int }{r.Add(r, big.NewInt(1)), s.Add(s, big.NewInt(1))})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeLines writes n copies of one envelope as a JSON lines file.
func writeLines(t *testing.T, path string, env []byte, n int) {
	t.Helper()
	var c bytes.Buffer
	if err := stdjson.Compact(&c, env); err != nil {
		t.Fatal(err)
	}
	c.WriteByte('\n')
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for range n {
		if _, err := f.Write(c.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
}
