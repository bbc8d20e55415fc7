package schemas

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// candor validates with a small interpreter of JSON Schema draft 2020-12 rather than a
// general library: a general validator compiles every draft's meta-schema when the program
// starts and validates each schema against its meta-schema when it is compiled, which cost a
// short command such as candor verify about a quarter of its run time. The interpreter reads
// the same embedded schema files, knows the keywords they use, and refuses to compile a schema
// with any other keyword, so that a schema edit cannot silently validate less. Its verdicts
// and messages are those of github.com/santhosh-tekuri/jsonschema/v6 (the tests compare both
// on many documents, and validate the schema files against the draft 2020-12 meta-schema with
// it).

// draft2020 is the only $schema the embedded files may name.
const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// schema is one compiled (sub)schema. Only the keywords the embedded files use are known.
type schema struct {
	loc string
	// always is set for the boolean schemas true and false ({} is true).
	always *bool

	types     typeSet
	hasConst  bool
	constVal  any
	enum      []any
	enumTypes typeSet
	format    *format
	ref       *schema

	properties    map[string]*schema
	additional    *schema // additionalProperties as a schema; see noAdditional
	noAdditional  bool    // additionalProperties: false
	required      []string
	minProperties *int

	items       *schema
	minItems    *int
	maxItems    *int
	uniqueItems bool

	minLength *int
	maxLength *int
	pattern   *regexp.Regexp

	minimum *big.Rat
	maximum *big.Rat

	ifSchema, thenSchema, elseSchema *schema
	anyOf                            []*schema
}

// annotations are keywords that do not take part in validation.
var annotations = []string{"$comment", "title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"}

// compiler compiles schemas from documents identified by their $id, following $ref between
// them. load returns the bytes of a document; each is read on first reference.
type compiler struct {
	load     func(id string) ([]byte, error)
	docs     map[string]any
	compiled map[string]*schema
}

func newCompiler(load func(id string) ([]byte, error)) *compiler {
	return &compiler{load: load, docs: map[string]any{}, compiled: map[string]*schema{}}
}

// doc returns the decoded document with the given id, reading it on first use.
func (c *compiler) doc(id string) (any, error) {
	if d, ok := c.docs[id]; ok {
		return d, nil
	}
	data, err := c.load(id)
	if err != nil {
		return nil, err
	}
	d, err := decodeSchema(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", id, err)
	}
	obj, ok := d.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: not a JSON object", id)
	}
	if obj["$schema"] != draft2020 {
		return nil, fmt.Errorf("%s: $schema is %v; only %s is supported", id, obj["$schema"], draft2020)
	}
	if obj["$id"] != id {
		return nil, fmt.Errorf("%s: $id is %v", id, obj["$id"])
	}
	c.docs[id] = d
	return d, nil
}

// compile returns the schema at loc: a document id, then optionally # and a JSON pointer.
func (c *compiler) compile(loc string) (*schema, error) {
	doc, ptr, _ := strings.Cut(loc, "#")
	loc = doc + "#" + ptr
	if s := c.compiled[loc]; s != nil {
		return s, nil
	}
	v, err := c.doc(doc)
	if err != nil {
		return nil, err
	}
	v, err = lookup(v, ptr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", loc, err)
	}
	s := &schema{loc: loc}
	c.compiled[loc] = s // before its subschemas, which may refer back to it
	if err := c.compileValue(s, v, doc, ptr); err != nil {
		delete(c.compiled, loc)
		return nil, err
	}
	return s, nil
}

// lookup follows a JSON pointer ("" or /a/b) from v.
func lookup(v any, ptr string) (any, error) {
	if ptr == "" {
		return v, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("fragment %q is not a JSON pointer", ptr)
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[tok]; !ok {
				return nil, fmt.Errorf("no %q", tok)
			}
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil, fmt.Errorf("no item %q", tok)
			}
			v = x[i]
		default:
			return nil, fmt.Errorf("no %q in a scalar", tok)
		}
	}
	return v, nil
}

func escapeToken(tok string) string {
	return strings.ReplaceAll(strings.ReplaceAll(tok, "~", "~0"), "/", "~1")
}

func (c *compiler) compileValue(s *schema, v any, doc, ptr string) error {
	switch v := v.(type) {
	case bool:
		s.always = &v
		return nil
	case map[string]any:
		if len(v) == 0 {
			t := true
			s.always = &t
			return nil
		}
		for _, kw := range slices.Sorted(maps.Keys(v)) {
			if err := c.keyword(s, v, kw, doc, ptr); err != nil {
				return fmt.Errorf("%s#%s: %s: %w", doc, ptr, kw, err)
			}
		}
		return nil
	default:
		return fmt.Errorf("%s#%s: a schema is an object or a boolean, not %T", doc, ptr, v)
	}
}

// keyword compiles one keyword of the schema object obj at doc#ptr into s.
func (c *compiler) keyword(s *schema, obj map[string]any, kw, doc, ptr string) error {
	v := obj[kw]
	sub := func(name string) (*schema, error) { return c.compile(doc + "#" + ptr + "/" + escapeToken(name)) }
	var err error
	switch kw {
	case "$schema", "$id":
		if ptr != "" {
			return errors.New("only the document's root may have one")
		}
	case "$defs":
		if _, ok := v.(map[string]any); !ok {
			return errors.New("want an object")
		}
	case "$ref":
		ref, ok := v.(string)
		if !ok {
			return errors.New("want a string")
		}
		base, _ := url.Parse(doc)
		u, err := base.Parse(ref)
		if err != nil {
			return err
		}
		frag := u.Fragment
		u.Fragment = ""
		if frag != "" && !strings.HasPrefix(frag, "/") {
			return errors.New("only JSON pointer fragments are supported")
		}
		s.ref, err = c.compile(u.String() + "#" + frag)
		return err
	case "type":
		s.types, err = parseTypes(v)
	case "const":
		s.hasConst, s.constVal = true, v
	case "enum":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return errors.New("want a non-empty array")
		}
		s.enum = arr
		for _, item := range arr {
			s.enumTypes |= typeOf(item)
		}
	case "format":
		name, _ := v.(string)
		if s.format = formats[name]; s.format == nil {
			return fmt.Errorf("format %v is not supported", v)
		}
	case "properties":
		m, ok := v.(map[string]any)
		if !ok {
			return errors.New("want an object")
		}
		s.properties = make(map[string]*schema, len(m))
		for name := range m {
			if s.properties[name], err = c.compile(doc + "#" + ptr + "/properties/" + escapeToken(name)); err != nil {
				return err
			}
		}
	case "additionalProperties":
		if b, ok := v.(bool); ok {
			s.noAdditional = !b
			return nil
		}
		s.additional, err = sub(kw)
	case "required":
		s.required, err = parseStrings(v)
	case "minProperties":
		s.minProperties, err = parseCount(v)
	case "items":
		s.items, err = sub(kw)
	case "minItems":
		s.minItems, err = parseCount(v)
	case "maxItems":
		s.maxItems, err = parseCount(v)
	case "uniqueItems":
		b, ok := v.(bool)
		if !ok {
			return errors.New("want a boolean")
		}
		s.uniqueItems = b
	case "minLength":
		s.minLength, err = parseCount(v)
	case "maxLength":
		s.maxLength, err = parseCount(v)
	case "pattern":
		p, ok := v.(string)
		if !ok {
			return errors.New("want a string")
		}
		s.pattern, err = regexp.Compile(p)
	case "minimum":
		s.minimum, err = parseNumber(v)
	case "maximum":
		s.maximum, err = parseNumber(v)
	case "if":
		s.ifSchema, err = sub(kw)
	case "then", "else":
		// As draft 2020-12 says: without if they are ignored, and so is the branch a boolean if
		// never takes.
		cond, hasIf := obj["if"]
		if !hasIf || cond == (kw == "else") {
			return nil
		}
		if kw == "then" {
			s.thenSchema, err = sub(kw)
		} else {
			s.elseSchema, err = sub(kw)
		}
	case "anyOf":
		arr, ok := v.([]any)
		if !ok || len(arr) == 0 {
			return errors.New("want a non-empty array")
		}
		for i := range arr {
			alt, err := c.compile(doc + "#" + ptr + "/anyOf/" + strconv.Itoa(i))
			if err != nil {
				return err
			}
			s.anyOf = append(s.anyOf, alt)
		}
	default:
		if !slices.Contains(annotations, kw) {
			return errors.New("keyword not supported by candor's schema validator")
		}
	}
	return err
}

func parseTypes(v any) (typeSet, error) {
	var names []any
	switch v := v.(type) {
	case string:
		names = []any{v}
	case []any:
		names = v
	}
	var t typeSet
	for _, n := range names {
		s, _ := n.(string)
		x := typeFromName(s)
		if x == invalidType {
			return 0, fmt.Errorf("unknown type %v", n)
		}
		t |= x
	}
	if t == 0 {
		return 0, errors.New("want a type name or a non-empty array of them")
	}
	return t, nil
}

func parseStrings(v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, errors.New("want an array of strings")
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, ok := x.(string)
		if !ok {
			return nil, errors.New("want an array of strings")
		}
		out = append(out, s)
	}
	return out, nil
}

func parseNumber(v any) (*big.Rat, error) {
	if typeOf(v) != numberType {
		return nil, errors.New("want a number")
	}
	n, ok := new(big.Rat).SetString(fmt.Sprint(v))
	if !ok {
		return nil, errors.New("want a number")
	}
	return n, nil
}

func parseCount(v any) (*int, error) {
	n, err := parseNumber(v)
	if err != nil || !n.IsInt() || n.Sign() < 0 || !n.Num().IsInt64() {
		return nil, errors.New("want a non-negative integer")
	}
	i := int(n.Num().Int64())
	return &i, nil
}

// decodeSchema decodes a schema file, numbers kept exact as json.Number. It reads tokens
// rather than unmarshalling into any, which costs a short command several times as much.
func decodeSchema(data []byte) (any, error) {
	d := jsontext.NewDecoder(bytes.NewReader(data))
	v, err := decodeValue(d)
	if err != nil {
		return nil, err
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return nil, errors.New("invalid character after top-level value")
	}
	return v, nil
}

func decodeValue(d *jsontext.Decoder) (any, error) {
	tok, err := d.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case 'n':
		return nil, nil
	case 'f', 't':
		return tok.Bool(), nil
	case '"':
		return tok.String(), nil
	case '0':
		return json.Number(tok.String()), nil
	case '{':
		m := map[string]any{}
		for d.PeekKind() != '}' {
			k, err := d.ReadToken()
			if err != nil {
				return nil, err
			}
			if m[k.String()], err = decodeValue(d); err != nil {
				return nil, err
			}
		}
		_, err := d.ReadToken()
		return m, err
	case '[':
		a := []any{}
		for d.PeekKind() != ']' {
			v, err := decodeValue(d)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.ReadToken()
		return a, err
	}
	return nil, fmt.Errorf("unexpected %v", tok)
}

// unmarshalJSON decodes one JSON value, numbers kept exact as json.Number, and refuses
// anything after it.
func unmarshalJSON(r io.Reader) (any, error) {
	d := json.NewDecoder(r)
	d.UseNumber()
	var doc any
	if err := d.Decode(&doc); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err == nil || err != io.EOF {
		return nil, errors.New("invalid character after top-level value")
	}
	return doc, nil
}
