package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
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

// compiler holds every embedded schema as a resource, ready to compile.
var compiler = sync.OnceValues(func() (*jsonschema.Compiler, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	// Only the embedded files can be referenced: no network, no file system.
	c.UseLoader(refuseLoader{})
	for id, name := range fileOf {
		b, err := files.ReadFile(name)
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", name, err)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", name, err)
		}
	}
	return c, nil
})

// compiled holds the schemas compiled so far. Each is compiled on first use, once;
// compiling is serialised because a jsonschema.Compiler is not safe for concurrent use.
var compiled struct {
	sync.Mutex
	byID map[string]*jsonschema.Schema
}

// schema returns the compiled schema with the given id.
func schema(id string) (*jsonschema.Schema, error) {
	compiled.Lock()
	defer compiled.Unlock()
	if s := compiled.byID[id]; s != nil {
		return s, nil
	}
	if _, ok := fileOf[id]; !ok {
		return nil, fmt.Errorf("schemas: unknown schema %q", id)
	}
	c, err := compiler()
	if err != nil {
		return nil, err
	}
	s, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("schemas: compile %s: %w", id, err)
	}
	if compiled.byID == nil {
		compiled.byID = map[string]*jsonschema.Schema{}
	}
	compiled.byID[id] = s
	return s, nil
}

// Precompile compiles the schemas with the given ids, or all of them when none is given,
// ahead of their first use. Compiling takes a few milliseconds; a caller that knows it will
// validate can start it on another goroutine while it does other work.
func Precompile(ids ...string) error {
	if len(ids) == 0 {
		for id := range fileOf {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		if _, err := schema(id); err != nil {
			return err
		}
	}
	return nil
}

type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("schemas: reference to %s outside the embedded schemas", url)
}

// ValidateDisclosure validates a decoded disclosure manifest against [DisclosureV1].
func ValidateDisclosure(v any) error { return Validate(DisclosureV1, v) }

// ValidatePredicate validates a decoded predicate against [PredicateV1].
func ValidatePredicate(v any) error { return Validate(PredicateV1, v) }

// ValidatePolicy validates a decoded buyer policy against [PolicyV1].
func ValidatePolicy(v any) error { return Validate(PolicyV1, v) }

// ValidatePredicateJSON decodes JSON (numbers kept exact) and validates it against [PredicateV1].
func ValidatePredicateJSON(b []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("%w: predicate is not JSON: %w", ErrInvalid, err)
	}
	return ValidatePredicate(v)
}

// Validate validates a decoded JSON value against the embedded schema with the given id.
// A value that does not conform gives an [*Error] wrapping [ErrInvalid].
func Validate(id string, v any) error {
	s, err := schema(id)
	if err != nil {
		return err
	}
	err = s.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return &Error{Schema: id, Violations: violations(ve)}
}
