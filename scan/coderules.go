package scan

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Rule conditions on the code itself (RuleSpec.Reach and RuleSpec.Code), judged
// on the programs of the code pass.

// reachedEvidence reports whether the function evidence in ev includes one the
// code pass reaches from an entry point (through code alone when anchored).
// Evidence with no function, and images the pass could not read, count as
// reached: a condition the pass cannot judge never hides a finding.
func (f *facts) reachedEvidence(ev []Evidence, anchored bool) bool {
	if len(f.progs) == 0 || len(f.codeErr) > 0 {
		return true
	}
	seen := false
	for _, e := range ev {
		if e.Kind != EvidenceFunction {
			continue
		}
		seen = true
		for _, p := range f.progs {
			n, ok := p.byName[e.Value]
			if ok && (anchored && p.anchored(n) || !anchored && p.reach[n] != ReachNone) {
				return true
			}
		}
	}
	return !seen
}

// anchored: reached from an entry point through code.
func (p *program) anchored(n int32) bool {
	return p.reach[n] != ReachNone && !p.viaData[n]
}

// reverse builds the reverse adjacency (callers and value takers), once.
func (p *program) reverse() {
	if p.rstart != nil {
		return
	}
	n := len(p.names)
	cnt := make([]int32, n+1)
	for v := 0; v < n; v++ {
		for _, w := range p.edges[p.start[v]:p.start[v+1]] {
			cnt[w+1]++
		}
	}
	for i := 1; i <= n; i++ {
		cnt[i] += cnt[i-1]
	}
	p.rstart = append([]int32(nil), cnt...)
	p.redges = make([]int32, len(p.edges))
	pos := append([]int32(nil), cnt[:n]...)
	for v := 0; v < n; v++ {
		for _, w := range p.edges[p.start[v]:p.start[v+1]] {
			p.redges[pos[w]] = int32(v)
			pos[w]++
		}
	}
}

// maxCodeCandidates bounds the functions a code condition tries as F.
const maxCodeCandidates = 20000

// maxNestedMembers bounds the functions a nested condition (CodeGroup.Code)
// collects as members.
const maxNestedMembers = 4096

// codeFound is one function F that satisfies a code condition, with its
// evidence.
type codeFound struct {
	fn int32
	ev []Evidence
}

// codeGroups holds a condition's groups resolved on one program: the member
// functions of each, and for a group with a nested condition the evidence of
// each member.
type codeGroups struct {
	members []map[int32]bool
	nested  []map[int32][]Evidence
}

// notJudged is the evidence of a code condition that met a bound: it is taken
// to hold, so a finding is never lost to the bound.
func notJudged() []Evidence {
	return []Evidence{{Kind: EvidenceFormat, Value: fmt.Sprintf("code condition not judged: over %d functions walked", maxCodeWork),
		Where: "code pass"}}
}

// codeMatch judges a code condition on every program and returns the evidence
// of the first function that satisfies it: the function itself, then one
// witness per group, each with its call path.
func (f *facts) codeMatch(c *CodeSpec) ([]Evidence, bool) {
	for _, p := range f.progs {
		if ev, ok := p.codeMatch(c); ok {
			return ev, true
		}
	}
	return nil, false
}

func (p *program) codeMatch(c *CodeSpec) ([]Evidence, bool) {
	work := 0
	gs, over := p.resolveGroups(c, &work)
	if over {
		return notJudged(), true
	}
	found, over := p.matches(c, gs, 1, &work)
	switch {
	case len(found) > 0:
		return found[0].ev, true
	case over:
		return notJudged(), true
	}
	return nil, false
}

// resolveGroups finds each group's members; over reports that a nested
// condition met a bound.
func (p *program) resolveGroups(c *CodeSpec, work *int) (gs codeGroups, over bool) {
	gs.members = make([]map[int32]bool, len(c.Together))
	gs.nested = make([]map[int32][]Evidence, len(c.Together))
	for i, g := range c.Together {
		gs.members[i] = map[int32]bool{}
		for _, name := range g.Functions {
			if n, ok := p.byName[name]; ok {
				gs.members[i][n] = true
			}
		}
		if g.Code == nil {
			continue
		}
		inner, over := p.resolveGroups(g.Code, work)
		if over {
			return gs, true
		}
		found, over := p.matches(g.Code, inner, maxNestedMembers, work)
		if over || len(found) == maxNestedMembers {
			return gs, true
		}
		gs.nested[i] = map[int32][]Evidence{}
		for _, fd := range found {
			gs.members[i][fd.fn] = true
			gs.nested[i][fd.fn] = fd.ev
		}
	}
	return gs, false
}

// own reports whether node n is code of the program's own: a function of a
// package outside the standard library.
func (p *program) own(n int32) bool {
	pk := p.pkg[n]
	return pk != "" && !isStdPackage([]byte(pk))
}

// matches returns up to limit functions that satisfy c, the closest first;
// over reports that the walk met maxCodeWork first.
func (p *program) matches(c *CodeSpec, gs codeGroups, limit int, work *int) (found []codeFound, over bool) {
	if len(gs.members[0]) == 0 {
		return nil, false
	}
	p.reverse()
	// Candidates: functions that reach a member of the first group within
	// c.Within steps, found backwards from the members (through the program's
	// own code alone when the group must be reached directly).
	direct := c.Together[0].Direct
	dist := map[int32]int{}
	var frontier []int32
	for n := range gs.members[0] {
		dist[n] = 0
		frontier = append(frontier, n)
	}
	sort.Slice(frontier, func(i, j int) bool { return frontier[i] < frontier[j] })
	for d := 1; d <= c.Within && len(dist) < maxCodeCandidates; d++ {
		var next []int32
		for _, v := range frontier {
			for _, w := range p.redges[p.rstart[v]:p.rstart[v+1]] {
				if !p.follows(w, v) || direct && !p.own(w) {
					continue
				}
				if _, ok := dist[w]; !ok {
					dist[w] = d
					next = append(next, w)
				}
			}
		}
		frontier = next
	}
	cands := make([]int32, 0, len(dist))
	for n := range dist {
		if !p.own(n) || p.reach[n] == ReachNone || isEntryPoint(p.names[n]) && p.names[n] != "main.main" {
			continue // a package initialiser registers everything; it does none of it
		}
		cands = append(cands, n)
	}
	// Prefer the closest candidates (the function that does it most directly),
	// then the table order, for a deterministic answer.
	sort.Slice(cands, func(i, j int) bool {
		if dist[cands[i]] != dist[cands[j]] {
			return dist[cands[i]] < dist[cands[j]]
		}
		return cands[i] < cands[j]
	})
	ws := p.walks()
	defer p.putWalks(ws)
	memo := make(loadMemo, len(c.Together))
	for _, cand := range cands {
		if ev, ok := p.satisfies(cand, c, gs, work, ws, memo); ok {
			found = append(found, codeFound{cand, ev})
			if len(found) == limit {
				return found, false
			}
		}
		if *work > maxCodeWork {
			// Too much to judge (a crafted call graph).
			return found, true
		}
	}
	return found, false
}

// maxCodeWork bounds the functions one code condition walks, over all its
// candidates.
const maxCodeWork = 2_000_000

// codeWalk is a breadth-first walk of at most c.Within steps from F: the
// functions in the order reached, each with its predecessor. Its arrays are
// indexed by node and reused from walk to walk (gen tells this walk's marks
// from the last one's): a walk costs the nodes it reaches, not the graph.
type codeWalk struct {
	order  []int32
	parent []int32  // by node: the predecessor where mark is gen
	mark   []uint32 // by node
	gen    uint32
}

// reset starts a new walk over a graph of n nodes.
func (cw *codeWalk) reset(n int) {
	if len(cw.mark) < n {
		cw.mark, cw.parent, cw.gen = make([]uint32, n), make([]int32, n), 0
	}
	cw.gen++
	if cw.gen == 0 { // wrapped: old marks could pass for new ones
		clear(cw.mark)
		cw.gen = 1
	}
	cw.order = cw.order[:0]
}

func (cw *codeWalk) visit(v, from int32) {
	cw.mark[v], cw.parent[v] = cw.gen, from
	cw.order = append(cw.order, v)
}

func (cw *codeWalk) seen(v int32) bool { return cw.mark[v] == cw.gen }

// parentOf is v's predecessor, -1 for F.
func (cw *codeWalk) parentOf(v int32) int32 { return cw.parent[v] }

// walks lends the reusable walks of a code condition's check (see codeWalk).
func (p *program) walks() *[2]codeWalk {
	p.walkMu.Lock()
	defer p.walkMu.Unlock()
	if n := len(p.walkFree); n > 0 {
		w := p.walkFree[n-1]
		p.walkFree = p.walkFree[:n-1]
		return w
	}
	return new([2]codeWalk)
}

func (p *program) putWalks(w *[2]codeWalk) {
	p.walkMu.Lock()
	p.walkFree = append(p.walkFree, w)
	p.walkMu.Unlock()
}

// walkFrom walks from F into cw; with ownOnly it steps only out of the
// program's own functions (F's callees in the standard library are reached,
// not walked).
func (p *program) walkFrom(from int32, within int, ownOnly bool, cw *codeWalk) {
	cw.reset(len(p.names))
	cw.visit(from, -1)
	lo := 0
	for d := 0; d < within; d++ {
		hi := len(cw.order)
		for _, v := range cw.order[lo:hi] {
			if ownOnly && !p.own(v) {
				continue
			}
			for _, w := range p.edges[p.start[v]:p.start[v+1]] {
				if !cw.seen(w) && p.follows(v, w) {
					cw.visit(w, v)
				}
			}
		}
		lo = hi
	}
}

// loadMemo remembers, per group of a condition, what [program.loads] said of
// each function: the candidates' walks cross the same functions again and
// again.
type loadMemo []map[int32]loadResult

type loadResult struct {
	s  string
	ok bool
}

func (m loadMemo) loads(p *program, gi int, n int32, g CodeGroup) (string, bool) {
	if m[gi] == nil {
		m[gi] = map[int32]loadResult{}
	}
	r, ok := m[gi][n]
	if !ok {
		r.s, r.ok = p.loads(n, g)
		m[gi][n] = r
	}
	return r.s, r.ok
}

// satisfies checks one candidate F: a breadth-first walk of at most c.Within
// steps from it, in which every group needs a witness. The evidence (call
// paths, owners) is made only for a candidate that passes.
func (p *program) satisfies(from int32, c *CodeSpec, gs codeGroups, work *int, ws *[2]codeWalk, memo loadMemo) ([]Evidence, bool) {
	all, own := &ws[0], &ws[1]
	p.walkFrom(from, c.Within, false, all)
	*work += len(all.order)
	ownDone := false
	type witness struct {
		cw  *codeWalk
		v   int32
		s   string // the string loaded, for a string witness
		str bool
	}
	wit := make([]witness, 0, len(c.Together))
	for gi, g := range c.Together {
		cw := all
		if g.Direct {
			if !ownDone {
				p.walkFrom(from, c.Within, true, own)
				*work += len(own.order)
				ownDone = true
			}
			cw = own
		}
		found := false
		for _, v := range cw.order {
			if gs.members[gi][v] {
				wit = append(wit, witness{cw: cw, v: v})
				found = true
				break
			}
			if len(g.Strings)+len(g.patterns) > 0 {
				if s, ok := memo.loads(p, gi, v, g); ok {
					wit = append(wit, witness{cw: cw, v: v, s: s, str: true})
					found = true
					break
				}
			}
		}
		if !found {
			return nil, false
		}
	}
	base := p.path(from)
	sub := func(cw *codeWalk, n int32) []string {
		var rev []string
		for v := n; v != from && v >= 0; v = cw.parentOf(v) {
			rev = append(rev, p.names[v])
		}
		out := append([]string(nil), base...)
		for i := len(rev) - 1; i >= 0; i-- {
			out = append(out, rev[i])
		}
		return out
	}
	// A witness's reach is that of the path shown: F's, made indirect by a
	// step through one of F's closures.
	reachVia := func(cw *codeWalk, n int32) Reach {
		r := p.reach[from]
		for v := n; v != from && v >= 0; v = cw.parentOf(v) {
			if u := cw.parentOf(v); u >= 0 && r == ReachDirect && !slices.Contains(p.calls(u), v) {
				r = ReachIndirect
			}
		}
		return r
	}
	ev := []Evidence{p.evidenceFor(from, base, "code: the function that does all of it")}
	for gi, w := range wit {
		if w.str {
			e := Evidence{Kind: EvidenceString, Value: w.s, Where: "code: loaded by " + p.names[w.v],
				Reach: reachVia(w.cw, w.v), Path: sub(w.cw, w.v), ReferencedBy: []string{p.names[w.v]}}
			e.Module = p.owner(e.Path)
			ev = append(ev, e)
			continue
		}
		if w.v != from || gs.nested[gi] == nil {
			e := p.evidenceFor(w.v, sub(w.cw, w.v), "code: reached from "+p.names[from])
			e.Reach = reachVia(w.cw, w.v)
			ev = append(ev, e)
		}
		if nev := gs.nested[gi][w.v]; len(nev) > 1 {
			// What makes v a member: its own witnesses (F's own when F is
			// the member).
			ev = append(ev, nev[1:]...)
		}
	}
	return ev, true
}

// follows reports whether a code condition follows the edge from v to w: a call
// (direct or inlined), or a function value of v's own (a closure or goroutine
// wrapper of v, named v.func1, v.gowrap1 ...). Other function values are
// passed around before they run: following them would join unrelated code.
func (p *program) follows(v, w int32) bool {
	if _, ok := slices.BinarySearch(p.calls(v), w); ok { // link sorts each node's calls
		return true
	}
	nv, nw := p.names[v], p.names[w]
	return len(nw) > len(nv) && nw[len(nv)] == '.' && strings.HasPrefix(nw, nv)
}

// evidenceFor describes function n reached by path.
func (p *program) evidenceFor(n int32, path []string, where string) Evidence {
	e := Evidence{Kind: EvidenceFunction, Value: p.names[n], Where: where, Reach: p.reach[n], Path: path}
	e.Module = p.owner(path)
	return e
}

// loads returns a string literal function n's code loads that contains one of
// g's strings or matches one of its patterns.
func (p *program) loads(n int32, g CodeGroup) (string, bool) {
	match := func(b []byte, prefixOnly bool) bool {
		for _, nd := range g.Strings {
			if prefixOnly && bytes.HasPrefix(b, []byte(nd)) || !prefixOnly && bytes.Contains(b, []byte(nd)) {
				return true
			}
		}
		for _, re := range g.patterns {
			if !prefixOnly && re.Match(b) {
				return true
			}
		}
		return false
	}
	for _, r := range p.stringsOf(n) {
		if b := p.bytesAt(r.Addr, uint64(r.Len)); b != nil && match(b, false) {
			return string(b), true
		}
	}
	// Constants the code converts to an interface (fmt.Println's
	// arguments): it loads their static headers, not the strings.
	for _, r := range p.boxedOf(n) {
		if b := p.bytesAt(r.Addr, uint64(r.Len)); b != nil && match(b, false) {
			return string(b), true
		}
	}
	if int(n) < p.nreal {
		// Text of unknown length may run into its neighbours: only its start
		// is certain, and only plain strings are tried on it.
		for _, a := range p.bareOf(n) {
			if b := p.bareBytes(a); match(b, true) {
				return string(b), true
			}
		}
	}
	return "", false
}

// bareOf returns function n's references to text of unknown length.
func (p *program) bareOf(n int32) []codeAddrRef {
	return funcRun(p.bareText, n, func(a codeAddrRef) int32 { return a.Func })
}

// bareBytes returns the printable text at a reference of unknown length, up to
// maxBareText bytes.
func (p *program) bareBytes(a codeAddrRef) []byte {
	b := p.bytesAt(a.Addr, 1)
	if b == nil {
		return nil
	}
	sec, off := p.sectionOf(a.Addr, 1)
	end := off
	for end < uint64(len(sec.data)) && end-off < maxBareText && sec.data[end] >= ' ' && sec.data[end] <= '~' {
		end++
	}
	return sec.data[off:end]
}
