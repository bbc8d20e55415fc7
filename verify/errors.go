package verify

import (
	"errors"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/signing"
)

// ErrVerification is wrapped by every error that says an attestation failed verification: a
// negative verdict (exit code 1). Each step of verification has its own sentinel wrapping it,
// so errors.Is(err, ErrSignature) and errors.Is(err, ErrVerification) both hold for a bad
// signature.
var ErrVerification = errors.New("verification failed")

// The steps' sentinels, in the order verification runs them. Each wraps [ErrVerification].
var (
	// ErrParse: the envelope is not one well-formed DSSE envelope (too large, not strict
	// JSON, duplicate or unknown fields, trailing data, bad base64, no payload).
	ErrParse error = &stepError{StepParse}
	// ErrSignature: not enough distinct trusted keys signed the payload.
	ErrSignature error = &stepError{StepSignature}
	// ErrPayloadType: the signed payload type is not application/vnd.in-toto+json.
	ErrPayloadType error = &stepError{StepPayloadType}
	// ErrStatement: the signed payload is not strict JSON, not an in-toto Statement v1, or
	// its predicate type is not candor's disclosure predicate.
	ErrStatement error = &stepError{StepStatement}
	// ErrSubject: no subject of the statement has the artifact's digest, or a subject that
	// has it lists another digest (sha512) that is not the artifact's.
	ErrSubject error = &stepError{StepSubject}
	// ErrPredicate: the predicate does not match schemas/predicate.v1.json, or has no analysis
	// of the artifact.
	ErrPredicate error = &stepError{StepPredicate}
	// ErrPolicy: the attestation does not meet the buyer's policy (or the defaults).
	ErrPolicy error = &stepError{StepPolicy}
	// ErrRescan: the re-scan found what the attested analysis does not list or cover.
	ErrRescan error = &stepError{StepRescan}
)

// Errors that stop verification before it can give a verdict (exit code 2).
var (
	// ErrOptions: the options are inconsistent or incomplete.
	ErrOptions = errors.New("invalid options")
	// ErrInput: an artifact or attestation file cannot be read.
	ErrInput = errors.New("cannot read input")
	// ErrKey: a trusted key or the summary signing key cannot be loaded. It is the key
	// loader's sentinel, so errors from either package match it.
	ErrKey = signing.ErrKey
	// ErrPolicyFile: the policy cannot be read or is invalid. Its detail is a [*PolicyError]
	// when the file was read.
	ErrPolicyFile = errors.New("invalid policy")
	// ErrOutput: the verification summary cannot be written. Nothing partial is left.
	ErrOutput = errors.New("cannot write verification summary")
)

// stepError is a step's sentinel: it names the step and wraps ErrVerification.
type stepError struct{ step Step }

func (e *stepError) Error() string { return ErrVerification.Error() + ": " + string(e.step) }
func (e *stepError) Unwrap() error { return ErrVerification }

// sentinel returns the sentinel of a step.
func sentinel(s Step) error {
	switch s {
	case StepParse:
		return ErrParse
	case StepSignature:
		return ErrSignature
	case StepPayloadType:
		return ErrPayloadType
	case StepStatement:
		return ErrStatement
	case StepSubject:
		return ErrSubject
	case StepPredicate:
		return ErrPredicate
	case StepPolicy:
		return ErrPolicy
	case StepRescan:
		return ErrRescan
	}
	return ErrVerification
}

// stepErr builds the error of a failed step from its reasons:
// "verification failed: signature: reason; reason".
func stepErr(s Step, reasons []string) error {
	return fmt.Errorf("%w: %s", sentinel(s), strings.Join(reasons, "; "))
}

// FailedError is returned by [Run] when at least one verdict is negative. It wraps the error
// of each failed verdict, so errors.Is finds the sentinel of every step that failed.
type FailedError struct {
	// Failed are the negative verdicts, in result order.
	Failed []*Verdict
	// Total counts all verdicts.
	Total int
}

// Error returns the failed verdict's error when there is one, else a count.
func (e *FailedError) Error() string {
	if len(e.Failed) == 1 && e.Total == 1 {
		return e.Failed[0].Err.Error()
	}
	return fmt.Sprintf("%s: %d of %d verdict(s) failed", ErrVerification, len(e.Failed), e.Total)
}

// Unwrap returns each failed verdict's error.
func (e *FailedError) Unwrap() []error {
	out := make([]error, 0, len(e.Failed))
	for _, v := range e.Failed {
		out = append(out, v.Err)
	}
	return out
}
