package verify

import (
	"errors"
	"fmt"
	"strings"
)

// Inputs are what one [Run] verifies, and the run's own settings. Who is trusted and what
// is accepted (keys, threshold, policy, re-scan, clock, limits) is the [Verifier]'s.
//
// Artifacts are files or release directories. For a file, the attestation is
// FILE.intoto.json or FILE.intoto.jsonl beside it, unless Attestations are given; a
// verification summary FILE.vsa.intoto.json beside it is read too (except the one this run
// writes, Summary.Path), and a Sigstore bundle FILE.sigstore.json when neither envelope
// file is there. A
// directory stands for a release: every *.intoto.json and *.intoto.jsonl file at its top
// level is verified, and every subject they name must be a regular file in the directory
// (at any level, never through a symbolic link) with that digest: the file at the
// subject's path, else at the longest ending of it that is one, else, for a bare file name
// (attest names subjects so), the one file of the release with that name (two with it
// fail the subject). An executable of the
// directory (ELF, PE or Mach-O, at any level) that no attestation names fails
// verification at the subject step, unless AllowUnattested lists it instead. Every other
// entry of the directory is listed in [Result.Unverified] with the reason.
// Digests are artifacts not at hand ("sha256:<hex>" or "sha512:<hex>"); they need
// Attestations.
//
// A subject names an artifact by its digests: when it lists a sha512 beside the sha256, the
// artifact file is hashed in SHA-512 too and both must agree (files are hashed in SHA-512
// only when some subject that may name them lists one).
//
// With Attestations (files or directories of attestation files), every artifact is matched
// by digest against all of their envelopes; a file of a release directory that none names is
// listed in [Result.Unverified], but an executable fails (unless AllowUnattested). Every envelope must pass the steps that do not
// depend on an artifact (parse, signature, payload type, statement).
//
// An artifact file with no attestation beside it, or an attestation file or directory that
// does not exist or holds none, is an error wrapping [ErrNoAttestation]: an input error, and
// no verdict. Envelopes whose statement has another predicate type (such as an SLSA
// provenance in the same .intoto.jsonl file) are skipped without checking their signatures
// and listed in [Result.Unverified]: they neither pass nor fail a verdict, and an artifact
// only they name has no attestation.
type Inputs struct {
	Artifacts    []string
	Digests      []string
	Attestations []string

	// AllowUnattested lists the executables of release directories that no attestation
	// names in [Result.Unverified] instead of failing them.
	AllowUnattested bool

	// Summary, when set, writes a signed verification summary attestation.
	Summary *SummaryOptions
	// Workers bounds parallel work; 0 (or less) means GOMAXPROCS.
	Workers int
}

// Check reports what is missing or inconsistent in the inputs, with an error wrapping
// [ErrOptions]; [Run] calls it first. A caller that loads keys, a policy or the summary's
// signer may call it before, to refuse bad inputs without loading anything: it does not
// look at Summary.Signer, which [Run] requires.
func (in *Inputs) Check() error {
	var errs []error
	if len(in.Artifacts) == 0 && len(in.Digests) == 0 {
		errs = append(errs, errors.New("give the artifacts to verify"))
	}
	if len(in.Digests) > 0 && len(in.Attestations) == 0 {
		errs = append(errs, errors.New("an artifact given by digest needs its attestation file (Inputs.Attestations)"))
	}
	if s := in.Summary; s != nil {
		if s.Path == "" {
			errs = append(errs, errors.New("give the verification summary's file"))
		}
		if s.Path != "" && !strings.HasSuffix(s.Path, ".jsonl") && (len(in.Artifacts)+len(in.Digests) != 1 || dirArgs(in.Artifacts)) {
			errs = append(errs, fmt.Errorf("several artifacts give one verification summary each, as JSON lines: name the file *%s", SuffixJSONL))
		}
		if s.ResourceURI != "" && len(in.Artifacts)+len(in.Digests) != 1 {
			errs = append(errs, errors.New("a resource URI names one artifact: give one artifact with it"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return nil
}

// dirArgs reports whether any artifact argument is a directory (it may stand for many).
func dirArgs(paths []string) bool {
	for _, p := range paths {
		if isDir(p) {
			return true
		}
	}
	return false
}
