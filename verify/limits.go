package verify

import (
	"errors"
	"fmt"
)

// Limits bound the work and memory one verification may cost. Attestations come from whoever
// published a release, before anything in them is trusted: a file of junk signatures or of
// thousands of envelopes must fail quickly, not burn minutes of CPU or gigabytes of memory.
// A zero field takes its default ([DefaultLimits]); a negative one is an error.
type Limits struct {
	// MaxSignatures is the most signatures checked in one envelope (default 8). An envelope
	// carrying more fails its signature step, whatever the signatures are.
	MaxSignatures int
	// MaxEnvelopes is the most envelopes one JSON lines file may hold (default 10,000).
	// A file with more fails to parse as a whole.
	MaxEnvelopes int
	// MaxSignatureChecks is the most signature verifications one [Run] may make (default
	// 20,000): for each envelope, its signatures (up to MaxSignatures) times the distinct
	// trusted keys. It is counted after parsing and before any signature is checked, so a
	// batch over it costs no cryptography at all.
	MaxSignatureChecks int
	// MaxBytes is the most attestation bytes one [Run] reads, all files together (default
	// 64 MiB). Verification holds every payload and parsed predicate of a run at once, about
	// five times the bytes read at the most: the default keeps a run under about 350 MiB. A
	// single JSON lines file may hold up to [MaxBundleSize] when the limit is raised.
	MaxBytes int64
}

// DefaultLimits are the limits a zero [Limits] field takes.
var DefaultLimits = Limits{
	MaxSignatures:      8,
	MaxEnvelopes:       10_000,
	MaxSignatureChecks: 20_000,
	MaxBytes:           64 << 20,
}

// The names of the limits, as [LimitError.Limit] gives them.
const (
	LimitSignatures      = "MaxSignatures"
	LimitEnvelopes       = "MaxEnvelopes"
	LimitSignatureChecks = "MaxSignatureChecks"
	LimitBytes           = "MaxBytes"
)

// ErrLimit is wrapped by every error that says a limit of [Limits] was reached. A limit hit by
// one envelope or one file is that verdict's failure (it also wraps the step's sentinel); a
// limit of the whole batch stops [Run] before any verdict, wrapping [ErrInput].
var ErrLimit = errors.New("limit reached")

// LimitError says which limit was reached, by how much, and where.
type LimitError struct {
	// Limit names the field of [Limits] (LimitSignatures...).
	Limit string
	// Max is the limit in force; Need is what the input asked for.
	Max, Need int64
	// What describes the input that reached it.
	What string
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s: %s: %d; the limit is %d (Limits.%s)", ErrLimit, e.What, e.Need, e.Max, e.Limit)
}

// Unwrap returns [ErrLimit].
func (e *LimitError) Unwrap() error { return ErrLimit }

// withDefaults fills the zero fields and refuses negative ones.
func (l Limits) withDefaults() (Limits, error) {
	if l.MaxSignatures < 0 || l.MaxEnvelopes < 0 || l.MaxSignatureChecks < 0 || l.MaxBytes < 0 {
		return l, fmt.Errorf("%w: limits must not be negative: %+v", ErrOptions, l)
	}
	if l.MaxSignatures == 0 {
		l.MaxSignatures = DefaultLimits.MaxSignatures
	}
	if l.MaxSignatures > MaxSignatures {
		return l, fmt.Errorf("%w: Limits.MaxSignatures is %d; an envelope holds at most %d signatures", ErrOptions, l.MaxSignatures, MaxSignatures)
	}
	if l.MaxEnvelopes == 0 {
		l.MaxEnvelopes = DefaultLimits.MaxEnvelopes
	}
	if l.MaxEnvelopes > MaxBundleEnvelopes {
		return l, fmt.Errorf("%w: Limits.MaxEnvelopes is %d; a JSON lines file holds at most %d envelopes", ErrOptions, l.MaxEnvelopes, MaxBundleEnvelopes)
	}
	if l.MaxSignatureChecks == 0 {
		l.MaxSignatureChecks = DefaultLimits.MaxSignatureChecks
	}
	if l.MaxBytes == 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	return l, nil
}

// WithLimits sets the limits a [Verifier] applies to each envelope (MaxSignatures); [Run]
// also applies the others to its batch.
func WithLimits(l Limits) VerifierOption {
	return func(v *Verifier) error {
		l, err := l.withDefaults()
		if err != nil {
			return err
		}
		v.limits = l
		return nil
	}
}
