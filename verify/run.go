package verify

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
	"github.com/candor-dev/candor/signing"
)

// Attestation file names: an artifact's attestation sits beside it as ARTIFACT.intoto.json
// (one envelope) or ARTIFACT.intoto.jsonl (JSON lines, one envelope per line).
const (
	SuffixJSON  = ".intoto.json"
	SuffixJSONL = ".intoto.jsonl"
)

// Options are the inputs of [Run].
//
// Artifacts are files or release directories. For a file, the attestation is
// FILE.intoto.json or FILE.intoto.jsonl beside it, unless Attestations are given. A
// directory stands for a release: every *.intoto.json and *.intoto.jsonl file at its top
// level is verified, and every subject they name must be a regular file in the directory
// (at any level, never through a symbolic link) with that digest. Every other entry of the
// directory is listed in [Result.Unverified] with the reason.
// Digests are artifacts not at hand ("sha256:<hex>" or "sha512:<hex>"); they need
// Attestations.
//
// A subject names an artifact by its digests: when it lists a sha512 beside the sha256, the
// artifact file is hashed in SHA-512 too and both must agree (files are hashed in SHA-512
// only when some subject that may name them lists one).
//
// With Attestations (files or directories of attestation files), every artifact is matched
// by digest against all of their envelopes. Every envelope must pass the steps that do not
// depend on an artifact (parse, signature, payload type, statement).
type Options struct {
	// Keys are trusted public keys: PEM files or KMS URIs, loaded with KeyOptions.
	Keys []string
	// KeyOptions also load the summary signing key.
	KeyOptions signing.Options
	// TrustedKeys are keys loaded already; they are trusted after Keys.
	TrustedKeys []Key
	// Threshold is how many distinct trusted keys must have signed; 0 means 1.
	Threshold int

	// PolicyPath is the buyer's policy file; Policy is one loaded or built already. Neither:
	// the defaults (see [Policy]).
	PolicyPath string
	Policy     *Policy

	Artifacts    []string
	Digests      []string
	Attestations []string

	// Rescan scans each artifact file again (with Scanner, or scan.New) and compares.
	Rescan  bool
	Scanner Scanner

	// Summary, when set, writes a signed verification summary attestation.
	Summary *SummaryOptions

	// Now is the clock for the age check and the summary; nil means time.Now.
	Now func() time.Time
	// Workers bounds parallel work; 0 means GOMAXPROCS.
	Workers int
	// Limits bound the work and memory of the run (see [Limits]); zero fields take
	// [DefaultLimits].
	Limits Limits
}

func (o *Options) check() error {
	var errs []error
	if len(o.Artifacts) == 0 && len(o.Digests) == 0 {
		errs = append(errs, errors.New("give the artifacts to verify"))
	}
	if len(o.Keys) == 0 && len(o.TrustedKeys) == 0 {
		errs = append(errs, errors.New("give at least one trusted key (the vendor's public key)"))
	}
	if o.Threshold < 0 {
		errs = append(errs, fmt.Errorf("the threshold must be 1 or more, not %d", o.Threshold))
	}
	if _, err := o.Limits.withDefaults(); err != nil {
		errs = append(errs, errors.Unwrap(err))
	}
	if o.PolicyPath != "" && o.Policy != nil {
		errs = append(errs, errors.New("give a policy file or a policy, not both"))
	}
	if len(o.Digests) > 0 && len(o.Attestations) == 0 {
		errs = append(errs, errors.New("an artifact given by digest needs its attestation file (Options.Attestations)"))
	}
	if s := o.Summary; s != nil {
		if s.Path == "" {
			errs = append(errs, errors.New("give the verification summary's file"))
		}
		if s.Key == "" && s.Signer == nil {
			errs = append(errs, errors.New("a verification summary needs a signing key (SummaryOptions.Key or SummaryOptions.Signer)"))
		}
		if s.ResourceURI != "" && len(o.Artifacts)+len(o.Digests) != 1 {
			errs = append(errs, errors.New("a resource URI names one artifact: give one artifact with it"))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return nil
}

// source is one attestation file and the envelopes in it.
type source struct {
	path string
	// owner is the index of the target whose sibling this file is; -1 otherwise.
	owner int
	atts  []*Attestation
	// matched records, per envelope, whether a target matched it.
	matched []bool
	// splitErr says why a JSON lines file could not be split into envelopes.
	splitErr error
}

// target is an artifact to verify and where to look for its attestations.
type target struct {
	Target
	// sources are the candidate source indexes.
	sources []int
	// missing explains why the target has no candidate at all.
	missing string
	// dirIndex is the directory argument the target came from, or -1.
	dirIndex int
	// from is the attestation whose subject named the target (release directories).
	from *Attestation
}

// Run verifies artifacts against their attestations, one [Verdict] per artifact and
// attestation, and writes the verification summary when asked. It returns an error wrapping
// [ErrOptions], [ErrKey], [ErrPolicyFile], [ErrInput] or [ErrOutput] (with a nil or partial
// Result) when it cannot give verdicts, and a [*FailedError] (with the Result) when a
// verdict is negative.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	// Compiling the schemas costs a few milliseconds: do it on another core meanwhile, the
	// policy's first (loading the policy needs it at once).
	warm := []string{schemas.PredicateV1}
	if opts.PolicyPath != "" {
		warm = []string{schemas.PolicyV1, schemas.PredicateV1}
	}
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		_ = schemas.Precompile(warm...) // an error shows again where the schema is used
	}()
	defer func() { <-warmed }()

	v, sum, err := opts.setup(ctx)
	if err != nil {
		return nil, err
	}
	r := &runner{v: v, opts: &opts, workers: opts.Workers}
	if r.workers <= 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	if err := r.collect(); err != nil {
		return nil, err
	}
	// The artifact files named are hashed while the envelopes are opened; those of release
	// directories once their attestations name them.
	hashed := make(chan error, 1)
	go func() { hashed <- r.hash(ctx) }()
	openErr := r.open(ctx)
	if err := errors.Join(<-hashed, openErr); err != nil {
		return nil, err
	}
	if err := r.dirTargets(); err != nil {
		return nil, err
	}
	if err := r.hash(ctx); err != nil {
		return nil, err
	}
	if err := r.hashMore(ctx); err != nil {
		return nil, err
	}
	unverified := r.unverified()
	res := r.verdicts(ctx)
	res.Unverified = unverified
	if sum != nil {
		written, err := sum.write(ctx, r, res)
		if err != nil {
			return res, err
		}
		res.Summaries = written
	}
	if !res.Passed {
		fe := &FailedError{Total: len(res.Verdicts)}
		for _, vd := range res.Verdicts {
			if !vd.Passed {
				fe.Failed = append(fe.Failed, vd)
			}
		}
		return res, fe
	}
	return res, nil
}

// setup loads the keys, the policy, the scanner and the summary signer: everything that can
// fail for the user's inputs before any attestation is read.
func (o *Options) setup(ctx context.Context) (*Verifier, *summaryWriter, error) {
	loaded, err := LoadKeys(ctx, o.Keys, o.KeyOptions)
	if err != nil {
		return nil, nil, err
	}
	vopts := []VerifierOption{WithKeys(loaded, o.Keys...), WithKeys(o.TrustedKeys), WithLimits(o.Limits)}
	if o.Threshold > 0 {
		vopts = append(vopts, WithThreshold(o.Threshold))
	}
	pol := o.Policy
	if o.PolicyPath != "" {
		if pol, err = LoadPolicy(o.PolicyPath); err != nil {
			return nil, nil, err
		}
	}
	vopts = append(vopts, WithPolicy(pol))
	if o.Rescan {
		s := o.Scanner
		if s == nil {
			sc, err := scan.New()
			if err != nil {
				return nil, nil, fmt.Errorf("%w: loading the analyser's rules: %w", ErrOptions, err)
			}
			s = sc
		}
		vopts = append(vopts, WithRescan(s))
	}
	if o.Now != nil {
		vopts = append(vopts, WithClock(o.Now))
	}
	v, err := NewVerifier(vopts...)
	if err != nil {
		return nil, nil, err
	}
	var sum *summaryWriter
	if o.Summary != nil {
		if sum, err = newSummaryWriter(ctx, o); err != nil {
			return nil, nil, err
		}
	}
	return v, sum, nil
}

type runner struct {
	v       *Verifier
	opts    *Options
	workers int
	sources []*source
	targets []*target
	dirs    []string
	// releases are the directory arguments' listings, by directory index.
	releases []*releaseDir
	// bytes counts the attestation bytes read, against Limits.MaxBytes.
	bytes int64
	// dirSources maps a directory argument's index to its source indexes.
	dirSources map[int][]int
	notes      []string
}

// collect stats the artifacts and finds the attestation files.
func (r *runner) collect() error {
	explicit := len(r.opts.Attestations) > 0
	if explicit {
		for _, p := range r.opts.Attestations {
			files, err := attestationFiles(p, true)
			if err != nil {
				return err
			}
			for _, f := range files {
				r.sources = append(r.sources, &source{path: f, owner: -1})
			}
		}
	}
	r.dirSources = map[int][]int{}
	for _, p := range r.opts.Artifacts {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInput, cleanPathError(err))
		}
		if fi.IsDir() {
			di := len(r.dirs)
			rl, err := readRelease(p)
			if err != nil {
				return err
			}
			r.dirs, r.releases = append(r.dirs, p), append(r.releases, rl)
			if explicit {
				continue // its files are matched against the given attestations
			}
			files := rl.attestations()
			if len(files) == 0 {
				return fmt.Errorf("%w: release directory %s holds no *%s or *%s file", ErrInput, p, SuffixJSON, SuffixJSONL)
			}
			for _, f := range files {
				r.dirSources[di] = append(r.dirSources[di], len(r.sources))
				r.sources = append(r.sources, &source{path: f, owner: -1})
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%w: %s is not a regular file", ErrInput, p)
		}
		t := &target{Target: Target{Name: p, Path: p}, dirIndex: -1}
		if !explicit {
			for _, suffix := range []string{SuffixJSON, SuffixJSONL} {
				fi, err := os.Stat(p + suffix)
				if err != nil {
					continue
				}
				if !fi.Mode().IsRegular() {
					// A FIFO or device would block or never end: never open one.
					return fmt.Errorf("%w: %s: %w: it is %s; candor reads attestations only from regular files", ErrInput, p+suffix, fileio.ErrNotRegular, fileio.Describe(fi.Mode()))
				}
				t.sources = append(t.sources, len(r.sources))
				r.sources = append(r.sources, &source{path: p + suffix, owner: len(r.targets)})
			}
			if len(t.sources) == 0 {
				t.missing = fmt.Sprintf("no attestation: %s or %s is expected beside the artifact (or name it in Options.Attestations)", filepath.Base(p)+SuffixJSON, filepath.Base(p)+SuffixJSONL)
			}
		}
		r.targets = append(r.targets, t)
	}
	for _, d := range r.opts.Digests {
		alg, h, err := parseDigest(d)
		if err != nil {
			return err
		}
		t := Target{Name: alg + ":" + h}
		r.targets = append(r.targets, &target{Target: t.withDigests(map[string]string{alg: h}), dirIndex: -1})
	}
	if explicit {
		all := make([]int, len(r.sources))
		for i := range all {
			all[i] = i
		}
		for _, t := range r.targets {
			t.sources = all
		}
	}
	return nil
}

// attestationFiles returns path itself, or for a directory its *.intoto.json and
// *.intoto.jsonl files in name order.
func attestationFiles(path string, explicit bool) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, cleanPathError(err))
	}
	if !fi.IsDir() {
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%w: %s: %w: it is %s; candor reads attestations only from regular files", ErrInput, path, fileio.ErrNotRegular, fileio.Describe(fi.Mode()))
		}
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	var out []string
	for _, e := range entries {
		if isAttestationName(e.Name()) && e.Type().IsRegular() {
			out = append(out, filepath.Join(path, e.Name()))
		}
	}
	if len(out) == 0 {
		what := "release directory"
		if explicit {
			what = "attestation directory"
		}
		return nil, fmt.Errorf("%w: %s %s holds no *%s or *%s file", ErrInput, what, path, SuffixJSON, SuffixJSONL)
	}
	return out, nil
}

func isAttestationName(name string) bool {
	return !strings.HasPrefix(name, ".") && (strings.HasSuffix(name, SuffixJSON) || strings.HasSuffix(name, SuffixJSONL))
}

// cleanPathError says "no such file" the way a person expects.
func cleanPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return fileio.Reworded(pe.Path+": no such file or directory", err)
	}
	return err
}

// open reads every attestation file and runs the artifact-independent steps on each
// envelope, in parallel. Every envelope is parsed first, so that the signature checks the
// batch needs are counted against Limits.MaxSignatureChecks before any is made.
func (r *runner) open(ctx context.Context) error {
	type job struct {
		src  *source
		i    int
		name string
		sha  string
		env  *Envelope
		err  error
	}
	var jobs []*job
	var checks int64
	for _, s := range r.sources {
		envs, names, err := r.readSource(s)
		if err != nil {
			return err
		}
		s.atts = make([]*Attestation, len(envs))
		s.matched = make([]bool, len(envs))
		base := len(jobs)
		for i := range envs {
			jobs = append(jobs, &job{src: s, i: i, name: names[i]})
		}
		if s.splitErr != nil {
			continue
		}
		parallel(ctx, len(envs), r.workers, func(k int) {
			j := jobs[base+k]
			j.sha = envelopeDigest(envs[k])
			j.env, j.err = ParseEnvelope(envs[k])
		})
		for _, j := range jobs[base:] {
			checks += r.v.signatureChecks(j.env)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if max := int64(r.v.limits.MaxSignatureChecks); checks > max {
		return fmt.Errorf("%w: %w", ErrInput, &LimitError{Limit: LimitSignatureChecks, Max: max, Need: checks,
			What: fmt.Sprintf("%d envelope(s) and %d trusted key(s) need this many signature checks", len(jobs), len(r.v.keys))})
	}
	parallel(ctx, len(jobs), r.workers, func(k int) {
		j := jobs[k]
		if j.src.splitErr != nil { // the file as a whole failed to parse
			j.src.atts[j.i] = failedAttestation(j.name, j.src.splitErr)
			return
		}
		a := r.v.openParsed(ctx, j.name, j.sha, j.env, j.err)
		j.src.atts[j.i] = a
		if a.err == nil && len(r.opts.Attestations) == 0 {
			// An attestation beside an artifact or in a release directory is checked against
			// it: parse its predicate now, while the artifacts are still being hashed.
			_, _ = a.predicate()
		}
	})
	return ctx.Err()
}

// readSource reads an attestation file: one envelope, or JSON lines. A JSON lines file that
// cannot be split, or holds more than Limits.MaxEnvelopes envelopes, gives one empty
// envelope and s.splitErr, reported as a parse failure. Only a regular file is opened, and
// the bytes of all files together stay within Limits.MaxBytes.
func (r *runner) readSource(s *source) (envs [][]byte, names []string, err error) {
	path := s.path
	lines := strings.HasSuffix(path, ".jsonl")
	limit := int64(MaxEnvelopeSize)
	if lines {
		limit = MaxBundleSize
	}
	f, fi, err := fileio.OpenRegular(path)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInput, cleanPathError(err))
	}
	defer f.Close()
	budget := r.v.limits.MaxBytes - r.bytes
	if fi.Size() > budget {
		return nil, nil, r.bytesLimit(fi.Size())
	}
	data, err := fileio.ReadAtMost(f, fi.Size(), min(limit, budget))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	if int64(len(data)) > budget {
		return nil, nil, r.bytesLimit(int64(len(data)))
	}
	r.bytes += int64(len(data))
	if !lines {
		return [][]byte{data}, []string{path}, nil
	}
	envs, nums, err := SplitBundle(data)
	if err == nil && len(envs) > r.v.limits.MaxEnvelopes {
		err = fmt.Errorf("%w: %w", ErrParse, &LimitError{Limit: LimitEnvelopes, Max: int64(r.v.limits.MaxEnvelopes), Need: int64(len(envs)), What: "envelopes in " + path})
	}
	if err != nil {
		s.splitErr = err
		return [][]byte{nil}, []string{path}, nil
	}
	names = make([]string, len(envs))
	for i, n := range nums {
		names[i] = fmt.Sprintf("%s#%d", path, n)
	}
	return envs, names, nil
}

// bytesLimit is the error of a batch whose attestation files hold more than Limits.MaxBytes.
func (r *runner) bytesLimit(more int64) error {
	return fmt.Errorf("%w: %w", ErrInput, &LimitError{Limit: LimitBytes, Max: r.v.limits.MaxBytes, Need: r.bytes + more,
		What: "bytes of attestation files"})
}

// failedAttestation is the parse failure of a whole JSON lines file.
func failedAttestation(name string, err error) *Attestation {
	return &Attestation{Source: name, err: err, checks: []Check{{Step: StepParse, Status: Fail, Reasons: []string{reason(err, StepParse)}}}}
}

// dirTargets turns the subjects of each release directory's verified attestations into
// targets: files in the directory named by the subjects.
func (r *runner) dirTargets() error {
	for di, dir := range r.dirs {
		srcs := r.dirSources[di]
		if len(r.opts.Attestations) > 0 {
			// Files of the directory are matched against the given attestations.
			if err := r.dirFiles(di, dir); err != nil {
				return err
			}
			continue
		}
		seen := map[string]bool{}
		for _, si := range srcs {
			for _, a := range r.sources[si].atts {
				if a.err != nil {
					continue
				}
				for _, s := range a.Statement.Subject {
					if seen[s.Name] {
						continue
					}
					seen[s.Name] = true
					t := &target{Target: Target{Name: filepath.Join(dir, filepath.FromSlash(s.Name))}, sources: srcs, dirIndex: di, from: a}
					t.Path, t.missing = r.releases[di].subjectFile(s.Name)
					if t.missing != "" {
						t.missing += " (named by " + a.Source + ")"
					}
					r.targets = append(r.targets, t)
				}
			}
		}
	}
	return nil
}

// unverified lists the entries of every release directory that no verdict accounts for, and
// notes each.
func (r *runner) unverified() []Unverified {
	var out []Unverified
	for _, rl := range r.releases {
		out = append(out, rl.unverified()...)
	}
	for _, u := range out {
		r.notes = append(r.notes, fmt.Sprintf("%s: not verified: %s", u.Path, u.Reason))
	}
	return out
}

// dirFiles adds every regular, non-hidden file of a release directory, at every level, that
// is not an attestation at its top level.
func (r *runner) dirFiles(di int, dir string) error {
	var srcs []int
	for i := range r.sources {
		srcs = append(srcs, i)
	}
	for _, p := range r.releases[di].files() {
		r.targets = append(r.targets, &target{Target: Target{Name: p, Path: p}, sources: srcs, dirIndex: di})
	}
	return nil
}

// hash computes the SHA-256 of every target file, in parallel.
func (r *runner) hash(ctx context.Context) error {
	errs := make([]error, len(r.targets))
	parallel(ctx, len(r.targets), r.workers, func(i int) {
		t := r.targets[i]
		if t.Path == "" || t.SHA256 != "" {
			return
		}
		t.SHA256, errs[i] = fileSHA256(t.Path)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// hashMore hashes each target file, in parallel, in the other algorithms (sha512) that the
// subjects which may name it list, in one more read of the file. Most attestations list
// sha256 only: then no file is read again.
func (r *runner) hashMore(ctx context.Context) error {
	errs := make([]error, len(r.targets))
	parallel(ctx, len(r.targets), r.workers, func(i int) {
		t := r.targets[i]
		if t.Path == "" || t.missing != "" {
			return
		}
		var algs []string
		for _, si := range t.sources {
			for _, a := range r.sources[si].atts {
				if a.err == nil {
					algs = a.Statement.needs(&t.Target, algs)
				}
			}
		}
		if t.from != nil {
			algs = t.from.Statement.needs(&t.Target, algs)
		}
		if len(algs) == 0 {
			return
		}
		d, err := fileDigests(t.Path, algs...)
		if err != nil {
			errs[i] = err
			return
		}
		t.Target = t.Target.withDigests(d)
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// verdicts pairs every target with the attestations that name its digest and checks each
// pair, in parallel; then reports the attestations that failed before any pairing.
func (r *runner) verdicts(ctx context.Context) *Result {
	per := make([][]*Verdict, len(r.targets))
	var mu sync.Mutex
	parallel(ctx, len(r.targets), r.workers, func(i int) {
		per[i] = r.targetVerdicts(ctx, i, &mu)
	})
	res := &Result{Passed: true, Notes: r.notes}
	for _, vs := range per {
		res.Verdicts = append(res.Verdicts, vs...)
	}
	for _, s := range r.sources {
		for i, a := range s.atts {
			switch {
			case a.err != nil && s.owner < 0:
				res.Verdicts = append(res.Verdicts, r.v.Check(ctx, a, Target{}))
			case a.err == nil && !s.matched[i]:
				res.Notes = append(res.Notes, fmt.Sprintf("%s names none of the artifacts (subjects: %s)", a.Source, subjectNames(a.Statement)))
			}
		}
	}
	for _, vd := range res.Verdicts {
		res.Passed = res.Passed && vd.Passed
	}
	if len(res.Verdicts) == 0 {
		res.Passed = false
	}
	return res
}

func (r *runner) targetVerdicts(ctx context.Context, i int, mu *sync.Mutex) []*Verdict {
	t := r.targets[i]
	if t.missing != "" {
		return []*Verdict{noAttestation(t, t.missing)}
	}
	var out []*Verdict
	failedOpen := 0
	for _, si := range t.sources {
		s := r.sources[si]
		for k, a := range s.atts {
			if a.err != nil {
				failedOpen++
				if s.owner == i {
					out = append(out, r.v.Check(ctx, a, t.Target))
				}
				continue
			}
			if !a.Statement.names(&t.Target) {
				continue
			}
			mu.Lock()
			s.matched[k] = true
			mu.Unlock()
			out = append(out, r.v.Check(ctx, a, t.Target))
		}
	}
	if len(out) > 0 {
		return out
	}
	// The attestation meant for this artifact (beside it, or naming it in a release
	// directory) is about other bits: its own verdict says so, step by step.
	for _, si := range t.sources {
		if s := r.sources[si]; s.owner == i {
			for k, a := range s.atts {
				mu.Lock()
				s.matched[k] = true
				mu.Unlock()
				out = append(out, r.v.Check(ctx, a, t.Target))
			}
		}
	}
	if t.from != nil {
		out = append(out, r.v.Check(ctx, t.from, t.Target))
		r.markMatched(t.from, mu)
	}
	if len(out) > 0 {
		return out
	}
	var where []string
	for _, si := range t.sources {
		where = append(where, r.sources[si].path)
	}
	msg := fmt.Sprintf("no verified attestation names %s (looked in %s)", t.label(), strings.Join(shorten(where, 3), ", "))
	if failedOpen > 0 {
		msg += fmt.Sprintf("; %d attestation(s) failed verification, see their verdicts", failedOpen)
	}
	return []*Verdict{noAttestation(t, msg)}
}

// markMatched records that a verdict reported the attestation.
func (r *runner) markMatched(a *Attestation, mu *sync.Mutex) {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range r.sources {
		for k := range s.atts {
			if s.atts[k] == a {
				s.matched[k] = true
			}
		}
	}
}

// noAttestation is the verdict of an artifact no attestation covers.
func noAttestation(t *target, msg string) *Verdict {
	vd := &Verdict{Artifact: t.Name, SHA256: t.SHA256, Digests: t.Digests}
	err := fmt.Errorf("%w: %s", ErrSubject, msg)
	vd.Checks = []Check{{Step: StepSubject, Status: Fail, Reasons: []string{msg}}}
	return vd.finish(err)
}

func subjectNames(st *Statement) string {
	names := make([]string, 0, len(st.Subject))
	for _, s := range st.Subject {
		names = append(names, fmt.Sprintf("%q", s.Name))
	}
	return strings.Join(shorten(names, 5), ", ")
}

// shorten keeps the first n items and counts the rest.
func shorten(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clip(s[:n]), fmt.Sprintf("%d more", len(s)-n))
}

// parallel calls fn(0..n-1) on up to workers goroutines, stopping early when ctx is done.
func parallel(ctx context.Context, n, workers int, fn func(int)) {
	if n == 0 {
		return
	}
	workers = min(workers, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
