package attest

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/candor-dev/candor/predicate"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// Statement returns the in-toto Statement v1 for a predicate, with one subject per analysed
// artifact and its digests, serialised with protojson (fields _type, predicateType) and
// compacted so that the same statement always gives the same bytes.
func Statement(p *predicate.Predicate) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	pred := new(structpb.Struct)
	if err := protojson.Unmarshal(raw, pred); err != nil {
		return nil, fmt.Errorf("predicate to protobuf: %w", err)
	}
	st := &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		PredicateType: predicate.PredicateType,
		Predicate:     pred,
	}
	for _, a := range p.Analysis.Artifacts {
		st.Subject = append(st.Subject, &intoto.ResourceDescriptor{Name: a.Name, Digest: a.Digest})
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("in-toto statement: %w", err)
	}
	b, err := protojson.Marshal(st)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
