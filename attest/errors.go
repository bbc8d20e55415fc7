package attest

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/candor-dev/candor/schemas"
	"github.com/candor-dev/candor/signing"
)

// Errors returned by this package, to be tested with [errors.Is]. Each returned error wraps
// exactly one of them, with detail.
var (
	// ErrUndisclosed: a finding is not covered by the disclosure, so nothing was signed
	// (exit code 1). The [Result] lists the uncovered findings and the YAML that covers them.
	ErrUndisclosed = errors.New("undisclosed findings")
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

// Problem is one thing wrong with a disclosure manifest, located in its source.
type Problem struct {
	// Line and Col are 1-based; zero when the problem concerns the whole file.
	Line, Col int
	// Field is the path of the field concerned, such as endpoints[2].host; empty for the file.
	Field string
	// Message says what is wrong and, where it can, how to fix it.
	Message string
	// Err is the kind of problem when it has a sentinel (such as strictjson.ErrDuplicate),
	// else nil. The error listing the problem wraps it.
	Err error `json:"-"`
}

// DisclosureError lists every problem found in a disclosure manifest. It wraps
// [ErrDisclosure], and [schemas.ErrInvalid] when the schema rejected the document.
type DisclosureError struct {
	// File is the name the manifest was read under.
	File     string
	Problems []Problem
	schema   bool
}

// Error returns one "file:line:col: field: message" line per problem.
func (e *DisclosureError) Error() string { return FormatProblems(e.File, e.Problems) }

// FormatProblems renders problems found in file as "file:line:col: field: message"
// lines, the form every located error of a YAML document takes.
func FormatProblems(file string, problems []Problem) string {
	var b strings.Builder
	for i, p := range problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(file)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
			if p.Col > 0 {
				fmt.Fprintf(&b, ":%d", p.Col)
			}
		}
		b.WriteString(": ")
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// Unwrap returns [ErrDisclosure], [schemas.ErrInvalid] for schema violations, and the
// kinds of the problems ([Problem.Err]).
func (e *DisclosureError) Unwrap() []error {
	errs := []error{ErrDisclosure}
	if e.schema {
		errs = append(errs, schemas.ErrInvalid)
	}
	return ProblemKinds(errs, e.Problems)
}

// ProblemKinds appends to errs the distinct kinds ([Problem.Err]) of problems.
func ProblemKinds(errs []error, problems []Problem) []error {
	for _, p := range problems {
		if p.Err != nil && !slices.Contains(errs, p.Err) {
			errs = append(errs, p.Err)
		}
	}
	return errs
}

func fieldPath(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	return schemas.FieldPath(tokens)
}
