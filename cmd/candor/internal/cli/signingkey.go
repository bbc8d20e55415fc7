package cli

import (
	"fmt"
	"os"
	"regexp"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/signing"
	"github.com/spf13/cobra"
)

// allowPluginFlag is the loudly named opt-in for sigstore's KMS plugin programs.
const allowPluginFlag = "allow-kms-plugin-unsafe"

// passwordEnvFlag names, per --key, the variable holding its password.
const passwordEnvFlag = "key-password-env"

// signingKeysHelp explains, for a command's help, the keys it signs with and their
// passwords.
const signingKeysHelp = `Keys: a PEM private key file (PKCS#8 ECDSA P-256/P-384, Ed25519, RSA 2048+),
a key from 'candor keygen' or 'cosign generate-key-pair' (the password comes
from CANDOR_PASSWORD, else COSIGN_PASSWORD, else a prompt on a terminal), or a
KMS key: awskms://, gcpkms://, azurekms://, hashivault://. Other schemes would
run a sigstore-kms-<scheme> program from PATH; candor refuses them unless
--allow-kms-plugin-unsafe is given on the command line (never from a config
file or the environment).

Several keys with passwords of their own, without a terminal: give one
--key-password-env VAR per --key, in the same order; the Nth names the
environment variable that holds the Nth key's password ('-' for a key that
needs none, or reads CANDOR_PASSWORD, COSIGN_PASSWORD or the prompt). A named
variable that is not set is an error (nothing falls back to CANDOR_PASSWORD),
and candor never prints a password: messages name the variable only.`

// SigningKeyOptions name the keys a command signs with.
type SigningKeyOptions struct {
	// Keys are key files or KMS URIs; each adds a signature.
	Keys []string
	// PasswordEnvs name, in the order of Keys, the environment variable holding each key's
	// password; "-" means the usual sources (CANDOR_PASSWORD, COSIGN_PASSWORD, a prompt).
	PasswordEnvs []string
	// AllowKMSPluginsUnsafe lets other key URI schemes run sigstore-kms-<scheme> from PATH.
	AllowKMSPluginsUnsafe bool
}

// AddFlags registers --key, --key-password-env and --allow-kms-plugin-unsafe.
func (o *SigningKeyOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.Keys, "key", nil,
		"sign with `KEY`: a private key file or a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://); repeat for several signatures")
	cmd.Flags().StringArrayVar(&o.PasswordEnvs, passwordEnvFlag, nil,
		"read the password of the Nth --key from the environment variable `VAR` given Nth ('-': the usual CANDOR_PASSWORD, COSIGN_PASSWORD or prompt); one per --key")
	cmd.Flags().BoolVar(&o.AllowKMSPluginsUnsafe, allowPluginFlag, false,
		"let a key URI with another scheme run the program sigstore-kms-<scheme> from PATH (command line only)")
}

// keyOptions checks the opt-in came from the command line and returns the loader options.
// A config file in the current directory is read automatically, so it must never be able
// to make candor run a program.
func (o *SigningKeyOptions) keyOptions(cmd *cobra.Command) (signing.Options, error) {
	if o.AllowKMSPluginsUnsafe && !cmd.Flags().Changed(allowPluginFlag) {
		return signing.Options{}, fmt.Errorf("--%s is honoured only on the command line, not from a config file or the environment", allowPluginFlag)
	}
	passwords, err := o.passwords()
	if err != nil {
		return signing.Options{}, err
	}
	stdin, _ := cmd.InOrStdin().(*os.File)
	return signing.Options{Stdin: stdin, Prompt: cmd.ErrOrStderr(), AllowKMSPluginsUnsafe: o.AllowKMSPluginsUnsafe, Passwords: passwords}, nil
}

// envNameRE is what an environment variable's name may be.
var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// passwords pairs each --key with the variable --key-password-env names for it.
func (o *SigningKeyOptions) passwords() (map[string]signing.PasswordFunc, error) {
	if len(o.PasswordEnvs) == 0 {
		return nil, nil
	}
	if len(o.PasswordEnvs) != len(o.Keys) {
		return nil, fmt.Errorf("%d --key and %d --%s: give one --%s per --key, in the same order ('-' for a key whose password comes from %s, %s or the prompt)",
			len(o.Keys), len(o.PasswordEnvs), passwordEnvFlag, passwordEnvFlag, signing.EnvPassword, signing.EnvCosignPassword)
	}
	out := map[string]signing.PasswordFunc{}
	for i, name := range o.PasswordEnvs {
		if name == "-" {
			continue
		}
		if !envNameRE.MatchString(name) {
			// Not echoed: it may be the password itself, given by mistake.
			return nil, fmt.Errorf("--%s number %d is not the name of an environment variable (letters, digits and _): give the variable's name, never the password", passwordEnvFlag, i+1)
		}
		ref := o.Keys[i]
		if _, dup := out[ref]; dup {
			return nil, fmt.Errorf("--key %s is given twice", termsafe.String(ref))
		}
		out[ref] = envPassword(name, ref)
	}
	return out, nil
}

// envPassword reads a key's password from the variable name, and only from it.
func envPassword(name, ref string) signing.PasswordFunc {
	return func(bool) ([]byte, error) {
		pw, ok := os.LookupEnv(name)
		if !ok {
			return nil, fmt.Errorf("%w: %s is not set; it holds the password of %s (--%s)", signing.ErrPassword, name, termsafe.String(ref), passwordEnvFlag)
		}
		return []byte(pw), nil
	}
}
