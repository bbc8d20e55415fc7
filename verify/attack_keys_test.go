package verify

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/candor-dev/candor/signing"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// identityEd25519 is the Ed25519 public key holding the identity point (y = 1): the
// signature (R = identity, S = 0) verifies for any message under it.
func identityEd25519() ed25519.PublicKey {
	k := make(ed25519.PublicKey, ed25519.PublicKeySize)
	k[0] = 1
	return k
}

// universalSig is the signature that verifies for any message under identityEd25519.
func universalSig() []byte {
	sig := make([]byte, ed25519.SignatureSize)
	sig[0] = 1
	return sig
}

// writePublicPEM writes pub as a "PUBLIC KEY" PEM file and returns its path.
func writePublicPEM(t *testing.T, dir, name string, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// acceptAll is a library user's own Key that accepts every signature.
type acceptAll struct{ pub crypto.PublicKey }

func (k acceptAll) Verify(context.Context, []byte, []byte) error { return nil }
func (k acceptAll) KeyID() (string, error)                       { return "evil", nil }
func (k acceptAll) Public() crypto.PublicKey                     { return k.pub }

// TestUniversalEd25519KeyRefused: the identity key and its relatives, given as files, are
// refused by LoadKeys with signing.ErrWeakKey, never trusted. The premise is checked first:
// the standard library verifies the universal signature under the identity key.
func TestUniversalEd25519KeyRefused(t *testing.T) {
	t.Parallel()
	if !ed25519.Verify(identityEd25519(), []byte("any payload"), universalSig()) {
		t.Fatal("the universal signature does not verify: the attack premise is wrong")
	}
	dir := t.TempDir()
	order2 := make(ed25519.PublicKey, ed25519.PublicKeySize) // (0, -1): y = p - 1
	for i := range order2 {
		order2[i] = 0xff
	}
	order2[0], order2[31] = 0xec, 0x7f
	negZero := identityEd25519() // the identity with the sign bit set: non-canonical
	negZero[31] = 0x80
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	for name, pub := range map[string]crypto.PublicKey{
		"identity":           identityEd25519(),
		"order 2":            order2,
		"negative zero":      negZero,
		"all zero (order 4)": make(ed25519.PublicKey, ed25519.PublicKeySize),
		"rsa e=1":            &rsa.PublicKey{N: rk.N, E: 1},
		"rsa e=3":            &rsa.PublicKey{N: rk.N, E: 3},
	} {
		t.Run(name, func(t *testing.T) {
			path := writePublicPEM(t, dir, name+".pub", pub)
			ks, err := LoadKeys(context.Background(), []string{path}, keysOptions())
			if !errors.Is(err, signing.ErrWeakKey) || !errors.Is(err, ErrKey) {
				t.Fatalf("LoadKeys: got %d keys, %v; want signing.ErrWeakKey", len(ks), err)
			}
		})
	}
}

// TestCustomWeakKeyRefused: a library user's own Key whose public key is degenerate is
// refused by NewVerifier, alone or beside a genuine key, whatever its Verify says.
func TestCustomWeakKeyRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, pub := testKey(t, dir, "vendor")
	genuine, err := LoadKeys(context.Background(), []string{pub}, keysOptions())
	if err != nil {
		t.Fatal(err)
	}
	p256 := elliptic.P256().Params()
	for name, weak := range map[string]crypto.PublicKey{
		"ed25519 identity": identityEd25519(),
		"ecdsa infinity":   rawECDSA(elliptic.P256(), new(big.Int), new(big.Int)),
		"ecdsa off curve":  rawECDSA(elliptic.P256(), p256.Gx, new(big.Int).Add(p256.Gy, big.NewInt(1))),
		"ecdsa nil y":      rawECDSA(elliptic.P384(), elliptic.P384().Params().Gx, nil),
		"rsa e=1, even n":  &rsa.PublicKey{N: new(big.Int).Lsh(big.NewInt(1), 2048), E: 1},
	} {
		t.Run(name, func(t *testing.T) {
			evil := acceptAll{weak}
			if _, err := NewVerifier([]Key{evil}); !errors.Is(err, signing.ErrWeakKey) {
				t.Errorf("alone: %v", err)
			}
			if _, err := NewVerifier(append(genuine, evil), WithKeyNames(pub), WithThreshold(2)); !errors.Is(err, signing.ErrWeakKey) {
				t.Errorf("beside a genuine key, threshold 2: %v", err)
			}
		})
	}
}

// TestUniversalSignatureThreshold is the reported attack end to end: the genuine envelope
// plus the universal signature, verified with the vendor's key and the identity key and a
// threshold of 2. Run refuses the identity key, given as a file or as a Key, before reading
// any attestation.
func TestUniversalSignatureThreshold(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	forged := editEnvelope(t, w.env, func(m map[string]any) {
		sigs := m["signatures"].([]any)
		m["signatures"] = append(sigs, map[string]any{"keyid": "", "sig": base64.StdEncoding.EncodeToString(universalSig())})
	})
	env, err := ParseEnvelope(forged)
	if err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(identityEd25519(), dsse.PAE(env.PayloadType, env.Payload), universalSig()) {
		t.Fatal("the universal signature does not verify over the envelope: the attack premise is wrong")
	}
	att := filepath.Join(w.dir, "phonehome.intoto.json")
	if err := os.WriteFile(att, forged, 0o644); err != nil {
		t.Fatal(err)
	}
	evilPub := writePublicPEM(t, t.TempDir(), "evil.pub", identityEd25519())
	for name, o := range map[string]runOptions{
		"key file": {Keys: []string{w.pub, evilPub}},
		"Key":      {Keys: []string{w.pub}, TrustedKeys: []Key{acceptAll{identityEd25519()}}},
	} {
		t.Run(name, func(t *testing.T) {
			o.Threshold, o.Artifacts, o.Now = 2, []string{w.bin}, testNow
			res, err := runWith(context.Background(), o)
			if !errors.Is(err, signing.ErrWeakKey) {
				t.Fatalf("Run: %v", err)
			}
			if res != nil && res.Passed {
				t.Fatal("the forged threshold passed")
			}
		})
	}
}

// TestCertificateNotATrustedKey: LoadKeys refuses a certificate with signing.ErrUnsupportedKey
// (candor validates no chain) and loads the public key extracted from it.
func TestCertificateNotATrustedKey(t *testing.T) {
	t.Parallel()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vendor"}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cert := filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeys(context.Background(), []string{cert}, keysOptions()); !errors.Is(err, signing.ErrUnsupportedKey) || errors.Is(err, signing.ErrWeakKey) {
		t.Fatalf("certificate: %v", err)
	}
	if _, err := LoadKeys(context.Background(), []string{writePublicPEM(t, dir, "vendor.pub", &k.PublicKey)}, keysOptions()); err != nil {
		t.Fatalf("the certificate's public key: %v", err)
	}
}

// rawECDSA makes an ECDSA public key from raw coordinates, the only way to make an invalid one.
func rawECDSA(c elliptic.Curve, x, y *big.Int) *ecdsa.PublicKey {
	//lint:ignore SA1019 invalid points can be made only from raw coordinates
	return &ecdsa.PublicKey{Curve: c, X: x, Y: y}
}
