package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/scan"
	"github.com/spf13/cobra"
)

// Exit codes. They are part of the command-line contract, documented in the root help.
const (
	// ExitOK: the command did what was asked. For scan, findings are not an error.
	ExitOK = 0
	// ExitNegative: the command ran and its verdict is negative (undisclosed
	// findings, a failed verification).
	ExitNegative = 1
	// ExitUsage: a usage or input error (bad flag or argument, missing, unreadable,
	// unsupported or malformed file, bad config), or any other failure that stopped
	// the command before it could give an answer.
	ExitUsage = 2
)

// ExitError is an error that carries the process exit code it should end with.
// A nil Err ends the process with Code and prints nothing: the command has already
// said what there was to say.
type ExitError struct {
	Code int
	Err  error
}

// Error returns the message of the wrapped error.
func (e *ExitError) Error() string {
	if e.Err == nil {
		return ""
	}
	return e.Err.Error()
}

// Unwrap returns the wrapped error, so errors.Is and errors.As see through an ExitError.
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode returns the process exit code.
func (e *ExitError) ExitCode() int { return e.Code }

// ExitCode returns the exit code err should end the process with: [ExitOK] for nil,
// the code of the first error in the chain with an ExitCode method, and [ExitUsage]
// for anything else.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return coded.ExitCode()
	}
	return ExitUsage
}

// classify gives every error a command returns its exit code. It keeps the error
// chain intact, so errors.Is still finds the library's sentinel errors.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var coded interface{ ExitCode() int }
	if errors.As(err, &coded) {
		return err
	}
	switch {
	case errors.Is(err, scan.ErrInput), errors.Is(err, scan.ErrUnsupported), errors.Is(err, scan.ErrMalformed):
		return &ExitError{Code: ExitUsage, Err: err}
	case errors.Is(err, context.Canceled):
		return &ExitError{Code: ExitUsage, Err: fmt.Errorf("interrupted: %w", err)}
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// usageError marks err as a usage error of cmd, pointing at the command's help.
func usageError(cmd *cobra.Command, err error) error {
	return &ExitError{Code: ExitUsage, Err: &hintError{err: err, hint: fmt.Sprintf("see '%s --help'", cmd.CommandPath())}}
}

// hintError adds a what-to-do-next hint to an error's message without hiding it.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string {
	return oneLine(e.err.Error()) + " (" + e.hint + ")"
}

// oneLine folds cobra's multi-line "Did you mean this?" suggestions into one line, so
// every error is one "candor: ..." line.
func oneLine(msg string) string {
	head, sugg, found := strings.Cut(strings.TrimSpace(msg), "\n\nDid you mean this?\n")
	if !found {
		return strings.TrimSpace(msg)
	}
	return head + "; did you mean " + strings.Join(strings.Fields(sugg), " or ") + "?"
}

func (e *hintError) Unwrap() error { return e.err }

// usageArgs wraps a cobra argument validator so its errors are usage errors.
func usageArgs(v cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := v(cmd, args); err != nil {
			return usageError(cmd, err)
		}
		return nil
	}
}

// needPaths is an argument validator for commands that take one or more paths.
func needPaths(what string) cobra.PositionalArgs {
	return usageArgs(func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("%s needs at least one %s", cmd.Name(), what)
		}
		return nil
	})
}
