package sigbundle

import (
	"crypto"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: the reader never panics, refuses what is over its bounds, and what it reads
// verifies or fails without panicking.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"happy-path-v0.1", "happy-path-v0.2", "happy-path-v0.3", "happy-path-intoto-in-dsse-v3", "managed-key-happy-path", "rekor2-happy-path", "bundle-malformed-json_fail"} {
		b, err := os.ReadFile(filepath.Join(conformanceDir, name, "bundle.sigstore.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":""}},"dsseEnvelope":{"payload":"","payloadType":"x","signatures":[{"sig":""}]}}`))
	s := newSigner(f, "p256")
	f.Add(writeBundle(f, s, statementFor(testArtifact)))
	v, err := NewVerifier(Options{Keys: []crypto.PublicKey{s.Public()}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		IsBundle(data)
		if _, err := ParseFile("f.jsonl", data); err == nil && len(data) > MaxFileSize {
			t.Fatal("over MaxFileSize accepted")
		}
		b, err := Parse("f.sigstore.json", data)
		if err != nil {
			return
		}
		if len(data) > MaxBundleSize {
			t.Fatal("over MaxBundleSize accepted")
		}
		if len(b.b.GetVerificationMaterial().GetTlogEntries()) > MaxTlogEntries {
			t.Fatal("too many log entries accepted")
		}
		_, _ = v.Verify(b, ArtifactBytes(testArtifact))
	})
}
