package verify

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	stdjson "encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/testbuild"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/signing"
)

// scannedAt is the time test attestations record; testNow is a day later.
var (
	scannedAt = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	testNow   = func() time.Time { return scannedAt.Add(24 * time.Hour) }
)

// fixture returns a fixture program built for linux/amd64 (cached across runs).
func fixture(t testing.TB, program string) string {
	t.Helper()
	for _, b := range testbuild.Build(t, "", testbuild.Target{GOOS: "linux", GOARCH: "amd64"}) {
		if b.Program == program {
			return b.Path
		}
	}
	t.Fatalf("no fixture program %s", program)
	return ""
}

// copyFile copies a fixture into dir under name, so a test can put attestations beside it.
func copyFile(t testing.TB, src, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// testKey writes an unencrypted PKCS#8 ECDSA P-256 key pair (fast to make, no password) and
// returns the private and public key paths.
func testKey(t testing.TB, dir, name string) (priv, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub = filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// phonehomeDisclosure covers every finding of the phonehome fixture.
const phonehomeDisclosure = `apiVersion: candor.dev/disclosure/v1
product: {name: phonehome, version: "1.0.0", vendor: ACME}
security: {contact: security@acme.example, policy: "https://acme.example/security", notificationDays: 30}
endpoints:
  - host: collect.phonehome-fixture.net
    purpose: usage report
    data: [host name, OS]
    consent: opt-in
`

// bareDisclosure declares nothing: every finding of phonehome is undisclosed.
const bareDisclosure = `apiVersion: candor.dev/disclosure/v1
product: {name: phonehome, version: "1.0.0", vendor: ACME}
security: {contact: security@acme.example, policy: "https://acme.example/security", notificationDays: 30}
`

// attestFile attests artifacts with the disclosure text and keys, writes the envelope to out
// and returns its bytes.
func attestFile(t testing.TB, disclosure, out string, allowUndisclosed bool, keyPaths []string, artifacts ...string) []byte {
	t.Helper()
	dir := t.TempDir()
	disc := filepath.Join(dir, "disclosure.yaml")
	if err := os.WriteFile(disc, []byte(disclosure), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := attest.Run(context.Background(), attest.Options{
		DisclosurePath:   disc,
		Artifacts:        artifacts,
		Keys:             keyPaths,
		Output:           out,
		AllowUndisclosed: allowUndisclosed,
		Now:              func() time.Time { return scannedAt },
	})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// payloadOf returns the statement inside an envelope, decoded to JSON values.
func payloadOf(t testing.TB, envelope []byte) map[string]any {
	t.Helper()
	env, err := ParseEnvelope(envelope)
	if err != nil {
		t.Fatal(err)
	}
	var st map[string]any
	if err := stdjson.Unmarshal(env.Payload, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// signPayload signs payload bytes with the key at priv, as attest does, with the given
// payload type, and returns the envelope JSON.
func signPayload(t testing.TB, payloadType string, payload []byte, privs ...string) []byte {
	t.Helper()
	ctx := context.Background()
	var signers []signing.EnvelopeSigner
	for _, p := range privs {
		s, err := signing.LoadSigner(ctx, p, signing.Options{})
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, s)
	}
	env, err := signing.SignEnvelope(ctx, payloadType, payload, signers...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := signing.MarshalEnvelope(env, signing.FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resign re-signs an edited statement, as a vendor (or anyone holding the key) could.
func resign(t testing.TB, st map[string]any, priv string) []byte {
	t.Helper()
	b, err := stdjson.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return signPayload(t, predicate.PayloadType, b, priv)
}

// verifierFor builds a verifier trusting the public keys at paths.
func verifierFor(t testing.TB, pubs []string, opts ...VerifierOption) *Verifier {
	t.Helper()
	ks, err := LoadKeys(context.Background(), pubs, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(ks, append([]VerifierOption{WithKeyNames(pubs...), WithClock(testNow)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// targetOf hashes a file into a Target.
func targetOf(t testing.TB, path string) Target {
	t.Helper()
	sha, err := fileSHA256(path)
	if err != nil {
		t.Fatal(err)
	}
	return Target{Name: filepath.Base(path), SHA256: sha, Path: path}
}

func keysOptions() signing.Options { return signing.Options{} }
