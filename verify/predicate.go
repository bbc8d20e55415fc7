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
	return p, nil
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
