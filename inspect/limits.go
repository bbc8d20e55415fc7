package inspect

import "github.com/candor-dev/candor/verify"

// Limits bound the work of one [Run]. Attestations and directories come from whoever
// published a release: none of them may make inspect read without end.
type Limits struct {
	// MaxFiles is the most attestation files read.
	MaxFiles int
	// MaxArtifacts is the most artifact files hashed.
	MaxArtifacts int
	// MaxBytes is the most bytes of attestation files read, all files together.
	MaxBytes int64
	// MaxArtifactBytes is the largest artifact hashed; a larger one is reported as a
	// problem and not matched.
	MaxArtifactBytes int64
	// MaxDepth is how deep below a directory argument inspect looks.
	MaxDepth int
	// MaxEnvelopes is the most envelopes of all files together.
	MaxEnvelopes int
	// MaxSignatureChecks is the most signature verifications one run may make: every
	// signature of every envelope, once per trusted key. It is counted before any is made.
	MaxSignatureChecks int
}

// DefaultLimits are the limits [New] starts from.
func DefaultLimits() Limits {
	return Limits{
		MaxFiles:         100_000,
		MaxArtifacts:     100_000,
		MaxBytes:         1 << 30,
		MaxArtifactBytes: 8 << 30,
		MaxDepth:         8,
		MaxEnvelopes:     verify.MaxBundleEnvelopes,
		// 100,000 ECDSA P-256 checks take about 8 s of one core.
		MaxSignatureChecks: 100_000,
	}
}

// Limits on what one predicate reader keeps: more is counted, not listed.
const (
	// maxListed is the most components, dependencies, VEX statements or input attestations
	// one attestation lists.
	maxListed = 100_000
	// maxProblems is the most problems a report lists.
	maxProblems = 1000
)
