//go:build interop

package interop

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// candorBundle signs an attestation for artifact with priv and writes it as a Sigstore
// bundle (what candor attest --bundle writes), returning its path.
func candorBundle(t *testing.T, dir, artifact, priv, pub string) string {
	t.Helper()
	envPath := attestFile(t, dir, artifact, "a.intoto.json", priv)
	raw, err := os.ReadFile(envPath)
	if err != nil {
		t.Fatal(err)
	}
	var env dsse.Envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatal(err)
	}
	key, err := signing.LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sigbundle.FromEnvelope(context.Background(), &env, key)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "a.sigstore.json")
	if err := os.WriteFile(out, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return out
}

// publicGoodRoot is the Sigstore public-good trusted root kept with the conformance cases.
func publicGoodRoot(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "conformance", "sigstore-bundle-verify", "public-good-trusted-root.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCosignVerifiesCandorBundle: cosign verify-blob-attestation --new-bundle-format --bundle
// accepts the Sigstore bundle candor writes, for each key type, and refuses it for another
// artifact.
func TestCosignVerifiesCandorBundle(t *testing.T) {
	for _, tt := range []struct {
		alg   signing.Algorithm
		extra []string
	}{
		{signing.ECDSAP256, nil},
		{signing.ECDSAP384, []string{"--signature-digest-algorithm", "sha384"}},
		{signing.Ed25519, nil},
		{signing.RSA3072, nil},
	} {
		t.Run(string(tt.alg), func(t *testing.T) {
			dir := t.TempDir()
			priv, pub := candorKey(t, dir, tt.alg)
			artifact := writeArtifact(t, dir)
			bundle := candorBundle(t, dir, artifact, priv, pub)
			// cosign wants a trusted root with a bundle even when it checks nothing of it (no log
			// entry, a key): the public-good root of the conformance suite, offline.
			args := append([]string{"verify-blob-attestation", "--key", pub, "--type", predicate.PredicateType,
				"--insecure-ignore-tlog", "--new-bundle-format", "--bundle", bundle, "--trusted-root", publicGoodRoot(t)}, tt.extra...)
			if out, err := cosign(t, dir, append(args, artifact)...); err != nil {
				t.Fatalf("cosign rejected candor's bundle: %v\n%s", err, out)
			}
			other := filepath.Join(dir, "other.bin")
			if err := os.WriteFile(other, []byte("other bits"), 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := cosign(t, dir, append(args, other)...); err == nil {
				t.Fatalf("cosign accepted candor's bundle for another artifact:\n%s", out)
			}
		})
	}
}

// TestCandorVerifiesCosignBundles: the bundles cosign attest-blob and sign-blob write with
// --new-bundle-format and a key (no transparency log here) verify with sigbundle and the
// public key, and not with another key.
func TestCandorVerifiesCosignBundles(t *testing.T) {
	dir := t.TempDir()
	if out, err := cosign(t, dir, "generate-key-pair"); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	artifact := writeArtifact(t, dir)
	pred := filepath.Join(dir, "predicate.json")
	if err := os.WriteFile(pred, []byte(`{"hello":"candor"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	att, sig := filepath.Join(dir, "att.sigstore.json"), filepath.Join(dir, "sig.sigstore.json")
	if out, err := cosign(t, dir, "attest-blob", "--key", "cosign.key", "--predicate", pred, "--type", predicate.PredicateType,
		"--new-bundle-format", "--bundle", att, "--tlog-upload=false", "--yes", artifact); err != nil {
		t.Fatalf("cosign attest-blob: %v\n%s", err, out)
	}
	if out, err := cosign(t, dir, "sign-blob", "--key", "cosign.key", "--new-bundle-format", "--bundle", sig,
		"--tlog-upload=false", "--yes", artifact); err != nil {
		t.Fatalf("cosign sign-blob: %v\n%s", err, out)
	}
	pub, err := signing.LoadPublicKey(filepath.Join(dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := sigbundle.NewVerifier(sigbundle.Options{Keys: []crypto.PublicKey{pub}, KeyNames: []string{"cosign.pub"}})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := v.VerifyFile(att, sigbundle.ArtifactFile(artifact))
	if err != nil {
		t.Fatalf("attest-blob bundle: %v", err)
	}
	if rs[0].Content != "dsse" || !bytes.Contains(rs[0].Payload, []byte(`"hello":"candor"`)) {
		t.Fatalf("attest-blob bundle: %+v %s", rs[0], rs[0].Payload)
	}
	if rs, err := v.VerifyFile(sig, sigbundle.ArtifactFile(artifact)); err != nil || rs[0].Content != "message-signature" {
		t.Fatalf("sign-blob bundle: %v", err)
	}
	_, otherPub := candorKey(t, dir, signing.ECDSAP256)
	other, err := signing.LoadPublicKey(otherPub)
	if err != nil {
		t.Fatal(err)
	}
	vOther, err := sigbundle.NewVerifier(sigbundle.Options{Keys: []crypto.PublicKey{other}})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{att, sig} {
		if _, err := vOther.VerifyFile(b, sigbundle.ArtifactFile(artifact)); err == nil {
			t.Fatalf("%s verified with another key", b)
		}
	}
}
