package yamldoc

import (
	"errors"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/schemas"
)

type doc struct {
	Name  string `json:"name"`
	Items []struct {
		Host string `json:"host"`
	} `json:"items"`
}

var rules = Rules{Noun: "test document", MaxSize: 1 << 10, Required: "name", Fields: func() *strictjson.Schema { return strictjson.For[doc]() }}

// TestParseRefuses: each refusal is one located problem, with its sentinel where it has one,
// and the noun of the rules in its message.
func TestParseRefuses(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, in string
		line     int
		kind     error
		msg      string
	}{
		{"anchor", "name: &a x\nother: *a\n", 1, nil, "not allowed in a test document"},
		{"merge key", "items:\n  - {host: a}\nname: x\n<<: {name: y}\n", 4, nil, "merge keys"},
		{"duplicate", "name: a\nname: b\n", 2, strictjson.ErrDuplicate, "first set on line 1"},
		{"keys that fold together", "other: a\nOTHER: b\n", 2, strictjson.ErrDuplicate, "differ only in case"},
		{"key that folds onto a field", "Name: a\n", 1, strictjson.ErrFoldedName, `spell it "name"`},
		{"non-string key", "1: a\n", 1, nil, "keys must be strings"},
		{"custom tag", "name: !secret x\n", 1, nil, "unsupported YAML tag"},
		{"two documents", "name: a\n---\nname: b\n", 2, nil, "a test document is a single document"},
		{"empty", "", 0, nil, "a test document needs at least name"},
		{"too large", "name: " + strings.Repeat("x", 1<<10) + "\n", 0, nil, "a test document may have at most 1024"},
		{"too deep", "name: " + strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2) + "\n", 1, strictjson.ErrDepth, "levels deep"},
	} {
		d, probs := Parse([]byte(tt.in), rules)
		if d != nil || len(probs) == 0 {
			t.Errorf("%s: Parse = %v, %v; want problems", tt.name, d, probs)
			continue
		}
		p := probs[0]
		if p.Line != tt.line || !strings.Contains(p.Message, tt.msg) || (tt.kind != nil && !errors.Is(p.Err, tt.kind)) {
			t.Errorf("%s: problem %+v; want line %d, kind %v, message with %q", tt.name, p, tt.line, tt.kind, tt.msg)
		}
	}
}

// TestDocument: values decode to JSON types and keep their positions; a schema violation is
// placed at its value, or at the key for an unknown field; problems format as file:line:col.
func TestDocument(t *testing.T) {
	t.Parallel()
	d, probs := Parse([]byte("name: 42\nitems:\n  - host: a.example\n    extra: 1\n"), rules)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	if got := d.Lookup([]string{"items", "0", "host"}); got != "a.example" {
		t.Errorf("Lookup = %v", got)
	}
	if got := d.Lookup([]string{"items", "7"}); got != nil {
		t.Errorf("Lookup out of range = %v", got)
	}
	if line, col := d.Position("items", "0", "host"); line != 3 || col != 11 {
		t.Errorf("Position = %d:%d, want 3:11", line, col)
	}
	if got := d.Scalar("name"); got != "42" {
		t.Errorf("Scalar = %q", got)
	}
	typ := d.Locate(schemas.Violation{Field: []string{"name"}, At: []string{"name"}, Keyword: "type", Message: "got number, want string"})
	if typ.Line != 1 || typ.Col != 7 || typ.Field != "name" || !strings.HasSuffix(typ.Message, `(write it in quotes: "42")`) {
		t.Errorf("Locate type = %+v", typ)
	}
	extra := d.Locate(schemas.Violation{Field: []string{"items", "0", "extra"}, At: []string{"items", "0", "extra"}, Keyword: "additionalProperties", Message: "not allowed"})
	if extra.Line != 4 || extra.Col != 5 || extra.Field != "items[0].extra" {
		t.Errorf("Locate unknown key = %+v, want 4:5 at the key", extra)
	}
	ps := []Problem{extra, typ}
	Sort(ps)
	if got, want := Format("f.yaml", ps), "f.yaml:1:7: name: got number, want string (write it in quotes: \"42\")\nf.yaml:4:5: items[0].extra: not allowed"; got != want {
		t.Errorf("Format =\n%s\nwant\n%s", got, want)
	}
	kinds := Kinds([]error{strictjson.ErrDepth}, []Problem{{Err: strictjson.ErrDuplicate}, {Err: strictjson.ErrDuplicate}, {Err: strictjson.ErrDepth}})
	if len(kinds) != 2 || kinds[1] != strictjson.ErrDuplicate {
		t.Errorf("Kinds = %v", kinds)
	}
}
