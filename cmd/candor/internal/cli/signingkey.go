package cli

import (
	"fmt"
	"os"

	"github.com/candor-dev/candor/signing"
	"github.com/spf13/cobra"
)

// allowPluginFlag is the loudly named opt-in for sigstore's KMS plugin programs.
const allowPluginFlag = "allow-kms-plugin-unsafe"

// SigningKeyOptions name the keys a command signs with.
type SigningKeyOptions struct {
	// Keys are key files or KMS URIs; each adds a signature.
	Keys []string
	// AllowKMSPluginsUnsafe lets other key URI schemes run sigstore-kms-<scheme> from PATH.
	AllowKMSPluginsUnsafe bool
}

// AddFlags registers --key and --allow-kms-plugin-unsafe.
func (o *SigningKeyOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringArrayVar(&o.Keys, "key", nil,
		"sign with `KEY`: a private key file or a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://); repeat for several signatures")
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
	stdin, _ := cmd.InOrStdin().(*os.File)
	return signing.Options{Stdin: stdin, Prompt: cmd.ErrOrStderr(), AllowKMSPluginsUnsafe: o.AllowKMSPluginsUnsafe}, nil
}
