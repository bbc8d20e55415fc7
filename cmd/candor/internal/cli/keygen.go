package cli

import (
	"fmt"
	"os"
	"strings"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/signing"
	"github.com/spf13/cobra"
)

const keygenLong = `Generate a signing key pair for 'candor attest': PREFIX.key, the private key
encrypted with a password in cosign's format (so cosign can use it too), and
PREFIX.pub, the PEM public key to give to buyers.

The password comes from CANDOR_PASSWORD, else COSIGN_PASSWORD (set but empty
means an empty password), else it is asked twice on the terminal. Without a
terminal and without either variable, keygen fails.

Existing files are never overwritten unless --force is given.`

const keygenExample = `  # candor.key and candor.pub, asking for the password
  candor keygen

  # In a pipeline, an Ed25519 key named release.*
  CANDOR_PASSWORD="$RELEASE_KEY_PASSWORD" candor keygen --prefix release --algorithm ed25519`

// KeygenOptions are the flags of candor keygen.
type KeygenOptions struct {
	// Prefix names the files PREFIX.key and PREFIX.pub.
	Prefix string
	// Algorithm is one of signing.Algorithms.
	Algorithm string
	// Force overwrites existing files.
	Force bool
}

// AddFlags registers the keygen flags.
func (o *KeygenOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Prefix, "prefix", "candor", "write `PREFIX`.key and PREFIX.pub")
	names := make([]string, len(signing.Algorithms))
	for i, a := range signing.Algorithms {
		names[i] = string(a)
	}
	addEnumFlag(cmd, &o.Algorithm, "algorithm", string(signing.ECDSAP256), "key type", names...)
	cmd.Flags().BoolVar(&o.Force, "force", false, "overwrite existing key files")
}

func newKeygenCommand() *cobra.Command {
	o := &KeygenOptions{}
	cmd := &cobra.Command{
		Use:     "keygen [flags]",
		Short:   "Generate a password-protected signing key pair (cosign-compatible)",
		Long:    keygenLong,
		Example: keygenExample,
		Args:    usageArgs(cobra.NoArgs),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(o.Prefix) == "" {
				return usageError(cmd, fmt.Errorf("--prefix must not be empty"))
			}
			stdin, _ := cmd.InOrStdin().(*os.File)
			priv, pub := o.Prefix+".key", o.Prefix+".pub"
			_, err := signing.Generate(signing.KeygenOptions{
				PrivatePath: priv,
				PublicPath:  pub,
				Algorithm:   signing.Algorithm(o.Algorithm),
				Password:    signing.DefaultPassword(nil, stdin, cmd.ErrOrStderr()),
				Force:       o.Force,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s (private, encrypted: keep it secret) and %s (public: give it to buyers)\n", termsafe.String(priv), termsafe.String(pub))
			return nil
		}),
	}
	o.AddFlags(cmd)
	return cmd
}
