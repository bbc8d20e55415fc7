package strictjson

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"io"
	"strings"
	"testing"
)

// naiveCollision walks valid JSON with the decoder's own (exact) duplicate check off and
// compares every pair of names of each object with strings.EqualFold, '_' and '-' removed: O(n^2) per
// object, no fold keys. It reports whether some object has two names that fold together,
// and the deepest nesting.
func naiveCollision(data []byte) (collides bool, depth int, err error) {
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true))
	var stack [][]string // names per open object
	values := 0          // top-level values
	for {
		tok, err := dec.ReadToken()
		if err == io.EOF && values == 1 {
			return collides, depth, nil
		}
		if err == io.EOF {
			return false, 0, errors.New("not exactly one value")
		}
		if err != nil {
			return false, 0, err
		}
		if len(stack) == 0 {
			values++
		}
		switch tok.Kind() {
		case '{', '[':
			stack = append(stack, []string{})
			depth = max(depth, len(stack))
			continue
		case '}', ']':
			stack = stack[:len(stack)-1]
			continue
		}
		if n := len(stack); n > 0 && tok.Kind() == '"' && dec.StackDepth() > 0 {
			if k, length := dec.StackIndex(dec.StackDepth()); k == '{' && length%2 == 1 {
				name := stripIgnored.Replace(tok.String())
				for _, e := range stack[n-1] {
					if strings.EqualFold(e, name) {
						collides = true
					}
				}
				stack[n-1] = append(stack[n-1], name)
			}
		}
	}
}

var stripIgnored = strings.NewReplacer("_", "", "-", "")

func FuzzCheck(f *testing.F) {
	for _, s := range []string{
		`{"a":1,"A":2}`, `{"predicateType":1,"predicate_type":2}`, `{"x":[{"k":1,"\u212A":2}]}`,
		`{"σ":1,"ς":2}`, `{"ß":1,"ẞ":2}`, `{"ǅ":1,"ǆ":2}`, `{"a":{"b":{"c":[1,2,{"d":null}]}}}`,
		`[` + strings.Repeat(`{"a":[`, 40) + strings.Repeat(`]}`, 40) + `]`, `{"a-b":1,"a_b":2}`, `{"":1,"_":2}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 16<<10 {
			return // the quadratic reference would take too long
		}
		err := Check(data, nil)
		collides, depth, nerr := naiveCollision(data)
		if nerr != nil {
			if err == nil {
				t.Fatalf("accepted what the decoder refuses: %v", nerr)
			}
			return
		}
		switch {
		case depth > MaxDepth:
			// The first refusal in document order: depth, or a collision before it.
			if !errors.Is(err, ErrDepth) && !(collides && errors.Is(err, ErrDuplicate)) {
				t.Fatalf("nesting %d deep: got %v", depth, err)
			}
		case collides:
			if !errors.Is(err, ErrDuplicate) {
				t.Fatalf("the reference finds names that fold together; got %v", err)
			}
		case err != nil:
			t.Fatalf("the reference finds nothing wrong; got %v", err)
		}
	})
}
