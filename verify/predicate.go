package verify

import (
	"encoding/json/jsontext"
	"encoding/json/v2"
	"errors"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/schemas"
)

// maxSchemaReasons bounds how many schema violations a verdict lists.
const maxSchemaReasons = 20

// parsePredicate validates the predicate against schemas/predicate.v1.json and decodes it.
// Errors wrap [ErrPredicate].
func parsePredicate(raw jsontext.Value) (*attest.Predicate, error) {
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
				msgs = append(msgs, fmt.Sprintf("and %d more", len(se.Violations)-i))
				break
			}
			msgs = append(msgs, v.String())
		}
		return nil, fmt.Errorf("%w: does not match %s: %s", ErrPredicate, schemas.PredicateV1, strings.Join(msgs, "; "))
	}
	p := new(attest.Predicate)
	if err := json.Unmarshal(raw, p, json.RejectUnknownMembers(true)); err != nil {
		// The schema and the Go types disagree.
		return nil, fmt.Errorf("%w: %s", ErrPredicate, jsonMessage(err))
	}
	return p, nil
}

// analysisOf returns the analysis of the subject with the given sha256, or nil.
func analysisOf(p *attest.Predicate, sha string) *attest.ArtifactAnalysis {
	for i := range p.Analysis.Artifacts {
		a := &p.Analysis.Artifacts[i]
		if strings.EqualFold(a.Digest["sha256"], sha) {
			return a
		}
	}
	return nil
}
