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
//
// Blobs are attestations held in memory (such as those read from an OCI registry), and
// Targets artifacts known by their digests (such as an image's manifest): see [Blob] and
// [Target]. Blobs, like Attestations, are matched against every artifact; Targets, like
// Digests, need Attestations or Blobs.
//
// Among Attestations and Blobs, a key-signed Sigstore bundle holding the same signed DSSE
// envelope as an envelope given (byte-identical payload type, payload and signatures, as
// attest --push attaches one attestation as a referrer bundle and a legacy .att layer) is
// checked once: its signature is verified, and when it and the envelope's both pass, the
// envelope's verdicts stand for it, each with a note naming it. Any other copy, and a copy
// whose signature fails, is verified on its own.
type Inputs struct {
	Artifacts    []string
	Digests      []string
	Attestations []string
	Blobs        []Blob
	// Targets are artifacts whose digests the caller vouches for: [Run] never hashes or
	// opens their Path, which, when set, is handed to the verifier's [Scanner] to re-scan
	// the artifact (an image reference, for a scanner that pulls it). Each needs a digest
	// (SHA256, or Digests); a Name, else it is named by its digest.
	Targets []Target

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
	n := len(in.Artifacts) + len(in.Digests) + len(in.Targets)
	if n == 0 {
		errs = append(errs, errors.New("give the artifacts to verify"))
	}
	if len(in.Digests) > 0 && !in.explicit() {
		errs = append(errs, errors.New("an artifact given by digest needs its attestation file (Inputs.Attestations)"))
	}
	if len(in.Targets) > 0 && !in.explicit() {
		errs = append(errs, errors.New("an artifact given as a target needs its attestations: files (Inputs.Attestations) or blobs (Inputs.Blobs)"))
	}
	for i, t := range in.Targets {
		if err := t.checkDigests(); err != nil {
			errs = append(errs, fmt.Errorf("Inputs.Targets[%d]: %w", i, err))
		}
	}
	for i, b := range in.Blobs {
		if b.Name == "" {
			errs = append(errs, fmt.Errorf("Inputs.Blobs[%d] has no name: name it where it came from, for the verdicts", i))
		}
	}
	if s := in.Summary; s != nil {
		if s.Path == "" {
			errs = append(errs, errors.New("give the verification summary's file"))
		}
		if s.Path != "" && !strings.HasSuffix(s.Path, ".jsonl") && (n != 1 || dirArgs(in.Artifacts)) {
			errs = append(errs, fmt.Errorf("several artifacts give one verification summary each, as JSON lines: name the file *%s", SuffixJSONL))
		}
		if s.ResourceURI != "" && n != 1 {
			errs = append(errs, errors.New("a resource URI names one artifact: give one artifact with it"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return nil
}

// explicit reports whether attestations are given (files or blobs): then every artifact is
// matched against all of them, and none is looked for beside an artifact.
func (in *Inputs) explicit() bool {
	return len(in.Attestations) > 0 || len(in.Blobs) > 0
}

// Blob is an attestation given in memory: read exactly as a file of Inputs.Attestations
// would be (one DSSE envelope or Sigstore bundle, or JSON lines of them when Name ends in
// .jsonl), within the same size limits, its bytes counted against [Limits.MaxBytes].
type Blob struct {
	// Name says where the attestation came from (such as a registry manifest): it is the
	// attestation's source in verdicts and messages.
	Name string
	Data []byte
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

// checkDigests refuses a target of Inputs.Targets without a digest in an algorithm verify
// checks, or with one that is not hex of its length.
func (t *Target) checkDigests() error {
	known := 0
	for alg, d := range t.all() {
		n := hexLen(alg)
		if n == 0 {
			continue // a subject's digest in this algorithm is not compared
		}
		if !isHex(d, n) {
			return fmt.Errorf("its %s digest %q is not %d hex digits", alg, d, n)
		}
		known++
	}
	if known == 0 {
		return fmt.Errorf("%s has no %s digest: give the artifact's digest", t.Name, strings.Join(knownAlgs, " or "))
	}
	return nil
}

// all returns the target's digests by algorithm, sha256 among them.
func (t *Target) all() map[string]string {
	out := make(map[string]string, len(t.Digests)+1)
	for alg, d := range t.Digests {
		out[alg] = d
	}
	if t.SHA256 != "" {
		out["sha256"] = t.SHA256
	}
	return out
}
