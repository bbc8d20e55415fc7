package keys

import "errors"

// ErrKey is wrapped by every error of this package: the key cannot be loaded, generated or used.
var ErrKey = errors.New("cannot use key")

// Narrower errors, each wrapping [ErrKey].
var (
	// ErrUnsupportedKey: a key type, curve or size candor does not accept.
	ErrUnsupportedKey error = &keyError{"unsupported key"}
	// ErrPassword: the password of an encrypted key is wrong or cannot be obtained.
	ErrPassword error = &keyError{"key password"}
	// ErrKeyScheme: a key reference names a scheme candor does not accept.
	ErrKeyScheme error = &keyError{"unsupported key reference"}
	// ErrKeyExists: key generation would overwrite an existing file.
	ErrKeyExists error = &keyError{"key file already exists"}
)

// keyError is a sentinel that wraps ErrKey without repeating its text in messages.
type keyError struct{ msg string }

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error { return ErrKey }
