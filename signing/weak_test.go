package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"filippo.io/edwards25519"
	"github.com/sigstore/sigstore/pkg/signature"
)

// smallOrderEd25519 are the canonical encodings of the 8 points of order dividing 8
// (the identity, one of order 2, two of order 4, four of order 8).
var smallOrderEd25519 = []string{
	"0100000000000000000000000000000000000000000000000000000000000000", // identity
	"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // (0, -1), order 2
	"0000000000000000000000000000000000000000000000000000000000000000", // order 4
	"0000000000000000000000000000000000000000000000000000000000000080", // order 4
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
	"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
	"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", // order 8
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// nonCanonicalEd25519 returns every 32-byte string whose y is in [p, 2^255) (both signs),
// and the encodings of the two points with x = 0 with the sign bit set.
func nonCanonicalEd25519() [][]byte {
	var out [][]byte
	for y := 0; y < 19; y++ { // y + p for y in [0, 19): 2^255-19+y
		for _, sign := range []byte{0, 0x80} {
			b := bytes.Repeat([]byte{0xff}, 32)
			b[0] = 0xed + byte(y)
			b[31] = 0x7f | sign
			out = append(out, b)
		}
	}
	negZeroIdentity := make([]byte, 32)
	negZeroIdentity[0], negZeroIdentity[31] = 1, 0x80
	negZeroOrder2 := bytes.Repeat([]byte{0xff}, 32)
	negZeroOrder2[0] = 0xec
	return append(out, negZeroIdentity, negZeroOrder2)
}

// point decodes an encoding the library accepts.
func point(t testing.TB, b []byte) *edwards25519.Point {
	t.Helper()
	p, err := new(edwards25519.Point).SetBytes(b)
	if err != nil {
		t.Fatalf("%x: %v", b, err)
	}
	return p
}

// pemPub writes DER as a "PUBLIC KEY" PEM file and returns its path.
func pemPub(t testing.TB, der []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "key.pub")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// ecSPKI builds a SubjectPublicKeyInfo for an EC point by hand: x509 refuses to marshal
// points that are not on the curve.
func ecSPKI(t testing.TB, curve asn1.ObjectIdentifier, point []byte) []byte {
	t.Helper()
	params, err := asn1.Marshal(curve)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}, Parameters: asn1.RawValue{FullBytes: params}},
		PublicKey: asn1.BitString{Bytes: point, BitLength: 8 * len(point)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// rsaSPKI builds a SubjectPublicKeyInfo for an RSA modulus and exponent by hand.
func rsaSPKI(t testing.TB, n *big.Int, e int) []byte {
	t.Helper()
	key, err := asn1.Marshal(struct{ N, E *big.Int }{n, big.NewInt(int64(e))})
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, Parameters: asn1.NullRawValue},
		PublicKey: asn1.BitString{Bytes: key, BitLength: 8 * len(key)},
	})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

var (
	oidP256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidP384 = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
)

// rsa2048 is one genuine RSA key for the tests that vary it (generation is slow).
var rsa2048 = sync.OnceValue(func() *rsa.PrivateKey { return mustKey(rsa.GenerateKey(rand.Reader, 2048)) })

// wantWeak asserts that pub is refused everywhere a public key enters: CheckPublicKey,
// NewVerifier and NewSigner (a KMS key's public key goes through it).
func wantWeak(t *testing.T, pub crypto.PublicKey) {
	t.Helper()
	if err := CheckPublicKey(pub); !errors.Is(err, ErrWeakKey) || !errors.Is(err, ErrUnsupportedKey) || !errors.Is(err, ErrKey) {
		t.Errorf("CheckPublicKey: got %v, want ErrWeakKey", err)
	}
	if _, err := NewVerifier(pub); !errors.Is(err, ErrWeakKey) {
		t.Errorf("NewVerifier: got %v, want ErrWeakKey", err)
	}
	if _, err := NewSigner(context.Background(), fakeSV{pub: pub}, "kms://test"); !errors.Is(err, ErrWeakKey) {
		t.Errorf("NewSigner: got %v, want ErrWeakKey", err)
	}
}

// wantWeakFile asserts that LoadPublicKey refuses the file as a weak key.
func wantWeakFile(t *testing.T, path string) {
	t.Helper()
	if _, err := LoadPublicKey(path); !errors.Is(err, ErrWeakKey) {
		t.Errorf("LoadPublicKey: got %v, want ErrWeakKey", err)
	}
}

// TestSmallOrderEd25519: the 8 small-order points, and every non-canonical encoding of
// them, are refused. The list is checked first: 8 distinct points, each with [8]P = 0.
func TestSmallOrderEd25519(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, s := range smallOrderEd25519 {
		b := unhex(t, s)
		p := point(t, b)
		if !bytes.Equal(p.Bytes(), b) {
			t.Fatalf("%s is not canonical", s)
		}
		if new(edwards25519.Point).MultByCofactor(p).Equal(edwards25519.NewIdentityPoint()) != 1 {
			t.Fatalf("%s is not of small order", s)
		}
		seen[s] = true
		t.Run(s[:8], func(t *testing.T) {
			wantWeak(t, ed25519.PublicKey(b))
			wantWeakFile(t, pemPub(t, mustKey(x509.MarshalPKIXPublicKey(ed25519.PublicKey(b)))))
		})
	}
	if len(seen) != 8 {
		t.Fatalf("%d distinct small-order points, want 8", len(seen))
	}
	decoded := 0
	for _, b := range nonCanonicalEd25519() {
		if p, err := new(edwards25519.Point).SetBytes(b); err == nil {
			decoded++
			if bytes.Equal(p.Bytes(), b) {
				t.Fatalf("%x is canonical", b)
			}
		}
		t.Run(hex.EncodeToString(b[:2])+hex.EncodeToString(b[31:]), func(t *testing.T) {
			wantWeak(t, ed25519.PublicKey(b))
		})
	}
	// y = p, p+1 (the identity), and the two x = 0 points with the sign bit, at least.
	if decoded < 4 {
		t.Fatalf("only %d non-canonical encodings decode: the test does not reach the canonical check", decoded)
	}
}

// TestDegenerateEd25519 covers the other Ed25519 shapes: a non-canonical encoding of a point
// of large order (y+p), a genuine key plus each torsion point, and an encoding that is no
// point at all. Genuine keys still pass.
func TestDegenerateEd25519(t *testing.T) {
	t.Parallel()
	// y = 3 decodes (to a point with a torsion component); y + p is the same point.
	y3 := make([]byte, 32)
	y3[0] = 3
	y3p := bytes.Repeat([]byte{0xff}, 32)
	y3p[0], y3p[31] = 0xed+3, 0x7f
	if !bytes.Equal(point(t, y3p).Bytes(), y3) {
		t.Fatal("y+p does not decode to the point y")
	}
	wantWeak(t, ed25519.PublicKey(y3p))
	wantWeak(t, ed25519.PublicKey(y3))

	// y = 2 is not the y of a curve point.
	y2 := make([]byte, 32)
	y2[0] = 2
	if _, err := new(edwards25519.Point).SetBytes(y2); err == nil {
		t.Fatal("y = 2 decodes")
	}
	wantWeak(t, ed25519.PublicKey(y2))

	genuine, _ := mustKey2(ed25519.GenerateKey(rand.Reader))
	a := point(t, genuine)
	for _, s := range smallOrderEd25519[1:] {
		mixed := new(edwards25519.Point).Add(a, point(t, unhex(t, s))).Bytes()
		t.Run("genuine+"+s[:8], func(t *testing.T) {
			wantWeak(t, ed25519.PublicKey(mixed))
			wantWeakFile(t, pemPub(t, mustKey(x509.MarshalPKIXPublicKey(ed25519.PublicKey(mixed)))))
		})
	}

	if err := CheckPublicKey(ed25519.PublicKey(genuine[:31])); !errors.Is(err, ErrUnsupportedKey) || errors.Is(err, ErrWeakKey) {
		t.Errorf("31-byte key: %v", err)
	}
	for range 64 {
		pub, _ := mustKey2(ed25519.GenerateKey(rand.Reader))
		if err := CheckPublicKey(pub); err != nil {
			t.Fatalf("genuine key %x: %v", []byte(pub), err)
		}
	}
	if _, err := LoadPublicKey(pemPub(t, mustKey(x509.MarshalPKIXPublicKey(genuine)))); err != nil {
		t.Fatalf("genuine key file: %v", err)
	}
}

// TestIdentityEd25519Forges shows why: the standard library verifies the signature
// (R = identity, S = 0) of any message under the identity key, and candor refuses the key.
func TestIdentityEd25519Forges(t *testing.T) {
	t.Parallel()
	identity := ed25519.PublicKey(unhex(t, smallOrderEd25519[0]))
	forged := append(unhex(t, smallOrderEd25519[0]), make([]byte, 32)...)
	for _, msg := range []string{"", "any payload", "another"} {
		if !ed25519.Verify(identity, []byte(msg), forged) {
			t.Fatalf("the forged signature does not verify %q: the attack premise is wrong", msg)
		}
	}
	wantWeak(t, identity)
}

// TestWeakECDSA: points off the curve, at infinity, with missing, negative or too large
// coordinates, on P-256 and P-384, are refused; from a file they do not even parse.
func TestWeakECDSA(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		curve elliptic.Curve
		oid   asn1.ObjectIdentifier
	}{{elliptic.P256(), oidP256}, {elliptic.P384(), oidP384}} {
		name := c.curve.Params().Name
		k := mustKey(ecdsa.GenerateKey(c.curve, rand.Reader))
		x, y, p := k.X, k.Y, c.curve.Params().P
		one := big.NewInt(1)
		for _, tt := range []struct {
			name string
			x, y *big.Int
		}{
			{"off curve", x, new(big.Int).Add(y, one)},
			{"infinity", new(big.Int), new(big.Int)},
			{"nil x", nil, y},
			{"nil y", x, nil},
			{"y - p", x, new(big.Int).Sub(y, p)},
			{"x + p", new(big.Int).Add(x, p), y},
			{"y = p", x, new(big.Int).Set(p)},
		} {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				//lint:ignore SA1019 invalid points can be made only from raw coordinates
				wantWeak(t, &ecdsa.PublicKey{Curve: c.curve, X: tt.x, Y: tt.y})
			})
		}
		t.Run(name+"/file", func(t *testing.T) {
			size := (c.curve.Params().BitSize + 7) / 8
			enc := make([]byte, 1+2*size)
			enc[0] = 4
			x.FillBytes(enc[1 : 1+size])
			new(big.Int).Add(y, one).FillBytes(enc[1+size:])
			for _, pt := range [][]byte{enc, make([]byte, 1+2*size), {0}} {
				if _, err := LoadPublicKey(pemPub(t, ecSPKI(t, c.oid, pt))); !errors.Is(err, ErrKey) {
					t.Errorf("point %x: %v", pt[:3], err)
				}
			}
			if _, err := LoadPublicKey(pemPub(t, mustKey(x509.MarshalPKIXPublicKey(&k.PublicKey)))); err != nil {
				t.Errorf("genuine %s key: %v", name, err)
			}
		})
		if err := CheckPublicKey(&k.PublicKey); err != nil {
			t.Errorf("genuine %s key: %v", name, err)
		}
	}
	wantWeak(t, (*ecdsa.PublicKey)(nil))
	wantWeak(t, &ecdsa.PublicKey{})
}

// TestWeakRSA: tiny, even and huge public exponents, an even modulus and a small one are
// refused, from a file and as values; the genuine key (e = 65537) passes.
func TestWeakRSA(t *testing.T) {
	t.Parallel()
	k := rsa2048()
	n := k.N
	even := new(big.Int).Sub(n, big.NewInt(1))
	for _, tt := range []struct {
		name string
		n    *big.Int
		e    int
	}{
		{"e=1", n, 1},
		{"e=3", n, 3},
		{"e=17", n, 17},
		{"e=65535", n, 65535},
		{"even e", n, 65538},
		{"e above 2^31-1", n, 1<<31 + 1},
		{"even modulus", even, 65537},
		{"1024 bits", new(big.Int).Rsh(n, 1024), 65537},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantWeak(t, &rsa.PublicKey{N: tt.n, E: tt.e})
			path := pemPub(t, rsaSPKI(t, tt.n, tt.e))
			if _, err := LoadPublicKey(path); !errors.Is(err, ErrKey) {
				t.Fatalf("LoadPublicKey: %v", err)
			} else if tt.e <= 1<<31-1 && !errors.Is(err, ErrWeakKey) {
				// x509 parses these; candor must be the one that refuses them.
				t.Errorf("LoadPublicKey: got %v, want ErrWeakKey", err)
			}
		})
	}
	for _, pub := range []*rsa.PublicKey{nil, {E: 65537}, {N: new(big.Int).Neg(n), E: 65537}, {N: n, E: 0}, {N: n, E: -65537}} {
		wantWeak(t, pub)
	}
	if err := CheckPublicKey(&k.PublicKey); err != nil {
		t.Errorf("genuine key: %v", err)
	}
	if _, err := LoadPublicKey(pemPub(t, rsaSPKI(t, n, 65537))); err != nil {
		t.Errorf("genuine key file: %v", err)
	}
}

// TestCertificateRefused: a certificate is refused with a message, not read as a key;
// its public key, extracted, loads.
func TestCertificateRefused(t *testing.T) {
	t.Parallel()
	k := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vendor"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der := mustKey(x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k))
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadPublicKey(cert)
	if !errors.Is(err, ErrUnsupportedKey) || errors.Is(err, ErrWeakKey) {
		t.Fatalf("certificate: got %v, want ErrUnsupportedKey", err)
	}
	if _, err := LoadPublicKey(pemPub(t, mustKey(x509.MarshalPKIXPublicKey(&k.PublicKey)))); err != nil {
		t.Fatalf("the certificate's public key: %v", err)
	}
}

func mustKey2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// fakeSV is a KMS-like signer verifier of which only the public key is read.
type fakeSV struct {
	signature.SignerVerifier
	pub crypto.PublicKey
}

func (f fakeSV) PublicKey(...signature.PublicKeyOption) (crypto.PublicKey, error) { return f.pub, nil }

// Constants of the Ed25519 oracle, computed with math/big, independently of the library.
var (
	ed25519P = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	// ed25519D = -121665 / 121666 mod p.
	ed25519D = new(big.Int).Mod(new(big.Int).Mul(big.NewInt(-121665), new(big.Int).ModInverse(big.NewInt(121666), ed25519P)), ed25519P)
	// ed25519L is the order of the prime-order subgroup: 2^252 + 27742317777372353535851937790883648493.
	ed25519L, _ = new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
)

// oracleEd25519 says whether a 32-byte Ed25519 public key is acceptable: its y is below p,
// it decodes to a curve point (x² = (y²-1)/(dy²+1) is a square), not -0 (x = 0 with the
// sign bit), the point A is not the identity, and [L]A is the identity. The scalar
// multiplication is a plain double-and-add over the bits of L, not the library's.
func oracleEd25519(t *testing.T, b []byte) bool {
	le := make([]byte, 32)
	for i := range le {
		le[i] = b[31-i]
	}
	sign := le[0] >> 7
	le[0] &= 0x7f
	y := new(big.Int).SetBytes(le)
	p := ed25519P
	yr := new(big.Int).Mod(y, p)
	y2 := new(big.Int).Mul(yr, yr)
	u := new(big.Int).Sub(y2, big.NewInt(1))
	v := new(big.Int).Add(new(big.Int).Mul(ed25519D, y2), big.NewInt(1))
	x2 := new(big.Int).Mod(new(big.Int).Mul(u, new(big.Int).ModInverse(new(big.Int).Mod(v, p), p)), p)
	decodes := x2.Sign() == 0 || new(big.Int).Exp(x2, new(big.Int).Rsh(p, 1), p).Cmp(big.NewInt(1)) == 0
	a, err := new(edwards25519.Point).SetBytes(b)
	if (err == nil) != decodes {
		t.Fatalf("%x: the library decodes it: %v; the oracle: %v", b, err == nil, decodes)
	}
	if !decodes || y.Cmp(p) >= 0 || (x2.Sign() == 0 && sign == 1) {
		return false
	}
	identity := edwards25519.NewIdentityPoint()
	if a.Equal(identity) == 1 {
		return false
	}
	acc := edwards25519.NewIdentityPoint()
	for i := ed25519L.BitLen() - 1; i >= 0; i-- {
		acc.Add(acc, acc)
		if ed25519L.Bit(i) == 1 {
			acc.Add(acc, a)
		}
	}
	return acc.Equal(identity) == 1
}

// FuzzCheckPublicKey checks CheckPublicKey on raw Ed25519 keys against oracleEd25519: a key
// is accepted exactly when the oracle accepts it, and refused with ErrWeakKey otherwise.
func FuzzCheckPublicKey(f *testing.F) {
	for _, s := range smallOrderEd25519 {
		b, _ := hex.DecodeString(s)
		f.Add(b)
	}
	for _, b := range nonCanonicalEd25519() {
		f.Add(b)
	}
	for range 4 {
		pub, _ := mustKey2(ed25519.GenerateKey(rand.Reader))
		f.Add([]byte(pub))
		a, _ := new(edwards25519.Point).SetBytes(pub)
		tor, _ := new(edwards25519.Point).SetBytes(mustKey(hex.DecodeString(smallOrderEd25519[4])))
		f.Add(new(edwards25519.Point).Add(a, tor).Bytes())
	}
	f.Add(bytes.Repeat([]byte{0xff}, 32))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := CheckPublicKey(ed25519.PublicKey(b))
		if len(b) != ed25519.PublicKeySize {
			if !errors.Is(err, ErrUnsupportedKey) {
				t.Fatalf("%d-byte key: %v", len(b), err)
			}
			return
		}
		want := oracleEd25519(t, b)
		switch {
		case want && err != nil:
			t.Fatalf("%x: refused a key the oracle accepts: %v", b, err)
		case !want && !errors.Is(err, ErrWeakKey):
			t.Fatalf("%x: the oracle refuses it; CheckPublicKey: %v", b, err)
		}
	})
}
