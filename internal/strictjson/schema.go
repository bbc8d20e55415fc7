package strictjson

import (
	"encoding"
	"encoding/json"
	jsonv2 "encoding/json/v2"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// Schema says which member names the objects of a document may use, so that [Check] can
// refuse a name that is not one of them but that a case-insensitive parser would read as
// one. A nil *Schema accepts any value (only duplicates and depth are checked in it).
// Obtain one from [For] or [Of]; it is read-only and safe for concurrent use.
type Schema struct {
	kind   schemaKind
	fields map[string]*Schema // object: exact names
	keys   map[string]string  // object: fold key to exact name
	elem   *Schema            // array elements and map values
}

type schemaKind uint8

const (
	kindObject schemaKind = iota + 1 // a struct: known member names
	kindArray                        // a slice or array
	kindMap                          // a map: any member names, each value elem
)

// For returns the schema of the JSON form of T; see [Of].
func For[T any]() *Schema { return Of(reflect.TypeFor[T]()) }

// Of returns the schema of the JSON form of t, read from its json struct tags as
// encoding/json reads them: a struct is an object whose fields are its exported fields, each
// named by its tag (or its Go name without one; "-" omits it), embedded structs without a
// name inlined; slices and arrays are arrays; maps are objects with any names. A type with
// its own JSON or text decoding, an interface, []byte and every scalar accept any value.
func Of(t reflect.Type) *Schema { return build(t, map[reflect.Type]*Schema{}) }

var (
	unmarshalerType   = reflect.TypeFor[json.Unmarshaler]()
	unmarshalerV2Type = reflect.TypeFor[jsonv2.UnmarshalerFrom]()
	textType          = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// custom reports whether t decodes itself: its JSON shape is its own business.
func custom(t reflect.Type) bool {
	for _, u := range []reflect.Type{t, reflect.PointerTo(t)} {
		if u.Implements(unmarshalerType) || u.Implements(unmarshalerV2Type) || u.Implements(textType) {
			return true
		}
	}
	return false
}

func build(t reflect.Type, seen map[reflect.Type]*Schema) *Schema {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if s, ok := seen[t]; ok {
		return s
	}
	if custom(t) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		s := &Schema{kind: kindObject, fields: map[string]*Schema{}, keys: map[string]string{}}
		seen[t] = s // before the fields: types may be recursive
		addFields(s, t, seen)
		return s
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil // base64 or a raw value
		}
		if e := build(t.Elem(), seen); e != nil {
			return &Schema{kind: kindArray, elem: e}
		}
	case reflect.Map:
		if e := build(t.Elem(), seen); e != nil {
			return &Schema{kind: kindMap, elem: e}
		}
	}
	return nil
}

func addFields(s *Schema, t reflect.Type, seen map[reflect.Type]*Schema) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		ft := f.Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		inline := strings.Contains(","+opts+",", ",inline,") || f.Anonymous && name == "" && ft.Kind() == reflect.Struct
		if inline && ft.Kind() == reflect.Struct && !custom(ft) {
			addFields(s, ft, seen)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		s.fields[name] = build(f.Type, seen)
		if _, ok := s.keys[FoldKey(name)]; !ok {
			s.keys[FoldKey(name)] = name
		}
	}
}

// Member returns the schema of the value of member name in an object that s describes, and
// the known field name folds onto when it is not that field exactly (else ""): a name that
// [Check] refuses with [ErrFoldedName].
func (s *Schema) Member(name string) (child *Schema, foldsOnto string) {
	if s == nil {
		return nil, ""
	}
	switch s.kind {
	case kindMap:
		return s.elem, ""
	case kindObject:
		if c, ok := s.fields[name]; ok {
			return c, ""
		}
		if known, ok := s.keys[FoldKey(name)]; ok {
			return nil, known
		}
	}
	return nil, ""
}

// Elem returns the schema of the elements of an array that s describes.
func (s *Schema) Elem() *Schema {
	if s == nil || s.kind != kindArray {
		return nil
	}
	return s.elem
}

// Fields returns the known member names of an object that s describes, for messages and
// tests; nil for anything else.
func (s *Schema) Fields() []string {
	if s == nil || s.kind != kindObject {
		return nil
	}
	return slices.Sorted(maps.Keys(s.fields))
}
