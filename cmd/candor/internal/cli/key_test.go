package cli_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/cmd/candor/internal/cli"
	"github.com/candor-dev/candor/signing"
)

// TestKeyFingerprint: the fingerprint of a private key file and of its public key file
// is the hex SHA-256 of the DER public key (what openssl pkey -outform DER | sha256sum
// prints), and the key id is signing.KeyID's, for each key type.
func TestKeyFingerprint(t *testing.T) {
	t.Parallel()
	ec, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, k := range []struct {
		name, alg string
		priv      any
		pub       any
	}{
		{"ec", "ecdsa-p384", ec, &ec.PublicKey},
		{"ed", "ed25519", ed, ed.Public()},
	} {
		privDER, err := x509.MarshalPKCS8PrivateKey(k.priv)
		if err != nil {
			t.Fatal(err)
		}
		pubDER, err := x509.MarshalPKIXPublicKey(k.pub)
		if err != nil {
			t.Fatal(err)
		}
		privPath, pubPath := filepath.Join(dir, k.name+".key"), filepath.Join(dir, k.name+".pub")
		if err := os.WriteFile(privPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: privDER}), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := candor("key", "fingerprint", "--config", "", "--format", "json", privPath, pubPath)
		if code != cli.ExitOK || stderr != "" {
			t.Fatalf("%s: exit %d, stderr %q", k.name, code, stderr)
		}
		var got []struct{ Key, Kind, Algorithm, Fingerprint, KeyID string }
		if err := json.Unmarshal([]byte(stdout), &got); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(pubDER)
		id, err := signing.KeyID(k.pub)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Kind != "private" || got[1].Kind != "public" {
			t.Fatalf("%s: %+v", k.name, got)
		}
		for _, g := range got {
			if g.Fingerprint != hex.EncodeToString(sum[:]) || g.KeyID != id || g.Algorithm != k.alg {
				t.Errorf("%s: %+v, want fingerprint %x, key id %s, algorithm %s", k.name, g, sum, id, k.alg)
			}
		}
	}
}
