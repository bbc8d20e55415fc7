package schemas

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// printer formats messages as github.com/santhosh-tekuri/jsonschema/v6 does in English
// (numbers with thousands separators).
var printer = sync.OnceValue(func() *message.Printer { return message.NewPrinter(language.English) })

// failure is why a value does not match a schema: a tree shaped as
// github.com/santhosh-tekuri/jsonschema/v6's ValidationError, which [violations] flattens.
type failure struct {
	kind failureKind
	at   *loc
	// keyword and message describe a leaf.
	keyword, message string
	// names are the missing (required) or unknown (additionalProperties) fields.
	names  []string
	causes []*failure
}

type failureKind int

const (
	leafFailure       failureKind = iota
	groupFailure                  // several failures of one schema
	refFailure                    // the schema a $ref names failed
	anyOfFailure                  // no alternative of anyOf matched
	requiredFailure               // names are missing
	additionalFailure             // names are unknown
	elidedFailure                 // failures counted, not kept; see elided
)

// validate checks v, found at the instance location at, against s. The order of the checks
// and the shape of the result follow jsonschema/v6's validator: a failed type, const, enum or
// format check ends the schema's checks; the others all run. A value deeper than
// st.maxDepth stops validation (see [state.tooDeepAt]).
func (s *schema) validate(st *state, v any, at *loc) *failure {
	if st.deep != nil {
		return elided
	}
	if at.n > st.maxDepth {
		return st.tooDeepAt(at)
	}
	p := printer()
	if s.always != nil {
		if *s.always {
			return nil
		}
		return st.leaf(at, "", p.Sprintf("false schema"))
	}
	t := typeOf(v)
	if t == invalidType {
		return st.leaf(at, "", p.Sprintf("invalid jsonType %T", v))
	}
	if s.types != 0 && !s.types.has(t) && !(s.types.has(integerType) && t == numberType && isInteger(v)) {
		return st.leaf(at, "type", p.Sprintf("got %s, want %s", t, strings.Join(s.types.names(), " or ")))
	}
	if s.hasConst {
		ok, bad := equals(v, s.constVal)
		if bad != nil {
			return bad.at(st, at)
		}
		if !ok {
			if isComposite(s.constVal) {
				return st.leaf(at, "const", p.Sprintf("'const' failed"))
			}
			return st.leaf(at, "const", p.Sprintf("value must be %s", display(s.constVal)))
		}
	}
	if s.enum != nil {
		if f := s.checkEnum(st, v, at); f != nil {
			return f
		}
	}
	if s.format != nil {
		if err := s.format.check(v); err != nil {
			return st.leaf(at, "format", p.Sprintf("%s is not valid %s: %v", display(v), s.format.name, localized(err, p)))
		}
	}
	var fs []*failure
	if s.ref != nil {
		if f := s.ref.validate(st, v, at); f != nil {
			switch {
			case f == elided:
				fs = append(fs, elided)
			case f.kind == groupFailure:
				fs = append(fs, &failure{kind: refFailure, at: at, causes: f.causes})
			default:
				fs = append(fs, &failure{kind: refFailure, at: at, causes: []*failure{f}})
			}
		}
	}
	switch v := v.(type) {
	case map[string]any:
		fs = s.validateObject(st, v, at, fs)
	case []any:
		fs = s.validateArray(st, v, at, fs)
	case string:
		fs = s.validateString(st, v, at, fs)
	case bool, nil:
	default:
		fs = s.validateNumber(st, v, at, fs)
	}
	fs = s.validateConditions(st, v, at, fs)
	return group(groupFailure, at, fs)
}

// group returns the failure of several: nil for none, the one, or a node of the given kind
// holding those kept; elided when none was kept.
func group(kind failureKind, at *loc, fs []*failure) *failure {
	kept := fs
	if slices.Contains(fs, elided) {
		kept = nil
		for _, f := range fs {
			if f != elided {
				kept = append(kept, f)
			}
		}
	}
	switch {
	case len(fs) == 0:
		return nil
	case len(kept) == 0:
		return elided
	case len(kept) == 1 && kind == groupFailure:
		return kept[0]
	}
	return &failure{kind: kind, at: at, causes: kept}
}

func (s *schema) checkEnum(st *state, v any, at *loc) *failure {
	if s.enumTypes.has(typeOf(v)) {
		for _, item := range s.enum {
			ok, bad := equals(v, item)
			if bad != nil {
				return bad.at(st, at)
			}
			if ok {
				return nil
			}
		}
	}
	p := printer()
	if slices.ContainsFunc(s.enum, isComposite) {
		return st.leaf(at, "enum", p.Sprintf("'enum' failed"))
	}
	if len(s.enum) == 1 {
		return st.leaf(at, "enum", p.Sprintf("value must be %s", display(s.enum[0])))
	}
	want := make([]string, len(s.enum))
	for i, item := range s.enum {
		want[i] = display(item)
	}
	return st.leaf(at, "enum", p.Sprintf("value must be one of %s", strings.Join(want, ", ")))
}

func (s *schema) validateObject(st *state, obj map[string]any, at *loc, fs []*failure) []*failure {
	p := printer()
	if s.minProperties != nil && len(obj) < *s.minProperties {
		fs = append(fs, st.leaf(at, "minProperties", p.Sprintf("minProperties: got %d, want %d", len(obj), *s.minProperties)))
	}
	var missing []string
	for _, name := range s.required {
		if _, ok := obj[name]; !ok {
			missing = append(missing, name)
		}
	}
	if missing != nil {
		fs = append(fs, st.keep(&failure{kind: requiredFailure, at: at, names: missing}, len(missing)))
	}
	var unknown []string
	extra := 0 // unknown fields beyond the room left
	for name, v := range obj {
		if st.deep != nil {
			return append(fs, elided)
		}
		sub := s.properties[name]
		if sub == nil {
			sub = s.additional
		}
		if sub == nil {
			if s.noAdditional {
				if len(unknown) < st.room() {
					unknown = append(unknown, name)
				} else {
					extra++
				}
			}
			continue
		}
		if f := sub.validate(st, v, at.member(name)); f != nil {
			fs = append(fs, f)
		}
	}
	if unknown != nil {
		fs = append(fs, st.keep(&failure{kind: additionalFailure, at: at, names: unknown}, len(unknown)))
	}
	if extra > 0 {
		st.tally.elided += extra
		fs = append(fs, elided)
	}
	return fs
}

func (s *schema) validateArray(st *state, arr []any, at *loc, fs []*failure) []*failure {
	p := printer()
	if s.minItems != nil && len(arr) < *s.minItems {
		fs = append(fs, st.leaf(at, "minItems", p.Sprintf("minItems: got %d, want %d", len(arr), *s.minItems)))
	}
	if s.maxItems != nil && len(arr) > *s.maxItems {
		fs = append(fs, st.leaf(at, "maxItems", p.Sprintf("maxItems: got %d, want %d", len(arr), *s.maxItems)))
	}
	if s.uniqueItems && len(arr) > 1 {
		// Comparing the items looks at all of them, at every depth.
		if steps, deep := tooDeep(arr, st.maxDepth-at.n); deep {
			return append(fs, st.tooDeepAt(at.follow(steps)))
		}
		i, j, bad := duplicates(arr)
		if bad != nil {
			fs = append(fs, bad.at(st, at))
		} else if i >= 0 {
			fs = append(fs, st.leaf(at, "uniqueItems", p.Sprintf("items at %d and %d are equal", i, j)))
		}
	}
	if s.items != nil {
		for i, item := range arr {
			if st.deep != nil {
				return append(fs, elided)
			}
			if f := s.items.validate(st, item, at.item(i)); f != nil {
				fs = append(fs, f)
			}
		}
	}
	return fs
}

func (s *schema) validateString(st *state, str string, at *loc, fs []*failure) []*failure {
	p := printer()
	n := utf8.RuneCountInString(str)
	if s.minLength != nil && n < *s.minLength {
		fs = append(fs, st.leaf(at, "minLength", p.Sprintf("minLength: got %d, want %d", n, *s.minLength)))
	}
	if s.maxLength != nil && n > *s.maxLength {
		fs = append(fs, st.leaf(at, "maxLength", p.Sprintf("maxLength: got %d, want %d", n, *s.maxLength)))
	}
	if s.pattern != nil && !s.pattern.MatchString(str) {
		fs = append(fs, st.leaf(at, "pattern", p.Sprintf("%s does not match pattern %s", quote(str), quote(s.pattern.String()))))
	}
	return fs
}

func (s *schema) validateNumber(st *state, v any, at *loc, fs []*failure) []*failure {
	if s.minimum == nil && s.maximum == nil {
		return fs
	}
	p := printer()
	num, _ := new(big.Rat).SetString(fmt.Sprintf("%v", v))
	if s.minimum != nil && num.Cmp(s.minimum) < 0 {
		got, _ := num.Float64()
		want, _ := s.minimum.Float64()
		fs = append(fs, st.leaf(at, "minimum", p.Sprintf("minimum: got %v, want %v", got, want)))
	}
	if s.maximum != nil && num.Cmp(s.maximum) > 0 {
		got, _ := num.Float64()
		want, _ := s.maximum.Float64()
		fs = append(fs, st.leaf(at, "maximum", p.Sprintf("maximum: got %v, want %v", got, want)))
	}
	return fs
}

// validateConditions applies anyOf, then if/then/else, to the same value. The failures of an
// if, and of the alternatives before one that matches, are thrown away, and uncounted.
func (s *schema) validateConditions(st *state, v any, at *loc, fs []*failure) []*failure {
	if len(s.anyOf) > 0 {
		before := st.tally
		var causes []*failure
		for _, alt := range s.anyOf {
			f := alt.validate(st, v, at)
			if f == nil {
				causes = nil
				st.tally = before
				break
			}
			causes = append(causes, f)
		}
		if causes != nil {
			fs = append(fs, group(anyOfFailure, at, causes))
		}
	}
	if s.ifSchema != nil {
		before := st.tally
		matched := s.ifSchema.validate(st, v, at) == nil
		st.tally = before
		branch := s.elseSchema
		if matched {
			branch = s.thenSchema
		}
		if branch != nil {
			if f := branch.validate(st, v, at); f != nil {
				fs = append(fs, f)
			}
		}
	}
	return fs
}

// JSON types, as sets.
type typeSet int

const (
	invalidType typeSet = 0
	nullType    typeSet = 1 << iota
	booleanType
	numberType
	integerType
	stringType
	arrayType
	objectType
)

var typeNames = []struct {
	t    typeSet
	name string
}{
	{nullType, "null"}, {booleanType, "boolean"}, {numberType, "number"}, {integerType, "integer"},
	{stringType, "string"}, {arrayType, "array"}, {objectType, "object"},
}

func typeFromName(name string) typeSet {
	for _, tn := range typeNames {
		if tn.name == name {
			return tn.t
		}
	}
	return invalidType
}

func (t typeSet) has(u typeSet) bool { return t&u != 0 }

// names lists the types of the set in jsonschema/v6's order.
func (t typeSet) names() []string {
	var out []string
	for _, tn := range typeNames {
		if t.has(tn.t) {
			out = append(out, tn.name)
		}
	}
	return out
}

// String names a single type.
func (t typeSet) String() string { return strings.Join(t.names(), " or ") }

// typeOf returns the JSON type of a decoded value; invalidType for a Go value that is not JSON.
func typeOf(v any) typeSet {
	switch v := v.(type) {
	case nil:
		return nullType
	case bool:
		return booleanType
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return invalidType
		}
		return numberType
	case float32:
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return invalidType
		}
		return numberType
	case json.Number, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return numberType
	case string:
		return stringType
	case []any:
		return arrayType
	case map[string]any:
		return objectType
	default:
		return invalidType
	}
}

func isInteger(num any) bool {
	r, ok := new(big.Rat).SetString(fmt.Sprint(num))
	return ok && r.IsInt()
}

func isComposite(v any) bool {
	switch v.(type) {
	case []any, map[string]any:
		return true
	}
	return false
}

// notJSON is a Go value found where a decoded JSON value was expected.
type notJSON struct{ v any }

func (n *notJSON) at(st *state, at *loc) *failure {
	return st.leaf(at, "", printer().Sprintf("invalid jsonType %T", n.v))
}

// equals compares two decoded JSON values, numbers by value. A value that is not JSON is
// reported instead.
func equals(v1, v2 any) (bool, *notJSON) {
	switch v1 := v1.(type) {
	case map[string]any:
		v2, ok := v2.(map[string]any)
		if !ok || len(v1) != len(v2) {
			return false, nil
		}
		for k, x := range v1 {
			y, ok := v2[k]
			if !ok {
				return false, nil
			}
			if ok, bad := equals(x, y); !ok || bad != nil {
				return ok, bad
			}
		}
		return true, nil
	case []any:
		v2, ok := v2.([]any)
		if !ok || len(v1) != len(v2) {
			return false, nil
		}
		for i := range v1 {
			if ok, bad := equals(v1[i], v2[i]); !ok || bad != nil {
				return ok, bad
			}
		}
		return true, nil
	case nil:
		return v2 == nil, nil
	case bool:
		v2, ok := v2.(bool)
		return ok && v1 == v2, nil
	case string:
		v2, ok := v2.(string)
		return ok && v1 == v2, nil
	case json.Number, float32, float64, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		if typeOf(v2) != numberType {
			return false, nil
		}
		n1, ok1 := new(big.Rat).SetString(fmt.Sprint(v1))
		n2, ok2 := new(big.Rat).SetString(fmt.Sprint(v2))
		return ok1 && ok2 && n1.Cmp(n2) == 0, nil
	default:
		return false, &notJSON{v1}
	}
}

// duplicates returns the first pair of equal items, j < i with i as small as can be: -1, -1
// when the items are unique. Long arrays are compared by a canonical form, in linear time.
func duplicates(arr []any) (int, int, *notJSON) {
	if len(arr) <= 20 {
		for i := 1; i < len(arr); i++ {
			for j := 0; j < i; j++ {
				if ok, bad := equals(arr[i], arr[j]); ok || bad != nil {
					return j, i, bad
				}
			}
		}
		return -1, -1, nil
	}
	first := make(map[string]int, len(arr))
	var b strings.Builder
	for i, item := range arr {
		b.Reset()
		if bad := canonical(&b, item); bad != nil {
			return -1, -1, bad
		}
		if j, ok := first[b.String()]; ok {
			return j, i, nil
		}
		first[b.String()] = i
	}
	return -1, -1, nil
}

// canonical writes a form of a JSON value that two values share exactly when [equals] says
// they are equal.
func canonical(b *strings.Builder, v any) *notJSON {
	switch v := v.(type) {
	case map[string]any:
		b.WriteByte('{')
		for _, k := range slices.Sorted(maps.Keys(v)) {
			b.WriteString(strconv.Quote(k))
			b.WriteByte(':')
			if bad := canonical(b, v[k]); bad != nil {
				return bad
			}
			b.WriteByte(',')
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for _, x := range v {
			if bad := canonical(b, x); bad != nil {
				return bad
			}
			b.WriteByte(',')
		}
		b.WriteByte(']')
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		b.WriteString(strconv.Quote(v))
	default:
		if typeOf(v) != numberType {
			return &notJSON{v}
		}
		n, ok := new(big.Rat).SetString(fmt.Sprint(v))
		if !ok {
			return &notJSON{v}
		}
		b.WriteString("n" + n.RatString())
	}
	return nil
}

// quote writes a string in single quotes, as jsonschema/v6's messages do.
func quote(s string) string {
	s = fmt.Sprintf("%q", s)
	s = strings.ReplaceAll(s, `\"`, `"`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s[1:len(s)-1] + "'"
}

// display writes a value in a message: a string quoted, a composite value as "value".
func display(v any) string {
	switch v := v.(type) {
	case string:
		return quote(v)
	case []any, map[string]any:
		return "value"
	default:
		return fmt.Sprintf("%v", v)
	}
}
