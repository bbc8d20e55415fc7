package inspect

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/candor-dev/candor/sigbundle"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// BundleInfo says what a Sigstore bundle is and how it was verified.
type BundleInfo struct {
	MediaType string `json:"mediaType"`
	// Version is the bundle version ("v0.1", "v0.2", "v0.3").
	Version string `json:"version"`
	// SignedWith is "key" (a public key hint) or "certificate" (keyless).
	SignedWith string `json:"signedWith"`
	// Identity and Issuer are the certificate's SAN and OIDC issuer of a keyless bundle that
	// verified against the identity policy.
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// TlogChecked says whether a transparency-log entry was required and verified (with a
	// trusted root listing Rekor logs).
	TlogChecked bool `json:"tlogChecked"`
}

// WithSigstore lets the inspector verify keyless Sigstore bundles, offline: trustedRoot is
// the Sigstore trust root (sigbundle.LoadTrustedRoot of a trusted_root.json) and id the
// identity policy a bundle's certificate must meet (cosign's certificate identity and OIDC
// issuer, exactly or by regular expression). Without both, a keyless bundle is shown
// unverified, with the reason: a certificate proves nothing without an identity policy.
// With a trusted root, key-signed bundles must also carry a transparency-log entry of its
// logs (see package sigbundle). [New] refuses an identity policy without a trusted root.
func WithSigstore(trustedRoot root.TrustedMaterial, id sigbundle.Identity) Option {
	return func(in *Inspector) {
		in.trustedRoot, in.identity = trustedRoot, id
	}
}

// newBundleVerifier makes the verifier of Sigstore bundles from the trusted keys and the
// trust root; none when there is neither.
func (in *Inspector) newBundleVerifier() error {
	if in.trustedRoot == nil && !in.identity.IsZero() {
		return fmt.Errorf("%w: an identity policy (%s) needs a trusted root: keyless bundles are verified offline against it", ErrOptions, in.identity)
	}
	o := sigbundle.Options{TrustedRoot: in.trustedRoot, Identity: in.identity}
	for i := range in.keys {
		t := &in.keys[i]
		der, err := x509.MarshalPKIXPublicKey(t.key.Public())
		if err != nil {
			return fmt.Errorf("%w: trusted key %s: %w", ErrOptions, t.ref.Name, err)
		}
		s := sha256.Sum256(der)
		t.derSHA256 = hex.EncodeToString(s[:])
		o.Keys = append(o.Keys, t.key.Public())
		o.KeyNames = append(o.KeyNames, t.ref.Name)
	}
	if len(o.Keys) == 0 && o.TrustedRoot == nil {
		return nil
	}
	v, err := sigbundle.NewVerifier(o)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	in.bundles = v
	return nil
}

// openBundle verifies a Sigstore bundle with sigstore-go (package sigbundle) and reads its
// statement: when it verified, the exact payload its signature covers; when it did not,
// the unverified payload, shown as an unverified envelope's is, never trusted.
func (in *Inspector) openBundle(e envelope) *Attestation {
	b := e.bundle
	denv := b.Sigstore().GetDsseEnvelope()
	info := &BundleInfo{MediaType: b.MediaType, Version: b.Version, SignedWith: "key"}
	if b.IsKeyless() {
		info.SignedWith = "certificate"
	}
	a := &Attestation{Source: e.source, SHA256: e.sha256, PayloadType: denv.GetPayloadType(), Signers: []KeyRef{},
		Signatures: len(denv.GetSignatures()), Bundle: info}
	for _, s := range denv.GetSignatures() {
		if id := s.GetKeyid(); id != "" && !slices.Contains(a.KeyIDs, clip(id)) {
			a.KeyIDs = append(a.KeyIDs, clip(id))
		}
	}
	payloadType, payload := denv.GetPayloadType(), denv.GetPayload()
	res, why := in.verifyBundle(b, payload)
	if res == nil {
		a.Unverified = why
		readStatement(a, payloadType, payload)
		return a
	}
	a.Verified = true
	info.TlogChecked = res.TlogChecked
	if res.Key != "" {
		for _, t := range in.keys {
			if t.derSHA256 == res.KeyFingerprint {
				a.Signers = append(a.Signers, t.ref)
			}
		}
		if len(a.Signers) == 0 { // cannot happen: sigbundle verifies only with the keys given
			a.Verified, a.Unverified = false, "the Sigstore bundle verified with a key inspect does not know"
		}
	} else {
		info.Identity, info.Issuer = res.Identity, res.Issuer
		a.Signers = append(a.Signers, KeyRef{Name: fmt.Sprintf("certificate for %s issued by %s", quoted(res.Identity), quoted(res.Issuer))})
	}
	a.PayloadType = res.PayloadType
	readStatement(a, res.PayloadType, res.Payload)
	return a
}

// verifyBundle verifies b, against a digest its own payload names: sigstore-go checks the
// signature over the envelope; which artifact the statement is about is the subjects
// check's, against the real artifact. It returns the result, or why the bundle is not
// verified.
func (in *Inspector) verifyBundle(b *sigbundle.Bundle, payload []byte) (*sigbundle.Result, string) {
	switch {
	case b.IsKeyless() && (in.trustedRoot == nil || in.identity.IsZero()):
		return nil, "a keyless Sigstore bundle (signed with a certificate) is not verified without a trusted root and an identity policy (the certificate's identity and OIDC issuer): a certificate alone proves nothing"
	case !b.IsKeyless() && len(in.keys) == 0:
		return nil, "a Sigstore bundle signed with a key, and no trusted key to verify it with"
	}
	alg, d := sigbundle.SubjectDigest(payload)
	if alg == "" {
		return nil, "the Sigstore bundle's statement names no subject with a sha256 or sha512 digest, which its verification needs"
	}
	res, err := in.bundles.Verify(b, sigbundle.ArtifactDigest(alg, d))
	if err != nil {
		msg := err.Error()
		for _, p := range []string{sigbundle.ErrVerify.Error() + ": ", sigbundle.ErrOptions.Error() + ": ", b.Source + " "} {
			msg = strings.TrimPrefix(msg, p)
		}
		what := "the Sigstore bundle does not verify: "
		if errors.Is(err, sigbundle.ErrOptions) {
			what = "the Sigstore bundle cannot be verified with what is trusted: "
		}
		return nil, what + clipLong(msg)
	}
	return res, ""
}

// signedContent identifies what a single signature signs: the payload type, payload and
// signature bytes. A key-signed bundle and an envelope with the same content are the same
// attestation in two forms (candor attest --bundle writes both); "" when not comparable.
func (e envelope) signedContent() string {
	var pt string
	var payload, sig []byte
	switch {
	case e.env != nil && len(e.env.Signatures) == 1:
		pt, payload, sig = e.env.PayloadType, e.env.Payload, e.env.Signatures[0].Sig
	case e.bundle != nil && !e.bundle.IsKeyless():
		denv := e.bundle.Sigstore().GetDsseEnvelope()
		pt, payload, sig = denv.GetPayloadType(), denv.GetPayload(), denv.GetSignatures()[0].GetSig()
	default:
		return ""
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(pt), payload, sig} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// quoted quotes a value from a certificate for a message, bounded.
func quoted(s string) string { return fmt.Sprintf("%q", clip(s)) }

// clipLong bounds a message from a verifier.
func clipLong(s string) string {
	const most = 600
	if len(s) > most {
		return s[:most] + "..."
	}
	return s
}
