package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
)

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
			case a.other != "": // listed in Result.Unverified
			case a.dupOf != nil: // checked as the envelope it holds, whose verdicts name it
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
			if a.other != "" || a.dupOf != nil {
				continue
			}
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
	// A verification summary beside the artifact is about it: one about other bits fails,
	// step by step, rather than being a note.
	for _, si := range t.sources {
		if s := r.sources[si]; s.owner == i && len(out) > 0 {
			for k, a := range s.atts {
				if a.other == "" && a.err == nil && a.Statement.PredicateType == SummaryPredicateType && !a.Statement.names(&t.Target) {
					mu.Lock()
					s.matched[k] = true
					mu.Unlock()
					out = append(out, r.v.Check(ctx, a, t.Target))
				}
			}
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
				if a.other != "" || a.dupOf != nil {
					continue
				}
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

// noAttestation is the verdict of an artifact no attestation covers: one failed step, the
// subject, and no other (there was no envelope to parse or sign).
func noAttestation(t *target, msg string) *Verdict {
	vd := &Verdict{Artifact: t.Name, SHA256: t.SHA256, Digests: t.Digests}
	err := fmt.Errorf("%w: %s", ErrSubject, msg)
	vd.Checks = []Check{{Step: StepSubject, Status: Fail, Reasons: []string{msg}}}
	vd.Err, vd.Passed, vd.Message = err, false, err.Error()
	return vd
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
