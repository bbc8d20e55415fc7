package strictjson

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

type testDigest map[string]string

type testSubject struct {
	Name   string     `json:"name"`
	Digest testDigest `json:"digest"`
}

type testStatement struct {
	Type          string          `json:"_type"`
	Subject       []testSubject   `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

type testNode struct {
	Label    string     `json:"label,omitempty"`
	Children []testNode `json:"children,omitempty"`
	When     time.Time  `json:"when"`
	Skipped  string     `json:"-"`
	Untagged int
	inner
	//lint:ignore U1000 an unexported field, which the schema must leave out
	hidden int
}

type inner struct {
	Inlined string `json:"inlined"`
}

func TestSchemaOf(t *testing.T) {
	t.Parallel()
	st := For[testStatement]()
	if got, want := st.Fields(), []string{"_type", "predicate", "predicateType", "subject"}; !slices.Equal(got, want) {
		t.Errorf("statement fields %q, want %q", got, want)
	}
	if got, want := st.Fields(), st.Fields(); !slices.Equal(got, want) {
		t.Errorf("fields not stable")
	}
	sub, _ := st.Member("subject")
	if got := sub.Elem().Fields(); !slices.Equal(got, []string{"digest", "name"}) {
		t.Errorf("subject fields %q", got)
	}
	if _, onto := st.Member("predicate_type"); onto != "predicateType" {
		t.Errorf("predicate_type folds onto %q", onto)
	}
	if _, onto := st.Member("other"); onto != "" {
		t.Errorf("unknown member folds onto %q", onto)
	}
	n := For[*testNode]()
	if got, want := n.Fields(), []string{"Untagged", "children", "inlined", "label", "when"}; !slices.Equal(got, want) {
		t.Errorf("node fields %q, want %q", got, want)
	}
	kids, _ := n.Member("children")
	if kids.Elem() != n {
		t.Errorf("a recursive type's schema is not shared")
	}
	if w, _ := n.Member("when"); w != nil {
		t.Errorf("time.Time decodes itself; got schema %v", w.Fields())
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	const sha = `"0000000000000000000000000000000000000000000000000000000000000000"`
	st := For[testStatement]()
	tests := []struct {
		name, doc  string
		want       error
		path       string
		bad, other string
	}{
		{"genuine", `{"_type":"t","subject":[{"name":"a","digest":{"sha256":` + sha + `,"sha512":"x"}}],"predicateType":"p","predicate":{"a":{"b":[1,{"c":null}]},"A1":true}}`, nil, "", "", ""},
		{"unknown members", `{"_type":"t","extra":{"x":1},"subject":[{"name":"a","uri":"u","digest":{}}]}`, nil, "", "", ""},
		{"subject twice", `{"subject":[],"Subject":[]}`, ErrDuplicate, "$", "Subject", "subject"},
		{"predicateType twice", `{"predicateType":"a","PredicateType":"b"}`, ErrDuplicate, "$", "PredicateType", "predicateType"},
		{"proto name twice", `{"predicateType":"a","predicate_type":"b"}`, ErrDuplicate, "$", "predicate_type", "predicateType"},
		{"exact repeat", `{"_type":"a","_type":"b"}`, ErrDuplicate, "$", "_type", "_type"},
		{"type variants", `{"_type":"a","_Type":"b"}`, ErrDuplicate, "$", "_Type", "_type"},
		{"lone proto name", `{"predicate_type":"b"}`, ErrFoldedName, "$", "predicate_type", "predicateType"},
		{"lone upper case", `{"SUBJECT":[]}`, ErrFoldedName, "$", "SUBJECT", "subject"},
		{"lone long s", `{"\u017Fubject":[]}`, ErrFoldedName, "$", "\u017Fubject", "subject"},
		{"Kelvin sign", `{"subject":[{"name":"a","digest":{"k1":"x","\u212A1":"y"}}]}`, ErrDuplicate, "$.subject[0].digest", "\u212A1", "k1"},
		{"look-alike is not a fold", `{"subject":[{"na\u212Ae":"x","nαme":"y"}]}`, nil, "", "", ""},
		{"subject name", `{"subject":[{"name":"a"},{"name":"b","Name":"c"}]}`, ErrDuplicate, "$.subject[1]", "Name", "name"},
		{"subject Name alone", `{"subject":[{"Name":"c"}]}`, ErrFoldedName, "$.subject[0]", "Name", "name"},
		{"digest", `{"subject":[{"name":"a","digest":{"sha256":` + sha + `,"SHA256":` + sha + `}}]}`, ErrDuplicate, "$.subject[0].digest", "SHA256", "sha256"},
		{"deep in predicate", `{"predicate":{"a":[{"b":{"c":1,"C":2}}]}}`, ErrDuplicate, "$.predicate.a[0].b", "C", "c"},
		{"odd names in path", `{"predicate":{"a b":{"\u001b[2J":{"x":1,"X":2}}}}`, ErrDuplicate, `$.predicate["a b"]["\x1b[2J"]`, "X", "x"},
		{"trailing data", `{} {}`, ErrSyntax, "$", "", ""},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", ErrSyntax, "$.a", "", ""},
		{"truncated", `{"a":[1,`, ErrSyntax, "$.a[1]", "", ""},
		{"empty", ``, ErrSyntax, "$", "", ""},
		{"depth", strings.Repeat(`{"a":`, MaxDepth) + `{}` + strings.Repeat(`}`, MaxDepth), ErrDepth, "$" + strings.Repeat(".a", MaxDepth), "", ""},
		{"depth just fits", strings.Repeat(`[`, MaxDepth) + strings.Repeat(`]`, MaxDepth), nil, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Check([]byte(tc.doc), st)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var se *Error
			if !errors.Is(err, tc.want) || !errors.As(err, &se) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if se.Path != tc.path || se.Name != tc.bad || se.Other != tc.other {
				t.Errorf("got path %q names %q, %q; want %q, %q, %q (%v)", se.Path, se.Name, se.Other, tc.path, tc.bad, tc.other, err)
			}
			if msg := err.Error(); strings.ContainsRune(msg, '\x1b') || tc.bad != "" && !strings.Contains(msg, tc.bad) {
				t.Errorf("message %q does not name %q or is not escaped", msg, tc.bad)
			}
		})
	}
}
