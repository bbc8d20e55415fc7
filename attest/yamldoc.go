package attest

import (
	"strings"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/schemas"
)

// YAMLRules say how [ParseYAMLDocument] names a kind of document in its messages and how
// large one may be.
type YAMLRules struct {
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

// YAMLDocument is a YAML document read as strictly as a disclosure manifest, with the source
// position of every value, so that other candor documents (the buyer's verification policy)
// get the same refusals and the same file:line errors. Obtain one from [ParseYAMLDocument].
type YAMLDocument struct{ doc *yamlDoc }

// ParseYAMLDocument decodes exactly one YAML document into JSON-compatible values
// (map[string]any, []any, string, int64, float64, bool and nil), refusing anchors and aliases,
// merge keys, duplicate keys (keys that differ only in case, '_' or '-' included), keys that
// fold onto a field of r.Fields without being it, non-string keys, custom tags, several
// documents, deep nesting and inputs over r.MaxSize. Each problem has the line and column it concerns.
func ParseYAMLDocument(data []byte, r YAMLRules) (*YAMLDocument, []Problem) {
	doc, probs := parseYAMLAs(data, r)
	if len(probs) > 0 {
		return nil, probs
	}
	return &YAMLDocument{doc: doc}, nil
}

// Value returns the decoded document.
func (d *YAMLDocument) Value() any { return d.doc.value }

// Locate places a schema violation in the source: its line, column and field.
func (d *YAMLDocument) Locate(v schemas.Violation) Problem { return d.doc.problem(v) }

// Position returns the line and column of the value at path (JSON pointer tokens, array
// indexes in decimal), or zeros when there is none.
func (d *YAMLDocument) Position(path ...string) (line, col int) {
	at := d.doc.pos[strings.Join(path, "/")]
	return at.line, at.col
}
