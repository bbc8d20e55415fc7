package sigbundle

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/signing"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

var testArtifact = []byte("an artifact candor attested\n")

// statementFor is an in-toto statement about artifact, of candor's predicate type.
func statementFor(artifact []byte) []byte {
	sum := sha256.Sum256(artifact)
	return fmt.Appendf(nil, `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"%s"}}],"predicateType":"https://candor.dev/attestation/disclosure/v1","predicate":{"x":1}}`, hex.EncodeToString(sum[:]))
}

func newSigner(t testing.TB, kind string) *signing.Signer {
	t.Helper()
	var priv crypto.PrivateKey
	var err error
	switch kind {
	case "p256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ed25519":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case "rsa":
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadDefaultSignerVerifier(priv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signing.NewSigner(context.Background(), sv, kind+".key")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signedEnvelope(t testing.TB, s *signing.Signer, payload []byte) *ssldsse.Envelope {
	t.Helper()
	env, err := signing.SignEnvelope(context.Background(), "application/vnd.in-toto+json", payload, s)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func writeBundle(t testing.TB, s *signing.Signer, payload []byte) []byte {
	t.Helper()
	out, err := FromEnvelope(context.Background(), signedEnvelope(t, s, payload), s.Public())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// sigstoreVerify verifies a bundle with sigstore-go alone, as a third-party verifier
// holding the public key would.
func sigstoreVerify(data []byte, pub crypto.PublicKey, artifact []byte) error {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return err
	}
	sv, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return err
	}
	tm := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(sv, time.Time{}, time.Time{}), nil
	})
	v, err := sgverify.NewVerifier(tm, sgverify.WithNoObserverTimestamps())
	if err != nil {
		return err
	}
	_, err = v.Verify(&b, sgverify.NewPolicy(sgverify.WithArtifact(bytes.NewReader(artifact)), sgverify.WithKey()))
	return err
}

// TestFromEnvelopeVerifies: sigstore-go verifies what FromEnvelope writes with the key, for
// every key type candor signs with, and so does this package's Verifier; the payload comes
// back byte for byte.
func TestFromEnvelopeVerifies(t *testing.T) {
	for _, kind := range []string{"p256", "p384", "ed25519", "rsa"} {
		t.Run(kind, func(t *testing.T) {
			s := newSigner(t, kind)
			payload := statementFor(testArtifact)
			out := writeBundle(t, s, payload)
			if !bytes.HasPrefix(out, []byte(`{"mediaType":"`+MediaTypeV03+`"`)) || bytes.Count(out, []byte("\n")) != 1 {
				t.Fatalf("bundle is not one line of v0.3: %s", out)
			}
			if err := sigstoreVerify(out, s.Public(), testArtifact); err != nil {
				t.Fatalf("sigstore-go: %v", err)
			}
			b, err := Parse("att.sigstore.json", out)
			if err != nil {
				t.Fatal(err)
			}
			hint, _ := KeyHint(s.Public())
			if b.Version != "v0.3" || !b.IsDSSE() || b.IsKeyless() || b.KeyHint() != hint {
				t.Fatalf("parsed %+v, hint %s", b, b.KeyHint())
			}
			v, err := NewVerifier(Options{Keys: []crypto.PublicKey{s.Public()}, KeyNames: []string{"vendor.pub"}})
			if err != nil {
				t.Fatal(err)
			}
			res, err := v.Verify(b, ArtifactBytes(testArtifact))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(res.Payload, payload) || res.Key != "vendor.pub" || res.Content != "dsse" || res.TlogChecked {
				t.Fatalf("result %+v", res)
			}
		})
	}
}

// TestFromEnvelopeIsStable: the same envelope gives the same bytes.
func TestFromEnvelopeIsStable(t *testing.T) {
	s := newSigner(t, "ed25519") // deterministic signatures
	env := signedEnvelope(t, s, statementFor(testArtifact))
	a, err := FromEnvelope(context.Background(), env, s.Public())
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, _ := FromEnvelope(context.Background(), env, s.Public())
		if !bytes.Equal(a, b) {
			t.Fatalf("outputs differ:\n%s\n%s", a, b)
		}
	}
}

// tamper rewrites the base64 payload of a written bundle.
func tamper(t *testing.T, data []byte, edit func([]byte) []byte) []byte {
	t.Helper()
	b, err := Parse("x", data)
	if err != nil {
		t.Fatal(err)
	}
	old := base64.StdEncoding.EncodeToString(b.b.GetDsseEnvelope().GetPayload())
	repl := base64.StdEncoding.EncodeToString(edit(b.b.GetDsseEnvelope().GetPayload()))
	if !bytes.Contains(data, []byte(old)) {
		t.Fatal("payload not found in the bundle")
	}
	return bytes.Replace(data, []byte(old), []byte(repl), 1)
}

// TestTamperedBundleFails: a changed payload, another key, another artifact and a bundle
// given no key all fail, with sigstore-go and with the Verifier.
func TestTamperedBundleFails(t *testing.T) {
	s := newSigner(t, "p256")
	other := newSigner(t, "p256")
	out := writeBundle(t, s, statementFor(testArtifact))
	tampered := tamper(t, out, func(p []byte) []byte { return bytes.Replace(p, []byte(`"x":1`), []byte(`"x":2`), 1) })
	if bytes.Equal(tampered, out) {
		t.Fatal("nothing tampered")
	}
	if err := sigstoreVerify(tampered, s.Public(), testArtifact); err == nil {
		t.Fatal("sigstore-go accepted a tampered payload")
	}
	v, err := NewVerifier(Options{Keys: []crypto.PublicKey{s.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	vOther, err := NewVerifier(Options{Keys: []crypto.PublicKey{other.Public()}, KeyNames: []string{"other.pub"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("tampered.sigstore.json", tampered)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(b, ArtifactBytes(testArtifact)); !errors.Is(err, ErrVerify) {
		t.Fatalf("tampered payload: %v", err)
	}
	good, _ := Parse("good.sigstore.json", out)
	if _, err := vOther.Verify(good, ArtifactBytes(testArtifact)); !errors.Is(err, ErrVerify) || !strings.Contains(err.Error(), "other.pub") {
		t.Fatalf("other key: %v", err)
	}
	if _, err := v.Verify(good, ArtifactBytes([]byte("another artifact"))); !errors.Is(err, ErrVerify) {
		t.Fatalf("other artifact: %v", err)
	}
	sum := sha256.Sum256(testArtifact)
	if _, err := v.Verify(good, ArtifactDigest("sha256", sum[:])); err != nil {
		t.Fatalf("by digest: %v", err)
	}
	sum[0] ^= 1
	if _, err := v.Verify(good, ArtifactDigest("sha256", sum[:])); !errors.Is(err, ErrVerify) {
		t.Fatalf("other digest: %v", err)
	}
	// Several keys: the one that signed is found, whatever the order.
	vBoth, err := NewVerifier(Options{Keys: []crypto.PublicKey{other.Public(), s.Public()}, KeyNames: []string{"other.pub", "vendor.pub"}})
	if err != nil {
		t.Fatal(err)
	}
	if res, err := vBoth.Verify(good, ArtifactBytes(testArtifact)); err != nil || res.Key != "vendor.pub" {
		t.Fatalf("two keys: %v %+v", err, res)
	}
}

// TestFromEnvelopeRefuses: an envelope of two signatures, or one the key did not sign, is
// not written.
func TestFromEnvelopeRefuses(t *testing.T) {
	s, other := newSigner(t, "p256"), newSigner(t, "ed25519")
	env, err := signing.SignEnvelope(context.Background(), "application/vnd.in-toto+json", statementFor(testArtifact), s, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromEnvelope(context.Background(), env, s.Public()); !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), "2 signatures") {
		t.Fatalf("two signatures: %v", err)
	}
	one := signedEnvelope(t, s, statementFor(testArtifact))
	if _, err := FromEnvelope(context.Background(), one, other.Public()); !errors.Is(err, signing.ErrKey) {
		t.Fatalf("other key: %v", err)
	}
}

// TestKeylessNeedsPolicy: a keyless bundle is refused without a trusted root or an identity
// policy, and an identity policy must name both the identity and the issuer.
func TestKeylessNeedsPolicy(t *testing.T) {
	dir := filepath.Join(conformanceDir, "happy-path-v0.3")
	bs, err := ReadFile(filepath.Join(dir, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	artifact := ArtifactFile(filepath.Join(conformanceDir, "a.txt"))
	tr, err := publicGood()
	if err != nil {
		t.Fatal(err)
	}
	s := newSigner(t, "p256")
	// A key, no root: keyless bundles are refused.
	v, err := NewVerifier(Options{Keys: []crypto.PublicKey{s.Public()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(bs[0], artifact); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "--trusted-root") {
		t.Fatalf("no root: %v", err)
	}
	// A root, no identity: refused, however valid the bundle.
	v, err = NewVerifier(Options{TrustedRoot: tr})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(bs[0], artifact); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "--certificate-identity") {
		t.Fatalf("no identity: %v", err)
	}
	for _, id := range []Identity{{Identity: defaultIdentity}, {Issuer: defaultIssuer}, {IdentityRegexp: "."}} {
		if _, err := NewVerifier(Options{TrustedRoot: tr, Identity: id}); !errors.Is(err, ErrOptions) {
			t.Fatalf("half an identity %+v: %v", id, err)
		}
	}
	if _, err := NewVerifier(Options{TrustedRoot: tr, Identity: Identity{IdentityRegexp: "(", Issuer: defaultIssuer}}); !errors.Is(err, ErrOptions) {
		t.Fatalf("bad regexp: %v", err)
	}
	if _, err := NewVerifier(Options{Identity: Identity{Identity: "a", Issuer: "b"}, Keys: []crypto.PublicKey{s.Public()}}); !errors.Is(err, ErrOptions) {
		t.Fatalf("identity without a root: %v", err)
	}
	if _, err := NewVerifier(Options{}); !errors.Is(err, ErrOptions) {
		t.Fatalf("nothing trusted: %v", err)
	}
	// The right identity by regexp verifies; a wrong issuer does not.
	ok, err := NewVerifier(Options{TrustedRoot: tr, Identity: Identity{IdentityRegexp: `^https://github\.com/sigstore-conformance/`, Issuer: defaultIssuer}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ok.Verify(bs[0], artifact); err != nil {
		t.Fatalf("regexp identity: %v", err)
	}
	bad, _ := NewVerifier(Options{TrustedRoot: tr, Identity: Identity{Identity: defaultIdentity, Issuer: "https://accounts.google.com"}})
	if _, err := bad.Verify(bs[0], artifact); !errors.Is(err, ErrVerify) {
		t.Fatalf("wrong issuer: %v", err)
	}
	// A key-signed bundle with no key is refused as such.
	written := writeBundle(t, s, statementFor(testArtifact))
	kb, _ := Parse("k.sigstore.json", written)
	if _, err := ok.Verify(kb, ArtifactBytes(testArtifact)); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "--key") {
		t.Fatalf("key-signed, no key: %v", err)
	}
	// With a trusted root listing Rekor logs, a key-signed bundle needs a log entry.
	withRoot, _ := NewVerifier(Options{TrustedRoot: tr, Keys: []crypto.PublicKey{s.Public()}})
	if _, err := withRoot.Verify(kb, ArtifactBytes(testArtifact)); !errors.Is(err, ErrVerify) {
		t.Fatalf("key-signed, root, no log entry: %v", err)
	}
}

// TestVerifyFileJSONL: a .jsonl file of bundles verifies line by line; a bad line is named.
func TestVerifyFileJSONL(t *testing.T) {
	s := newSigner(t, "p256")
	dir := t.TempDir()
	a := writeBundle(t, s, statementFor(testArtifact))
	path := filepath.Join(dir, "att.jsonl")
	if err := os.WriteFile(path, append(append(append([]byte{}, a...), '\n'), a...), 0o644); err != nil {
		t.Fatal(err)
	}
	v, _ := NewVerifier(Options{Keys: []crypto.PublicKey{s.Public()}})
	rs, err := v.VerifyFile(path, ArtifactBytes(testArtifact))
	if err != nil || len(rs) != 2 || rs[1].Source != path+"#3" {
		t.Fatalf("%v %+v", err, rs)
	}
	if err := os.WriteFile(path, append(append([]byte{}, a...), []byte("{\"mediaType\":1}\n")...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyFile(path, ArtifactBytes(testArtifact)); !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), path+"#2") {
		t.Fatalf("bad line: %v", err)
	}
}
