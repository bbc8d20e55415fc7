package verify

import (
	"encoding/json/jsontext"
	"encoding/json/v2"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/predicate"
	intoto "github.com/in-toto/attestation/go/v1"
)

// StatementType is the _type of an in-toto Statement v1, what candor writes.
const StatementType = intoto.StatementTypeUri

// StatementTypeV01 is the _type of an in-toto Statement v0.1, what cosign attest (v2 and
// v3) writes. verify reads it as v1: the fields candor uses (subject names and digests,
// predicateType, predicate) are the same in both versions.
const StatementTypeV01 = "https://in-toto.io/Statement/v0.1"

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

// statementSchema names the members of a statement for [strictjson.Check]: candor's fields
// and the other fields of an in-toto resource descriptor, so that a name folding onto any of
// them ("Subject", "predicate_type", "URI") is refused. The predicate is any value here;
// parsePredicate checks its names.
var statementSchema = sync.OnceValue(strictjson.For[struct {
	Statement
	Subject []struct {
		Subject
		URI              string         `json:"uri"`
		Content          []byte         `json:"content"`
		DownloadLocation string         `json:"downloadLocation"`
		MediaType        string         `json:"mediaType"`
		Annotations      jsontext.Value `json:"annotations"`
	} `json:"subject"`
}])

// ParseStatement parses a verified payload as candor's in-toto statement: strict JSON (valid
// UTF-8, one value nested at most [strictjson.MaxDepth] levels, no two member names of one
// object that differ only in case, '_' or '-', nor exact duplicates, at any depth of the
// statement, its subjects, their digests and the predicate, and no name that folds onto a
// field of the statement or a subject without being it: encoding/json matches names
// case-insensitively and keeps the last duplicate, protojson accepts "predicate_type" for
// "predicateType", and the statement they read must be the one candor reads), _type
// [StatementType] or [StatementTypeV01], at least one subject, each with a digest (those in algorithms verify
// checks, sha256 and sha512, well formed), predicate type [predicate.PredicateType] and a
// predicate object. Errors wrap [ErrStatement].
func ParseStatement(payload []byte) (*Statement, error) {
	return parseStatement(payload, predicate.PredicateType)
}

// parseStatement is [ParseStatement] accepting any of the predicate types given.
func parseStatement(payload []byte, predicateTypes ...string) (*Statement, error) {
	if err := strictjson.Check(payload, statementSchema()); err != nil {
		return nil, fmt.Errorf("%w: the signed payload is not a valid statement: %w", ErrStatement, err)
	}
	var st Statement
	if err := json.Unmarshal(payload, &st); err != nil {
		return nil, fmt.Errorf("%w: the signed payload is not a valid statement: %s", ErrStatement, jsonMessage(err))
	}
	if !slices.Contains(statementTypes, st.Type) {
		return nil, fmt.Errorf("%w: _type is %q; want %q (in-toto Statement v1) or %q (v0.1, which cosign attest writes)", ErrStatement, st.Type, StatementType, StatementTypeV01)
	}
	if !slices.Contains(predicateTypes, st.PredicateType) {
		return nil, fmt.Errorf("%w: predicateType is %q; want %q", ErrStatement, st.PredicateType, strings.Join(predicateTypes, `" or "`))
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
