package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"

	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// writePKCS8 writes priv as an unencrypted PKCS#8 PEM file and returns its path.
func writePKCS8(t *testing.T, priv crypto.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mustKey[K any](k K, err error) K {
	if err != nil {
		panic(err)
	}
	return k
}

func noEnv(string) (string, bool) { return "", false }

// TestRoundTrip signs with every accepted key type and verifies the DSSE envelope with
// go-securesystemslib's verifier.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	_, edPriv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		key  crypto.PrivateKey
	}{
		{"ecdsa-p256", mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))},
		{"ecdsa-p384", mustKey(ecdsa.GenerateKey(elliptic.P384(), rand.Reader))},
		{"ed25519", edPriv},
		{"rsa-2048", mustKey(rsa.GenerateKey(rand.Reader, 2048))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s, err := LoadSigner(ctx, writePKCS8(t, tt.key), Options{LookupEnv: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			es, err := ssldsse.NewEnvelopeSigner(s)
			if err != nil {
				t.Fatal(err)
			}
			env, err := es.SignPayload(ctx, "application/vnd.in-toto+json", []byte(`{"a":1}`))
			if err != nil {
				t.Fatal(err)
			}
			if want := mustKey(KeyID(s.Public())); env.Signatures[0].KeyID != want {
				t.Errorf("keyid %q, want %q", env.Signatures[0].KeyID, want)
			}
			v, err := NewVerifier(s.Public())
			if err != nil {
				t.Fatal(err)
			}
			ev, err := ssldsse.NewEnvelopeVerifier(v)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ev.Verify(ctx, env); err != nil {
				t.Fatalf("verify: %v", err)
			}
			env.Payload = "e30=" // {}
			if _, err := ev.Verify(ctx, env); err == nil {
				t.Fatal("a changed payload verified")
			}
		})
	}
}

func TestEncryptedKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
	if _, err := Generate(KeygenOptions{PrivatePath: priv, PublicPath: pub, Password: StaticPassword([]byte("s3cret"))}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(priv); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key mode: %v %v", fi, err)
	}
	ctx := context.Background()
	s, err := LoadSigner(ctx, priv, Options{Password: StaticPassword([]byte("s3cret"))})
	if err != nil {
		t.Fatal(err)
	}
	p, err := LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Public().(*ecdsa.PublicKey).Equal(p) {
		t.Error("public key file does not match the private key")
	}

	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	for _, tt := range []struct {
		name string
		opts Options
		want error
	}{
		{"wrong password", Options{Password: StaticPassword([]byte("nope"))}, ErrPassword},
		{"no password source", Options{LookupEnv: noEnv}, ErrPassword},
		{"CANDOR_PASSWORD", Options{LookupEnv: env(map[string]string{EnvPassword: "s3cret", EnvCosignPassword: "x"})}, nil},
		{"COSIGN_PASSWORD", Options{LookupEnv: env(map[string]string{EnvCosignPassword: "s3cret"})}, nil},
		{"CANDOR_PASSWORD wins", Options{LookupEnv: env(map[string]string{EnvPassword: "x", EnvCosignPassword: "s3cret"})}, ErrPassword},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSigner(ctx, priv, tt.opts)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if err != nil && !errors.Is(err, ErrKey) {
				t.Fatalf("%v does not wrap ErrKey", err)
			}
		})
	}
}

func TestRejectedKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	pubPath := filepath.Join(dir, "pub.pem")
	k := mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	der := mustKey(x509.MarshalPKIXPublicKey(k.Public()))
	if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk")
	if err := os.WriteFile(junk, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		ref  func() string
		want error
	}{
		{"P-521", func() string { return writePKCS8(t, mustKey(ecdsa.GenerateKey(elliptic.P521(), rand.Reader))) }, ErrUnsupportedKey},
		{"P-224", func() string { return writePKCS8(t, mustKey(ecdsa.GenerateKey(elliptic.P224(), rand.Reader))) }, ErrUnsupportedKey},
		{"RSA-1024", func() string { return writePKCS8(t, mustKey(rsa.GenerateKey(rand.Reader, 1024))) }, ErrUnsupportedKey},
		{"public key as private", func() string { return pubPath }, ErrKey},
		{"not PEM", func() string { return junk }, ErrKey},
		{"missing file", func() string { return filepath.Join(dir, "absent") }, ErrKey},
		{"unknown scheme", func() string { return "foo://key" }, ErrKeyScheme},
		{"scheme case", func() string { return "AWSKMS://alias/x" }, ErrKeyScheme},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadSigner(ctx, tt.ref(), Options{LookupEnv: noEnv})
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrKey) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// TestPluginOptIn checks that the plugin fallback is reached only when allowed: with an
// empty PATH it then fails for want of the program, not for the scheme.
func TestPluginOptIn(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := LoadSigner(context.Background(), "foo://key", Options{AllowKMSPluginsUnsafe: true})
	if err == nil || errors.Is(err, ErrKeyScheme) || !errors.Is(err, ErrKey) {
		t.Fatalf("got %v, want a plugin-not-found ErrKey", err)
	}
}

func TestGenerateNoOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	priv, pub := filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
	if err := os.WriteFile(pub, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	pw := StaticPassword([]byte("pw"))
	_, err := Generate(KeygenOptions{PrivatePath: priv, PublicPath: pub, Password: pw})
	if !errors.Is(err, ErrKeyExists) {
		t.Fatalf("got %v, want ErrKeyExists", err)
	}
	if _, err := os.Stat(priv); !os.IsNotExist(err) {
		t.Error("private key written although the public key exists")
	}
	if b := mustKey(os.ReadFile(pub)); string(b) != "keep me" {
		t.Error("existing file changed")
	}
	if _, err := Generate(KeygenOptions{PrivatePath: priv, PublicPath: pub, Password: pw, Force: true}); err != nil {
		t.Fatalf("with Force: %v", err)
	}
	if _, err := LoadPublicKey(pub); err != nil {
		t.Fatal(err)
	}
	entries := mustKey(os.ReadDir(dir))
	if len(entries) != 2 {
		t.Errorf("left %d files, want 2", len(entries))
	}
	for _, a := range Algorithms {
		if a == RSA4096 {
			continue // slow, and the same code as RSA3072
		}
		d := t.TempDir()
		if _, err := Generate(KeygenOptions{PrivatePath: filepath.Join(d, "k"), PublicPath: filepath.Join(d, "p"), Algorithm: a, Password: pw}); err != nil {
			t.Errorf("%s: %v", a, err)
		}
		if _, err := LoadSigner(context.Background(), filepath.Join(d, "k"), Options{Password: pw}); err != nil {
			t.Errorf("%s: %v", a, err)
		}
	}
	if _, err := Generate(KeygenOptions{PrivatePath: priv + "2", PublicPath: pub + "2", Algorithm: "dsa"}); !errors.Is(err, ErrUnsupportedKey) {
		t.Errorf("unknown algorithm: %v", err)
	}
}
