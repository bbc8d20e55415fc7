package sigbundle

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json/v2"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/signing"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgverify "github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"
)

// Identity is the certificate identity a keyless bundle must carry, with cosign's flags:
// the identity (the certificate's SAN: an e-mail address, a URI such as a GitHub workflow
// ref) exactly or by regular expression, and the OIDC issuer exactly or by regular
// expression. One of each is required. Regular expressions are Go's (RE2), matched
// anywhere in the value unless anchored, as cosign matches them.
type Identity struct {
	Identity       string // --certificate-identity
	IdentityRegexp string // --certificate-identity-regexp
	Issuer         string // --certificate-oidc-issuer
	IssuerRegexp   string // --certificate-oidc-issuer-regexp
}

// IsZero reports whether no part of the identity is set.
func (i Identity) IsZero() bool { return i == Identity{} }

// String describes the identity for messages.
func (i Identity) String() string {
	var parts []string
	if i.Identity != "" {
		parts = append(parts, "identity "+quote(i.Identity))
	}
	if i.IdentityRegexp != "" {
		parts = append(parts, "identity matching "+quote(i.IdentityRegexp))
	}
	if i.Issuer != "" {
		parts = append(parts, "issuer "+quote(i.Issuer))
	}
	if i.IssuerRegexp != "" {
		parts = append(parts, "issuer matching "+quote(i.IssuerRegexp))
	}
	return strings.Join(parts, ", ")
}

// certificateIdentity checks the identity and builds sigstore-go's.
func (i Identity) certificateIdentity() (sgverify.CertificateIdentity, error) {
	var missing []string
	if i.Identity == "" && i.IdentityRegexp == "" {
		missing = append(missing, "--certificate-identity or --certificate-identity-regexp")
	}
	if i.Issuer == "" && i.IssuerRegexp == "" {
		missing = append(missing, "--certificate-oidc-issuer or --certificate-oidc-issuer-regexp")
	}
	if len(missing) > 0 {
		return sgverify.CertificateIdentity{}, fmt.Errorf("%w: the identity policy needs %s", ErrOptions, strings.Join(missing, " and "))
	}
	for _, re := range []struct{ flag, expr string }{{"--certificate-identity-regexp", i.IdentityRegexp}, {"--certificate-oidc-issuer-regexp", i.IssuerRegexp}} {
		if re.expr == "" {
			continue
		}
		if _, err := regexp.Compile(re.expr); err != nil {
			return sgverify.CertificateIdentity{}, fmt.Errorf("%w: %s %s: %w", ErrOptions, re.flag, quote(re.expr), err)
		}
	}
	id, err := sgverify.NewShortCertificateIdentity(i.Issuer, i.IssuerRegexp, i.Identity, i.IdentityRegexp)
	if err != nil {
		return sgverify.CertificateIdentity{}, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return id, nil
}

// Options say what a [Verifier] trusts.
type Options struct {
	// Keys are the trusted public keys of key-signed bundles (such as those
	// signing.LoadPublicKey reads, or the Public() of candor's verify keys, KMS ones
	// included); each must pass signing.CheckPublicKey.
	Keys []crypto.PublicKey
	// KeyNames name Keys in results and messages (such as their file names); missing names
	// are "key N".
	KeyNames []string
	// TrustedRoot is the Sigstore trust root (Fulcio CAs, Rekor and CT logs, timestamp
	// authorities), from [LoadTrustedRoot]; nil: keyless bundles are refused, and key-signed
	// bundles verify with the key alone.
	TrustedRoot root.TrustedMaterial
	// Identity is the certificate identity keyless bundles must carry; zero: keyless bundles
	// are refused.
	Identity Identity
}

// Verifier verifies bundles against what [Options] trust. It is safe for concurrent use.
type Verifier struct {
	keys     []*trustedKey
	root     root.TrustedMaterial
	identity *sgverify.CertificateIdentity
	idText   string
}

type trustedKey struct {
	name        string
	fingerprint string // hex SHA-256 of the DER public key
	hint        string // base64 SHA-256 of the DER public key: the hint cosign writes
	keyID       string // signing.KeyID
	material    root.TrustedMaterial
}

// NewVerifier checks the options. Errors wrap [ErrOptions].
func NewVerifier(o Options) (*Verifier, error) {
	v := &Verifier{root: o.TrustedRoot}
	if len(o.Keys) == 0 && o.TrustedRoot == nil {
		return nil, fmt.Errorf("%w: no trusted key and no trusted root: give --key for key-signed bundles, or --trusted-root with an identity policy for keyless ones", ErrOptions)
	}
	if !o.Identity.IsZero() {
		if o.TrustedRoot == nil {
			return nil, fmt.Errorf("%w: an identity policy (%s) needs --trusted-root: keyless bundles are verified offline, against the trusted root given", ErrOptions, o.Identity)
		}
		id, err := o.Identity.certificateIdentity()
		if err != nil {
			return nil, err
		}
		v.identity, v.idText = &id, o.Identity.String()
	}
	seen := map[string]string{}
	for i, pub := range o.Keys {
		name := fmt.Sprintf("key %d", i+1)
		if i < len(o.KeyNames) && o.KeyNames[i] != "" {
			name = o.KeyNames[i]
		}
		k, err := newTrustedKey(name, pub)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[k.fingerprint]; dup {
			return nil, fmt.Errorf("%w: %s and %s are the same key", ErrOptions, prev, name)
		}
		seen[k.fingerprint] = name
		v.keys = append(v.keys, k)
	}
	return v, nil
}

func newTrustedKey(name string, pub crypto.PublicKey) (*trustedKey, error) {
	if pub == nil {
		return nil, fmt.Errorf("%w: trusted key %s is nil", ErrOptions, name)
	}
	if err := signing.CheckPublicKey(pub); err != nil {
		return nil, fmt.Errorf("%w: trusted key %s: %w", ErrOptions, name, err)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: trusted key %s: %w", ErrOptions, name, err)
	}
	id, err := signing.KeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: trusted key %s: %w", ErrOptions, name, err)
	}
	// The default verifier hashes as candor and cosign sign: SHA-384 for P-384, SHA-256
	// for P-256 and RSA (PKCS #1 v1.5), pure Ed25519.
	sv, err := signature.LoadDefaultVerifier(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: trusted key %s: %w", ErrOptions, name, err)
	}
	// No validity period: a key given on the command line is trusted at every time.
	key := root.NewExpiringKey(sv, time.Time{}, time.Time{})
	sum := sha256.Sum256(der)
	return &trustedKey{
		name:        name,
		fingerprint: fmt.Sprintf("%x", sum),
		hint:        base64.StdEncoding.EncodeToString(sum[:]),
		keyID:       id,
		material: root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			return key, nil
		}),
	}, nil
}

// KeyHint returns the public key hint [FromEnvelope] writes for pub: the standard base64
// of the SHA-256 of its DER (PKIX) encoding, as cosign writes it.
func KeyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// LoadTrustedRoot reads a Sigstore trusted root (trusted_root.json, media type
// application/vnd.dev.sigstore.trustedroot+json;version=0.1 or 0.2), a regular file of at
// most [MaxTrustedRootSize] bytes. Nothing is fetched: the root is used as it is. Errors wrap
// [ErrOptions].
func LoadTrustedRoot(path string) (*root.TrustedRoot, error) {
	data, err := fileio.ReadFile(path, MaxTrustedRootSize)
	if err != nil {
		return nil, fmt.Errorf("%w: trusted root: %w", ErrOptions, err)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%w: trusted root %s: %s", ErrOptions, path, shortProto(err))
	}
	return tr, nil
}

// Artifact is what a bundle is checked against: the file's bytes (Open), or its digest.
type Artifact struct {
	// Open returns the artifact's bytes from the start; it may be called more than once
	// (once per trusted key tried).
	Open func() (io.ReadCloser, error)
	// DigestAlgorithm ("sha256", "sha384", "sha512") and Digest give the artifact by its
	// digest when Open is nil. A message signature by an Ed25519 key needs the bytes.
	DigestAlgorithm string
	Digest          []byte
}

// ArtifactFile is the regular file at path.
func ArtifactFile(path string) Artifact {
	return Artifact{Open: func() (io.ReadCloser, error) {
		f, _, err := fileio.OpenRegular(path)
		if err != nil {
			return nil, err
		}
		return f, nil
	}}
}

// ArtifactBytes is an artifact held in memory.
func ArtifactBytes(b []byte) Artifact {
	return Artifact{Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }}
}

// ArtifactDigest is an artifact given by its digest.
func ArtifactDigest(algorithm string, digest []byte) Artifact {
	return Artifact{DigestAlgorithm: algorithm, Digest: digest}
}

// SubjectDigest is the first sha256 (else sha512) digest of a subject of the in-toto
// statement in payload, unverified: what a DSSE bundle is checked against when the artifact
// is known only by the statement (sigstore-go needs an artifact or its digest). It returns
// "" and nil when the payload names no such digest.
func SubjectDigest(payload []byte) (alg string, digest []byte) {
	var st struct {
		Subject []struct {
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
	}
	if json.Unmarshal(payload, &st) != nil {
		return "", nil
	}
	for _, want := range []struct {
		alg string
		n   int
	}{{"sha256", 64}, {"sha512", 128}} {
		for _, s := range st.Subject {
			if h := s.Digest[want.alg]; len(h) == want.n {
				if d, err := hex.DecodeString(h); err == nil {
					return want.alg, d
				}
			}
		}
	}
	return "", nil
}

// Timestamp is a verified time of a bundle.
type Timestamp struct {
	// Kind is "tlog" (a transparency log's integrated time) or "tsa" (an RFC 3161 timestamp).
	Kind string    `json:"kind"`
	URI  string    `json:"uri,omitempty"`
	Time time.Time `json:"time"`
}

// Result is what a verified bundle says.
type Result struct {
	Source    string `json:"source"`
	MediaType string `json:"mediaType"`
	// Content is "dsse" or "message-signature".
	Content string `json:"content"`
	// PayloadType and Payload are the DSSE envelope's: the exact bytes its signature
	// covers, an in-toto statement with a subject of the artifact's digest. Empty for a
	// message signature.
	PayloadType string `json:"payloadType,omitempty"`
	Payload     []byte `json:"-"`
	// Key is the name of the trusted key that verified a key-signed bundle, and
	// KeyFingerprint the hex SHA-256 of its DER public key.
	Key            string `json:"key,omitempty"`
	KeyFingerprint string `json:"keyFingerprint,omitempty"`
	// Identity and Issuer are the certificate's SAN and OIDC issuer of a keyless bundle,
	// which matched the identity policy.
	Identity string `json:"identity,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	// TlogChecked says whether transparency-log entries were required and verified (with a
	// trusted root listing Rekor logs); false for a key-signed bundle verified without one.
	TlogChecked bool `json:"tlogChecked"`
	// Timestamps are the verified times.
	Timestamps []Timestamp `json:"timestamps,omitempty"`
}

// Signer describes who signed, for messages.
func (r *Result) Signer() string {
	if r.Key != "" {
		return fmt.Sprintf("key %s (fingerprint %s)", r.Key, r.KeyFingerprint)
	}
	return fmt.Sprintf("certificate for %s issued by %s", quote(r.Identity), quote(r.Issuer))
}

// Verify verifies one bundle against the artifact. A nil error means the bundle verified
// with what the Verifier trusts; errors wrap [ErrVerify], or [ErrOptions] when what is
// trusted cannot judge the bundle (a key-signed bundle and no key, a keyless bundle and no
// trusted root or identity policy).
func (v *Verifier) Verify(b *Bundle, artifact Artifact) (res *Result, err error) {
	if b == nil || b.b == nil {
		return nil, fmt.Errorf("%w: no bundle", ErrVerify)
	}
	if artifact.Open == nil && len(artifact.Digest) == 0 {
		return nil, fmt.Errorf("%w: %s: no artifact to check the bundle against", ErrOptions, b.Source)
	}
	defer func() {
		// sigstore-go is not expected to panic; if it does on a hostile bundle, the bundle
		// fails rather than the program.
		if p := recover(); p != nil {
			res, err = nil, fmt.Errorf("%w: %s: verification failed unexpectedly: %v", ErrVerify, b.Source, p)
		}
	}()
	if b.IsKeyless() {
		return v.verifyKeyless(b, artifact)
	}
	return v.verifyKeySigned(b, artifact)
}

func (v *Verifier) verifyKeyless(b *Bundle, artifact Artifact) (*Result, error) {
	if v.root == nil {
		return nil, fmt.Errorf("%w: %s is signed with a certificate (keyless): give --trusted-root and an identity policy (--certificate-identity or --certificate-identity-regexp, and --certificate-oidc-issuer or --certificate-oidc-issuer-regexp)", ErrOptions, b.Source)
	}
	if v.identity == nil {
		return nil, fmt.Errorf("%w: %s is signed with a certificate (keyless), and a certificate proves nothing without an identity policy: give --certificate-identity or --certificate-identity-regexp, and --certificate-oidc-issuer or --certificate-oidc-issuer-regexp", ErrOptions, b.Source)
	}
	opts := []sgverify.VerifierOption{sgverify.WithSignedCertificateTimestamps(1)}
	timed, tlog, err := v.timeOptions(b, v.root, &opts)
	if err != nil {
		return nil, err
	}
	if !timed {
		return nil, fmt.Errorf("%w: %s: no time to check the certificate at: the bundle has no signed entry timestamp, and no RFC 3161 timestamp from an authority of the trusted root", ErrVerify, b.Source)
	}
	r, err := v.run(b, v.root, opts, artifact, sgverify.WithCertificateIdentity(*v.identity))
	if err != nil {
		return nil, fmt.Errorf("%w: %s (keyless, policy: %s): %w", ErrVerify, b.Source, v.idText, err)
	}
	res := newResult(b, r, tlog)
	if r.Signature != nil && r.Signature.Certificate != nil {
		res.Identity, res.Issuer = r.Signature.Certificate.SubjectAlternativeName, r.Signature.Certificate.Issuer
	}
	return res, nil
}

func (v *Verifier) verifyKeySigned(b *Bundle, artifact Artifact) (*Result, error) {
	if len(v.keys) == 0 {
		return nil, fmt.Errorf("%w: %s is signed with a key: give the signer's public key with --key", ErrOptions, b.Source)
	}
	// The hint only orders the attempts: the key that it names goes first.
	keys := slices.Clone(v.keys)
	hint := b.KeyHint()
	slices.SortStableFunc(keys, func(x, y *trustedKey) int {
		return boolInt(!x.matches(hint)) - boolInt(!y.matches(hint))
	})
	var errs []string
	for _, k := range keys {
		tm := k.material
		if v.root != nil {
			tm = root.TrustedMaterialCollection{k.material, v.root}
		}
		var opts []sgverify.VerifierOption
		timed, tlog, err := v.timeOptions(b, tm, &opts)
		if err != nil {
			return nil, err
		}
		if !timed {
			// A trusted key has no validity period: no time is needed.
			opts = append(opts, sgverify.WithNoObserverTimestamps())
		}
		r, err := v.run(b, tm, opts, artifact, sgverify.WithKey())
		if err == nil {
			res := newResult(b, r, tlog)
			res.Key, res.KeyFingerprint = k.name, k.fingerprint
			return res, nil
		}
		errs = append(errs, fmt.Sprintf("%s: %v", k.name, err))
	}
	return nil, fmt.Errorf("%w: %s (signed with a key, hint %s): no trusted key verifies it: %s", ErrVerify, b.Source, quote(hint), strings.Join(errs, "; "))
}

func (k *trustedKey) matches(hint string) bool {
	return hint != "" && (hint == k.hint || hint == k.keyID || strings.EqualFold(hint, k.fingerprint))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// timeOptions adds the transparency-log and time requirements (see the package
// documentation): one verified log entry when the trusted root lists Rekor logs, and one
// verified time (sigstore-go's observer timestamps) when the bundle carries a signed entry
// timestamp or an RFC 3161 timestamp. It reports whether a verified time is required, and
// whether log entries are.
func (v *Verifier) timeOptions(b *Bundle, tm root.TrustedMaterial, opts *[]sgverify.VerifierOption) (timed, tlog bool, err error) {
	if v.root == nil {
		return false, false, nil
	}
	stamps, err := b.b.Timestamps()
	if err != nil {
		return false, false, fmt.Errorf("%w: %s: %w", ErrVerify, b.Source, err)
	}
	if len(tm.RekorLogs()) > 0 {
		*opts = append(*opts, sgverify.WithTransparencyLog(1))
		tlog = true
	}
	if (tlog && b.b.HasInclusionPromise()) || len(stamps) > 0 {
		*opts = append(*opts, sgverify.WithObserverTimestamps(1))
		timed = true
	}
	return timed, tlog, nil
}

// run is one sigstore-go verification.
func (v *Verifier) run(b *Bundle, tm root.TrustedMaterial, opts []sgverify.VerifierOption, artifact Artifact, policy sgverify.PolicyOption) (*sgverify.VerificationResult, error) {
	// candor reads the statement itself from Result.Payload: sigstore-go need not build it.
	opts = append(opts, sgverify.WithoutStatementPredicate())
	sv, err := sgverify.NewVerifier(tm, opts...)
	if err != nil {
		return nil, err
	}
	var ap sgverify.ArtifactPolicyOption
	if artifact.Open != nil {
		f, err := artifact.Open()
		if err != nil {
			return nil, fmt.Errorf("artifact: %w", err)
		}
		defer f.Close()
		ap = sgverify.WithArtifact(f)
	} else {
		ap = sgverify.WithArtifactDigest(artifact.DigestAlgorithm, artifact.Digest)
	}
	return sv.Verify(b.b, sgverify.NewPolicy(ap, policy))
}

func newResult(b *Bundle, r *sgverify.VerificationResult, tlog bool) *Result {
	res := &Result{Source: b.Source, MediaType: b.MediaType, Content: "message-signature", TlogChecked: tlog}
	if env := b.b.GetDsseEnvelope(); env != nil {
		res.Content = "dsse"
		res.PayloadType = env.GetPayloadType()
		res.Payload = env.GetPayload()
	}
	for _, t := range r.VerifiedTimestamps {
		kind := "tsa"
		if t.Type == "Tlog" {
			kind = "tlog"
		}
		res.Timestamps = append(res.Timestamps, Timestamp{Kind: kind, URI: t.URI, Time: t.Timestamp})
	}
	return res
}

// VerifyFile reads the bundles of a file ([ReadFile]) and verifies each against the
// artifact, stopping at the first that fails.
func (v *Verifier) VerifyFile(path string, artifact Artifact) ([]*Result, error) {
	bs, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := make([]*Result, 0, len(bs))
	for _, b := range bs {
		r, err := v.Verify(b, artifact)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
