package strictjson

import (
	"unicode"
	"unicode/utf8"
)

// FoldKey returns the key under which parsers that match names loosely see name: each rune
// replaced by a fixed member of its Unicode simple case folding orbit (so FoldKey(a) ==
// FoldKey(b) exactly when [strings.EqualFold] holds for a and b), '_' and '-' removed.
// "predicateType", "PredicateType" and "predicate_type" have one key; so do "k" and the
// Kelvin sign "K".
func FoldKey(name string) string {
	simple := true
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' || c == '_' || c == '-' {
			simple = false
			break
		}
	}
	if simple {
		return name // lower-case ASCII without '_' or '-': its own key
	}
	b := make([]byte, 0, len(name))
	for _, r := range name {
		if r == '_' || r == '-' {
			continue
		}
		b = utf8.AppendRune(b, foldRune(r))
	}
	return string(b)
}

// foldRune returns the representative of r's case folding orbit: its smallest member, or the
// lower-case letter for the orbits of ASCII letters (whose smallest member is the upper-case
// one), so that lower-case ASCII is its own representative.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		if 'a' <= r && r <= 'z' {
			return r
		}
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	if 'A' <= m && m <= 'Z' {
		return m + 'a' - 'A' // the Kelvin sign joins 'k', the long s joins 's'
	}
	return m
}

// smallNames is how many names [Names] keeps in a list before it builds a map: most objects
// have few members, and comparing a few keys costs less than hashing.
const smallNames = 8

// Names is the set of member names of one object seen so far, by [FoldKey]. The zero value
// is empty and ready to use.
type Names struct {
	list []folded
	m    map[string]string // fold key to name, once the list is full
}

type folded struct{ key, name string }

// Add records name and returns the earlier name it collides with, if any (the name itself
// for an exact repeat); a colliding name is not recorded.
func (n *Names) Add(name string) (earlier string, collides bool) {
	key := FoldKey(name)
	if n.m != nil {
		if e, ok := n.m[key]; ok {
			return e, true
		}
		n.m[key] = name
		return "", false
	}
	for _, f := range n.list {
		if f.key == key {
			return f.name, true
		}
	}
	if len(n.list) < smallNames {
		n.list = append(n.list, folded{key, name})
		return "", false
	}
	n.m = make(map[string]string, 2*smallNames)
	for _, f := range n.list {
		n.m[f.key] = f.name
	}
	n.list = n.list[:0]
	n.m[key] = name
	return "", false
}

// reset empties the set, keeping a small list for reuse. A map is dropped: clearing a large
// one for every small object after it would cost more than the objects.
func (n *Names) reset() {
	n.list = n.list[:0]
	n.m = nil
}
