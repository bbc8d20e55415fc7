package verify

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/predicate"
)

// Attestation file names: an artifact's attestation sits beside it as ARTIFACT.intoto.json
// (one envelope) or ARTIFACT.intoto.jsonl (JSON lines, one envelope per line).
//
// Beside them, ARTIFACT.vsa.intoto.json is a verification summary (as candor verify --vsa
// writes it), and ARTIFACT.sigstore.json a Sigstore bundle (as candor attest --bundle and
// cosign write it), read when neither envelope file is beside the artifact (attest --bundle
// writes the same attestation in both forms); a directory's *.sigstore.json files are
// bundles too, and so is a bundle line of a .jsonl file.
const (
	SuffixJSON   = ".intoto.json"
	SuffixJSONL  = ".intoto.jsonl"
	SuffixVSA    = ".vsa.intoto.json"
	SuffixBundle = ".sigstore.json"
)

// source is one attestation file (or blob) and the envelopes in it.
type source struct {
	// path is the file, or the blob's name.
	path string
	// blob is the attestation given in memory (Inputs.Blobs), nil for a file.
	blob *Blob
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
	// exec marks a file of a release directory that is an executable.
	exec bool
}

// collect stats the artifacts and finds the attestation files.
func (r *runner) collect() error {
	explicit := r.in.explicit()
	for _, p := range r.in.Attestations {
		files, err := attestationFiles(p, true)
		if err != nil {
			return err
		}
		for _, f := range files {
			r.sources = append(r.sources, &source{path: f, owner: -1})
		}
	}
	for i := range r.in.Blobs {
		b := &r.in.Blobs[i]
		r.sources = append(r.sources, &source{path: b.Name, blob: b, owner: -1})
	}
	r.dirSources = map[int][]int{}
	var lone []string // artifact files with no attestation beside them
	for _, p := range r.in.Artifacts {
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
				return fmt.Errorf("%w in release directory %s: it holds no *%s or *%s file at its top level", ErrNoAttestation, p, SuffixJSON, SuffixJSONL)
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
			envelopes := 0
			for _, suffix := range []string{SuffixJSON, SuffixJSONL, SuffixVSA, SuffixBundle} {
				if suffix == SuffixBundle && envelopes > 0 {
					// attest --bundle writes the same attestation as a bundle beside the
					// envelope: the bundle is read when the envelope is not there.
					continue
				}
				if r.in.Summary != nil && samePath(p+suffix, r.in.Summary.Path) {
					continue // the summary this run writes is not one of its inputs
				}
				fi, err := os.Stat(p + suffix)
				if err != nil {
					continue
				}
				if suffix == SuffixJSON || suffix == SuffixJSONL {
					envelopes++
				}
				if !fi.Mode().IsRegular() {
					// A FIFO or device would block or never end: never open one.
					return fmt.Errorf("%w: %s: %w: it is %s; candor reads attestations only from regular files", ErrInput, p+suffix, fileio.ErrNotRegular, fileio.Describe(fi.Mode()))
				}
				t.sources = append(t.sources, len(r.sources))
				r.sources = append(r.sources, &source{path: p + suffix, owner: len(r.targets)})
			}
			if len(t.sources) == 0 {
				lone = append(lone, p)
			}
		}
		r.targets = append(r.targets, t)
	}
	if err := noAttestationError(lone); err != nil {
		return err
	}
	for _, d := range r.in.Digests {
		alg, h, err := parseDigest(d)
		if err != nil {
			return err
		}
		t := Target{Name: alg + ":" + h}
		r.targets = append(r.targets, &target{Target: t.withDigests(map[string]string{alg: h}), dirIndex: -1})
	}
	for _, it := range r.in.Targets {
		d := it.all()
		for alg, h := range d {
			d[alg] = strings.ToLower(h)
		}
		t := Target{Name: it.Name, Path: it.Path, vouched: true}
		t = t.withDigests(d)
		if t.Name == "" {
			t.Name = strings.Replace(t.label(), " ", ":", 1) // sha256:HEX, as for Digests
		}
		r.targets = append(r.targets, &target{Target: t, dirIndex: -1})
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

// ErrNoAttestation: an artifact file has no attestation beside it, or an attestation file
// given in Inputs.Attestations does not exist. Either way verify was not given what it
// needs for a verdict: it wraps [ErrInput] (exit code 2), and [Run] gives no verdict. (An
// executable of a release directory that no attestation names is a failed verdict
// instead: the release holds something its vendor did not attest.)
var ErrNoAttestation = fmt.Errorf("%w: no attestation", ErrInput)

// noAttestationError is the error for artifact files with no attestation beside them, or
// nil when there are none.
func noAttestationError(lone []string) error {
	switch len(lone) {
	case 0:
		return nil
	case 1:
		p := lone[0]
		return fmt.Errorf("%w for %s: %s or %s is expected beside it (or name it in Inputs.Attestations)", ErrNoAttestation, p, filepath.Base(p)+SuffixJSON, filepath.Base(p)+SuffixJSONL)
	}
	return fmt.Errorf("%w for %s: ARTIFACT%s or ARTIFACT%s is expected beside each (or name it in Inputs.Attestations)", ErrNoAttestation, strings.Join(shorten(lone, 5), ", "), SuffixJSON, SuffixJSONL)
}

// attestationFiles returns path itself, or for a directory its *.intoto.json and
// *.intoto.jsonl files in name order.
func attestationFiles(path string, explicit bool) ([]string, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w file %w", ErrNoAttestation, cleanPathError(err))
	}
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
		return nil, fmt.Errorf("%w in %s %s: it holds no *%s or *%s file", ErrNoAttestation, what, path, SuffixJSON, SuffixJSONL)
	}
	return out, nil
}

func isAttestationName(name string) bool {
	return !strings.HasPrefix(name, ".") && (strings.HasSuffix(name, SuffixJSON) || strings.HasSuffix(name, SuffixJSONL) || strings.HasSuffix(name, SuffixBundle))
}

// cleanPathError says "no such file" the way a person expects.
func cleanPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return fileio.Reworded(pe.Path+": no such file or directory", err)
	}
	return err
}

// dirTargets turns the subjects of each release directory's verified attestations into
// targets: files in the directory named by the subjects.
func (r *runner) dirTargets() error {
	for di, dir := range r.dirs {
		srcs := r.dirSources[di]
		if r.in.explicit() {
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
					} else {
						t.Name = t.Path
					}
					r.targets = append(r.targets, t)
				}
			}
		}
		if err := r.unattested(di, dir); err != nil {
			return err
		}
	}
	return nil
}

// unattested gives each executable of a release directory that no attestation names a
// failed verdict, or with Inputs.AllowUnattested lists it as not verified.
func (r *runner) unattested(di int, dir string) error {
	rl := r.releases[di]
	execs, err := rl.unnamedExecutables()
	if err != nil {
		return err
	}
	var read []string
	failed := 0
	for _, si := range r.dirSources[di] {
		candor := false
		for _, a := range r.sources[si].atts {
			if a.other == "" {
				candor = true
			}
			if a.err != nil && a.other == "" {
				failed++
			}
		}
		if candor {
			read = append(read, filepath.Base(r.sources[si].path))
		}
	}
	if len(read) == 0 {
		read = []string{"none of candor's"}
	}
	for _, rel := range execs {
		if r.in.AllowUnattested {
			rl.unattested[rel] = true
			continue
		}
		rl.used[rel] = true
		p := filepath.Join(dir, filepath.FromSlash(rel))
		msg := fmt.Sprintf("no attestation names this executable of the release (attestations read: %s): its vendor did not attest it; it fails unless unattested executables are allowed (Inputs.AllowUnattested)", strings.Join(shorten(read, 3), ", "))
		if failed > 0 {
			msg += fmt.Sprintf("; %d attestation(s) failed verification, see their verdicts", failed)
		}
		r.targets = append(r.targets, &target{Target: Target{Name: p, Path: p}, dirIndex: di, missing: msg})
	}
	return nil
}

// unverified lists the entries of every release directory that no verdict accounts for
// (taking out of the targets those unnamedTargets lists), and notes each.
func (r *runner) unverified() []Unverified {
	var out []Unverified
	for _, rl := range r.releases {
		out = append(out, rl.unverified()...)
	}
	out = append(out, r.unnamedTargets()...)
	for _, s := range r.sources {
		for _, a := range s.atts {
			switch {
			case a.skip != "":
				out = append(out, Unverified{Path: a.Source, Reason: a.skip})
			case a.other != "":
				out = append(out, Unverified{Path: a.Source, Reason: fmt.Sprintf("attestation of another predicate type, %s, skipped (candor verifies %s)", a.other, predicate.PredicateType)})
			}
		}
	}
	for _, u := range out {
		r.notes = append(r.notes, fmt.Sprintf("%s: not verified: %s", u.Path, u.Reason))
	}
	return out
}

// dirFiles adds every regular, non-hidden file of a release directory, at every level, that
// is not an attestation at its top level, and every hidden executable: each is matched by
// digest against the attestations given. Those no attestation names are sorted out by
// unnamedTargets.
func (r *runner) dirFiles(di int, dir string) error {
	var srcs []int
	for i := range r.sources {
		srcs = append(srcs, i)
	}
	rl := r.releases[di]
	rels := rl.files()
	execs, err := rl.executables(rels)
	if err != nil {
		return err
	}
	hiddenExecs, err := rl.unnamedExecutables()
	if err != nil {
		return err
	}
	for _, rel := range hiddenExecs {
		rl.used[rel] = true
		execs[rel] = true
	}
	for _, rel := range append(rels, hiddenExecs...) {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		r.targets = append(r.targets, &target{Target: Target{Name: p, Path: p}, sources: srcs, dirIndex: di, exec: execs[rel]})
	}
	return nil
}

// unnamedTargets takes out of the targets the files of release directories matched against
// the attestations given (Inputs.Attestations) that no attestation names, and lists them:
// any file but an executable, and an executable when unattested executables are allowed.
// An executable no attestation names stays, and fails. Only then are the targets' indexes
// changed: with attestations given, no source is a target's own (owner is -1).
func (r *runner) unnamedTargets() []Unverified {
	if !r.in.explicit() {
		return nil
	}
	var out []Unverified
	kept := r.targets[:0]
	for _, t := range r.targets {
		if t.dirIndex < 0 || r.namedByAny(t) {
			kept = append(kept, t)
			continue
		}
		switch {
		case !t.exec:
			out = append(out, Unverified{Path: t.Name, Reason: "named by no attestation"})
		case r.in.AllowUnattested:
			out = append(out, Unverified{Path: t.Name, Reason: "executable named by no attestation (unattested executables allowed)"})
		default:
			kept = append(kept, t)
		}
	}
	r.targets = kept
	return out
}

// namedByAny reports whether an attestation that passed the first steps has a subject
// with the target's digest.
func (r *runner) namedByAny(t *target) bool {
	for _, si := range t.sources {
		for _, a := range r.sources[si].atts {
			if a.err == nil && a.other == "" && a.Statement.names(&t.Target) {
				return true
			}
		}
	}
	return false
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// samePath reports whether two paths name the same file: the same absolute path, or the
// same file on disk.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	if err1 == nil && err2 == nil && aa == bb {
		return true
	}
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}
