package keys

import (
	"errors"
	"fmt"
)

// ErrKey is wrapped by every error of this package: the key cannot be loaded, generated or used.
var ErrKey = errors.New("key error")

// Narrower errors, each wrapping [ErrKey].
var (
	// ErrUnsupportedKey: a key type, curve or size candor does not accept.
	ErrUnsupportedKey = fmt.Errorf("%w: unsupported key", ErrKey)
	// ErrPassword: the password of an encrypted key is wrong or cannot be obtained.
	ErrPassword = fmt.Errorf("%w: password", ErrKey)
	// ErrKeyScheme: a key reference names a scheme candor does not accept.
	ErrKeyScheme = fmt.Errorf("%w: unsupported key reference", ErrKey)
	// ErrKeyExists: key generation would overwrite an existing file.
	ErrKeyExists = fmt.Errorf("%w: file exists", ErrKey)
)
