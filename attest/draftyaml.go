package attest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/internal/termsafe"
)

// A draft is written from a small ordered tree, so that the YAML keeps its keys in the
// disclosure's order, carries comments, and holds placeholders where the typed
// [Disclosure] could not (a port written "<port>"); the same tree gives the JSON form.
//
// Values are string, int, bool, []string (written in flow style), *ymap and *yseq.

// ymap is a mapping whose keys keep their order.
type ymap struct{ fields []yfield }

// yfield is one key of a mapping, with the comment lines written before it.
type yfield struct {
	key     string
	val     any
	comment []string
}

// yseq is a sequence whose items may carry comments.
type yseq struct{ items []yitem }

type yitem struct {
	val     any
	comment []string
}

func (m *ymap) set(key string, val any, comment ...string) *ymap {
	m.fields = append(m.fields, yfield{key: key, val: val, comment: comment})
	return m
}

func (m *ymap) get(key string) any {
	for _, f := range m.fields {
		if f.key == key {
			return f.val
		}
	}
	return nil
}

func (s *yseq) add(val any, comment ...string) {
	s.items = append(s.items, yitem{val: val, comment: comment})
}

// writeYAML writes m as block YAML at the given indentation.
func (m *ymap) writeYAML(b *bytes.Buffer, indent string) {
	for _, f := range m.fields {
		writeComments(b, indent, f.comment)
		b.WriteString(indent + yamlString(f.key) + ":")
		writeValue(b, indent, f.val)
	}
}

// writeValue writes v after "key:" or "-": inline for scalars and flow lists, on the
// following lines for mappings and sequences.
func writeValue(b *bytes.Buffer, indent string, v any) {
	switch x := v.(type) {
	case *ymap:
		if len(x.fields) == 0 {
			b.WriteString(" {}\n")
			return
		}
		b.WriteString("\n")
		x.writeYAML(b, indent+"  ")
	case *yseq:
		if len(x.items) == 0 {
			b.WriteString(" []\n")
			return
		}
		if flow, ok := x.flow(); ok {
			b.WriteString(" " + flow + "\n")
			return
		}
		b.WriteString("\n")
		x.writeYAML(b, indent+"  ")
	default:
		b.WriteString(" " + scalarYAML(v) + "\n")
	}
}

func (s *yseq) writeYAML(b *bytes.Buffer, indent string) {
	for _, it := range s.items {
		writeComments(b, indent, it.comment)
		m, ok := it.val.(*ymap)
		if !ok || len(m.fields) == 0 {
			b.WriteString(indent + "-")
			writeValue(b, indent, it.val)
			continue
		}
		// The first key goes on the dash line, the others under it.
		first := m.fields[0]
		writeComments(b, indent+"  ", first.comment)
		b.WriteString(indent + "- " + yamlString(first.key) + ":")
		writeValue(b, indent+"  ", first.val)
		rest := &ymap{fields: m.fields[1:]}
		rest.writeYAML(b, indent+"  ")
	}
}

// flow returns the sequence in flow style, "[a, b]", when it holds only scalars without
// comments and fits on a line.
func (s *yseq) flow() (string, bool) {
	parts := make([]string, len(s.items))
	n := 0
	for i, it := range s.items {
		switch it.val.(type) {
		case *ymap, *yseq, []string:
			return "", false
		}
		if len(it.comment) > 0 {
			return "", false
		}
		parts[i] = scalarYAML(it.val)
		if str, ok := it.val.(string); ok {
			parts[i] = scalarIn(str, true)
		}
		n += len(parts[i]) + 2
	}
	return "[" + strings.Join(parts, ", ") + "]", n <= 100
}

// scalarYAML writes a scalar or a flow list of strings.
func scalarYAML(v any) string {
	switch x := v.(type) {
	case string:
		return yamlScalar(x)
	case int:
		return strconv.Itoa(x)
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	case []string:
		parts := make([]string, len(x))
		for i, s := range x {
			parts[i] = scalarIn(s, true)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return `""`
}

// yamlScalar is [yamlString], but text a person reads is written plain where YAML reads it
// back as the same string: a placeholder ("<always|opt-out>": a plain scalar may start with
// '<') or words such as "usage report, weekly" (see [plainText]).
func yamlScalar(s string) string { return scalarIn(s, false) }

// scalarIn writes s for a block value, or for an item of a flow list ([a, b]), where a comma
// or a colon would end it.
func scalarIn(s string, flow bool) string {
	if isPlaceholder(s) && !strings.ContainsAny(s, ":#[]{},\"'\n\\") || plainText(s, flow) {
		return s
	}
	return yamlString(s)
}

// plainText reports whether s reads back as the same string written as a plain YAML scalar:
// it starts with a letter, holds only letters, digits, single spaces and . , ' ( ) / - _ @ + :
// (no ": " or " #", no comma or colon in a flow list), does not end in a space or a colon,
// and is not a word YAML reads as a boolean or null.
func plainText(s string, flow bool) bool {
	if s == "" || !('a' <= s[0] && s[0] <= 'z' || 'A' <= s[0] && s[0] <= 'Z') || strings.HasSuffix(s, " ") || strings.HasSuffix(s, ":") ||
		strings.Contains(s, ": ") || strings.Contains(s, "  ") {
		return false
	}
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case strings.ContainsRune(" .'()/-_@+", r):
		case (r == ',' || r == ':') && !flow:
		default:
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n", "~":
		return false
	}
	return true
}

// writeComments writes each comment line after "# ", escaped so that no control character
// (a newline would end the comment) reaches the file.
func writeComments(b *bytes.Buffer, indent string, lines []string) {
	for _, l := range lines {
		if l == "" {
			b.WriteString(indent + "#\n")
			continue
		}
		b.WriteString(indent + "# " + termsafe.Line(l) + "\n")
	}
}

// writeJSON writes v as compact JSON, mappings with their keys in order and without the
// comments; '<' and '>' stay as they are (placeholders are read by people).
func writeJSON(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case *ymap:
		b.WriteByte('{')
		for i, f := range x.fields {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, f.key); err != nil {
				return err
			}
			b.WriteByte(':')
			if err := writeJSON(b, f.val); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case *yseq:
		b.WriteByte('[')
		for i, it := range x.items {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, it.val); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	}
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	b.Truncate(b.Len() - 1) // the encoder's newline
	return nil
}
