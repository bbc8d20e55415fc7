package yamldoc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/schemas"
)

// Rules say how [Parse] names a kind of document in its messages and how large one may be.
type Rules struct {
	// Noun names the kind of document: "policy" gives "anchors are not allowed in a policy".
	Noun string
	// MaxSize is the largest input accepted, in bytes.
	MaxSize int
	// Required lists what an empty document lacks, as in "apiVersion".
	Required string
	// Fields returns the schema of the document's fields (see [strictjson.For]): a key that
	// folds onto a field without being it is refused. Nil refuses only keys that fold together.
	Fields func() *strictjson.Schema
}

// Document is a YAML document read strictly (see [Parse]), converted to JSON values, with
// the source position of every value, so that every candor document (the vendor's
// disclosure manifest, the buyer's verification policy) gets the same refusals and the same
// file:line errors.
type Document struct {
	value any
	// pos indexes the position of every value by its JSON pointer tokens joined with "/"
	// (the root is "").
	pos map[string]yamlPos
}

// Value returns the decoded document. Its maps and slices may be edited in place (to
// normalise values) before it is encoded.
func (d *Document) Value() any { return d.value }

// Position returns the line and column of the value at path (JSON pointer tokens, array
// indexes in decimal), or zeros when there is none.
func (d *Document) Position(path ...string) (line, col int) {
	at := d.pos[strings.Join(path, "/")]
	return at.line, at.col
}

// Scalar returns the source text of the scalar at path, as written (without quotes), or
// "" when there is none.
func (d *Document) Scalar(path ...string) string {
	return d.pos[strings.Join(path, "/")].scalar
}

// Lookup returns the value at path, or nil.
func (d *Document) Lookup(path []string) any {
	v := d.value
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

// Locate places a schema violation in the source: its line, column and field. An unknown
// key is placed at the key, not at its value; a value that is not an https:// URL, or a
// number or boolean where a string is wanted, gets a message that says so plainly. The line
// is zero when the violation's place is not in the document.
func (d *Document) Locate(v schemas.Violation) Problem {
	p := Problem{Field: FieldPath(v.Field), Message: v.Message}
	at, ok := d.pos[strings.Join(v.At, "/")]
	if !ok {
		return p
	}
	p.Line, p.Col = at.line, at.col
	if v.Keyword == "additionalProperties" && at.keyLine > 0 {
		p.Line, p.Col = at.keyLine, at.keyCol
	}
	switch {
	case v.Keyword == "pattern" && strings.HasSuffix(v.Message, "'^https://'"):
		p.Message = fmt.Sprintf("%q is not an https:// URL", at.scalar)
	case v.Keyword == "type" && strings.HasSuffix(v.Message, "want string") && !at.quoted && at.scalar != "":
		p.Message += fmt.Sprintf(" (write it in quotes: %q)", at.scalar)
	}
	return p
}
