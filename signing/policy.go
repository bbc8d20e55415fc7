package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"

	"filippo.io/edwards25519"
)

// Bounds on RSA keys.
const (
	minRSABits = 2048
	maxRSABits = 8192
	// minRSAExponent is the public exponent every common tool uses (F4); smaller ones are
	// refused (e = 1 makes every message its own signature).
	minRSAExponent = 65537
	// maxRSAExponent is the largest public exponent crypto/rsa verifies with.
	maxRSAExponent = 1<<31 - 1
)

// weakAdvice ends every [ErrWeakKey] message: no key generator makes such a key.
const weakAdvice = "no genuine key is like this: do not trust it, and get the signer's public key again from a source you trust"

// CheckPublicKey returns an error wrapping [ErrUnsupportedKey] unless pub is an ECDSA P-256
// or P-384, Ed25519, or RSA (2048 to 8192 bits) public key, and one wrapping [ErrWeakKey]
// when such a key does not bind signatures to a private key:
//
//   - Ed25519: an encoding that is not canonical, does not decode to a curve point, or
//     decodes to a point of small order or with a small-order component (outside the
//     prime-order subgroup). The identity point verifies a made-up signature for any message.
//   - ECDSA: a missing point, the point at infinity, a coordinate outside [0, p), or a point
//     not on the curve.
//   - RSA: a modulus that is too small or even, a public exponent below 65537, even, or
//     above 2^31-1.
func CheckPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return checkECDSA(k)
	case ed25519.PublicKey:
		return checkEd25519(k)
	case *rsa.PublicKey:
		return checkRSA(k)
	}
	return fmt.Errorf("%w: key type %T: use ECDSA P-256 or P-384, Ed25519, or RSA of %d bits or more", ErrUnsupportedKey, pub, minRSABits)
}

func checkECDSA(k *ecdsa.PublicKey) error {
	if k == nil || k.Curve == nil {
		return fmt.Errorf("%w: ECDSA key without a curve: %s", ErrWeakKey, weakAdvice)
	}
	switch k.Curve {
	case elliptic.P256(), elliptic.P384():
	default:
		return fmt.Errorf("%w: ECDSA curve %s: use P-256 or P-384", ErrUnsupportedKey, k.Curve.Params().Name)
	}
	name := k.Curve.Params().Name
	// The coordinates are read only to say what is wrong; PublicKey.Bytes decides.
	//lint:ignore SA1019 no other accessor tells a missing coordinate, on which Bytes would panic
	x, y, p := k.X, k.Y, k.Curve.Params().P
	switch {
	case x == nil || y == nil:
		return fmt.Errorf("%w: ECDSA %s key without a point: %s", ErrWeakKey, name, weakAdvice)
	case x.Sign() == 0 && y.Sign() == 0:
		return fmt.Errorf("%w: ECDSA %s key is the point at infinity: %s", ErrWeakKey, name, weakAdvice)
	case x.Sign() < 0 || y.Sign() < 0 || x.Cmp(p) >= 0 || y.Cmp(p) >= 0:
		return fmt.Errorf("%w: ECDSA %s key has a coordinate outside [0, p): %s", ErrWeakKey, name, weakAdvice)
	}
	// Bytes validates the point as crypto/ecdh does: on the curve, not the identity.
	if _, err := k.Bytes(); err != nil {
		return fmt.Errorf("%w: ECDSA %s key is not a point on the curve (%w): %s", ErrWeakKey, name, err, weakAdvice)
	}
	return nil
}

// Scalars of the Ed25519 checks: 1 and L-1 (L, the order of the prime-order subgroup, is 0
// as a scalar, so [L]A is computed as [L-1]A + A).
var (
	scalarOne      = mustScalar(1)
	scalarMinusOne = new(edwards25519.Scalar).Negate(scalarOne)
)

func mustScalar(n byte) *edwards25519.Scalar {
	b := make([]byte, 32)
	b[0] = n
	s, err := new(edwards25519.Scalar).SetCanonicalBytes(b)
	if err != nil {
		panic(err)
	}
	return s
}

func checkEd25519(k ed25519.PublicKey) error {
	if len(k) != ed25519.PublicKeySize {
		return fmt.Errorf("%w: malformed Ed25519 key of %d bytes, not %d", ErrUnsupportedKey, len(k), ed25519.PublicKeySize)
	}
	// SetBytes accepts non-canonical encodings (y >= p, or x = 0 with the sign bit set);
	// re-encoding tells them apart.
	a, err := new(edwards25519.Point).SetBytes(k)
	if err != nil {
		return fmt.Errorf("%w: Ed25519 key is not a point on the curve: %s", ErrWeakKey, weakAdvice)
	}
	if !bytes.Equal(a.Bytes(), k) {
		return fmt.Errorf("%w: Ed25519 key is a non-canonical encoding of a curve point: %s", ErrWeakKey, weakAdvice)
	}
	identity := edwards25519.NewIdentityPoint()
	if new(edwards25519.Point).MultByCofactor(a).Equal(identity) == 1 {
		return fmt.Errorf("%w: Ed25519 key is a point of order %d: signatures made without any private key verify with it: %s", ErrWeakKey, smallOrder(a), weakAdvice)
	}
	la := new(edwards25519.Point).ScalarMult(scalarMinusOne, a)
	if la.Add(la, a).Equal(identity) != 1 {
		return fmt.Errorf("%w: Ed25519 key has a small-order component (it is not in the prime-order subgroup, as a generated key always is): %s", ErrWeakKey, weakAdvice)
	}
	return nil
}

// smallOrder returns the order (1, 2, 4 or 8) of a point whose order divides 8.
func smallOrder(a *edwards25519.Point) int {
	identity := edwards25519.NewIdentityPoint()
	p := new(edwards25519.Point).Set(a)
	for order := 1; order < 8; order *= 2 {
		if p.Equal(identity) == 1 {
			return order
		}
		p.Add(p, p)
	}
	return 8
}

func checkRSA(k *rsa.PublicKey) error {
	if k == nil || k.N == nil || k.N.Sign() <= 0 {
		return fmt.Errorf("%w: RSA key without a positive modulus: %s", ErrWeakKey, weakAdvice)
	}
	bits := k.N.BitLen()
	if bits < minRSABits {
		return fmt.Errorf("%w: RSA key of %d bits is too small: use %d bits or more", ErrWeakKey, bits, minRSABits)
	}
	if bits > maxRSABits {
		return fmt.Errorf("%w: RSA key of %d bits is larger than %d", ErrUnsupportedKey, bits, maxRSABits)
	}
	if k.N.Bit(0) == 0 {
		return fmt.Errorf("%w: RSA modulus is even, not a product of two large primes: %s", ErrWeakKey, weakAdvice)
	}
	switch {
	case k.E < minRSAExponent:
		return fmt.Errorf("%w: RSA public exponent %d is below %d (with 1, every message is its own signature): use %d", ErrWeakKey, k.E, minRSAExponent, minRSAExponent)
	case k.E%2 == 0:
		return fmt.Errorf("%w: RSA public exponent %d is even: no private key matches it: %s", ErrWeakKey, k.E, weakAdvice)
	case k.E > maxRSAExponent:
		return fmt.Errorf("%w: RSA public exponent %d is larger than 2^31-1: use %d", ErrWeakKey, k.E, minRSAExponent)
	}
	return nil
}

// hashFor returns the digest a key signs with: SHA-384 for ECDSA P-384, SHA-256 otherwise
// (Ed25519 signs the message itself and ignores it).
func hashFor(pub crypto.PublicKey) crypto.Hash {
	if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P384() {
		return crypto.SHA384
	}
	return crypto.SHA256
}
