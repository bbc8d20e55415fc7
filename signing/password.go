package signing

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// PasswordFunc returns the password of an encrypted key. confirm asks for it twice (when a
// new key is generated).
type PasswordFunc func(confirm bool) ([]byte, error)

// Environment variables read for a key password, in order.
const (
	EnvPassword       = "CANDOR_PASSWORD"
	EnvCosignPassword = "COSIGN_PASSWORD"
)

// StaticPassword returns a PasswordFunc that always returns pw.
func StaticPassword(pw []byte) PasswordFunc {
	return func(bool) ([]byte, error) { return bytes.Clone(pw), nil }
}

// DefaultPassword returns the password from CANDOR_PASSWORD, else COSIGN_PASSWORD (a variable
// set to the empty string gives the empty password), else by prompting on prompt when stdin
// is a terminal. Otherwise it fails with [ErrPassword]. lookupEnv nil means [os.LookupEnv];
// stdin nil means no terminal.
func DefaultPassword(lookupEnv func(string) (string, bool), stdin *os.File, prompt io.Writer) PasswordFunc {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	return func(confirm bool) ([]byte, error) {
		for _, name := range []string{EnvPassword, EnvCosignPassword} {
			if pw, ok := lookupEnv(name); ok {
				return []byte(pw), nil
			}
		}
		if stdin == nil || !term.IsTerminal(int(stdin.Fd())) {
			return nil, fmt.Errorf("%w: none given: the key is encrypted; set %s (or %s), or run on a terminal to be asked", ErrPassword, EnvPassword, EnvCosignPassword)
		}
		if prompt == nil {
			prompt = io.Discard
		}
		read := func(msg string) ([]byte, error) {
			fmt.Fprint(prompt, msg)
			pw, err := term.ReadPassword(int(stdin.Fd()))
			fmt.Fprintln(prompt)
			if err != nil {
				return nil, fmt.Errorf("%w: reading password: %w", ErrPassword, err)
			}
			return pw, nil
		}
		pw, err := read("Enter password for private key: ")
		if err != nil || !confirm {
			return pw, err
		}
		again, err := read("Enter password for private key again: ")
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(pw, again) {
			return nil, fmt.Errorf("%w: passwords do not match", ErrPassword)
		}
		return pw, nil
	}
}
