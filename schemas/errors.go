package schemas

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every error that says a document does not match its schema.
var ErrInvalid = errors.New("document does not match its schema")

// Error lists why a document does not match its schema. It wraps [ErrInvalid].
type Error struct {
	// Schema is the id of the schema, such as [DisclosureV1].
	Schema string
	// Violations are sorted by field and never empty; at most [MaxViolations] are listed.
	Violations []Violation
	// Omitted counts the violations found and not listed. Past a thousand failures, the
	// failed checks are counted instead (a listed violation may gather several), and which
	// violations are listed may depend on the order of the members of an object.
	Omitted int
	// depth is set when the document nests deeper than [MaxDepth]; Violations then holds
	// one violation, where that was found.
	depth bool
	// elided counts the failures found beyond maxFailures, included in Omitted.
	elided int
}

// Error returns the violations, one per line.
func (e *Error) Error() string {
	var b strings.Builder
	for i, v := range e.Violations {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(v.String())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "\nand %d more violations", e.Omitted)
	}
	return b.String()
}

// Unwrap returns [ErrDepth] for a document nested too deeply, else [ErrInvalid].
func (e *Error) Unwrap() error {
	if e.depth {
		return ErrDepth
	}
	return ErrInvalid
}

// Violation is one reason a value does not match the schema.
type Violation struct {
	// At is the instance location where the violation was detected, as JSON pointer tokens
	// (an array index is a decimal token). For a missing field it is the enclosing object.
	At []string
	// Field is the field the message is about: At, plus the missing or unknown field's name.
	Field []string
	// Keyword is the schema keyword that failed: type, required, additionalProperties,
	// pattern, enum...
	Keyword string
	// Message says what is wrong, in lower case, without the location.
	Message string
}

// String returns "field: message", the field written as a path such as endpoints[2].host.
func (v Violation) String() string {
	return FieldPath(v.Field) + ": " + v.Message
}

// FieldPath writes JSON pointer tokens as a path a person reads: a.b[2].c, or "(document)"
// for the root.
func FieldPath(tokens []string) string {
	if len(tokens) == 0 {
		return "(document)"
	}
	var b strings.Builder
	for _, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil {
			b.WriteString("[" + t + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

// violations flattens a failure tree to its leaves, sorted by field: the first max, and how
// many more there are. Only then are the locations written out.
func violations(root *failure, max int) ([]Violation, int) {
	var out []Violation
	var walk func(f *failure)
	walk = func(f *failure) {
		switch f.kind {
		case elidedFailure:
			return // counted in the state's tally
		case anyOfFailure:
			// "rule or capability": report one message naming the alternatives.
			if names := requiredAlternatives(f); names != nil {
				at := f.at.tokens()
				out = append(out, Violation{
					At: at, Field: at, Keyword: "anyOf",
					Message: "needs one of the fields " + quoteJoin(names),
				})
				return
			}
		case requiredFailure:
			at := f.at.tokens()
			for _, m := range f.names {
				out = append(out, Violation{
					At: at, Field: appendTok(at, m), Keyword: "required",
					Message: "missing required field",
				})
			}
			return
		case additionalFailure:
			at := f.at.tokens()
			for _, p := range f.names {
				field := appendTok(at, p)
				out = append(out, Violation{
					At: field, Field: field, Keyword: "additionalProperties",
					Message: "unknown field (check its spelling: unknown fields are not allowed)",
				})
			}
			return
		}
		if len(f.causes) > 0 {
			for _, c := range f.causes {
				walk(c)
			}
			return
		}
		at := f.at.tokens()
		out = append(out, Violation{At: at, Field: at, Keyword: f.keyword, Message: f.message})
	}
	walk(root)
	slices.SortStableFunc(out, func(a, b Violation) int { return comparePath(a.Field, b.Field) })
	out = slices.CompactFunc(out, func(a, b Violation) bool {
		return slices.Equal(a.Field, b.Field) && a.Message == b.Message
	})
	if len(out) > max {
		return slices.Clip(out[:max]), len(out) - max
	}
	return out, 0
}

// requiredAlternatives returns the field names when every cause of an anyOf is a single
// missing field, as in anyOf: [{required: [rule]}, {required: [capability]}].
func requiredAlternatives(f *failure) []string {
	var names []string
	for _, c := range f.causes {
		for len(c.causes) == 1 {
			c = c.causes[0]
		}
		if c.kind != requiredFailure || len(c.causes) > 0 {
			return nil
		}
		names = append(names, c.names...)
	}
	return names
}

func appendTok(p []string, t string) []string {
	return append(slices.Clip(p), t)
}

func quoteJoin(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, " or ")
}

// comparePath orders paths token by token, numerically where both tokens are different
// numbers (member names such as "0" and "00" by their text).
func comparePath(a, b []string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		x, errx := strconv.Atoi(a[i])
		y, erry := strconv.Atoi(b[i])
		if errx == nil && erry == nil && x != y {
			return cmp.Compare(x, y)
		}
		return strings.Compare(a[i], b[i])
	}
	return cmp.Compare(len(a), len(b))
}
