package verify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/sigbundle"
)

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
		// bundle is set for a Sigstore bundle (sigbundle.IsBundle), in place of env.
		bundle   *sigbundle.Bundle
		isBundle bool
		optErr   error
		// dupOf is the envelope whose signed content this bundle's is (see duplicate.go):
		// only the bundle's signature step runs, giving signed.
		dupOf  *job
		signed *signedBundle
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
			if sigbundle.IsBundle(envs[k]) {
				j.isBundle = true
				j.bundle, j.err = sigbundle.Parse(j.name, envs[k])
				return
			}
			j.env, j.err = ParseEnvelope(envs[k])
		})
		for _, j := range jobs[base:] {
			checks += r.v.signatureChecks(j.env)
			if j.isBundle && j.err == nil {
				checks++
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.in.explicit() {
		// An attestation given twice, as an envelope and a bundle, is checked once.
		envs := map[string][]*job{}
		for _, j := range jobs {
			if j.env != nil && j.err == nil && j.src.splitErr == nil {
				k := envelopeContent(j.env).key()
				envs[k] = append(envs[k], j)
			}
		}
		for _, j := range jobs {
			if c := bundleContent(j.bundle); j.err == nil && c != nil {
				for _, e := range envs[c.key()] {
					if c.equal(envelopeContent(e.env)) {
						j.dupOf = e
						break
					}
				}
			}
		}
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
		if j.dupOf != nil {
			j.src.atts[j.i], j.signed, j.optErr = r.v.bundleSignature(j.name, j.sha, j.bundle, j.err)
			return
		}
		if j.isBundle {
			a, optErr := r.v.openBundle(j.name, j.sha, j.bundle, j.err)
			j.src.atts[j.i], j.optErr = a, optErr
			if a.err == nil && !r.in.explicit() && a.Statement.PredicateType == predicate.PredicateType {
				_, _ = a.predicate()
			}
			return
		}
		if pt := otherPredicateType(j.env); j.err == nil && pt != "" {
			j.src.atts[j.i] = skippedAttestation(j.name, j.sha, pt)
			return
		}
		a := r.v.openParsed(ctx, j.name, j.sha, j.env, j.err)
		j.src.atts[j.i] = a
		if a.err == nil && !r.in.explicit() && a.Statement.PredicateType == predicate.PredicateType {
			// An attestation beside an artifact or in a release directory is checked against
			// it: parse its predicate now, while the artifacts are still being hashed.
			_, _ = a.predicate()
		}
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, j := range jobs {
		if j.dupOf == nil || j.signed == nil {
			continue // not a copy, or its signature step failed: its own verdict says so
		}
		a, kept := j.src.atts[j.i], j.dupOf.src.atts[j.dupOf.i]
		res := j.signed.res
		if kept.signaturePassed() && res.PayloadType == j.dupOf.env.PayloadType && bytes.Equal(res.Payload, j.dupOf.env.Payload) {
			markDuplicate(a, kept)
			continue
		}
		// The envelope failed its signature step: the bundle is verified on its own.
		j.src.atts[j.i] = r.v.bundleStatement(a, j.signed)
	}
	// A bundle that what is trusted cannot judge (a keyless one and no identity policy) is
	// no verdict either way: the run stops, saying what to give.
	var optErrs []error
	for _, j := range jobs {
		if j.optErr != nil {
			optErrs = append(optErrs, j.optErr)
		}
	}
	if len(optErrs) > 0 {
		return fmt.Errorf("%w: %w", ErrOptions, errors.Join(optErrs...))
	}
	return nil
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
	budget := r.v.limits.MaxBytes - r.bytes
	var data []byte
	if s.blob != nil {
		// A blob is read as a file is: over the budget, the batch stops; over the size
		// limit, one byte more than it is kept, and the envelope fails to parse.
		data = s.blob.Data
		if int64(len(data)) > budget {
			return nil, nil, r.bytesLimit(int64(len(data)))
		}
		data = data[:min(int64(len(data)), limit+1)]
	} else if data, err = r.readFile(path, limit, budget); err != nil {
		return nil, nil, err
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

// readFile reads an attestation file, a regular one only, of at most limit bytes (one more
// says it is over) and budget bytes.
func (r *runner) readFile(path string, limit, budget int64) ([]byte, error) {
	f, fi, err := fileio.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, cleanPathError(err))
	}
	defer f.Close()
	if fi.Size() > budget {
		return nil, r.bytesLimit(fi.Size())
	}
	data, err := fileio.ReadAtMost(f, fi.Size(), min(limit, budget))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	return data, nil
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

// skippedAttestation is an envelope of another predicate type, skipped unchecked.
func skippedAttestation(name, sha, predicateType string) *Attestation {
	return &Attestation{Source: name, SHA256: sha, other: predicateType,
		err: fmt.Errorf("%w: predicate type %s is not candor's: skipped", ErrStatement, predicateType)}
}
