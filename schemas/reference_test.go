package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v3"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The schemas are validated by a small interpreter (compile.go, validate.go). These tests hold
// it to a general implementation, github.com/santhosh-tekuri/jsonschema/v6: the schema files
// must be valid against the draft 2020-12 meta-schema, and on every document both must give
// the same violations, field by field, with the same keywords and messages.

// reference compiles the embedded schemas with jsonschema/v6, which validates each file
// against the draft 2020-12 meta-schema.
func reference(t testing.TB) map[string]*jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(refuseLoader{})
	for id, name := range fileOf {
		b, err := files.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := c.AddResource(id, doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	out := map[string]*jsonschema.Schema{}
	for id := range fileOf {
		s, err := c.Compile(id)
		if err != nil {
			t.Fatalf("jsonschema/v6 compiling %s: %v", id, err)
		}
		out[id] = s
	}
	return out
}

type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("reference to %s outside the embedded schemas", url)
}

var refPrinter = message.NewPrinter(language.English)

// refViolations flattens a jsonschema/v6 validation error as [violations] flattens a failure.
func refViolations(root *jsonschema.ValidationError) []Violation {
	var out []Violation
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch k := e.ErrorKind.(type) {
		case *kind.AnyOf:
			if names := refRequiredAlternatives(e); names != nil {
				out = append(out, Violation{
					At: e.InstanceLocation, Field: e.InstanceLocation, Keyword: "anyOf",
					Message: "needs one of the fields " + quoteJoin(names),
				})
				return
			}
		case *kind.Required:
			for _, m := range k.Missing {
				out = append(out, Violation{
					At: e.InstanceLocation, Field: appendTok(e.InstanceLocation, m), Keyword: "required",
					Message: "missing required field",
				})
			}
			return
		case *kind.AdditionalProperties:
			for _, p := range k.Properties {
				f := appendTok(e.InstanceLocation, p)
				out = append(out, Violation{
					At: f, Field: f, Keyword: "additionalProperties",
					Message: "unknown field (check its spelling: unknown fields are not allowed)",
				})
			}
			return
		}
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		kw := ""
		if p := e.ErrorKind.KeywordPath(); len(p) > 0 {
			kw = p[0]
		}
		out = append(out, Violation{
			At: e.InstanceLocation, Field: e.InstanceLocation, Keyword: kw,
			Message: e.ErrorKind.LocalizedString(refPrinter),
		})
	}
	walk(root)
	slices.SortStableFunc(out, func(a, b Violation) int { return comparePath(a.Field, b.Field) })
	return slices.CompactFunc(out, func(a, b Violation) bool {
		return slices.Equal(a.Field, b.Field) && a.Message == b.Message
	})
}

func refRequiredAlternatives(e *jsonschema.ValidationError) []string {
	var names []string
	for _, c := range e.Causes {
		for len(c.Causes) == 1 {
			c = c.Causes[0]
		}
		r, ok := c.ErrorKind.(*kind.Required)
		if !ok || len(c.Causes) > 0 {
			return nil
		}
		names = append(names, r.Missing...)
	}
	return names
}

// lines writes violations one per line with every field, to compare and show them.
func lines(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = fmt.Sprintf("at=%q field=%q keyword=%s: %s", v.At, v.Field, v.Keyword, v.Message)
	}
	return out
}

// compare validates doc against the schema id with both implementations. A document refused
// with ErrDepth must nest deeper than MaxDepth (jsonschema/v6 has no bound); of a document
// with more than MaxViolations violations, the first are listed and the rest counted.
func compare(t testing.TB, ref map[string]*jsonschema.Schema, id string, doc any) (ok bool, got, want []string) {
	t.Helper()
	err := Validate(id, doc)
	var se *Error
	if err != nil {
		var isSchemaErr bool
		if se, isSchemaErr = err.(*Error); !isSchemaErr {
			t.Fatalf("%s: %v", id, err)
		}
		got = lines(se.Violations)
		if errors.Is(err, ErrDepth) {
			d := docDepth(doc)
			return d > MaxDepth, got, []string{fmt.Sprintf("(a document nested %d deep)", d)}
		}
	}
	if rerr := ref[id].Validate(doc); rerr != nil {
		want = lines(refViolations(rerr.(*jsonschema.ValidationError)))
	}
	if se != nil && se.Omitted > 0 {
		if se.elided > 0 { // beyond maxFailures: which are kept depends on map order
			return len(got) == MaxViolations && len(want) > MaxViolations, got, want
		}
		return len(got) == MaxViolations && len(got)+se.Omitted == len(want) && slices.Equal(got, want[:len(got)]), got, want
	}
	return slices.Equal(got, want) && (err == nil) == (len(want) == 0), got, want
}

// docDepth returns how deep a value of doc sits: the most tokens a location has.
func docDepth(doc any) int {
	d := 0
	switch doc := doc.(type) {
	case map[string]any:
		for _, v := range doc {
			d = max(d, 1+docDepth(v))
		}
	case []any:
		for _, v := range doc {
			d = max(d, 1+docDepth(v))
		}
	}
	return d
}

// seeds are valid documents of each schema.
func seeds(t testing.TB) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	pred, err := os.ReadFile("../attest/testdata/predicate.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := unmarshalJSON(bytes.NewReader(pred))
	if err != nil {
		t.Fatal(err)
	}
	doc.(map[string]any)["scannedAt"] = "2026-01-02T03:04:05.5Z" // scrubbed in the golden file
	out[PredicateV1] = append(out[PredicateV1], doc)
	disc, err := os.ReadFile("../attest/testdata/disclosure.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var d any
	if err := yaml.Unmarshal(disc, &d); err != nil {
		t.Fatal(err)
	}
	out[DisclosureV1] = append(out[DisclosureV1], d, minimalDisclosure())
	var pol any
	if err := yaml.Unmarshal([]byte(fullPolicy), &pol); err != nil {
		t.Fatal(err)
	}
	out[PolicyV1] = append(out[PolicyV1], pol)
	for id, docs := range out {
		for _, doc := range docs {
			if err := Validate(id, doc); err != nil {
				t.Fatalf("seed of %s does not validate: %v", id, err)
			}
		}
	}
	return out
}

const fullPolicy = `apiVersion: candor.dev/policy/v1
product: {name: acme-agent, version: "1.4.2"}
analyzer: {minVersion: v1.0.0}
maxAge: 90d
security: {maxNotificationDays: 30, requireContact: true}
findings: {maxUndisclosed: 0, accepted: {allow: [network.endpoint], maxLinked: {update.self: 0, process.exec: 2}}}
updates: {allowedMechanisms: [none, notify, user-approved]}
telemetry: {allowedConsent: [opt-in, user-initiated]}
listeners: {allowedBinds: [loopback]}
remoteControl: {allowed: [process.exec], allowedConsent: [user-initiated]}
endpoints: {allow: ["*.acme.example"], deny: ["*.tracking.example"], acceptedHosts: deny}
`

// replacements are the values every node of a seed is replaced with in turn.
var replacements = []any{
	nil, true, false, json.Number("0"), json.Number("-1"), json.Number("1.5"), json.Number("70000"),
	json.Number("1e400"), "", "x", "a.*.b", "*.acme.example", "https://acme.example/x", "http://x",
	"not a uri", "mailto:a@b", "https://[::1%25eth0]/", "2026-13-01T00:00:00Z", "2026-01-01T25:00:00Z",
	"2026-01-01T00:00:00+01:00", "v1.0", "90d", "sha256:" + strings.Repeat("ab", 32), strings.Repeat("a", 64),
	strings.Repeat("é", 2049), []any{}, []any{"a", "a"}, []any{json.Number("1"), json.Number("1.0")},
	[]any{map[string]any{"a": json.Number("1")}, map[string]any{"a": json.Number("1")}},
	map[string]any{}, map[string]any{"unknown": true},
}

// mutations calls fn with documents made from doc by changing one node: removed, replaced by
// each of replacements, given an unknown field, or its first item repeated.
func mutations(doc any, fn func(any)) {
	var visit func(path []string, v any)
	visit = func(path []string, v any) {
		for _, r := range replacements {
			fn(replaceAt(doc, path, r, false))
		}
		if len(path) > 0 {
			fn(replaceAt(doc, path, nil, true))
		}
		switch v := v.(type) {
		case map[string]any:
			fn(replaceAt(doc, path, with(v, "zzUnknown", "x"), false))
			for _, k := range slices.Sorted(maps.Keys(v)) {
				visit(append(slices.Clip(path), k), v[k])
			}
		case []any:
			if len(v) > 0 {
				fn(replaceAt(doc, path, append(slices.Clip(v), v[0]), false))
			}
			for i, x := range v {
				visit(append(slices.Clip(path), strconv.Itoa(i)), x)
			}
		}
	}
	visit(nil, doc)
}

func with(m map[string]any, k string, v any) map[string]any {
	m = maps.Clone(m)
	m[k] = v
	return m
}

// replaceAt returns a copy of doc with the node at path replaced by r, or removed.
func replaceAt(doc any, path []string, r any, remove bool) any {
	if len(path) == 0 {
		return r
	}
	switch d := doc.(type) {
	case map[string]any:
		m := maps.Clone(d)
		if len(path) == 1 && remove {
			delete(m, path[0])
		} else {
			m[path[0]] = replaceAt(d[path[0]], path[1:], r, remove)
		}
		return m
	case []any:
		i, _ := strconv.Atoi(path[0])
		a := slices.Clone(d)
		if len(path) == 1 && remove {
			return slices.Delete(a, i, i+1)
		}
		a[i] = replaceAt(d[i], path[1:], r, remove)
		return a
	}
	return doc
}

// numbersAs returns doc with its json.Numbers decoded as encoding/json/v2 (float64) or the
// YAML reader of attest (int64 when whole, else float64) give them.
func numbersAs(doc any, yamlInts bool) any {
	switch d := doc.(type) {
	case map[string]any:
		m := make(map[string]any, len(d))
		for k, v := range d {
			m[k] = numbersAs(v, yamlInts)
		}
		return m
	case []any:
		a := make([]any, len(d))
		for i, v := range d {
			a[i] = numbersAs(v, yamlInts)
		}
		return a
	case json.Number:
		if i, err := d.Int64(); err == nil && yamlInts {
			return i
		}
		f, _ := d.Float64()
		return f
	case int:
		if !yamlInts {
			return float64(d)
		}
		return int64(d)
	}
	return doc
}

func TestValidateMatchesReference(t *testing.T) {
	ref := reference(t)
	n, failed := 0, 0
	for id, docs := range seeds(t) {
		for _, seed := range docs {
			k := 0
			mutations(seed, func(doc any) {
				// Numbers as each decoder gives them, in turn; now and then against every schema.
				k++
				doc = []any{doc, numbersAs(doc, false), numbersAs(doc, true)}[k%3]
				ids := []string{id}
				if k%20 == 0 {
					ids = []string{DisclosureV1, PredicateV1, PolicyV1}
				}
				for _, schemaID := range ids {
					n++
					if ok, got, want := compare(t, ref, schemaID, doc); !ok {
						failed++
						if failed <= 5 {
							b, _ := json.Marshal(doc)
							t.Errorf("%s: document %s\ngot:\n  %s\nwant (jsonschema/v6):\n  %s", schemaID, b, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
						}
					}
				}
			})
		}
	}
	if failed > 0 {
		t.Errorf("%d of %d validations differ from jsonschema/v6", failed, n)
	}
	t.Logf("%d validations compared", n)
}

// FuzzValidateMatchesReference compares both implementations on arbitrary JSON documents.
func FuzzValidateMatchesReference(f *testing.F) {
	ref := reference(f)
	for _, docs := range seeds(f) {
		for _, doc := range docs {
			b, err := json.Marshal(doc)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`{"apiVersion": "candor.dev/policy/v1", "maxAge": "1d", "endpoints": {"allow": ["a", "a"]}}`))
	// Deep nesting: at MaxDepth, one level beyond, and inside items compared for uniqueItems.
	f.Add(nestedPredicate(30, true))
	f.Add(nestedPredicate(31, false))
	f.Add([]byte(`{"apiVersion": "candor.dev/policy/v1", "updates": {"allowedMechanisms": ["none", ` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := unmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, id := range []string{DisclosureV1, PredicateV1, PolicyV1} {
			for _, d := range []any{doc, numbersAs(doc, false), numbersAs(doc, true)} {
				if ok, got, want := compare(t, ref, id, d); !ok {
					t.Fatalf("%s: document %s\ngot:\n  %s\nwant (jsonschema/v6):\n  %s", id, data, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
				}
			}
		}
	})
}
