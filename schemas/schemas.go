package schemas

import (
	"bytes"
	"embed"
	"fmt"
	"sync"
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

// compiled holds every embedded schema, compiled together on first use (they refer to each
// other); compiling takes a few tens of microseconds.
var compiled = sync.OnceValues(func() (map[string]*schema, error) {
	c := newCompiler()
	for id, name := range fileOf {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		if err := c.add(id, b); err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", name, err)
		}
	}
	out := make(map[string]*schema, len(fileOf))
	for id := range fileOf {
		s, err := c.compile(id)
		if err != nil {
			return nil, fmt.Errorf("schemas: compile %s: %w", id, err)
		}
		out[id] = s
	}
	return out, nil
})

// schemaOf returns the compiled schema with the given id.
func schemaOf(id string) (*schema, error) {
	if _, ok := fileOf[id]; !ok {
		return nil, fmt.Errorf("schemas: unknown schema %q", id)
	}
	all, err := compiled()
	if err != nil {
		return nil, err
	}
	return all[id], nil
}

// Precompile compiles the schemas with the given ids, or all of them when none is given,
// ahead of their first use.
func Precompile(ids ...string) error {
	for _, id := range ids {
		if _, err := schemaOf(id); err != nil {
			return err
		}
	}
	_, err := compiled()
	return err
}

// ValidateDisclosure validates a decoded disclosure manifest against [DisclosureV1].
func ValidateDisclosure(v any) error { return Validate(DisclosureV1, v) }

// ValidatePredicate validates a decoded predicate against [PredicateV1].
func ValidatePredicate(v any) error { return Validate(PredicateV1, v) }

// ValidatePolicy validates a decoded buyer policy against [PolicyV1].
func ValidatePolicy(v any) error { return Validate(PolicyV1, v) }

// ValidatePredicateJSON decodes JSON (numbers kept exact) and validates it against [PredicateV1].
func ValidatePredicateJSON(b []byte) error {
	v, err := unmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%w: predicate is not JSON: %w", ErrInvalid, err)
	}
	return ValidatePredicate(v)
}

// Validate validates a decoded JSON value against the embedded schema with the given id.
// A value that does not conform gives an [*Error] wrapping [ErrInvalid].
func Validate(id string, v any) error {
	s, err := schemaOf(id)
	if err != nil {
		return err
	}
	f := s.validate(v, []string{})
	if f == nil {
		return nil
	}
	return &Error{Schema: id, Violations: violations(f)}
}
