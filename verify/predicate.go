package verify

import (
	"encoding/json/jsontext"
	"encoding/json/v2"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
)

// maxSchemaReasons bounds how many schema violations a verdict lists.
const maxSchemaReasons = 20

// predicateSchema names the members of a predicate for [strictjson.Check].
var predicateSchema = sync.OnceValue(strictjson.For[predicate.Predicate])

// parsePredicate validates the predicate against schemas/predicate.v1.json and decodes it.
// First it refuses, at every depth, a member name that folds onto a field of
// [predicate.Predicate] without being it ("Product", "scanned_at"), which another JSON parser
// would read as that field, and names that fold together or nest too deep, so that what the
// schema validator and decoder see is bounded. Errors wrap [ErrPredicate].
func parsePredicate(raw jsontext.Value) (*predicate.Predicate, error) {
	if err := strictjson.Check(raw, predicateSchema()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPredicate, err)
	}
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrPredicate, jsonMessage(err))
	}
	if err := schemas.ValidatePredicate(doc); err != nil {
		var se *schemas.Error
		if !errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %w", ErrPredicate, err)
		}
		msgs := make([]string, 0, len(se.Violations))
		for i, v := range se.Violations {
			if i == maxSchemaReasons {
				msgs = append(msgs, fmt.Sprintf("and %d more", len(se.Violations)-i+se.Omitted))
				break
			}
			msgs = append(msgs, v.String())
		}
		return nil, fmt.Errorf("%w: does not match %s: %s", ErrPredicate, schemas.PredicateV1, strings.Join(msgs, "; "))
	}
	p := new(predicate.Predicate)
	if err := json.Unmarshal(raw, p, json.RejectUnknownMembers(true)); err != nil {
		// The schema and the Go types disagree.
		return nil, fmt.Errorf("%w: %s", ErrPredicate, jsonMessage(err))
	}
	if r := checkSigned(p); len(r) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrPredicate, strings.Join(r, "; "))
	}
	return p, nil
}

// checkSigned checks what a signature alone does not make true and candor's attest always
// writes, so that a hand-signed predicate cannot claim more than attest would sign (it
// fails closed, with one reason per problem, at most maxSchemaReasons):
//
//   - every host pattern of the disclosure (endpoints, telemetry and update endpoints,
//     accepted hosts) is one attest accepts ([predicate.NormalizeHost]: no "*.com", no
//     "*.0.1") and in the normal form attest records;
//   - every finding's disposition is what its coveredBy gives, and its reason is the
//     accepted entry's reason for an accepted finding and empty otherwise; a coveredBy
//     naming an accepted entry the disclosure does not have is refused;
//   - each commitment's counts add up (findings = disclosed + accepted + undisclosed) and
//     are those of the findings' dispositions.
func checkSigned(p *predicate.Predicate) []string {
	var r []string
	add := func(format string, args ...any) {
		if len(r) <= maxSchemaReasons {
			r = append(r, fmt.Sprintf(format, args...))
		}
	}
	d := &p.Disclosure
	host := func(where, s string) {
		h, _, err := predicate.NormalizeHost(s)
		switch {
		case err != nil:
			add("disclosure %s: %s: attest refuses this pattern, so it covers nothing", where, strings.TrimPrefix(err.Error(), predicate.ErrHost.Error()+": "))
		case h != s:
			add("disclosure %s: %q is not in the normal form attest records (%q)", where, s, h)
		}
	}
	for i, e := range d.Endpoints {
		host(fmt.Sprintf("endpoints[%d].host", i), e.Host)
	}
	for i, t := range d.Telemetry {
		for j, e := range t.Endpoints {
			host(fmt.Sprintf("telemetry[%d].endpoints[%d]", i, j), e)
		}
	}
	if d.Updates != nil {
		for j, e := range d.Updates.Endpoints {
			host(fmt.Sprintf("updates.endpoints[%d]", j), e)
		}
	}
	for i, a := range d.Accepted {
		if a.Host != "" {
			host(fmt.Sprintf("accepted[%d].host", i), a.Host)
		}
	}
	var counts [3]predicate.CommitmentVerdict
	for i := range p.Analysis.Artifacts {
		a := &p.Analysis.Artifacts[i]
		walkFindings(a.Name, a, func(where string, f *predicate.Finding) {
			disp, reason, ok := d.Judge(f.CoveredBy)
			switch {
			case !ok:
				add("%s: %s is covered by %s, which the disclosure does not have", where, findingName(f), f.CoveredBy)
			case f.Disposition != disp:
				add("%s: %s is marked %s, but coveredBy %q makes it %s", where, findingName(f), f.Disposition, f.CoveredBy, disp)
			case f.Reason != reason && reason == "":
				add("%s: %s has a reason but is not accepted (coveredBy %q)", where, findingName(f), f.CoveredBy)
			case f.Reason != reason:
				add("%s: %s has reason %q, not the reason of %s", where, findingName(f), f.Reason, f.CoveredBy)
			}
			for _, k := range commitmentIndexes(f.Commitment) {
				c := &counts[k]
				c.Findings++
				switch f.Disposition {
				case predicate.Disclosed:
					c.Disclosed++
				case predicate.AcceptedFinding:
					c.Accepted++
				default:
					c.Undisclosed++
				}
			}
		})
	}
	v := p.Verdict
	for k, got := range []predicate.CommitmentVerdict{v.NoUndisclosedRemoteControl, v.NoUndisclosedExfiltration, v.NoForcedUpgrade} {
		want := counts[k]
		if got.Findings != want.Findings || got.Disclosed != want.Disclosed || got.Accepted != want.Accepted || got.Undisclosed != want.Undisclosed {
			add("verdict %s counts %d finding(s): %d disclosed, %d accepted, %d undisclosed; the analysis has %d: %d disclosed, %d accepted, %d undisclosed",
				commitmentNames[k], got.Findings, got.Disclosed, got.Accepted, got.Undisclosed, want.Findings, want.Disclosed, want.Accepted, want.Undisclosed)
		}
	}
	if len(r) > maxSchemaReasons {
		r = append(r[:maxSchemaReasons], "and more")
	}
	return r
}

// commitmentNames are the predicate's verdict members, in the order of commitmentIndexes.
var commitmentNames = [3]string{"noUndisclosedRemoteControl", "noUndisclosedExfiltration", "noForcedUpgrade"}

// commitmentIndexes returns the verdicts a finding of commitment c bears on: one, or all
// three for a finding that bears on all (an artifact that cannot be analysed).
func commitmentIndexes(c scan.Commitment) []int {
	switch c {
	case scan.CommitmentRemoteControl:
		return []int{0}
	case scan.CommitmentExfiltration:
		return []int{1}
	case scan.CommitmentForcedUpgrade:
		return []int{2}
	case scan.CommitmentAll:
		return []int{0, 1, 2}
	}
	return nil
}

// analysisOf returns the analysis of the subject that matched the artifact, or nil: the
// entry whose digests agree with those of the artifact and, where the artifact has none in
// an algorithm, of the subject.
func analysisOf(p *predicate.Predicate, sub *Subject, t *Target) *predicate.ArtifactAnalysis {
	ref := map[string]string{}
	for _, alg := range knownAlgs {
		if d := t.digest(alg); d != "" {
			ref[alg] = d
		} else if d := sub.Digest[alg]; d != "" {
			ref[alg] = d
		}
	}
	for i := range p.Analysis.Artifacts {
		a := &p.Analysis.Artifacts[i]
		if sameBits(a.Digest, ref) {
			return a
		}
	}
	return nil
}

// sameBits reports whether two digest sets name the same bits: they have a digest in a known
// algorithm in common, and differ in none.
func sameBits(a, b map[string]string) bool {
	common := false
	for _, alg := range knownAlgs {
		x, y := a[alg], b[alg]
		if x == "" || y == "" {
			continue
		}
		if !strings.EqualFold(x, y) {
			return false
		}
		common = true
	}
	return common
}
