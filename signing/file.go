package signing

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
)

// PEM block types of private keys.
const (
	// EncryptedPEMType is cosign's encrypted private key: PKCS#8 DER sealed with
	// go-securesystemslib's encrypted package (scrypt and NaCl secretbox).
	EncryptedPEMType = "ENCRYPTED SIGSTORE PRIVATE KEY"
	// legacyEncryptedPEMType is what cosign wrote before it became EncryptedPEMType.
	legacyEncryptedPEMType = "ENCRYPTED COSIGN PRIVATE KEY"
)

// maxKeyFile bounds a key file: real ones are a few kilobytes.
const maxKeyFile = 64 << 10

// readKeyFile reads a key file: a regular file of at most maxKeyFile bytes (a FIFO or a
// device is refused without being read). Errors wrap [ErrKey].
func readKeyFile(path string) ([]byte, error) {
	b, err := fileio.ReadFile(path, maxKeyFile)
	if errors.Is(err, fileio.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %w: not a key file", ErrKey, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return b, nil
}

func loadFile(ctx context.Context, path string, opts Options) (*Signer, error) {
	b, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	priv, err := ParsePrivateKeyPEM(b, opts.password(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: %w: key type %T", path, ErrUnsupportedKey, priv)
	}
	if err := CheckPublicKey(signer.Public()); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sv, err := signature.LoadSignerVerifier(priv, hashFor(signer.Public()))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrUnsupportedKey, path, err)
	}
	return NewSigner(ctx, sv, path)
}

// ParsePrivateKeyPEM parses the first PEM block of b as a private key: PKCS#8 ("PRIVATE
// KEY"), SEC 1 ("EC PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY"), cosign's encrypted format
// ([EncryptedPEMType]) or an encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY"). pw is called only
// for an encrypted key. It does not apply [CheckPublicKey].
func ParsePrivateKeyPEM(b []byte, pw PasswordFunc) (crypto.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("%w: not a PEM file (expected a private key)", ErrKey)
	}
	var (
		key crypto.PrivateKey
		err error
	)
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		if _, legacy := block.Headers["DEK-Info"]; legacy {
			return nil, fmt.Errorf("%w: legacy encrypted PEM is not supported: convert the key to PKCS#8", ErrUnsupportedKey)
		}
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case EncryptedPEMType, legacyEncryptedPEMType:
		password, perr := pw(false)
		if perr != nil {
			return nil, perr
		}
		der, derr := encrypted.Decrypt(block.Bytes, password)
		if derr != nil {
			return nil, fmt.Errorf("%w: wrong, the key does not decrypt with it (%w)", ErrPassword, derr)
		}
		key, err = x509.ParsePKCS8PrivateKey(der)
	case "ENCRYPTED PRIVATE KEY":
		password, perr := pw(false)
		if perr != nil {
			return nil, perr
		}
		key, err = cryptoutils.UnmarshalPEMToPrivateKey(pem.EncodeToMemory(block), cryptoutils.StaticPasswordFunc(password))
		if err != nil {
			return nil, fmt.Errorf("%w: wrong, the key does not decrypt with it (%w)", ErrPassword, err)
		}
	case "PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Errorf("%w: this is a %s, not a private key", ErrKey, block.Type)
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a private key candor reads", ErrUnsupportedKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: parsing %s: %w", unsupportedOr(err), block.Type, err)
	}
	return key, nil
}

// unsupportedOr classifies a parse error: x509 names unknown algorithms and curves.
func unsupportedOr(err error) error {
	msg := strings.ToLower(err.Error())
	for _, s := range []string{"unknown", "unsupported", "curve"} {
		if strings.Contains(msg, s) {
			return ErrUnsupportedKey
		}
	}
	return ErrKey
}

// LoadPublicKey reads a PEM public key ("PUBLIC KEY", PKIX, or "RSA PUBLIC KEY", PKCS#1)
// and applies [CheckPublicKey]. A certificate is refused with [ErrUnsupportedKey]: candor
// does not validate certificate chains, so trusting a certificate's key would look like more
// than it is.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	b, err := readKeyFile(path)
	if err != nil {
		return nil, err
	}
	if block, _ := pem.Decode(b); block != nil && strings.Contains(block.Type, "CERTIFICATE") {
		return nil, fmt.Errorf("%w: %s: a certificate is not a trusted key: candor does not validate certificate chains; give the public key, e.g. `openssl x509 -pubkey -noout -in cert.pem > vendor.pub`", ErrUnsupportedKey, path)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKey, path, err)
	}
	if err := CheckPublicKey(pub); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return pub, nil
}

// NewVerifier returns a DSSE verifier for a public key, hashing as the signer does (see the
// package documentation). Its key id is [KeyID] of the key.
func NewVerifier(pub crypto.PublicKey) (*Verifier, error) {
	if err := CheckPublicKey(pub); err != nil {
		return nil, err
	}
	v, err := signature.LoadVerifier(pub, hashFor(pub))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnsupportedKey, err)
	}
	id, err := KeyID(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return &Verifier{v: v, pub: pub, keyID: id}, nil
}
