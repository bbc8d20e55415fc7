package intoto

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	in_toto "github.com/in-toto/in-toto-golang/in_toto"
)

// Errors. Verification failures are not errors: they are in a [Result] whose OK is false.
var (
	// ErrKey is a key in-toto cannot use (type, curve) or a signer whose signatures in-toto
	// would not accept.
	ErrKey = errors.New("in-toto key")
	// ErrInput is an input that cannot be read or parsed: a layout or link file (named), a
	// directory, a bound exceeded.
	ErrInput = errors.New("in-toto input")
	// ErrInspections is a layout with inspections, refused without
	// [Options.AllowInspectionsUnsafe].
	ErrInspections = errors.New("in-toto layout has inspections")
)

// Signer signs links and layouts: candor's *signing.Signer implements it. Sign signs data
// itself (the canonical JSON of the link), as in-toto's scheme for the key expects: Ed25519
// over the data, ECDSA over its SHA-256 (P-256) or SHA-384 (P-384) in ASN.1, RSA with
// RSASSA-PSS and SHA-256.
type Signer interface {
	Public() crypto.PublicKey
	Sign(ctx context.Context, data []byte) ([]byte, error)
}

// keyIDHashAlgorithms are what securesystemslib (and so in-toto's reference
// implementation) writes in a key and hashes into its key id.
var keyIDHashAlgorithms = []string{"sha256", "sha512"}

// KeyFromPublic returns the in-toto key of a public key (no private part), with its key id
// and scheme: ed25519; ecdsa-sha2-nistp256 or -nistp384 by curve; rsassa-pss-sha256. This
// is what a layout lists as a functionary's key and what link signatures name.
func KeyFromPublic(pub crypto.PublicKey) (in_toto.Key, error) {
	var scheme string
	switch k := pub.(type) {
	case ed25519.PublicKey:
		scheme = "ed25519"
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			scheme = "ecdsa-sha2-nistp256"
		case elliptic.P384():
			scheme = "ecdsa-sha2-nistp384"
		default:
			return in_toto.Key{}, fmt.Errorf("%w: ECDSA curve %s: in-toto uses P-256 or P-384", ErrKey, k.Curve.Params().Name)
		}
	case *rsa.PublicKey:
		scheme = "rsassa-pss-sha256"
	default:
		return in_toto.Key{}, fmt.Errorf("%w: key type %T: in-toto uses Ed25519, ECDSA or RSA", ErrKey, pub)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return in_toto.Key{}, fmt.Errorf("%w: %w", ErrKey, err)
	}
	var k in_toto.Key
	b := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	if err := k.LoadKeyReader(bytes.NewReader(b), scheme, keyIDHashAlgorithms); err != nil {
		return in_toto.Key{}, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return k, nil
}

// KeyID returns the in-toto key id of pub (see [KeyFromPublic]).
func KeyID(pub crypto.PublicKey) (string, error) {
	k, err := KeyFromPublic(pub)
	return k.KeyID, err
}
