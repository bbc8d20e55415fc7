package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/internal/yamldoc"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/schemas"
)

// MaxDisclosureSize is the largest disclosure manifest accepted, in bytes. The input is
// untrusted in the sense that it is parsed before anything is checked: it must never exhaust
// memory or time.
const MaxDisclosureSize = 1 << 20

// disclosureYAML is how a disclosure manifest is read.
var disclosureYAML = yamldoc.Rules{Noun: "disclosure", MaxSize: MaxDisclosureSize, Required: "apiVersion, product and security",
	Fields: sync.OnceValue(strictjson.For[Disclosure])}

// parseYAML decodes exactly one YAML document into JSON-compatible values: map[string]any,
// []any, string, int64, float64, bool and nil. It refuses what a disclosure never needs and
// an attacker could abuse: anchors and aliases, merge keys, duplicate keys (also keys of one
// mapping that differ only in case, '_' or '-', and keys that fold so onto a field of
// [Disclosure] without being it: other parsers read them as one), non-string keys, custom
// tags, binary scalars, several documents, deep nesting and large inputs.
func parseYAML(data []byte) (doc *yamldoc.Document, probs []Problem) {
	return yamldoc.Parse(data, disclosureYAML)
}

// LoadDisclosure reads, validates and normalises the disclosure manifest at path (YAML, or
// JSON, which is YAML). Every error wraps [ErrDisclosure]; a manifest that was read but is
// invalid gives a [*DisclosureError] listing each problem with its line and field.
func LoadDisclosure(path string) (*Disclosure, error) {
	// Only a regular file is read: a FIFO or a device would block or never end.
	data, err := fileio.ReadFile(path, MaxDisclosureSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDisclosure, err)
	}
	return ParseDisclosure(path, data)
}

// ParseDisclosure validates and normalises a disclosure manifest read under the given name
// (used in messages). See [LoadDisclosure].
func ParseDisclosure(name string, data []byte) (*Disclosure, error) {
	derr := &DisclosureError{File: name}
	doc, probs := parseYAML(data)
	if len(probs) > 0 {
		derr.Problems = probs
		return nil, derr
	}
	reported := map[string]bool{}
	if err := schemas.ValidateDisclosure(doc.Value()); err != nil {
		var se *schemas.Error
		if !errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %s: %w", ErrDisclosure, name, err)
		}
		derr.schema = true
		for _, v := range se.Violations {
			derr.Problems = append(derr.Problems, locate(doc, v))
			reported[strings.Join(v.Field, "/")] = true
		}
	}
	derr.Problems = append(derr.Problems, normalize(doc, reported)...)
	derr.Problems = append(derr.Problems, placeholders(doc, reported)...)
	if len(derr.Problems) > 0 {
		yamldoc.Sort(derr.Problems)
		return nil, derr
	}
	b, err := json.Marshal(doc.Value())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrDisclosure, name, err)
	}
	d := new(Disclosure)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(d); err != nil {
		// The schema and the Go types disagree: a bug, but still the input's fault to report.
		return nil, fmt.Errorf("%w: %s: %w", ErrDisclosure, name, err)
	}
	return d, nil
}

// Normalize validates a disclosure built in Go against the schema and normalises its hosts,
// in place.
func (d *Disclosure) Normalize() error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrDisclosure, err)
	}
	n, err := ParseDisclosure("disclosure", b)
	if err != nil {
		return err
	}
	*d = *n
	return nil
}

// locate places a schema violation in the YAML source (see [yamldoc.Document.Locate]),
// saying what is wrong with a host pattern or a security contact.
func locate(doc *yamldoc.Document, v schemas.Violation) Problem {
	p := doc.Locate(v)
	if line, _ := doc.Position(v.At...); line == 0 || v.Keyword != "pattern" {
		return p
	}
	switch {
	case isHostField(v.Field):
		if s, ok := doc.Lookup(v.Field).(string); ok {
			if _, _, err := predicate.NormalizeHost(s); err != nil {
				p.Message = strings.TrimPrefix(err.Error(), predicate.ErrHost.Error()+": ")
			}
		}
	case p.Field == "security.contact" && !strings.HasSuffix(v.Message, "'^https://'"):
		p.Message = fmt.Sprintf("%q is not an email address, mailto: URI or https:// URL", doc.Scalar(v.At...))
	}
	return p
}

// isHostField reports whether a path names a host pattern.
func isHostField(path []string) bool {
	switch {
	case len(path) == 3 && path[0] == "endpoints" && path[2] == "host":
		return true
	case len(path) == 4 && path[0] == "telemetry" && path[2] == "endpoints":
		return true
	case len(path) == 3 && path[0] == "updates" && path[1] == "endpoints":
		return true
	case len(path) == 3 && path[0] == "accepted" && path[2] == "host":
		return true
	}
	return false
}

// normalize checks what the schema cannot (host patterns of endpoints, telemetry, updates and
// accepted entries; port ranges) and rewrites hosts to their canonical form in the value tree.
// Fields already reported are skipped.
func normalize(doc *yamldoc.Document, reported map[string]bool) []Problem {
	var probs []Problem
	fail := func(path []string, msg string) {
		line, col := doc.Position(path...)
		probs = append(probs, Problem{Line: line, Col: col, Field: yamldoc.FieldPath(path), Message: msg})
	}
	// host checks a host pattern and, when valid, stores its canonical form with set.
	host := func(set func(string), v any, path []string) {
		s, ok := v.(string)
		if !ok || reported[strings.Join(path, "/")] {
			return
		}
		h, _, err := predicate.NormalizeHost(s)
		if err != nil {
			fail(path, strings.TrimPrefix(err.Error(), predicate.ErrHost.Error()+": "))
			return
		}
		set(h)
	}
	hostList := func(v any, path ...string) {
		list, _ := v.([]any)
		for i := range list {
			host(func(h string) { list[i] = h }, list[i], append(slices.Clip(path), strconv.Itoa(i)))
		}
	}
	root, _ := doc.Value().(map[string]any)
	for i, e := range asList(root["endpoints"]) {
		if m, ok := e.(map[string]any); ok {
			host(func(h string) { m["host"] = h }, m["host"], []string{"endpoints", strconv.Itoa(i), "host"})
		}
	}
	for i, t := range asList(root["telemetry"]) {
		if m, ok := t.(map[string]any); ok {
			hostList(m["endpoints"], "telemetry", strconv.Itoa(i), "endpoints")
		}
	}
	if u, ok := root["updates"].(map[string]any); ok {
		hostList(u["endpoints"], "updates", "endpoints")
	}
	// An accepted host is a pattern like an endpoint's: a wildcard that attest would refuse
	// there must not accept findings here.
	for i, a := range asList(root["accepted"]) {
		if m, ok := a.(map[string]any); ok && m["host"] != nil {
			host(func(h string) { m["host"] = h }, m["host"], []string{"accepted", strconv.Itoa(i), "host"})
		}
	}
	for i, l := range asList(root["listeners"]) {
		m, _ := l.(map[string]any)
		s, ok := m["port"].(string)
		path := []string{"listeners", strconv.Itoa(i), "port"}
		if !ok || reported[strings.Join(path, "/")] {
			continue
		}
		if _, err := predicate.ParsePortRange(s); err != nil {
			fail(path, err.Error())
		}
	}
	return probs
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
