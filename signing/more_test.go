package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestOtherPEMTypes: SEC 1 and PKCS#1 private keys load too, and sign verifiably.
func TestOtherPEMTypes(t *testing.T) {
	t.Parallel()
	ec := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	rk := mustKey(rsa.GenerateKey(rand.Reader, 2048))
	for name, block := range map[string]*pem.Block{
		"sec1":  {Type: "EC PRIVATE KEY", Bytes: mustKey(x509.MarshalECPrivateKey(ec))},
		"pkcs1": {Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)},
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "k.pem")
			if err := os.WriteFile(p, pem.EncodeToMemory(block), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := LoadSigner(context.Background(), p, Options{LookupEnv: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			sig, err := s.Sign(context.Background(), []byte("data"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Verify(context.Background(), []byte("data"), sig); err != nil {
				t.Fatal(err)
			}
			v, err := NewVerifier(s.Public())
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(context.Background(), []byte("data"), sig); err != nil {
				t.Fatal(err)
			}
			if id, err := v.KeyID(); err != nil || id == "" {
				t.Errorf("key id %q: %v", id, err)
			}
		})
	}
	legacy := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1}})
	if _, err := ParsePrivateKeyPEM(legacy, nil); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("legacy encrypted PEM: %v", err)
	}
	if _, err := ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: []byte{1}}), nil); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("unknown PEM type: %v", err)
	}
	if _, err := ParsePrivateKeyPEM(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2, 3}}), nil); !errors.Is(err, ErrKey) {
		t.Errorf("garbage PKCS#8: %v", err)
	}
	if err := CheckPublicKey("not a key"); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("CheckPublicKey(string): %v", err)
	}
}

func FuzzParsePrivateKeyPEM(f *testing.F) {
	der := mustKey(x509.MarshalPKCS8PrivateKey(mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	f.Add(pem.EncodeToMemory(&pem.Block{Type: EncryptedPEMType, Bytes: []byte(`{"kdf":{"name":"scrypt","params":{"N":2,"r":1,"p":1},"salt":"AA=="},"cipher":{"name":"nacl/secretbox","nonce":"AA=="},"ciphertext":"AA=="}`)}))
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nAA==\n-----END EC PRIVATE KEY-----\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := ParsePrivateKeyPEM(b, StaticPassword([]byte("pw")))
		if err != nil && !errors.Is(err, ErrKey) {
			t.Fatalf("error does not wrap ErrKey: %v", err)
		}
		if err == nil && k == nil {
			t.Fatal("nil key without error")
		}
	})
}
