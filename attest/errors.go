package attest

import (
	"errors"

	"github.com/candor-dev/candor/internal/yamldoc"
	"github.com/candor-dev/candor/schemas"
	"github.com/candor-dev/candor/signing"
)

// Errors returned by this package, to be tested with [errors.Is]. Each returned error wraps
// exactly one of them, with detail.
var (
	// ErrUndisclosed: a finding is not covered by the disclosure, so nothing was signed
	// (exit code 1). The [Result] lists the uncovered findings and the YAML that covers them.
	ErrUndisclosed = errors.New("undisclosed findings")
	// ErrStaleAccepted: an accepted entry of the disclosure matches no finding of the release
	// (exit code 2), so nothing was signed: it is stale, or broader or narrower than meant.
	// The message names each entry (accepted[i]) and its selectors.
	// [Options.AllowStaleAccepted] makes it a warning ([Result.Warnings]).
	ErrStaleAccepted = errors.New("stale accepted entries")
	// ErrDisclosure: the disclosure manifest cannot be read or is invalid (exit code 2).
	// Its detail is a [*DisclosureError] when the file was read.
	ErrDisclosure = errors.New("invalid disclosure")
	// ErrKey: a signing key cannot be loaded or used (exit code 2). It is the same value as
	// the key loader's sentinel, so errors from either package match it.
	ErrKey = signing.ErrKey
	// ErrArtifact: an artifact cannot be read or scanned (exit code 2).
	ErrArtifact = errors.New("cannot scan artifact")
	// ErrOptions: the options are inconsistent (exit code 2).
	ErrOptions = errors.New("invalid options")
	// ErrOutput: the attestation cannot be written (exit code 2). Nothing partial is left.
	ErrOutput = errors.New("cannot write attestation")
)

// Problem is one thing wrong with a disclosure manifest, located in its source: its line,
// column and field, a message, and the kind of problem when it has a sentinel.
type Problem = yamldoc.Problem

// DisclosureError lists every problem found in a disclosure manifest. It wraps
// [ErrDisclosure], and [schemas.ErrInvalid] when the schema rejected the document.
type DisclosureError struct {
	// File is the name the manifest was read under.
	File     string
	Problems []Problem
	schema   bool
}

// Error returns one "file:line:col: field: message" line per problem.
func (e *DisclosureError) Error() string { return yamldoc.Format(e.File, e.Problems) }

// Unwrap returns [ErrDisclosure], [schemas.ErrInvalid] for schema violations, and the
// kinds of the problems ([Problem.Err]).
func (e *DisclosureError) Unwrap() []error {
	errs := []error{ErrDisclosure}
	if e.schema {
		errs = append(errs, schemas.ErrInvalid)
	}
	return yamldoc.Kinds(errs, e.Problems)
}
