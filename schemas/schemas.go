package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"sync"

	"github.com/candor-dev/candor/internal/strictjson"
)

// Schema ids ($id of each file). A document names its schema by these URLs.
const (
	// DisclosureV1 is the id of disclosure.v1.json.
	DisclosureV1 = "https://candor.dev/schemas/disclosure/v1.json"
	// PredicateV1 is the id of predicate.v1.json.
	PredicateV1 = "https://candor.dev/schemas/predicate/v1.json"
	// PolicyV1 is the id of policy.v1.json, the buyer's verification policy.
	PolicyV1 = "https://candor.dev/schemas/policy/v1.json"
)

//go:embed disclosure.v1.json predicate.v1.json policy.v1.json
var files embed.FS

// fileOf maps each embedded schema id to its file name.
var fileOf = map[string]string{
	DisclosureV1: "disclosure.v1.json",
	PredicateV1:  "predicate.v1.json",
	PolicyV1:     "policy.v1.json",
}

// File returns the raw bytes of the schema with the given id, for publishing it.
func File(id string) ([]byte, error) {
	name, ok := fileOf[id]
	if !ok {
		return nil, fmt.Errorf("schemas: unknown schema %q", id)
	}
	return files.ReadFile(name)
}

// compiled holds the embedded schemas compiled so far. Each is compiled on first use, with
// the files it refers to; compiling takes well under a millisecond.
var compiled struct {
	sync.Mutex
	c *compiler
}

// schemaOf returns the compiled schema with the given id.
func schemaOf(id string) (*schema, error) {
	if _, ok := fileOf[id]; !ok {
		return nil, fmt.Errorf("schemas: unknown schema %q", id)
	}
	compiled.Lock()
	defer compiled.Unlock()
	if compiled.c == nil {
		compiled.c = newCompiler(func(id string) ([]byte, error) {
			name, ok := fileOf[id]
			if !ok {
				return nil, fmt.Errorf("reference to %s outside the embedded schemas", id)
			}
			return files.ReadFile(name)
		})
	}
	s, err := compiled.c.compile(id)
	if err != nil {
		compiled.c = nil // start again rather than keep what a failed compile left
		return nil, fmt.Errorf("schemas: compile %s: %w", id, err)
	}
	return s, nil
}

// Precompile compiles the schemas with the given ids, or all of them when none is given,
// ahead of their first use.
func Precompile(ids ...string) error {
	if len(ids) == 0 {
		for id := range fileOf {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if _, err := schemaOf(id); err != nil {
			return err
		}
	}
	return nil
}

// ValidateDisclosure validates a decoded disclosure manifest against [DisclosureV1].
func ValidateDisclosure(v any) error { return Validate(DisclosureV1, v) }

// ValidatePredicate validates a decoded predicate against [PredicateV1].
func ValidatePredicate(v any) error { return Validate(PredicateV1, v) }

// ValidatePolicy validates a decoded buyer policy against [PolicyV1].
func ValidatePolicy(v any) error { return Validate(PolicyV1, v) }

// ValidatePredicateJSON decodes JSON (numbers kept exact) and validates it against [PredicateV1].
// It is first read as internal/strictjson reads untrusted JSON: nesting deeper than
// [MaxDepth] is refused with [ErrDepth] before anything is decoded, and so are member names
// of one object that differ only in case, '_' or '-'.
func ValidatePredicateJSON(b []byte) error {
	if err := strictjson.Check(b, nil); err != nil {
		if errors.Is(err, strictjson.ErrDepth) {
			return &tooDeepJSON{err}
		}
		return fmt.Errorf("%w: predicate is not JSON candor accepts: %w", ErrInvalid, err)
	}
	v, err := unmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%w: predicate is not JSON: %w", ErrInvalid, err)
	}
	return ValidatePredicate(v)
}

// tooDeepJSON is strictjson's refusal of JSON nested too deeply, which wraps [ErrDepth] too.
type tooDeepJSON struct{ err error }

func (e *tooDeepJSON) Error() string   { return "predicate: " + e.err.Error() }
func (e *tooDeepJSON) Unwrap() []error { return []error{ErrDepth, e.err} }

// Validate validates a decoded JSON value against the embedded schema with the given id.
// A value that does not conform gives an [*Error] wrapping [ErrInvalid], and [ErrDepth] when
// a value sits deeper than [MaxDepth]. The cost is linear in the size of the document.
func Validate(id string, v any) error {
	s, err := schemaOf(id)
	if err != nil {
		return err
	}
	return s.check(id, v, MaxDepth)
}

// check validates v against s, the schema with the given id, refusing values deeper than
// maxDepth.
func (s *schema) check(id string, v any, maxDepth int) error {
	st := &state{maxDepth: maxDepth}
	f := s.validate(st, v, rootLoc())
	if st.deep != nil {
		return depthError(id, st.deep, maxDepth)
	}
	if f == nil {
		return nil
	}
	vs, omitted := violations(f, MaxViolations)
	omitted += st.tally.elided
	if len(vs) == 0 { // every failure elided: never with maxFailures above a schema's required fields
		vs = []Violation{{At: []string{}, Field: []string{}, Message: "too many violations to list"}}
	}
	return &Error{Schema: id, Violations: vs, Omitted: omitted, elided: st.tally.elided}
}
