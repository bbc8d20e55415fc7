package inspect

import (
	"encoding/json/jsontext"
	"encoding/json/v2"
	"fmt"
	"slices"
	"sync"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/predicate"
	intoto "github.com/in-toto/attestation/go/v1"
)

// statementTypes are the in-toto statement types inspect reads.
var statementTypes = []string{intoto.StatementTypeUri, "https://in-toto.io/Statement/v0.1"}

// wireStatement is an in-toto statement as inspect reads it: any predicate, kept raw.
// verify.ParseStatement reads only candor's predicate type, so inspect has its own reader.
type wireStatement struct {
	Type          string         `json:"_type"`
	Subject       []Subject      `json:"subject"`
	PredicateType string         `json:"predicateType"`
	Predicate     jsontext.Value `json:"predicate"`
}

var statementSchema = sync.OnceValue(strictjson.For[wireStatement])

// readStatement reads the payload of an envelope into a: the statement type, subjects and
// predicate type, then the predicate by its type. The payload is checked first by
// [strictjson.Check] (bounded nesting, no duplicate or case-folded member names, which
// different parsers would read differently). A payload inspect cannot read leaves
// a.Kind [KindInvalid] and a.Error saying why; a predicate type it does not know leaves
// [KindUnknown].
func readStatement(a *Attestation, payloadType string, payload []byte) {
	a.Kind = KindInvalid
	if payloadType != predicate.PayloadType {
		a.Error = fmt.Sprintf("payload type %q is not %q: not an in-toto statement", clip(payloadType), predicate.PayloadType)
		return
	}
	if err := strictjson.Check(payload, statementSchema()); err != nil {
		a.Error = "the payload is not a statement inspect reads: " + err.Error()
		return
	}
	var st wireStatement
	if err := json.Unmarshal(payload, &st); err != nil {
		a.Error = "the payload is not a statement inspect reads: " + err.Error()
		return
	}
	a.StatementType = st.Type
	a.PredicateType = st.PredicateType
	if len(st.Subject) > maxListed {
		st.Subject = st.Subject[:maxListed]
	}
	a.Subjects = st.Subject
	if !slices.Contains(statementTypes, st.Type) {
		a.Error = fmt.Sprintf("_type %q is not an in-toto statement", clip(st.Type))
		return
	}
	if len(st.Subject) == 0 {
		a.Error = "the statement has no subject"
		return
	}
	readPredicate(a, st.PredicateType, st.Predicate)
}

// clip bounds a quoted value in a message.
func clip(s string) string {
	const most = 200
	if len(s) > most {
		return s[:most] + "..."
	}
	return s
}
