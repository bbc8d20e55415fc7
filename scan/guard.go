package scan

import (
	"fmt"
	"runtime/debug"
)

// guard runs fn with faults on mapped memory turned into panics, as analyse does on its
// own goroutine, and returns a panic as an error. Every goroutine that reads the mapped
// file runs under one: a file truncated while it is mapped, or a parser bug on hostile
// input, must end in an error for that file, never in a crash of the process.
func guard(what string, fn func()) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %s failed on malformed input: %v", ErrMalformed, what, r)
		}
	}()
	fn()
	return nil
}
