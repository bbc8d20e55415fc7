package yamldoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/internal/strictjson"
	"go.yaml.in/yaml/v3"
)

// MaxDepth bounds nesting. The input is untrusted in the sense that it is parsed before
// anything is checked: it must never exhaust memory or time. A disclosure needs five levels.
const MaxDepth = 32

// yamlPos is where a value, and the key that names it, stand in the source.
type yamlPos struct {
	line, col       int
	keyLine, keyCol int // zero for array items and the root
	quoted          bool
	scalar          string // the scalar's source text, for hints
}

var yamlLineRE = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// Parse decodes exactly one YAML document into JSON-compatible values: map[string]any,
// []any, string, int64, float64, bool and nil. It refuses what a candor document never needs
// and an attacker could abuse: anchors and aliases, merge keys, duplicate keys (also keys of
// one mapping that differ only in case, '_' or '-', and keys that fold so onto a field of
// r.Fields without being it: other parsers read them as one), non-string keys, custom tags,
// binary scalars, several documents, deep nesting ([MaxDepth]) and inputs over r.MaxSize.
// r names the kind of document in messages. Each problem has the line and column it
// concerns.
func Parse(data []byte, r Rules) (doc *Document, probs []Problem) {
	if len(data) > r.MaxSize {
		return nil, []Problem{{Message: fmt.Sprintf("file is %d bytes; a %s may have at most %d", len(data), r.Noun, r.MaxSize)}}
	}
	defer func() {
		// The YAML parser is not ours: a panic in it must become an error, not a crash.
		if r := recover(); r != nil {
			doc, probs = nil, []Problem{{Message: fmt.Sprintf("cannot parse YAML: %v", r)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var root yaml.Node
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, []Problem{{Message: "empty document: a " + r.Noun + " needs at least " + r.Required}}
		}
		return nil, []Problem{yamlProblem(err)}
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		p := Problem{Line: next.Line, Col: next.Column, Message: "more than one YAML document: a " + r.Noun + " is a single document (remove the '---' separator)"}
		if err != nil {
			p = yamlProblem(err)
		}
		return nil, []Problem{p}
	}
	c := converter{pos: map[string]yamlPos{}, noun: r.Noun}
	var fields *strictjson.Schema
	if r.Fields != nil {
		fields = r.Fields()
	}
	v := c.convert(&root, nil, 0, yamlPos{}, fields)
	if len(c.probs) > 0 {
		return nil, c.probs
	}
	return &Document{value: v, pos: c.pos}, nil
}

func yamlProblem(err error) Problem {
	m := yamlLineRE.FindStringSubmatch(err.Error())
	if m == nil {
		return Problem{Message: "invalid YAML: " + err.Error()}
	}
	line, _ := strconv.Atoi(m[1])
	return Problem{Line: line, Message: "invalid YAML: " + m[2]}
}

type converter struct {
	pos   map[string]yamlPos
	probs []Problem
	noun  string // the kind of document, for messages
}

func (c *converter) fail(n *yaml.Node, path []string, format string, args ...any) {
	c.failErr(nil, n, path, format, args...)
}

// failErr records a problem of a kind that has a sentinel.
func (c *converter) failErr(kind error, n *yaml.Node, path []string, format string, args ...any) {
	c.probs = append(c.probs, Problem{Line: n.Line, Col: n.Column, Field: FieldPath(path), Message: fmt.Sprintf(format, args...), Err: kind})
}

// convert converts the node at path, whose mappings s describes (nil: any keys).
func (c *converter) convert(n *yaml.Node, path []string, depth int, at yamlPos, s *strictjson.Schema) any {
	if depth > MaxDepth {
		c.failErr(strictjson.ErrDepth, n, path, "nested more than %d levels deep", MaxDepth)
		return nil
	}
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		c.fail(n, path, "YAML anchors and aliases are not allowed in a %s: write each value out", c.noun)
		return nil
	}
	at.line, at.col = n.Line, n.Column
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			c.fail(n, path, "empty document")
			return nil
		}
		return c.convert(n.Content[0], path, depth, at, s)
	case yaml.MappingNode:
		c.pos[strings.Join(path, "/")] = at
		if n.ShortTag() != "!!map" {
			c.fail(n, path, "unsupported tag %s", n.Tag)
			return nil
		}
		m := make(map[string]any, len(n.Content)/2)
		seen := make(map[string]int, len(n.Content)/2)
		var folded strictjson.Names // keys by fold key
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str" || k.Anchor != "" {
				if k.ShortTag() == "!!merge" {
					c.fail(k, path, "YAML merge keys (<<) are not allowed in a %s: write each field out", c.noun)
				} else {
					c.fail(k, path, "keys must be strings (got %s %q): quote the key", strings.TrimPrefix(k.ShortTag(), "!!"), k.Value)
				}
				continue
			}
			p := append(path[:len(path):len(path)], k.Value)
			if line, dup := seen[k.Value]; dup {
				c.failErr(strictjson.ErrDuplicate, k, p, "duplicate key (first set on line %d)", line)
				continue
			}
			if earlier, dup := folded.Add(k.Value); dup {
				c.failErr(strictjson.ErrDuplicate, k, p, "duplicate key: %s and %s (line %d) differ only in case, '_' or '-', so other parsers read them as one key: keep one",
					strconv.Quote(k.Value), strconv.Quote(earlier), seen[earlier])
				continue
			}
			seen[k.Value] = k.Line
			child, onto := s.Member(k.Value)
			if onto != "" {
				c.failErr(strictjson.ErrFoldedName, k, p, "%s is not the field %s, but other parsers read it as that field: spell it %s",
					strconv.Quote(k.Value), strconv.Quote(onto), strconv.Quote(onto))
				continue
			}
			m[k.Value] = c.convert(v, p, depth+1, yamlPos{keyLine: k.Line, keyCol: k.Column}, child)
		}
		return m
	case yaml.SequenceNode:
		c.pos[strings.Join(path, "/")] = at
		if n.ShortTag() != "!!seq" {
			c.fail(n, path, "unsupported tag %s", n.Tag)
			return nil
		}
		list := make([]any, 0, len(n.Content))
		for i, item := range n.Content {
			list = append(list, c.convert(item, append(path[:len(path):len(path)], strconv.Itoa(i)), depth+1, yamlPos{}, s.Elem()))
		}
		return list
	case yaml.ScalarNode:
		at.quoted = n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0
		at.scalar = n.Value
		c.pos[strings.Join(path, "/")] = at
		return c.scalar(n, path)
	}
	c.fail(n, path, "unsupported YAML node")
	return nil
}

func (c *converter) scalar(n *yaml.Node, path []string) any {
	switch tag := n.ShortTag(); tag {
	case "!!str", "!!timestamp":
		// A timestamp is kept as the text that was written: no field holds a time.
		return n.Value
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			c.fail(n, path, "invalid boolean %q", n.Value)
		}
		return b
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			c.fail(n, path, "integer %s out of range", n.Value)
		}
		return i
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			c.fail(n, path, "invalid number %s", n.Value)
		}
		return f
	default:
		c.fail(n, path, "unsupported YAML tag %s", n.Tag)
		return nil
	}
}
