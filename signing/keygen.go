package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Algorithm names a key type [Generate] can make.
type Algorithm string

// Algorithms for [Generate].
const (
	ECDSAP256 Algorithm = "ecdsa-p256" // the default, as in cosign
	ECDSAP384 Algorithm = "ecdsa-p384"
	Ed25519   Algorithm = "ed25519"
	RSA3072   Algorithm = "rsa-3072"
	RSA4096   Algorithm = "rsa-4096"
)

// Algorithms lists the names [Generate] accepts.
var Algorithms = []Algorithm{ECDSAP256, ECDSAP384, Ed25519, RSA3072, RSA4096}

// KeygenOptions says what [Generate] makes and where.
type KeygenOptions struct {
	// PrivatePath and PublicPath are the files to write (cosign uses cosign.key and cosign.pub).
	PrivatePath, PublicPath string
	// Algorithm defaults to [ECDSAP256].
	Algorithm Algorithm
	// Password is asked with confirm=true; nil means [DefaultPassword] from the process
	// environment (no prompt).
	Password PasswordFunc
	// Force overwrites existing files. Without it, an existing file is an error wrapping
	// [ErrKeyExists] and nothing is written.
	Force bool
}

// Generate makes a key pair and writes the private key encrypted in cosign's format
// ([EncryptedPEMType], mode 0600) and the public key as PEM (mode 0644). On error, neither file
// is left half-written or created.
func Generate(opts KeygenOptions) (crypto.PublicKey, error) {
	if opts.PrivatePath == "" || opts.PublicPath == "" {
		return nil, fmt.Errorf("%w: both a private and a public key path are needed", ErrKey)
	}
	if filepath.Clean(opts.PrivatePath) == filepath.Clean(opts.PublicPath) {
		return nil, fmt.Errorf("%w: the private and public key paths are the same", ErrKey)
	}
	if !opts.Force {
		for _, p := range []string{opts.PrivatePath, opts.PublicPath} {
			if _, err := os.Lstat(p); err == nil {
				return nil, fmt.Errorf("%w: %s: choose another name, or overwrite it on purpose (--force)", ErrKeyExists, p)
			}
		}
	}
	priv, err := newKey(opts.Algorithm)
	if err != nil {
		return nil, err
	}
	pw := opts.Password
	if pw == nil {
		pw = DefaultPassword(nil, nil, nil)
	}
	password, err := pw(true)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	sealed, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, fmt.Errorf("%w: encrypting the key: %w", ErrKey, err)
	}
	pub := priv.(crypto.Signer).Public()
	pubPEM, err := cryptoutils.MarshalPublicKeyToPEM(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	privPEM := pem.EncodeToMemory(&pem.Block{Type: EncryptedPEMType, Bytes: sealed})
	if err := writeKeyFile(opts.PrivatePath, privPEM, 0o600, opts.Force); err != nil {
		return nil, err
	}
	if err := writeKeyFile(opts.PublicPath, pubPEM, 0o644, opts.Force); err != nil {
		os.Remove(opts.PrivatePath)
		return nil, err
	}
	return pub, nil
}

func newKey(a Algorithm) (crypto.PrivateKey, error) {
	var (
		k   crypto.PrivateKey
		err error
	)
	switch a {
	case ECDSAP256, "":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Ed25519:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	case RSA3072:
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		k, err = rsa.GenerateKey(rand.Reader, 4096)
	default:
		return nil, fmt.Errorf("%w: algorithm %q: use one of %v", ErrUnsupportedKey, a, Algorithms)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: generating the key: %w", ErrKey, err)
	}
	return k, nil
}

// writeKeyFile writes b to path atomically and durably (see [fileio.WriteFile]), so the file
// is complete or absent. Without force, an existing file is never replaced
// ([fileio.CreateFile]: its final step fails if the name was taken meanwhile).
func writeKeyFile(path string, b []byte, mode fs.FileMode, force bool) error {
	write := fileio.CreateFile
	if force {
		write = fileio.WriteFile
	}
	err := write(path, b, mode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%w: %s", ErrKeyExists, path)
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKey, err)
	}
	return nil
}
