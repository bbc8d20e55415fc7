package inspect

import (
	"errors"
	"fmt"
)

// Errors of [Run] and [New]. [ErrInput] is a usage or input error: inspect gave no answer.
var (
	// ErrInput: an argument is missing, unreadable or over a limit.
	ErrInput = errors.New("inspect input")
	// ErrOptions: the inspector was given bad options (a nil or weak key).
	ErrOptions = errors.New("inspect options")
	// ErrLimit: a limit of [Limits] was reached. It wraps [ErrInput].
	ErrLimit = fmt.Errorf("%w: over a limit", ErrInput)
)
