package attest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/schemas"
)

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
	if err := schemas.ValidateDisclosure(doc.value); err != nil {
		var se *schemas.Error
		if !errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %s: %w", ErrDisclosure, name, err)
		}
		derr.schema = true
		for _, v := range se.Violations {
			derr.Problems = append(derr.Problems, doc.problem(v))
			reported[strings.Join(v.Field, "/")] = true
		}
	}
	derr.Problems = append(derr.Problems, doc.normalize(reported)...)
	if len(derr.Problems) > 0 {
		slices.SortStableFunc(derr.Problems, func(a, b Problem) int {
			if a.Line != b.Line {
				return a.Line - b.Line
			}
			return a.Col - b.Col
		})
		return nil, derr
	}
	b, err := json.Marshal(doc.value)
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

// problem locates a schema violation in the YAML source.
func (doc *yamlDoc) problem(v schemas.Violation) Problem {
	p := Problem{Field: fieldPath(v.Field), Message: v.Message}
	at, ok := doc.pos[strings.Join(v.At, "/")]
	if !ok {
		return p
	}
	p.Line, p.Col = at.line, at.col
	if v.Keyword == "additionalProperties" && at.keyLine > 0 {
		p.Line, p.Col = at.keyLine, at.keyCol
	}
	switch {
	case v.Keyword == "pattern" && isHostField(v.Field):
		if s, ok := doc.lookup(v.Field).(string); ok {
			if _, _, err := NormalizeHost(s); err != nil {
				p.Message = strings.TrimPrefix(err.Error(), errHost.Error()+": ")
			}
		}
	case v.Keyword == "pattern" && strings.HasSuffix(v.Message, "'^https://'"):
		p.Message = fmt.Sprintf("%q is not an https:// URL", at.scalar)
	case v.Keyword == "pattern" && fieldPath(v.Field) == "security.contact":
		p.Message = fmt.Sprintf("%q is not an email address, mailto: URI or https:// URL", at.scalar)
	case v.Keyword == "type" && strings.HasSuffix(v.Message, "want string") && !at.quoted && at.scalar != "":
		p.Message += fmt.Sprintf(" (write it in quotes: %q)", at.scalar)
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
	}
	return false
}

// lookup returns the value at a path, or nil.
func (doc *yamlDoc) lookup(path []string) any {
	v := doc.value
	for _, t := range path {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// normalize checks what the schema cannot (host patterns, port ranges) and rewrites hosts to
// their canonical form in the value tree. Fields already reported are skipped.
func (doc *yamlDoc) normalize(reported map[string]bool) []Problem {
	var probs []Problem
	fail := func(path []string, msg string) {
		at := doc.pos[strings.Join(path, "/")]
		probs = append(probs, Problem{Line: at.line, Col: at.col, Field: fieldPath(path), Message: msg})
	}
	// host checks a host pattern and, when valid, stores its canonical form with set.
	host := func(set func(string), v any, path []string) {
		s, ok := v.(string)
		if !ok || reported[strings.Join(path, "/")] {
			return
		}
		h, _, err := NormalizeHost(s)
		if err != nil {
			fail(path, strings.TrimPrefix(err.Error(), errHost.Error()+": "))
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
	root, _ := doc.value.(map[string]any)
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
	for i, l := range asList(root["listeners"]) {
		m, _ := l.(map[string]any)
		s, ok := m["port"].(string)
		path := []string{"listeners", strconv.Itoa(i), "port"}
		if !ok || reported[strings.Join(path, "/")] {
			continue
		}
		if _, err := parsePortRange(s); err != nil {
			fail(path, err.Error())
		}
	}
	return probs
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}
