package cli

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/signing"
	"github.com/spf13/cobra"
)

const keyLong = `Work with signing keys. 'candor keygen' makes a key pair.`

const keyFingerprintLong = `Print the fingerprint of each KEY, so a buyer can check a vendor's key
against what the vendor published, and read the key candor names in a
signature failure.

A KEY is a PEM public key file (candor.pub), a private key file (candor.key,
cosign.key or a PKCS#8 PEM key; an encrypted one needs its password, from
CANDOR_PASSWORD, else COSIGN_PASSWORD, else a prompt on a terminal), or a KMS
URI (awskms://, gcpkms://, azurekms://, hashivault://).

Each key gets two names:
  fingerprint  the hex SHA-256 of the public key in DER (PKIX
               SubjectPublicKeyInfo): what
               openssl pkey -pubin -in KEY.pub -outform DER | sha256sum
               prints for the public key file
  key id       SHA256: and the unpadded base64 of the SHA-256 of the key's SSH
               form (as ssh-keygen -l prints it): what candor, cosign and
               go-securesystemslib write in the keyid of a DSSE signature

Text output is one line per key: FINGERPRINT  KEY  (key id KEYID). JSON is a
list of {"key", "kind" (public, private or kms), "algorithm", "fingerprint",
"keyId"}. A private key is never printed, nor its password.

Exit codes: 0 every key printed; 2 a key that cannot be read (nothing printed).`

const keyFingerprintExample = `  # The fingerprint of the key a vendor gave you, to compare with theirs
  candor key fingerprint vendor.pub

  # Both halves of a pair name the same key
  CANDOR_PASSWORD="$PW" candor key fingerprint candor.key candor.pub

  # For programs
  candor key fingerprint --format json vendor.pub`

// KeyFingerprintOptions are the flags of candor key fingerprint.
type KeyFingerprintOptions struct {
	// Format is text or json.
	Format string
}

// AddFlags registers the key fingerprint flags.
func (o *KeyFingerprintOptions) AddFlags(cmd *cobra.Command) {
	addEnumFlag(cmd, &o.Format, "format", "text", "output format: text for people, json for programs", "text", "json")
}

func newKeyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key COMMAND",
		Short: "Work with signing keys: print a key's fingerprint",
		Long:  keyLong,
		Args:  usageArgs(cobra.NoArgs),
	}
	cmd.AddCommand(newKeyFingerprintCommand())
	return cmd
}

func newKeyFingerprintCommand() *cobra.Command {
	o := &KeyFingerprintOptions{}
	cmd := &cobra.Command{
		Use:     "fingerprint [flags] KEY...",
		Short:   "Print the fingerprint and key id of public or private keys",
		Long:    keyFingerprintLong,
		Example: keyFingerprintExample,
		Args:    needPaths("KEY (a public or private key file, or a KMS URI)"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return runKeyFingerprint(cmd, o, args)
		}),
	}
	o.AddFlags(cmd)
	return cmd
}

// keyFingerprint is one key's line of output.
type keyFingerprint struct {
	Key         string `json:"key"`
	Kind        string `json:"kind"`
	Algorithm   string `json:"algorithm"`
	Fingerprint string `json:"fingerprint"`
	KeyID       string `json:"keyId"`
}

func runKeyFingerprint(cmd *cobra.Command, o *KeyFingerprintOptions, refs []string) error {
	stdin, _ := cmd.InOrStdin().(*os.File)
	opts := signing.Options{Stdin: stdin, Prompt: cmd.ErrOrStderr()}
	out := make([]keyFingerprint, 0, len(refs))
	for _, ref := range refs {
		kind, pub, err := loadAnyKey(cmd, ref, opts)
		if err != nil {
			return err
		}
		fp, err := signing.Fingerprint(pub)
		if err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
		id, err := signing.KeyID(pub)
		if err != nil {
			return fmt.Errorf("%w: %s: %w", signing.ErrKey, ref, err)
		}
		out = append(out, keyFingerprint{Key: ref, Kind: kind, Algorithm: algorithmOf(pub), Fingerprint: fp, KeyID: id})
	}
	var buf bytes.Buffer
	if o.Format == "json" {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else {
		for _, k := range out {
			fmt.Fprintf(&buf, "%s  %s  (key id %s)\n", k.Fingerprint, termsafe.String(k.Key), k.KeyID)
		}
	}
	_, err := io.Copy(cmd.OutOrStdout(), &buf)
	return err
}

// loadAnyKey loads the public key of a public key file, a private key file or a KMS key.
func loadAnyKey(cmd *cobra.Command, ref string, opts signing.Options) (kind string, pub crypto.PublicKey, err error) {
	if strings.Contains(ref, "://") {
		s, err := signing.LoadSigner(cmd.Context(), ref, opts)
		if err != nil {
			return "", nil, err
		}
		return "kms", s.Public(), nil
	}
	pub, perr := signing.LoadPublicKey(ref)
	if perr == nil {
		return "public", pub, nil
	}
	if !privateKeyFile(ref) {
		return "", nil, fmt.Errorf("%w (give a PEM public or private key file, or a KMS URI)", perr)
	}
	s, err := signing.LoadSigner(cmd.Context(), ref, opts)
	if err != nil {
		return "", nil, err
	}
	return "private", s.Public(), nil
}

// maxKeyFile bounds how much of a key file is read to tell a private key from a public one.
const maxKeyFile = 1 << 20

// privateKeyFile reports whether the file looks like a PEM private key: a "... PRIVATE KEY"
// block, encrypted (cosign's, candor's) or not.
func privateKeyFile(path string) bool {
	b, err := fileio.ReadFile(path, maxKeyFile)
	return err == nil && bytes.Contains(b, []byte("PRIVATE KEY-----"))
}

// algorithmOf names a public key's algorithm as keygen's --algorithm does.
func algorithmOf(pub crypto.PublicKey) string {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		return "ecdsa-" + strings.ToLower(strings.ReplaceAll(k.Curve.Params().Name, "-", ""))
	case ed25519.PublicKey:
		return "ed25519"
	case *rsa.PublicKey:
		return fmt.Sprintf("rsa-%d", k.N.BitLen())
	}
	return fmt.Sprintf("%T", pub)
}
