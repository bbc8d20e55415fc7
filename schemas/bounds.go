package schemas

import (
	"fmt"
	"strconv"

	"github.com/candor-dev/candor/internal/strictjson"
)

// Validation costs time and memory linear in the size of the document: descending into a
// value adds one small node to its location ([loc]) rather than copying the path, the
// failures kept are bounded ([maxFailures]), and no value deeper than [MaxDepth] is looked at.

// MaxDepth is how deep a value may sit in a document: the number of object members and array
// items on the path from the root to it. Validation refuses a deeper value with [ErrDepth]
// instead of descending into it. It is the depth internal/strictjson allows arrays and
// objects to nest in JSON, so that JSON it accepts is never too deep here. Documents candor
// writes nest about ten levels deep.
const MaxDepth = strictjson.MaxDepth

// MaxViolations is how many violations an [*Error] lists; [Error.Omitted] counts the rest.
const MaxViolations = 100

// maxFailures bounds the failures one validation keeps in its failure tree, each missing or
// unknown field counted once. Up to that many, the violations listed are the first by field;
// beyond it, further failures are only counted.
const maxFailures = 10 * MaxViolations

// ErrDepth is wrapped by the error for a document that nests deeper than [MaxDepth]. It wraps
// [ErrInvalid].
var ErrDepth = fmt.Errorf("%w: nested too deeply", ErrInvalid)

// loc is an instance location, linked to the location of its parent: descending costs one
// node, and the JSON pointer tokens are written only for a failure that is reported.
type loc struct {
	up    *loc
	name  string // the member name, when index is -1
	index int    // the array index, or -1
	n     int    // tokens from the root
}

func rootLoc() *loc { return &loc{index: -1} }

func (l *loc) member(name string) *loc { return &loc{up: l, name: name, index: -1, n: l.n + 1} }

func (l *loc) item(i int) *loc { return &loc{up: l, index: i, n: l.n + 1} }

// tokens writes the location as JSON pointer tokens (an array index as a decimal token).
func (l *loc) tokens() []string {
	out := make([]string, l.n)
	for ; l != nil && l.n > 0; l = l.up {
		if l.index >= 0 {
			out[l.n-1] = strconv.Itoa(l.index)
		} else {
			out[l.n-1] = l.name
		}
	}
	return out
}

// follow returns the location reached from l by the steps, given innermost first.
func (l *loc) follow(steps []step) *loc {
	for i := len(steps) - 1; i >= 0; i-- {
		if steps[i].index >= 0 {
			l = l.item(steps[i].index)
		} else {
			l = l.member(steps[i].name)
		}
	}
	return l
}

// step is one token of a location: a member name, or an array index when index >= 0.
type step struct {
	name  string
	index int
}

// tooDeep reports whether a value inside v sits more than room levels below v, with the
// steps to the first such value found, innermost first. It looks no deeper than room+1.
func tooDeep(v any, room int) ([]step, bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if room == 0 {
				return []step{{name: k, index: -1}}, true
			}
			if p, deep := tooDeep(x, room-1); deep {
				return append(p, step{name: k, index: -1}), true
			}
		}
	case []any:
		for i, x := range v {
			if room == 0 {
				return []step{{index: i}}, true
			}
			if p, deep := tooDeep(x, room-1); deep {
				return append(p, step{index: i}), true
			}
		}
	}
	return nil, false
}

// state is what one validation keeps besides the failure tree.
type state struct {
	maxDepth int
	tally    tally
	// deep is where a value deeper than maxDepth was met; validation stops there.
	deep *loc
}

// tally counts the failures of the tree being built: kept, and elided beyond maxFailures.
// A branch whose failures are thrown away (an if, an anyOf alternative before one that
// matched) restores the tally it started with.
type tally struct{ kept, elided int }

// elided stands for failures beyond maxFailures, and for everything after validation
// stopped at a value too deep: a failure, so the verdict stays the same, with nothing to list.
var elided = &failure{kind: elidedFailure}

// room is how many more failures the tree may keep.
func (st *state) room() int { return maxFailures - st.tally.kept }

// keep returns f, which stands for weight failures, or elided when the tree is full.
func (st *state) keep(f *failure, weight int) *failure {
	if weight > st.room() {
		st.tally.elided += weight
		return elided
	}
	st.tally.kept += weight
	return f
}

// leaf returns a failure of one keyword at a location, or elided when the tree is full.
func (st *state) leaf(at *loc, keyword, msg string) *failure {
	return st.keep(&failure{kind: leafFailure, at: at, keyword: keyword, message: msg}, 1)
}

// tooDeepAt records that validation met a value deeper than maxDepth at l, and stops it.
func (st *state) tooDeepAt(l *loc) *failure {
	if st.deep == nil {
		st.deep = l
	}
	return elided
}

// depthError is the error for a document in which a value at l is deeper than max.
func depthError(id string, l *loc, max int) *Error {
	at := l.tokens()
	return &Error{Schema: id, depth: true, Violations: []Violation{{
		At: at, Field: at, Keyword: "depth",
		Message: fmt.Sprintf("nested more than %d levels deep: candor refuses documents that nest this deeply", max),
	}}}
}
