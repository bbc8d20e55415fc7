package sigbundle

import (
	"crypto"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkVerifyKeyless verifies one keyless bundle offline (parse and verify: log
// inclusion proof, signed entry timestamp, SCT, certificate chain, signature).
func BenchmarkVerifyKeyless(b *testing.B) {
	dir := filepath.Join(conformanceDir, "happy-path-v0.3")
	data, err := os.ReadFile(filepath.Join(dir, "bundle.sigstore.json"))
	if err != nil {
		b.Fatal(err)
	}
	artifact, err := os.ReadFile(filepath.Join(conformanceDir, "a.txt"))
	if err != nil {
		b.Fatal(err)
	}
	tr, err := publicGood()
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(Options{TrustedRoot: tr, Identity: Identity{Identity: defaultIdentity, Issuer: defaultIssuer}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		bd, err := Parse("b", data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(bd, ArtifactBytes(artifact)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyKey verifies one key-signed DSSE bundle as FromEnvelope writes it.
func BenchmarkVerifyKey(b *testing.B) {
	s := newSigner(b, "p256")
	data := writeBundle(b, s, statementFor(testArtifact))
	v, err := NewVerifier(Options{Keys: []crypto.PublicKey{s.Public()}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		bd, err := Parse("b", data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.Verify(bd, ArtifactBytes(testArtifact)); err != nil {
			b.Fatal(err)
		}
	}
}
