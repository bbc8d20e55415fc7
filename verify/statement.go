package verify

import (
	"encoding/json/jsontext"
	"encoding/json/v2"
	"fmt"

	"github.com/candor-dev/candor/attest"
	intoto "github.com/in-toto/attestation/go/v1"
)

// StatementType is the _type of an in-toto Statement v1.
const StatementType = intoto.StatementTypeUri

// Statement is an in-toto Statement v1 as verify reads it. Fields of the statement and its
// subjects that candor does not use are ignored, as the in-toto specification asks; the
// predicate is kept as raw JSON.
type Statement struct {
	Type          string         `json:"_type"`
	Subject       []Subject      `json:"subject"`
	PredicateType string         `json:"predicateType"`
	Predicate     jsontext.Value `json:"predicate"`
}

// Subject is a statement subject: a name and its digests by algorithm.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// ParseStatement parses a verified payload as candor's in-toto statement: strict JSON (valid
// UTF-8, one value, no duplicate member names at any depth: a parser that kept the first
// duplicate and one that kept the last would read two different statements), _type
// [StatementType], at least one subject, each with a digest (those in algorithms verify
// checks, sha256 and sha512, well formed), predicate type [attest.PredicateType] and a
// predicate object. Errors wrap [ErrStatement].
func ParseStatement(payload []byte) (*Statement, error) {
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: the signed payload is not a valid statement: %s", ErrStatement, jsonMessage(err))
	}
	if st.Type != StatementType {
		return nil, fmt.Errorf("%w: _type is %q; want %q (in-toto Statement v1)", ErrStatement, st.Type, StatementType)
	}
	if st.PredicateType != attest.PredicateType {
		return nil, fmt.Errorf("%w: predicateType is %q; want %q", ErrStatement, st.PredicateType, attest.PredicateType)
	}
	if len(st.Subject) == 0 {
		return nil, fmt.Errorf("%w: the statement has no subject", ErrStatement)
	}
	if err := checkDigests(&st); err != nil {
		return nil, err
	}
	if st.Predicate.Kind() != '{' {
		return nil, fmt.Errorf("%w: the statement has no predicate object", ErrStatement)
	}
	return &st, nil
}

// isHex reports whether s is n hexadecimal digits.
func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
