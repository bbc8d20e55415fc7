package verify

import (
	"errors"
	"fmt"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// WithSigstore lets the verifier read keyless Sigstore bundles, offline: trustedRoot is the
// Sigstore trust root (sigbundle.LoadTrustedRoot of a trusted_root.json: Fulcio CAs,
// Rekor and CT logs, timestamp authorities), and id the identity policy a bundle's
// certificate must meet (cosign's --certificate-identity[-regexp] and
// --certificate-oidc-issuer[-regexp]). A keyless bundle with no identity policy is refused
// with [ErrOptions]: a certificate alone proves nothing. With a trusted root, key-signed
// bundles are checked against its transparency logs too (see package sigbundle). Key-signed
// bundles verify with the trusted keys, without this option.
func WithSigstore(trustedRoot root.TrustedMaterial, id sigbundle.Identity) VerifierOption {
	return func(v *Verifier) error {
		if trustedRoot == nil && !id.IsZero() {
			return fmt.Errorf("%w: an identity policy (%s) needs a trusted root: keyless bundles are verified offline against it", ErrOptions, id)
		}
		v.trustedRoot, v.identity = trustedRoot, id
		return nil
	}
}

// newBundleVerifier makes the verifier of Sigstore bundles from the trusted keys and the
// trust root.
func (v *Verifier) newBundleVerifier() error {
	o := sigbundle.Options{TrustedRoot: v.trustedRoot, Identity: v.identity}
	for _, k := range v.keys {
		o.Keys = append(o.Keys, k.key.Public())
		o.KeyNames = append(o.KeyNames, k.name())
	}
	b, err := sigbundle.NewVerifier(o)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	v.bundles = b
	return nil
}

// openBundle runs the artifact-independent steps on a Sigstore bundle: parse (sigbundle's
// strict reader), signature (sigstore-go's verifier, with the trusted keys, or the trusted
// root and identity policy for a certificate), then, on the exact payload the signature
// covers, the same payload-type and statement steps as an envelope. A message-signature
// bundle is no attestation: it is skipped. optErr is set when what is trusted cannot judge
// the bundle (a keyless one and no identity policy): the run stops with it.
func (v *Verifier) openBundle(source, sha string, b *sigbundle.Bundle, parseErr error) (a *Attestation, optErr error) {
	a, signed, optErr := v.bundleSignature(source, sha, b, parseErr)
	if signed == nil {
		return a, optErr
	}
	return v.bundleStatement(a, signed), nil
}

// signedBundle is what the signature step of a bundle verified: the signed payload and how.
type signedBundle struct {
	res  *sigbundle.Result
	tlog string
}

// bundleSignature runs the parse and signature steps of openBundle. signed is nil when a
// step failed or the bundle was skipped (a.err says so); else the statement steps are
// bundleStatement's.
func (v *Verifier) bundleSignature(source, sha string, b *sigbundle.Bundle, parseErr error) (a *Attestation, signed *signedBundle, optErr error) {
	a = &Attestation{Source: source, SHA256: sha}
	fail := func(s Step, err error) *Attestation {
		a.checks = append(a.checks, Check{Step: s, Status: Fail, Reasons: []string{reason(err, s)}})
		a.err = err
		return a
	}
	if parseErr != nil {
		return fail(StepParse, fmt.Errorf("%w: %w", ErrParse, parseErr)), nil, nil
	}
	signer := "a public key"
	if b.IsKeyless() {
		signer = "a certificate (keyless)"
	}
	if !b.IsDSSE() {
		a.other = "message signature"
		a.skip = fmt.Sprintf("Sigstore bundle %s with a message signature over a file, signed with %s: not an attestation (no in-toto statement), skipped", b.Version, signer)
		a.err = fmt.Errorf("%w: %s", ErrStatement, a.skip)
		return a, nil, nil
	}
	denv := b.Sigstore().GetDsseEnvelope()
	a.checks = append(a.checks, Check{Step: StepParse, Status: Pass,
		Detail: fmt.Sprintf("Sigstore bundle %s, DSSE envelope, %d-byte payload, signed with %s", b.Version, len(denv.GetPayload()), signer)})
	if v.threshold > 1 {
		return fail(StepSignature, fmt.Errorf("%w: a Sigstore bundle carries one signature; the threshold is %d", ErrSignature, v.threshold)), nil, nil
	}
	if v.bundles == nil {
		return fail(StepSignature, fmt.Errorf("%w: no trusted key or trusted root to verify a Sigstore bundle with", ErrSignature)), nil, nil
	}
	alg, digest := sigbundle.SubjectDigest(denv.GetPayload())
	if alg == "" {
		return fail(StepSignature, fmt.Errorf("%w: the bundle's payload names no subject with a sha256 or sha512 digest, which its verification needs; not verified", ErrSignature)), nil, nil
	}
	// The bundle is verified against a digest its own payload names: sigstore-go checks the
	// signature over the envelope; which artifact the statement is about is the subject
	// step's, against the real artifact.
	res, err := v.bundles.Verify(b, sigbundle.ArtifactDigest(alg, digest))
	v.sigChecks.Add(1)
	if errors.Is(err, sigbundle.ErrOptions) {
		return fail(StepSignature, fmt.Errorf("%w: %w", ErrSignature, err)), nil, err
	}
	if err != nil {
		return fail(StepSignature, fmt.Errorf("%w: %w", ErrSignature, err)), nil, nil
	}
	for _, k := range v.keys {
		if res.Key != "" && k.fingerprint == res.KeyFingerprint {
			a.SignedBy = append(a.SignedBy, k.id)
		}
	}
	tlog := "transparency log not checked (no trusted root given)"
	if res.TlogChecked {
		tlog = "transparency-log entry verified against the trusted root"
	}
	detail := fmt.Sprintf("Sigstore bundle verified with sigstore-go: signed by %s; %s", res.Signer(), tlog)
	if n := len(res.Timestamps); n > 0 {
		detail += fmt.Sprintf("; %d verified time(s), first %s", n, res.Timestamps[0].Time.UTC().Format("2006-01-02T15:04:05Z"))
	}
	a.checks = append(a.checks, Check{Step: StepSignature, Status: Pass, Detail: detail})
	return a, &signedBundle{res: res, tlog: tlog}, nil
}

// bundleStatement runs the payload-type and statement steps of openBundle on the payload
// the signature step verified; a statement of another predicate type is skipped.
func (v *Verifier) bundleStatement(a *Attestation, signed *signedBundle) *Attestation {
	res := signed.res
	env := &Envelope{PayloadType: res.PayloadType, Payload: res.Payload}
	if pt := otherPredicateType(env); pt != "" {
		a.other = pt
		a.skip = fmt.Sprintf("Sigstore bundle signed by %s (%s): attestation of another predicate type, %s, skipped (candor verifies %s and %s)",
			res.Signer(), signed.tlog, pt, predicate.PredicateType, SummaryPredicateType)
		a.err = fmt.Errorf("%w: predicate type %s is not candor's: skipped", ErrStatement, pt)
		a.Statement = nil
		return a
	}
	return v.statementSteps(a, env)
}
