package signing

import "errors"

// ErrKey is wrapped by every error of this package: the key cannot be loaded, generated or used.
var ErrKey = errors.New("cannot use key")

// Narrower errors, each wrapping [ErrKey].
var (
	// ErrUnsupportedKey: a key type, curve or size candor does not accept.
	ErrUnsupportedKey error = &keyError{msg: "unsupported key"}
	// ErrWeakKey: a public key of a supported type that does not bind signatures to a
	// private key (a small-order or non-canonical Ed25519 point, an EC point off the curve,
	// an RSA key with a tiny or even exponent). It wraps [ErrUnsupportedKey].
	ErrWeakKey error = &keyError{msg: "weak key", parent: ErrUnsupportedKey}
	// ErrPassword: the password of an encrypted key is wrong or cannot be obtained.
	ErrPassword error = &keyError{msg: "key password"}
	// ErrKeyScheme: a key reference names a scheme candor does not accept.
	ErrKeyScheme error = &keyError{msg: "unsupported key reference"}
	// ErrKeyExists: key generation would overwrite an existing file.
	ErrKeyExists error = &keyError{msg: "key file already exists"}
)

// keyError is a sentinel that wraps its parent (ErrKey when nil) without repeating its
// text in messages.
type keyError struct {
	msg    string
	parent error
}

func (e *keyError) Error() string { return e.msg }
func (e *keyError) Unwrap() error {
	if e.parent != nil {
		return e.parent
	}
	return ErrKey
}
