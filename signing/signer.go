package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"

	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// Options configures key loading. The zero value reads passwords with [DefaultPassword] from
// the process environment and never prompts.
type Options struct {
	// Password returns the password of an encrypted key; nil means
	// DefaultPassword(LookupEnv, Stdin, Prompt).
	Password PasswordFunc
	// Passwords give the password of particular key files, by the reference given to
	// LoadSigner; a key not in it reads Password.
	Passwords map[string]PasswordFunc
	// LookupEnv replaces os.LookupEnv for the password variables (tests).
	LookupEnv func(string) (string, bool)
	// Stdin is the terminal to prompt on, if it is one; nil never prompts.
	Stdin *os.File
	// Prompt receives password prompts (usually standard error).
	Prompt io.Writer
	// AllowKMSPluginsUnsafe lets a key reference with a scheme other than awskms, gcpkms,
	// azurekms and hashivault run the program sigstore-kms-<scheme> found on PATH, as
	// sigstore's KMS plugin system does. Off by default: a key reference, which may come from
	// a config file, must never run a program without the user asking for it.
	AllowKMSPluginsUnsafe bool
}

func (o Options) password(ref string) PasswordFunc {
	if pw := o.Passwords[ref]; pw != nil {
		return pw
	}
	if o.Password != nil {
		return o.Password
	}
	return DefaultPassword(o.LookupEnv, o.Stdin, o.Prompt)
}

// Signer signs with one loaded key. It implements go-securesystemslib's dsse.SignerVerifier,
// so it can sign DSSE envelopes directly; verification uses the same key.
type Signer struct {
	sv    signature.SignerVerifier
	ref   string
	pub   crypto.PublicKey
	keyID string
}

var _ ssldsse.SignerVerifier = (*Signer)(nil)

// NewSigner wraps a sigstore SignerVerifier, for keys candor does not load itself (such as a
// future keyless signer). ref names the key in messages. The public key must pass
// [CheckPublicKey].
func NewSigner(ctx context.Context, sv signature.SignerVerifier, ref string) (*Signer, error) {
	pub, err := sv.PublicKey(options.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: reading public key: %w", ErrKey, ref, err)
	}
	if err := CheckPublicKey(pub); err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	id, err := KeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKey, ref, err)
	}
	return &Signer{sv: sv, ref: ref, pub: pub, keyID: id}, nil
}

// Fingerprint returns the SHA-256 of the public key in DER (PKIX SubjectPublicKeyInfo), in
// hex: what "openssl pkey -pubin -in KEY.pub -outform DER | sha256sum" prints for its PEM
// file. It names a key to people; [KeyID] is what signatures carry.
func Fingerprint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUnsupportedKey, err)
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:]), nil
}

// KeyID returns the identifier candor writes in a DSSE signature's keyid: the SHA-256 SSH
// fingerprint of the public key ("SHA256:..."), which is what go-securesystemslib and sigstore
// compute for a verifier that names no key id, so verifiers such as cosign match it.
func KeyID(pub crypto.PublicKey) (string, error) {
	return ssldsse.SHA256KeyID(pub)
}

// Ref returns the reference the key was loaded from.
func (s *Signer) Ref() string { return s.ref }

// Public returns the public key.
func (s *Signer) Public() crypto.PublicKey { return s.pub }

// KeyID returns the key id written in signatures (see the package-level KeyID).
func (s *Signer) KeyID() (string, error) { return s.keyID, nil }

// Sign signs data (for DSSE, the pre-authentication encoding of the payload).
func (s *Signer) Sign(ctx context.Context, data []byte) ([]byte, error) {
	sig, err := s.sv.SignMessage(bytes.NewReader(data), options.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: signing: %w", ErrKey, s.ref, err)
	}
	return sig, nil
}

// Verify checks a signature made by this key over data.
func (s *Signer) Verify(ctx context.Context, data, sig []byte) error {
	return s.sv.VerifySignature(bytes.NewReader(sig), bytes.NewReader(data), options.WithContext(ctx))
}

var schemeRE = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*)://`)

// LoadSigner loads the signing key named by ref: a PEM file path or a KMS URI (see the
// package documentation).
func LoadSigner(ctx context.Context, ref string, opts Options) (*Signer, error) {
	if m := schemeRE.FindStringSubmatch(ref); m != nil {
		return loadKMS(ctx, ref, m[1], opts)
	}
	return loadFile(ctx, ref, opts)
}

// LoadSigners loads several keys, refusing the same key twice.
func LoadSigners(ctx context.Context, refs []string, opts Options) ([]*Signer, error) {
	out := make([]*Signer, 0, len(refs))
	seen := map[string]string{}
	for _, r := range refs {
		s, err := LoadSigner(ctx, r, opts)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[s.keyID]; dup {
			return nil, fmt.Errorf("%w: %s and %s are the same key", ErrKey, prev, r)
		}
		seen[s.keyID] = r
		out = append(out, s)
	}
	return out, nil
}
