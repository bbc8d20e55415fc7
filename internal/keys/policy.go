package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
)

// Bounds on RSA moduli.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// CheckPublicKey returns an error wrapping [ErrUnsupportedKey] unless pub is an ECDSA P-256
// or P-384, Ed25519, or RSA (2048 to 8192 bits) public key.
func CheckPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384():
			return nil
		}
		return fmt.Errorf("%w: ECDSA curve %s: use P-256 or P-384", ErrUnsupportedKey, k.Curve.Params().Name)
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("%w: malformed Ed25519 key", ErrUnsupportedKey)
		}
		return nil
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		if bits < minRSABits {
			return fmt.Errorf("%w: RSA key of %d bits is too small: use %d bits or more", ErrUnsupportedKey, bits, minRSABits)
		}
		if bits > maxRSABits {
			return fmt.Errorf("%w: RSA key of %d bits is larger than %d", ErrUnsupportedKey, bits, maxRSABits)
		}
		return nil
	}
	return fmt.Errorf("%w: key type %T: use ECDSA P-256 or P-384, Ed25519, or RSA of %d bits or more", ErrUnsupportedKey, pub, minRSABits)
}

// hashFor returns the digest a key signs with: SHA-384 for ECDSA P-384, SHA-256 otherwise
// (Ed25519 signs the message itself and ignores it).
func hashFor(pub crypto.PublicKey) crypto.Hash {
	if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P384() {
		return crypto.SHA384
	}
	return crypto.SHA256
}
