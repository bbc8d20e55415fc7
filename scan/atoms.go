package scan

import (
	"fmt"
	"regexp"
	"sort"
)

// An atom is one fact a rule can test for (a function name, a package, an
// import…). Rules share atoms, and the extractor looks each up in a map while it
// walks the binary once, so the cost of a scan does not grow with the rule count.
type atomKind uint8

const (
	atomFunction atomKind = iota
	atomPackage
	atomNameContains
	atomImport
	atomLibrary
	atomLiteral
	atomURL
)

type atom struct {
	kind   atomKind
	value  string
	re     *regexp.Regexp
	needle []byte // value as bytes, for nameContains
}

type atomKey struct {
	kind  atomKind
	value string
}

type atomIndex struct {
	atoms    []atom
	byKey    map[atomKey]int
	funcs    map[string][]int
	pkgs     map[string][]int
	imports  map[string][]int
	contains []int
	// containsSet finds the needles of contains (its needle k is atom contains[k]).
	containsSet *needleSet
	libs        []int
	literals    []int
	urls        []int
}

func (x *atomIndex) id(k atomKind, v string) int {
	key := atomKey{kind: k, value: v}
	if id, ok := x.byKey[key]; ok {
		return id
	}
	if x.byKey == nil {
		x.byKey = map[atomKey]int{}
	}
	id := len(x.atoms)
	x.atoms = append(x.atoms, atom{kind: k, value: v, needle: []byte(v)})
	x.byKey[key] = id
	return id
}

func (x *atomIndex) add(m *Matcher) []int {
	var ids []int
	for _, v := range m.Functions {
		ids = append(ids, x.id(atomFunction, v))
	}
	for _, v := range m.Packages {
		ids = append(ids, x.id(atomPackage, v))
	}
	for _, v := range m.NameContains {
		ids = append(ids, x.id(atomNameContains, v))
	}
	for _, v := range m.Imports {
		ids = append(ids, x.id(atomImport, v))
	}
	for _, v := range m.Libraries {
		ids = append(ids, x.id(atomLibrary, v))
	}
	for _, v := range m.Literals {
		ids = append(ids, x.id(atomLiteral, v))
	}
	for _, v := range m.URLs {
		ids = append(ids, x.id(atomURL, v))
	}
	return ids
}

func (x *atomIndex) compile() error {
	x.funcs, x.pkgs, x.imports = map[string][]int{}, map[string][]int{}, map[string][]int{}
	for id := range x.atoms {
		a := &x.atoms[id]
		switch a.kind {
		case atomFunction:
			x.funcs[a.value] = append(x.funcs[a.value], id)
		case atomPackage:
			x.pkgs[a.value] = append(x.pkgs[a.value], id)
		case atomImport:
			x.imports[a.value] = append(x.imports[a.value], id)
		case atomNameContains:
			x.contains = append(x.contains, id)
		case atomLibrary:
			x.libs = append(x.libs, id)
		case atomLiteral:
			if a.value == "" {
				return fmt.Errorf("empty literal")
			}
			x.literals = append(x.literals, id)
		case atomURL:
			re, err := regexp.Compile(a.value)
			if err != nil {
				return fmt.Errorf("url pattern %q: %w", a.value, err)
			}
			a.re = re
			x.urls = append(x.urls, id)
		}
	}
	needles := make([][]byte, len(x.contains))
	for k, id := range x.contains {
		needles[k] = x.atoms[id].needle
	}
	x.containsSet = newNeedleSet(needles)
	return nil
}

// maxEvidencePerAtom bounds the distinct evidence kept per fact (a bound on
// memory for crafted input; real binaries stay far below it). The count of
// distinct items is kept whole.
const maxEvidencePerAtom = 256

// hits records, per atom, the evidence found and how often it occurred.
type hits struct {
	ev [][]Evidence
	n  []int
}

func newHits(n int) *hits { return &hits{ev: make([][]Evidence, n), n: make([]int, n)} }

func (h *hits) add(id int, e Evidence) {
	for _, x := range h.ev[id] {
		if x.Value == e.Value {
			return
		}
	}
	h.n[id]++
	if len(h.ev[id]) < maxEvidencePerAtom {
		h.ev[id] = append(h.ev[id], e)
	}
}

func (h *hits) any(ids []int) bool {
	for _, id := range ids {
		if h.n[id] > 0 {
			return true
		}
	}
	return false
}

// collect appends the evidence of every atom in ids that was hit, returning the
// new slice and the number of occurrences.
func (h *hits) collect(dst []Evidence, ids []int) ([]Evidence, int) {
	n := 0
	for _, id := range ids {
		dst = append(dst, h.ev[id]...)
		n += h.n[id]
	}
	return dst, n
}

func sortEvidence(ev []Evidence) []Evidence {
	sort.Slice(ev, func(i, j int) bool {
		a, b := ev[i], ev[j]
		if evidenceRank(a.Kind) != evidenceRank(b.Kind) {
			return evidenceRank(a.Kind) < evidenceRank(b.Kind)
		}
		if a.Value != b.Value {
			return a.Value < b.Value
		}
		return a.Where < b.Where
	})
	out := ev[:0]
	for i, e := range ev {
		if i > 0 && e.Kind == ev[i-1].Kind && e.Value == ev[i-1].Value {
			continue
		}
		out = append(out, e)
	}
	return out
}

func evidenceRank(k EvidenceKind) int {
	switch k {
	case EvidenceFunction:
		return 0
	case EvidenceModule:
		return 1
	case EvidencePackage:
		return 2
	case EvidenceImport:
		return 3
	case EvidenceFormat:
		return 4
	}
	return 5
}
