package strictjson

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth is how deeply arrays and objects may nest: the top-level value is at depth 1.
// candor's documents need far less (a predicate about an image nested eight archives deep
// needs about 30); deep nesting only costs the parsers and validators that follow.
const MaxDepth = 64

// The kinds of [*Error], to be tested with [errors.Is].
var (
	// ErrDuplicate: two member names of one object are equal under [FoldKey] (they differ at
	// most in case, '_' or '-'), or repeat exactly.
	ErrDuplicate = errors.New("duplicate member name")
	// ErrFoldedName: a member name is not a known field but equal to one under [FoldKey].
	ErrFoldedName = errors.New("member name folds onto a known field")
	// ErrDepth: arrays and objects nest more than [MaxDepth] levels deep.
	ErrDepth = errors.New("nested too deep")
	// ErrSyntax: not exactly one valid JSON value in valid UTF-8.
	ErrSyntax = errors.New("invalid JSON")
)

// Error is a refusal by [Check]. It wraps its kind, one of [ErrDuplicate], [ErrFoldedName],
// [ErrDepth] and [ErrSyntax].
type Error struct {
	// Err is the kind.
	Err error
	// Path locates the object (or, for ErrDepth and ErrSyntax, the value) concerned, as in
	// $.subject[0].digest; "$" is the whole document.
	Path string
	// Name is the member name refused; Other is the earlier name it collides with
	// (ErrDuplicate) or the known field it folds onto (ErrFoldedName).
	Name, Other string
	// detail is the syntax error's message.
	detail string
}

// Error says what is wrong, where, and what to do.
func (e *Error) Error() string {
	switch e.Err {
	case ErrDuplicate:
		if e.Name == e.Other {
			return fmt.Sprintf("%s: %s: member %s appears twice: remove one", e.Err, e.Path, quote(e.Name))
		}
		return fmt.Sprintf("%s: %s: members %s and %s differ only in case, '_' or '-', so other JSON parsers read them as one: remove one",
			e.Err, e.Path, quote(e.Other), quote(e.Name))
	case ErrFoldedName:
		return fmt.Sprintf("%s: %s: member %s is not the field %s, but other JSON parsers read it as that field: spell it %s or remove it",
			e.Err, e.Path, quote(e.Name), quote(e.Other), quote(e.Other))
	case ErrDepth:
		return fmt.Sprintf("%s: %s: arrays and objects nest more than %d levels deep", e.Err, e.Path, MaxDepth)
	}
	return fmt.Sprintf("%s: %s: %s", e.Err, e.Path, e.detail)
}

// Unwrap returns the kind.
func (e *Error) Unwrap() error { return e.Err }

// maxShown bounds how much of a name a message shows.
const maxShown = 64

// quote returns a name quoted for a message, escapes included, cut to maxShown bytes.
func quote(s string) string {
	if len(s) <= maxShown {
		return strconv.Quote(s)
	}
	cut := maxShown
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

// frame is one open array or object on the walk's stack.
type frame struct {
	array  bool
	index  int    // array: index of the current element
	name   string // object: name of the current member
	schema *Schema
	names  Names // object: names seen so far
}

// walker is the state of one [Check].
type walker struct {
	stack []frame
}

// path returns the path of the current value: below the top frame's current member or
// element when member is true, else of the top frame itself.
func (w *walker) path(member bool) string {
	var b strings.Builder
	b.WriteByte('$')
	n := len(w.stack)
	if !member {
		n--
	}
	for _, f := range w.stack[:max(n, 0)] {
		if f.array {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(f.index))
			b.WriteByte(']')
		} else {
			writeName(&b, f.name)
		}
	}
	return b.String()
}

// writeName appends .name, or ["name"] when the name is not a plain word.
func writeName(b *strings.Builder, name string) {
	plain := name != "" && len(name) <= maxShown
	for i := 0; plain && i < len(name); i++ {
		c := name[i]
		plain = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '$' || c == '-'
	}
	if plain {
		b.WriteByte('.')
		b.WriteString(name)
		return
	}
	b.WriteByte('[')
	b.WriteString(quote(name))
	b.WriteByte(']')
}

// Check reads data as one JSON value whose objects s describes (nil: any value) and
// returns an [*Error] for the first thing refused: see the package documentation. It does
// not check types or required fields: decode the value afterwards for that.
func Check(data []byte, s *Schema) error {
	// A bytes.Buffer is read in place; duplicates are found here, by fold key.
	dec := jsontext.NewDecoder(bytes.NewBuffer(data), jsontext.AllowDuplicateNames(true))
	w := &walker{stack: make([]frame, 0, 16)}
	if err := w.value(dec, s); err != nil {
		return err
	}
	for len(w.stack) > 0 {
		top := &w.stack[len(w.stack)-1]
		if top.array {
			if dec.PeekKind() == ']' {
				if err := w.end(dec); err != nil {
					return err
				}
				continue
			}
			top.index++
			if err := w.value(dec, top.schema.Elem()); err != nil {
				return err
			}
			continue
		}
		if dec.PeekKind() == '}' {
			if err := w.end(dec); err != nil {
				return err
			}
			continue
		}
		tok, err := dec.ReadToken()
		if err != nil {
			return w.syntax(err, false)
		}
		name := tok.String()
		if earlier, dup := top.names.Add(name); dup {
			return &Error{Err: ErrDuplicate, Path: w.path(false), Name: name, Other: earlier}
		}
		child, onto := top.schema.Member(name)
		if onto != "" {
			return &Error{Err: ErrFoldedName, Path: w.path(false), Name: name, Other: onto}
		}
		top.name = name
		if err := w.value(dec, child); err != nil {
			return err
		}
	}
	if _, err := dec.ReadToken(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the top-level value")
		}
		return w.syntax(err, false)
	}
	return nil
}

// value reads the value at the current position: a scalar whole, or the start of an array
// or object, which it pushes, refusing one that would nest deeper than MaxDepth.
func (w *walker) value(dec *jsontext.Decoder, s *Schema) error {
	switch dec.PeekKind() {
	case '{', '[':
		if len(w.stack) == MaxDepth {
			return &Error{Err: ErrDepth, Path: w.path(true)}
		}
		tok, err := dec.ReadToken()
		if err != nil {
			return w.syntax(err, true)
		}
		w.push(tok.Kind() == '[', s)
		return nil
	}
	if err := dec.SkipValue(); err != nil {
		return w.syntax(err, true)
	}
	return nil
}

// push opens an array or object, reusing the frame (and its name list) last used at that
// depth.
func (w *walker) push(array bool, s *Schema) {
	if len(w.stack) < cap(w.stack) {
		w.stack = w.stack[:len(w.stack)+1]
	} else {
		w.stack = append(w.stack, frame{})
	}
	f := &w.stack[len(w.stack)-1]
	names := f.names
	names.reset()
	*f = frame{array: array, index: -1, schema: s, names: names}
}

// end reads the end of the top array or object and pops it.
func (w *walker) end(dec *jsontext.Decoder) error {
	if _, err := dec.ReadToken(); err != nil {
		return w.syntax(err, false)
	}
	w.stack = w.stack[:len(w.stack)-1]
	return nil
}

// syntax wraps a decoder error.
func (w *walker) syntax(err error, member bool) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = errors.New("unexpected end of input")
	}
	msg := strings.TrimPrefix(err.Error(), "jsontext: ")
	return &Error{Err: ErrSyntax, Path: w.path(member), detail: msg}
}
