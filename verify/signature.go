package verify

import (
	"context"
	"crypto"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/candor-dev/candor/signing"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// Key is a trusted public key: go-securesystemslib's dsse.Verifier. Keys loaded by
// [LoadKeys] implement it, and so does sigstore's DSSE verifier adapter.
type Key interface {
	Verify(ctx context.Context, data, sig []byte) error
	KeyID() (string, error)
	Public() crypto.PublicKey
}

// trustedKey is a key with the identity that makes it distinct and the name it was given.
type trustedKey struct {
	key Key
	// id is the key id of the public key (signing.KeyID, a SHA-256 fingerprint): two
	// references to the same public key share it, whatever the files or KMS names.
	id string
	// fingerprint is the hex SHA-256 of the DER public key (signing.Fingerprint), for people.
	fingerprint string
	refs        []string
}

// distinctKeys merges keys that are the same public key, keeping every name they were given.
// Every key's public key must pass signing.CheckPublicKey: a degenerate key (such as the
// Ed25519 identity point) would verify signatures nobody made.
func distinctKeys(ks []Key, refs []string) ([]*trustedKey, error) {
	var out []*trustedKey
	byID := map[string]*trustedKey{}
	for i, k := range ks {
		if k == nil || k.Public() == nil {
			return nil, fmt.Errorf("%w: trusted key %d is nil", ErrOptions, i+1)
		}
		ref := fmt.Sprintf("key %d", i+1)
		if i < len(refs) && refs[i] != "" {
			ref = refs[i]
		}
		// Keys loaded by LoadKeys were checked already; a library user's own Key was not.
		if err := signing.CheckPublicKey(k.Public()); err != nil {
			return nil, fmt.Errorf("trusted key %s: %w", ref, err)
		}
		id, err := signing.KeyID(k.Public())
		if err != nil {
			return nil, fmt.Errorf("%w: trusted key %s: %w", ErrKey, ref, err)
		}
		if t, dup := byID[id]; dup {
			t.refs = append(t.refs, ref)
			continue
		}
		fp, err := signing.Fingerprint(k.Public())
		if err != nil {
			return nil, fmt.Errorf("%w: trusted key %s: %w", ErrKey, ref, err)
		}
		t := &trustedKey{key: k, id: id, fingerprint: fp, refs: []string{ref}}
		byID[id] = t
		out = append(out, t)
	}
	return out, nil
}

// name is how a key is shown: its reference, and its other names if it was given twice.
func (t *trustedKey) name() string {
	if len(t.refs) == 1 {
		return t.refs[0]
	}
	return t.refs[0] + " (also given as " + strings.Join(t.refs[1:], ", ") + ")"
}

// checkSignatures verifies the envelope's signatures over the DSSE pre-authentication
// encoding with each distinct trusted key. A key counts once however many of its signatures
// the envelope carries; signatures no trusted key made are ignored. It returns the keys that
// signed, and the reasons when fewer than threshold did.
func checkSignatures(ctx context.Context, env *Envelope, trusted []*trustedKey, threshold int, work *atomic.Int64) (signed []*trustedKey, detail string, reasons []string) {
	pae := dsse.PAE(env.PayloadType, env.Payload)
	for _, t := range trusted {
		if keySigned(ctx, t, pae, env.Signatures, work) {
			signed = append(signed, t)
		}
	}
	names := make([]string, len(signed))
	for i, t := range signed {
		names[i] = t.name()
	}
	if len(signed) >= threshold {
		detail = fmt.Sprintf("%d of %d trusted key(s) signed (threshold %d): %s", len(signed), len(trusted), threshold, strings.Join(names, ", "))
		return signed, detail, nil
	}
	switch {
	case len(signed) == 0:
		reasons = append(reasons, fmt.Sprintf("none of the %d signature(s) verifies with a trusted key: the attestation was signed by another key, or changed after signing; %s; trusted key(s) tried: %s",
			len(env.Signatures), envelopeKeyIDs(env.Signatures), fingerprints(trusted)))
	default:
		reasons = append(reasons, fmt.Sprintf("%d distinct trusted key(s) signed (%s); the threshold is %d", len(signed), strings.Join(names, ", "), threshold))
	}
	if threshold > len(trusted) {
		reasons = append(reasons, fmt.Sprintf("only %d distinct trusted key(s) were given for a threshold of %d: a key given twice counts once", len(trusted), threshold))
		for _, t := range trusted {
			if len(t.refs) > 1 {
				reasons = append(reasons, fmt.Sprintf("%s are the same key", strings.Join(t.refs, " and ")))
			}
		}
	}
	return signed, "", reasons
}

// maxKeyIDsShown bounds how many key ids of an envelope a message names, and maxKeyIDShown
// how much of each.
const (
	maxKeyIDsShown = 4
	maxKeyIDShown  = 80
)

// envelopeKeyIDs says which keys the signatures of an envelope say they are by: their key
// ids, as the signer wrote them (a hint, never trusted). candor, cosign and
// go-securesystemslib write [signing.KeyID] ("SHA256:" and the unpadded base64 of the
// SHA-256 of the SSH form of the public key, as ssh-keygen -l prints it), which the
// message of each trusted key shows too.
func envelopeKeyIDs(sigs []Signature) string {
	var ids []string
	seen := map[string]bool{}
	for _, s := range sigs {
		if s.KeyID == "" || seen[s.KeyID] {
			continue
		}
		seen[s.KeyID] = true
		id := s.KeyID
		if plainKeyID(id) && len(id) <= maxKeyIDShown {
			ids = append(ids, id)
			continue
		}
		if len(id) > maxKeyIDShown {
			id = id[:maxKeyIDShown] + "..."
		}
		ids = append(ids, fmt.Sprintf("%q", id))
	}
	if len(ids) == 0 {
		return "the signatures name no key id"
	}
	return "the envelope names key id " + strings.Join(shorten(ids, maxKeyIDsShown), ", ")
}

// plainKeyID reports whether a key id is shown as it is: letters, digits and the
// punctuation of hex, base64 and "SHA256:" fingerprints. Any other is quoted.
func plainKeyID(id string) bool {
	for _, c := range id {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune(":+/=_-", c)) {
			return false
		}
	}
	return true
}

// fingerprints names each trusted key with its fingerprint (the hex SHA-256 of its DER
// public key, [signing.Fingerprint]) and the key id a signature by it carries.
func fingerprints(trusted []*trustedKey) string {
	out := make([]string, len(trusted))
	for i, t := range trusted {
		out[i] = fmt.Sprintf("%s (fingerprint %s, key id %s)", t.name(), t.fingerprint, t.id)
	}
	return strings.Join(out, ", ")
}

// keySigned reports whether any signature verifies with the key. Signatures whose key id
// names this key are tried first; the key id is only a hint.
func keySigned(ctx context.Context, t *trustedKey, pae []byte, sigs []Signature, work *atomic.Int64) bool {
	tried := make([]bool, len(sigs))
	try := func(s Signature) bool {
		work.Add(1)
		return t.key.Verify(ctx, pae, s.Sig) == nil
	}
	for i, s := range sigs {
		if s.KeyID == t.id {
			tried[i] = true
			if try(s) {
				return true
			}
		}
	}
	for i, s := range sigs {
		if !tried[i] && try(s) {
			return true
		}
	}
	return false
}

// LoadKeys loads trusted public keys: PEM files holding a public key ("PUBLIC KEY"), or KMS
// URIs (awskms://, gcpkms://, azurekms://, hashivault://; other schemes only with
// opts.AllowKMSPluginsUnsafe). A certificate is refused, since candor does not validate
// certificate chains: extract its public key instead. Keys that do not bind signatures to a
// private key (small-order Ed25519 points, EC points off the curve, RSA exponents below
// 65537) are refused with signing.ErrWeakKey. Errors wrap [ErrKey].
func LoadKeys(ctx context.Context, refs []string, opts signing.Options) ([]Key, error) {
	out := make([]Key, 0, len(refs))
	for _, ref := range refs {
		k, err := loadKey(ctx, ref, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func loadKey(ctx context.Context, ref string, opts signing.Options) (Key, error) {
	if strings.Contains(ref, "://") {
		// A KMS key verifies with the provider's verifier, hashing as it signs.
		s, err := signing.LoadSigner(ctx, ref, opts)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	pub, err := signing.LoadPublicKey(ref)
	if err != nil {
		return nil, fmt.Errorf("%w (a trusted key is the vendor's PEM public key, such as candor.pub, or a KMS URI)", err)
	}
	return signing.NewVerifier(pub)
}
