package scan

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/candor-dev/candor/scan/code"
)

// program is the code pass over one Go image: its functions, the call graph
// between them, how each is reached from the program's entry points, and the
// string literals each function's code loads.
//
// Nodes are the functions of the function table (by index, in entry order),
// then names that only occur inlined. Edges:
//   - call: a direct call instruction, or a call the compiler inlined (the
//     inline tree records it);
//   - value: code that takes a function's address (a closure, `go f()`, a
//     method value: a funcval in read-only data whose first word is the entry);
//   - data: static data holding a function's address (method tables of
//     interfaces, tables of callbacks): those functions are extra roots.
//
// Reach, per node (see [Reach]): direct when a path of call edges leads to it
// from an entry point (main.main, package initialisers); indirect when a path
// needs value or data edges too; unreached otherwise. The methods of the main
// module's types that their method tables keep are data roots (see
// methods.go); otherwise the pass does not follow method tables built at run
// time, reflection or assembly jump tables: what is reached only that way is
// reported unreached, never dropped.
type program struct {
	names  []string // node names
	nreal  int      // nodes [0, nreal) are table functions
	entry  []uint64 // entries of the table functions
	bucket []int32  // index into entry by address (see index)
	byName map[string]int32
	pkg    []string // package path of each node ("" for runtime-generated names)
	// out lists, per node, the call edges then the value edges (CSR form: node n's
	// edges are edges[start[n]:start[n+1]], the first ncall[n] of them calls).
	start []int32
	edges []int32
	ncall []int32
	// reach and parent: how each node was reached, and its predecessor on a
	// shortest path from an entry point (-1 for an entry point or a data root,
	// -2 when unreached).
	reach  []Reach
	parent []int32
	// viaData marks nodes reached only from a data root.
	viaData []bool
	// methodRoot marks the data roots that are methods of the main module's
	// types, kept in their method tables (see methods.go).
	methodRoot map[int32]bool
	// typesLo and typesHi: the moduledata's [types, etypes), the type data
	// (descriptors, type names, struct tags); 0, 0 when not found.
	typesLo, typesHi uint64
	// resolverSet: the nodes of the filter's resolvers (see callsResolver).
	resolverOnce sync.Once
	resolverSet  map[int32]bool
	// mainPkgs caches inMainModule's answer by package.
	mainMu   sync.Mutex
	mainPkgs map[string]bool
	// rstart and redges: the reverse adjacency, built when a rule needs it.
	rstart, redges []int32
	// refs are the strings the code loads, grouped by function: function i's are
	// refs.Strings[strStart[i]:strStart[i+1]].
	refs     *code.Refs
	strStart []int32
	// static are the string headers found in static data.
	static []code.StringHeader
	rodata []*section
	// rodataLo and rodataHi bound the rodata sections.
	rodataLo, rodataHi uint64
	// bareText are code references to text in read-only data whose length the
	// pass did not see (see textAt).
	bareText []codeAddrRef
	// boxed are the strings whose static header the code takes the address
	// of (a constant converted to an interface, fmt.Println("…")), by
	// function, in function order.
	boxed []code.StringRef
	// runs are the tables of string headers, in address order; segs split them
	// where code refers into them.
	runs []headerRun
	segs []tableSeg
	// leads are the code references to an address that starts zero words up
	// to a run of headers (see leadsToRun), in code order.
	leads []codeAddrRef
	// anchors are the code references to static data outside any run, not
	// to a function value, at most maxAnchorGap bytes from one (where the
	// arrays of a function's tables may start) or just before a host-like
	// header (a variable that holds it), and the addresses inside a run no
	// header table can start at (not aligned to a pointer) that code or a
	// variable it loads refers to: see fillBetweenAnchors.
	anchors []codeAddrRef
	// marks are the segments' starts code refers to and the anchors, by
	// address (see fillBetweenAnchors).
	marks []tableMark
	// runPtr maps static data words that point into a run to their target;
	// runPtrAt lists their addresses, sorted.
	runPtr   map[uint64]uint64
	runPtrAt []uint64
	// hostHdr are the static headers of host-like strings (sorted), and
	// hdrReaders the functions whose code loads an address just before one.
	hostHdr    []uint64
	hdrReaders map[uint64][]int32
	// walkFree are the walks code conditions reuse (see codeWalk).
	walkMu   sync.Mutex
	walkFree []*[2]codeWalk
	// sinks are the functions that contact a host (endpoints.contacts).
	sinks map[int32]bool
	// whi are the ends of words' sections; wordsLo and wordsHi bound them all.
	whi              []uint64
	wordsLo, wordsHi uint64
	// words are the loaded data sections pointers are read from.
	words []*section
	// modules maps a package to the module that provides it.
	modules *moduleIndex
	// order and ptrSize of the image, for reading data words.
	order   binary.ByteOrder
	ptrSize int
	le8     bool // 8-byte little-endian words
	// release, when not nil, gives back bytes of a mapped file the pass has
	// read (see give).
	release func([]byte)
}

// releaseStep is how much of a section a walk over it reads before giving
// the pages read back (see give).
const releaseStep = 1 << 20

// give hands b, bytes of the image the pass has read, to p.release: pages of
// a mapped file then leave the process (they stay in the page cache, and a
// later read faults them back in), so that walking the data sections one
// after the other does not keep them all resident.
func (p *program) give(b []byte) {
	if p.release != nil && len(b) > 0 {
		p.release(b)
	}
}

// Reach says how the code pass reaches a function from the program's entry
// points (main.main and the package initialisers).
type Reach string

const (
	// ReachDirect: by direct calls, inlined calls included.
	ReachDirect Reach = "direct"
	// ReachIndirect: only through function values, method tables or static
	// tables of functions (goroutines, callbacks, interface methods).
	ReachIndirect Reach = "indirect"
	// ReachNone: by neither. The function is linked, so something may still
	// reach it through what the pass does not follow (reflection, method
	// tables built at run time).
	ReachNone Reach = "unreached"
)

// rank orders reaches, best first.
func (r Reach) rank() int {
	switch r {
	case ReachDirect:
		return 0
	case ReachIndirect:
		return 1
	case ReachNone:
		return 2
	}
	return 3
}

// newProgram runs the code pass over an image whose function table is tab. It
// returns nil (and the reason) when the image's code cannot be read: an
// architecture the pass does not decode, or a table that does not fit the text.
func newProgram(im *image, tab *pclntab, mods *moduleIndex) (*program, error) {
	return newProgramReleasing(im, tab, mods, nil, nil)
}

// newProgramReleasing is newProgram, giving the text to release (when not
// nil) once decoded: nothing else reads it, and a mapped file's pages of code
// need not stay resident while the rest of the scan runs. When onStrings is
// not nil, it is called with the program as soon as what [program.exactStrings]
// reads is final (the string references, the static headers, the bare text and
// the readers of host headers), while the call graph is still being made: the
// caller may read those, and nothing else, until newProgramReleasing returns.
func newProgramReleasing(im *image, tab *pclntab, mods *moduleIndex, release func([]byte), onStrings func(*program)) (*program, error) {
	text, fs, err := im.codeFuncs(tab)
	if err != nil {
		return nil, err
	}
	p := &program{modules: mods, order: im.order, ptrSize: im.ptrSize, release: release}
	// The function table's entries are read: its pages go back.
	p.give(tab.sec.data[tab.start:tab.end])
	p.le8 = p.ptrSize == 8 && p.order == binary.ByteOrder(binary.LittleEndian)
	for i := range im.sections {
		s := &im.sections[i]
		if s.addr != 0 && isStringDataSection(s.name) {
			p.rodata = append(p.rodata, s)
			if len(p.rodata) == 1 || s.addr < p.rodataLo {
				p.rodataLo = s.addr
			}
			p.rodataHi = max(p.rodataHi, s.addr+uint64(len(s.data)))
		}
		if s.addr != 0 && !s.exec && len(s.data) > 0 {
			p.words = append(p.words, s)
		}
	}
	sort.Slice(p.words, func(i, j int) bool { return p.words[i].addr < p.words[j].addr })
	for _, w := range p.words {
		p.whi = append(p.whi, w.addr+uint64(len(w.data)))
	}
	if len(p.words) > 0 {
		p.wordsLo, p.wordsHi = p.words[0].addr, p.whi[len(p.whi)-1]
	}
	for i := 1; i < len(p.words); i++ {
		if a, b := p.words[i-1], p.words[i]; a.addr+uint64(len(a.data)) > b.addr {
			return nil, fmt.Errorf("%w: sections %s and %s overlap", errFuncTable, a.name, b.name)
		}
	}
	// The names share one string: one allocation, not one per function.
	total := 0
	for _, f := range fs {
		total += len(f.name)
	}
	var sb strings.Builder
	sb.Grow(total)
	for _, f := range fs {
		sb.Write(f.name)
	}
	all := sb.String()
	funcs := make([]code.Func, len(fs))
	p.names = make([]string, len(fs), len(fs)+len(fs)/4)
	p.entry = make([]uint64, len(fs))
	for i, f := range fs {
		name := all[:len(f.name)]
		all = all[len(f.name):]
		funcs[i] = code.Func{Name: name, Entry: f.entry, End: f.end}
		p.names[i] = name
		p.entry[i] = f.entry
	}
	p.nreal = len(fs)
	p.index()

	// What follows runs side by side, each part writing its own fields of p:
	// the static data (string headers, their runs and the pointers to them,
	// which the use of an address reference needs), the data roots, the
	// inline trees (which add the nodes of inlined-only names) and the
	// decoding of the code, whose address references (see keepAddr) are
	// sorted out once the rest is known.
	var wg sync.WaitGroup
	// Each part runs guarded: a fault or a panic in one is the pass's error.
	var gerrs [3]error
	goGuard := func(i int, what string, fn func()) { wg.Go(func() { gerrs[i] = guard(what, fn) }) }
	goGuard(0, "static data", func() {
		// Static data: string headers add the strings they hold.
		for _, ds := range p.dataParts(tab) {
			dr, err := code.ScanData(ds, p.isData, nil, code.DataLimits{Bytes: p.bytesAt, MaxStringLen: maxStaticString, Release: p.release})
			if err != nil {
				continue
			}
			p.static = append(p.static, dr.Strings...)
		}
		p.findRuns()
		p.findRunPointers()
		p.findHostHeaders()
	})
	// Function pointers in static data (method tables, callbacks) are roots
	// of indirect reach.
	var roots, methods []int32
	tableNames := p.names[:p.nreal:p.nreal] // p.names grows as the inline trees are read
	goGuard(1, "data roots", func() {
		roots = p.dataRoots()
		// Kept methods of the main module's types (see methods.go).
		if lo, hi, ok := im.moduledataTypes(tab); ok {
			p.typesLo, p.typesHi = lo, hi
			if text, err := im.textStart(tab); err == nil {
				methods = p.methodEntries(lo, hi, text, tableNames, p.inMainModule)
			}
		}
	})
	// Calls the compiler inlined: from the function (or the inlined call they
	// sit in) to the inlined function, which may have no code of its own.
	var inlCalls [][2]int32
	var inlErr error
	var inlTrees *inlReader
	goGuard(2, "inline trees", func() {
		// Filled from the end: a name's node is its first function.
		p.byName = make(map[string]int32, len(fs))
		for i := p.nreal - 1; i >= 0; i-- {
			p.byName[p.names[i]] = int32(i)
		}
		if inlTrees, inlErr = tab.inlineReader(im, fs); inlErr != nil || inlTrees == nil {
			return
		}
		// A name's offset in the funcnametab gives its node: an offset is
		// one name.
		byOff := map[int]int32{}
		var nodes []int32
		var runs []pcRun
		var chunk []inlineCall
		for i := range fs {
			var list []inlineCall
			if i%inlReleaseEvery == inlReleaseEvery-1 {
				p.give(tab.sec.data[tab.start:tab.end])
			}
			list, runs, inlErr = inlTrees.function(i, runs[:0], &chunk)
			if inlErr != nil {
				// A broken tree adds no call: the nodes added go too.
				for _, name := range p.names[p.nreal:] {
					delete(p.byName, name)
				}
				p.names, inlCalls = p.names[:p.nreal], nil
				return
			}
			chunk = chunk[:0]
			nodes = nodes[:0]
			for _, c := range list {
				off := cap(tab.nameBlob) - cap(c.name)
				n, ok := byOff[off]
				if !ok {
					n = p.node(string(c.name))
					byOff[off] = n
				}
				nodes = append(nodes, n)
			}
			for j, c := range list {
				caller := int32(i)
				if c.parent >= 0 && c.parent < len(list) && c.parent != j {
					caller = nodes[c.parent]
				}
				inlCalls = append(inlCalls, [2]int32{caller, nodes[j]})
			}
		}
		p.give(tab.sec.data[tab.start:tab.end])
	})
	refs, err := code.Scan(code.Text{Arch: im.arch, Addr: text.addr, Data: text.data}, funcs, p.isData, code.Limits{KeepAddr: p.keepAddr, Release: release, DistinctCalls: true})
	if release != nil {
		release(text.data)
	}
	wg.Wait()
	// The walks over the data sections are done: what they and the lookups
	// beside them read goes back (the few words read from now on fault in).
	for _, s := range p.words {
		p.give(s.data)
	}
	if err != nil {
		return nil, err
	}
	if err := errors.Join(gerrs[:]...); err != nil {
		return nil, err
	}
	p.hdrReaders = map[uint64][]int32{}
	p.refs = refs
	p.strStart = make([]int32, p.nreal+1)
	for i, j := 0, 0; i <= p.nreal; i++ {
		for j < len(refs.Strings) && int(refs.Strings[j].Func) < i {
			j++
		}
		p.strStart[i] = int32(j)
	}
	calls := make([][2]int32, 0, len(refs.Calls)+len(inlCalls))
	for _, c := range refs.Calls {
		if t := p.funcAt(c.Target); t >= 0 {
			calls = append(calls, [2]int32{c.Func, t})
		}
	}
	refs.Calls = nil // folded into calls
	values := p.sortAddrs(refs.Addrs)
	if onStrings != nil {
		onStrings(p)
	}
	// Table references: which (inlined) function's code makes them.
	if inlErr == nil {
		queries := make([]inlineQuery, 0, len(p.segs))
		for _, sg := range p.segs {
			if sg.owner >= 0 {
				queries = append(queries, inlineQuery{fn: int(sg.owner), pc: sg.pc})
			}
		}
		sort.Slice(queries, func(i, j int) bool { return queries[i].fn < queries[j].fn })
		// The table's pages are given back every few functions: a query reads
		// a few bytes here and there, and each read of a mapped file maps the
		// pages around it too.
		giveTab := func() { p.give(tab.sec.data[tab.start:tab.end]) }
		answered := inlTrees.answerPausing(queries, inlAnswerBatch, giveTab) == nil
		giveTab()
		if answered {
			inner := map[[2]uint64][]byte{}
			for _, q := range queries {
				if q.name != nil {
					inner[[2]uint64{uint64(q.fn), q.pc}] = q.name
				}
			}
			for i := range p.segs {
				sg := &p.segs[i]
				if name, ok := inner[[2]uint64{uint64(sg.owner), sg.pc}]; ok && sg.owner >= 0 {
					sg.inlined = string(name)
				}
			}
		}
		calls = append(calls, inlCalls...)
	}
	refs.Addrs = nil // folded into the graph
	p.splitRuns()
	p.link(calls, values)
	p.methodRoot = make(map[int32]bool, len(methods))
	for _, m := range methods {
		p.methodRoot[m] = true
	}
	p.walk(append(roots, methods...))
	for _, s := range p.words {
		p.give(s.data)
	}
	return p, nil
}

// sortAddrs sorts out the code's address references (see keepAddr): the table
// segments and bare text they make, the readers of host headers they note, and
// the value edges they return (function, target). Each is read alone, so the
// references are cut into one run per processor, read side by side, and the
// runs' results joined in order: the same lists, in the same order, as one
// pass over them. The value edges come back as one list per run.
func (p *program) sortAddrs(addrs []codeAddrRef) [][][2]int32 {
	type part struct {
		segs    []tableSeg
		values  [][2]int32
		bare    []codeAddrRef
		readers []codeAddrRef // (Func, Addr) of the references near a host header
		boxed   []code.StringRef
		leads   []codeAddrRef // references to a zero word before a run (see zeroLeads)
		anchors []codeAddrRef // references to data near a run (see fillBetweenAnchors)
	}
	n := min(runtime.GOMAXPROCS(0), max(1, len(addrs)/minAddrRun))
	parts := make([]part, n)
	read := func(k int) {
		pt := &parts[k]
		var ts []int32
		zeroBudget := maxZeroScan / n // bytes leadsToRun may read
		chunk := addrs[len(addrs)*k/n : len(addrs)*(k+1)/n]
		pt.values = make([][2]int32, 0, len(chunk)) // most references give one edge or none
		for i, a := range chunk {
			if i%addrReleaseEvery == addrReleaseEvery-1 {
				// The words read for the references so far go back.
				for _, s := range p.words {
					p.give(s.data)
				}
			}
			ts = p.valueTargets(ts[:0], a.Addr)
			r, start := p.tableRef(a.Addr)
			t, isPtr := p.runPtr[a.Addr]
			if isPtr && t%uint64(p.ptrSize) != 0 {
				// A variable that points into a run at an address no header
				// table starts at: at bytes laid out in a gap of the run.
				isPtr = false
				pt.anchors = append(pt.anchors, codeAddrRef{Func: a.Func, PC: a.PC, Addr: t})
			}
			near := p.nearHostHeader(a.Addr)
			if h, ok := p.headerAt(a.Addr); ok {
				pt.boxed = append(pt.boxed, code.StringRef{Func: a.Func, PC: a.PC, Addr: h.Addr, Len: uint32(h.Len)})
			}
			if r < 0 && zeroBudget > 0 && p.leadsToRun(a.Addr, &zeroBudget) {
				pt.leads = append(pt.leads, a)
			}
			if r >= 0 && a.Addr%uint64(p.ptrSize) != 0 {
				// Not the start of anything that holds string headers (those
				// are aligned to a pointer): another object (a table of
				// bytes) laid out in a gap between a run's headers.
				r = -1
				pt.anchors = append(pt.anchors, a)
			} else if r < 0 && !isPtr && len(ts) == 0 && (near && p.runAt(a.Addr) < 0 || p.anchorsRun(a.Addr)) {
				pt.anchors = append(pt.anchors, a)
			}
			if p.funcAt(a.Addr) < 0 && (p.wordSec(a.Addr) == nil || r < 0 && !near && !isPtr && len(ts) == 0 && !p.textAt(a.Addr)) {
				continue
			}
			// An address may be both a table's and an itab's or funcval's (tables
			// and itabs sit side by side): record what applies.
			if r >= 0 {
				pt.segs = append(pt.segs, tableSeg{start: start, run: r, owner: a.Func, pc: a.PC})
			}
			if isPtr {
				// the code loads a variable that points at the table (a slice)
				pt.segs = append(pt.segs, tableSeg{start: t, run: p.runAt(t), owner: a.Func, pc: a.PC})
			}
			if near {
				pt.readers = append(pt.readers, a)
			}
			for _, t := range ts {
				pt.values = append(pt.values, [2]int32{a.Func, t})
			}
			if len(ts) == 0 {
				pt.bare = append(pt.bare, a)
			}
		}
	}
	var wg sync.WaitGroup
	for k := 1; k < n; k++ {
		wg.Go(func() { read(k) })
	}
	read(0)
	wg.Wait()
	values := make([][][2]int32, 0, n)
	for _, pt := range parts {
		p.segs = append(p.segs, pt.segs...)
		p.bareText = append(p.bareText, pt.bare...)
		p.leads = append(p.leads, pt.leads...)
		p.anchors = append(p.anchors, pt.anchors...)
		values = append(values, pt.values)
		for _, a := range pt.readers {
			p.noteHeaderReaders(a.Func, a.Addr)
		}
		p.boxed = append(p.boxed, pt.boxed...)
	}
	// The parts are in code order, the references of each function
	// together: sorted by function already, unless the decoder's order was
	// not (kept stable).
	slices.SortStableFunc(p.boxed, func(a, b code.StringRef) int { return cmp.Compare(a.Func, b.Func) })
	return values
}

// headerAt returns the static string header that starts at addr, if one does
// (p.static is sorted by address once the static data is read): in read-only
// data, or in the relocated read-only data of a PIE.
func (p *program) headerAt(addr uint64) (code.StringHeader, bool) {
	if addr%uint64(p.ptrSize) != 0 || len(p.static) == 0 || addr < p.static[0].At || addr > p.static[len(p.static)-1].At {
		return code.StringHeader{}, false
	}
	i, ok := slices.BinarySearchFunc(p.static, addr, func(h code.StringHeader, a uint64) int { return cmp.Compare(h.At, a) })
	if !ok || p.static[i].Len == 0 || p.static[i].Len > maxBoxedString {
		return code.StringHeader{}, false
	}
	return p.static[i], true
}

// maxBoxedString bounds the strings of boxed headers that rules read.
const maxBoxedString = 1 << 16

// boxedOf returns the strings function n passes boxed (see boxed).
func (p *program) boxedOf(n int32) []code.StringRef {
	return funcRun(p.boxed, n, func(r code.StringRef) int32 { return r.Func })
}

// funcRun returns the references of function n in xs, which are sorted by
// function.
func funcRun[T any](xs []T, n int32, fn func(T) int32) []T {
	i := sort.Search(len(xs), func(i int) bool { return fn(xs[i]) >= n })
	j := i
	for j < len(xs) && fn(xs[j]) == n {
		j++
	}
	return xs[i:j]
}

// minAddrRun is the least number of address references [program.sortAddrs]
// gives a goroutine of its own.
const minAddrRun = 8192

// isTypeSection names the sections of Go 1.26+ type data and funcvals.
func isTypeSection(name string) bool {
	switch name {
	case ".go.type", ".go.func", ".data.rel.ro.go.type", ".data.rel.ro.go.func", "__DATA_CONST,__go_type", "__DATA_CONST,__go_func", ".gopclntab", ".go.buildinfo":
		return true
	}
	return false
}

// isVariableSection names the sections that hold Go's package variables:
// static tables of callbacks and statically initialised interface values
// live there, while funcvals, itabs and type data (whose words are function
// entries too) live in read-only data.
func isVariableSection(name string) bool {
	switch name {
	case ".data", ".noptrdata", ".data.rel.ro", "__DATA,__data", "__DATA,__noptrdata":
		return true
	}
	return false
}

// dataRoots returns the functions package variables lead to: a variable's
// word that is a function entry, a funcval's address (a func-typed variable
// or a table of them) or an itab's (an interface value). Those functions run
// when the code that reads the variable does, which the pass does not track:
// they are reached indirectly, from static data.
func (p *program) dataRoots() []int32 {
	var roots []int32
	// Data holds the same pointers many times (type descriptors): the last
	// words that lead to no function, by a hash of the word, are not looked
	// at again.
	var none [1 << 12]uint64
	lo, hi := p.wordsLo, p.wordsHi // the words funcAt or valueTargets may take
	if len(p.entry) > 0 {
		lo, hi = min(lo, p.entry[0]), max(hi, p.entry[len(p.entry)-1]+1)
	}
	for _, s := range p.words {
		if !isVariableSection(s.name) {
			continue
		}
		p.eachWordIn(s, lo, hi, func(_, w uint64) bool {
			if t := p.funcAt(w); t >= 0 {
				roots = append(roots, t)
			} else if w >= p.wordsLo && w < p.wordsHi {
				h := (w * 0x9E3779B97F4A7C15) >> 52
				if none[h] == w && w != 0 {
					return true
				}
				n := len(roots)
				if roots = p.valueTargets(roots, w); len(roots) == n {
					none[h] = w
				}
			}
			return true
		})
	}
	return roots
}

// eachWordIn calls fn with the address and value w of every pointer-aligned
// word of s with lo <= w < hi, in order, until fn returns false; it reports
// whether fn always did.
//
// The section is read in steps of releaseStep bytes, each given back (see
// give) once read.
func (p *program) eachWordIn(s *section, lo, hi uint64, fn func(at, w uint64) bool) bool {
	ps := uint64(p.ptrSize)
	n := uint64(len(s.data))
	from := (ps - s.addr%ps) % ps // the first word aligned in the address space
	for done := uint64(0); from < n; done = min(from, n) {
		to := min(from+releaseStep, n)
		more := p.wordsIn(s, from, to, lo, hi, fn)
		p.give(s.data[done:to])
		if !more {
			return false
		}
		from = to
	}
	return true
}

// wordsIn is eachWordIn over the words that start in [from, to) of s.data
// (from aligned to the pointer size in the address space, to - from a
// multiple of it unless to ends the section).
func (p *program) wordsIn(s *section, from, to, lo, hi uint64, fn func(at, w uint64) bool) bool {
	ps := uint64(p.ptrSize)
	if p.le8 {
		// the common case, without a call through p.order per word
		for off := from; off < to && off+8 <= uint64(len(s.data)); off += 8 {
			if w := binary.LittleEndian.Uint64(s.data[off:]); w-lo < hi-lo && !fn(s.addr+off, w) {
				return false
			}
		}
		return true
	}
	for off := from; off < to && off+ps <= uint64(len(s.data)); off += ps {
		var w uint64
		if ps == 4 {
			w = uint64(p.order.Uint32(s.data[off:]))
		} else {
			w = p.order.Uint64(s.data[off:])
		}
		if w-lo < hi-lo && !fn(s.addr+off, w) {
			return false
		}
	}
	return true
}

// inlReleaseEvery is how many functions' inline trees are read between two
// givings back of the function table's pages.
const inlReleaseEvery = 4096

// addrReleaseEvery is how many address references are sorted out between two
// givings back of the data sections' pages. Each giving back makes the look-ups
// after it fault the pages in again (dockerd: 171,000 references, 23 MB of
// words; every 4,096 references cost 10 ms more than every 32,768, for 3 MB
// less resident at most).
const addrReleaseEvery = 1 << 15

// inlAnswerBatch is how many functions' trees are read to answer queries
// about inlined code between two givings back of the function table's pages.
const inlAnswerBatch = 32

// maxStaticString bounds the strings static headers may give: embedded files
// are strings too.
const maxStaticString = 256 << 20

// dataParts returns the loaded data sections as the static-data scan reads
// them: the function table, when it lies in one, is left out.
func (p *program) dataParts(tab *pclntab) []code.Section {
	var out []code.Section
	for _, s := range p.words {
		if isTypeSection(s.name) {
			continue // type data and funcvals hold no string headers
		}
		if s != tab.sec {
			out = append(out, code.Section{Addr: s.addr, Data: s.data, PtrSize: p.ptrSize, Order: p.order})
			continue
		}
		lo, hi := tab.start, tab.end
		out = append(out, code.Section{Addr: s.addr, Data: s.data[:lo], PtrSize: p.ptrSize, Order: p.order})
		if hi < int64(len(s.data)) {
			out = append(out, code.Section{Addr: s.addr + uint64(hi), Data: s.data[hi:], PtrSize: p.ptrSize, Order: p.order})
		}
	}
	return out
}

// isStringDataSection names the read-only data sections where the Go linker
// puts string literals and funcvals.
func isStringDataSection(name string) bool {
	switch name {
	case ".rodata", ".rdata", "__TEXT,__rodata", "__DATA_CONST,__rodata",
		// []byte data ([]byte literals, embedded files of type []byte)
		".noptrdata", "__DATA,__noptrdata":
		return true
	}
	return false
}

// isData reports whether n bytes at addr lie in one read-only data section.
func (p *program) isData(addr, n uint64) bool {
	return p.bytesAt(addr, n) != nil
}

// bytesAt returns the n bytes at addr in a read-only data section, or nil.
func (p *program) bytesAt(addr, n uint64) []byte {
	if addr < p.rodataLo || addr > p.rodataHi {
		return nil // most words of data are no pointer into read-only data
	}
	for _, s := range p.rodata {
		if addr >= s.addr && addr-s.addr <= uint64(len(s.data)) && n <= uint64(len(s.data))-(addr-s.addr) {
			o := addr - s.addr
			return s.data[o : o+n : o+n]
		}
	}
	return nil
}

// funcAt returns the table function whose entry is addr, or -1.
func (p *program) funcAt(addr uint64) int32 {
	if len(p.entry) == 0 || addr < p.entry[0] || addr > p.entry[len(p.entry)-1] {
		return -1
	}
	b := (addr - p.entry[0]) >> bucketShift
	if b+1 >= uint64(len(p.bucket)) {
		return -1
	}
	for i := p.bucket[b]; i < p.bucket[b+1] && int(i) < len(p.entry); i++ {
		if p.entry[i] == addr {
			return i
		}
	}
	return -1
}

// bucketShift sizes the buckets of the entry index: one per 64 bytes of text.
const bucketShift = 6

// index builds bucket: bucket[b] is the first function whose entry is at or
// past entry[0] + b<<bucketShift (a function table sorted by entry).
func (p *program) index() {
	if len(p.entry) == 0 {
		return
	}
	span := (p.entry[len(p.entry)-1]-p.entry[0])>>bucketShift + 2
	p.bucket = make([]int32, span+1)
	j := 0
	for b := range p.bucket {
		lo := p.entry[0] + uint64(b)<<bucketShift
		for j < len(p.entry) && p.entry[j] < lo {
			j++
		}
		p.bucket[b] = int32(j)
	}
}

// valueTargets appends to out the functions a code reference to addr takes the
// value of: the function whose entry addr is; the one a funcval at addr (its
// first word) points to; or, for an itab (an interface's method table, whose
// methods start at word 3), every method in it.
func (p *program) valueTargets(out []int32, addr uint64) []int32 {
	if t := p.funcAt(addr); t >= 0 {
		return append(out, t)
	}
	s := p.wordSec(addr)
	w0 := p.wordIn(s, addr)
	if t := p.funcAt(w0); t >= 0 {
		return append(out, t)
	}
	// An itab (runtime/iface.go, internal/abi): the interface type, the
	// concrete type, the hash (4 bytes, padded to a word), then one method
	// pointer per method of the interface. The interface type gives the count:
	// abi.InterfaceType is an abi.Type (48 bytes, or 32 with 4-byte pointers),
	// the package path, then the method slice, whose length is the word read
	// here. Every method word must be a function entry.
	ps := uint64(p.ptrSize)
	inter := w0
	if !p.isDataPtr(inter) || !p.isDataPtr(p.wordIn(s, addr+ps)) {
		return out
	}
	lenAt := uint64(64)
	if ps == 4 {
		lenAt = 40
	}
	nm := p.wordAt(inter + lenAt)
	if nm == 0 || nm > maxItabMethods {
		return out
	}
	mark := len(out)
	for i := uint64(0); i < nm; i++ {
		t := p.funcAt(p.wordIn(s, addr+3*ps+i*ps))
		if t < 0 {
			return out[:mark]
		}
		out = append(out, t)
	}
	return out
}

type codeAddrRef = code.AddrRef

// headerRun is a run of string headers in static data, close together: one
// table (an array of structs with string fields, the keys or values of a map
// literal), or several laid out back to back.
type headerRun struct {
	start, end uint64 // [start, end): from the first header to past the last
	first, n   int    // p.static[first:first+n]
}

// Runs: headers at most runGap bytes apart (an SDK's endpoint structs are
// about 270 bytes each); only runs of minRunHeaders or more.
const (
	runGap        = 512
	minRunHeaders = 5
)

// findRuns groups p.static (sorted by address here) into runs.
func (p *program) findRuns() {
	sort.Slice(p.static, func(i, j int) bool { return p.static[i].At < p.static[j].At })
	ps := uint64(2 * p.ptrSize)
	for i := 0; i < len(p.static); {
		j := i + 1
		for j < len(p.static) && p.static[j].At-p.static[j-1].At <= runGap {
			j++
		}
		if j-i >= minRunHeaders {
			p.runs = append(p.runs, headerRun{start: p.static[i].At, end: p.static[j-1].At + ps, first: i, n: j - i})
		}
		i = j
	}
}

// runSlack is how far before a run's first header code may refer to it: the
// first elements' fields before their first string (an endpoint key's
// variant, a struct's integer fields).
const runSlack = 64

// tableRef returns the run a code reference to addr refers to (inside it, or
// at most runSlack bytes before its first header) and the address the
// reference's segment starts at; -1 when it refers to none.
func (p *program) tableRef(addr uint64) (int, uint64) {
	if r := p.runAt(addr); r >= 0 {
		return r, addr
	}
	i := sort.Search(len(p.runs), func(i int) bool { return p.runs[i].start > addr })
	if i < len(p.runs) && p.runs[i].start-addr <= runSlack {
		return i, p.runs[i].start
	}
	return -1, 0
}

// runAt returns the run addr lies in, or -1.
func (p *program) runAt(addr uint64) int {
	i := sort.Search(len(p.runs), func(i int) bool { return p.runs[i].end > addr })
	if i < len(p.runs) && p.runs[i].start <= addr {
		return i
	}
	return -1
}

// tableSeg is the part of a run from one address code refers to (or from the
// run's start) up to the next: one table, owned by the function whose code
// refers to its start (-1: none).
type tableSeg struct {
	start uint64
	run   int
	owner int32
	pc    uint64 // the referring instruction
	// inlined names the function inlined into owner whose code refers to
	// the table, when it is not owner's own code.
	inlined string
	// between: no code refers to it; it lies between two of owner's tables.
	between bool
}

// splitRuns sorts the segments code references start and adds one at the start
// of every run that no reference starts.
func (p *program) splitRuns() {
	for i, r := range p.runs {
		p.segs = append(p.segs, tableSeg{start: r.start, run: i, owner: -1})
	}
	slices.SortStableFunc(p.segs, func(a, b tableSeg) int {
		if a.start != b.start {
			return cmp.Compare(a.start, b.start)
		}
		// a referenced start wins over the bare run start
		return cmp.Compare(b2i(a.owner < 0), b2i(b.owner < 0))
	})
	out := p.segs[:0]
	for _, sg := range p.segs {
		if n := len(out); n > 0 && out[n-1].start == sg.start {
			continue
		}
		out = append(out, sg)
	}
	p.segs = out
	// A segment no code refers to that lies between two tables or arrays of
	// one function is one of them (see fillBetweenAnchors).
	p.fillBetweenAnchors()
	// A segment no code refers to that a word of an owned table points at
	// (a map literal's value arrays, read through its key arrays) is that
	// table's owner's; twice, for a chain of two.
	for pass := 0; pass < 2; pass++ {
		for _, at := range p.runPtrAt {
			from := p.segOfHeader(at)
			if from < 0 {
				from = p.segAt(at)
			}
			to := p.segAt(p.runPtr[at])
			if from < 0 || to < 0 || p.runPtr[at]%uint64(p.ptrSize) != 0 || p.segs[to].owner >= 0 || p.segs[from].owner < 0 {
				continue
			}
			p.segs[to].owner, p.segs[to].inlined, p.segs[to].between = p.segs[from].owner, p.segs[from].inlined, true
		}
	}
	// A run whose first segment no code refers to, that only zero words
	// separate from an address code refers to before it, is the tail of the
	// array that starts there: an array of structs whose first elements hold
	// no string (the values of a map literal of endpoints, most of them
	// empty). The linker keeps no object of zeros alone in read-only data.
	slices.SortFunc(p.leads, func(a, b codeAddrRef) int { return cmp.Or(cmp.Compare(a.Addr, b.Addr), cmp.Compare(a.PC, b.PC)) })
	for i := range p.segs {
		sg := &p.segs[i]
		if sg.owner >= 0 || sg.start != p.runs[sg.run].start {
			continue
		}
		k := sort.Search(len(p.leads), func(k int) bool { return p.leads[k].Addr >= sg.start }) - 1
		if k < 0 || sort.Search(len(p.runs), func(r int) bool { return p.runs[r].start > p.leads[k].Addr }) != sg.run {
			continue // the zeros from the lead run up to another run
		}
		// the first reference to the array's start, in code order
		for k > 0 && p.leads[k-1].Addr == p.leads[k].Addr {
			k--
		}
		sg.owner, sg.between = p.leads[k].Func, true
	}
	// Within one run (one block of headers), a segment no code refers to
	// belongs to the nearest segment before it in the run that code refers
	// to. (Not to one after it: that is the next object in the linker's
	// layout, which may be any package's.)
	for i := range p.segs {
		if p.segs[i].owner >= 0 {
			continue
		}
		j := i - 1
		for j >= 0 && p.segs[j].run == p.segs[i].run && p.segs[j].owner < 0 {
			j--
		}
		if j >= 0 && p.segs[j].run == p.segs[i].run && p.segs[j].owner >= 0 && !p.segs[j].between {
			p.segs[i].owner, p.segs[i].inlined, p.segs[i].between = p.segs[j].owner, p.segs[j].inlined, true
		}
	}
	// A segment still no one's whose arrays have the layout of one
	// neighbour's tables is that neighbour's (see fillByShape).
	p.fillByShape()
}

// fillBetweenAnchors gives a segment no code refers to the function whose
// code refers to the nearest addresses on both sides of it, when that is one
// function (and one inlined call) and the three lie in one section. Those
// addresses are the starts of the segments code refers to and the anchors.
// The arrays of a map literal that an initialiser fills in a loop (keys in one
// array, values in another) hold structs whose string fields may come well
// into the array, after words that are not zero (a flag, a count), and code
// refers only to each array's start; the linker lays out read-only data by
// size, so one package's arrays of similar sizes sit together. A run of
// headers between two arrays one function reads is in the first of them. A
// reference from any other function at either side, the next object in the
// linker's layout, leaves the segment to no one.
func (p *program) fillBetweenAnchors() {
	p.marks = p.marks[:0]
	for _, sg := range p.segs {
		if sg.owner >= 0 && !sg.between {
			p.marks = append(p.marks, tableMark{sg.start, sg.owner, sg.inlined, true})
		}
	}
	for _, a := range p.anchors {
		p.marks = append(p.marks, tableMark{addr: a.Addr, owner: a.Func})
	}
	// By address, the segments' starts before the anchors at one address (the
	// look-ups take the inlined call from a segment's mark); the same
	// reference many times over (one function's code refers to an address
	// from many places) is one mark, for the look-ups read all the marks at
	// an address while they agree.
	slices.SortFunc(p.marks, func(a, b tableMark) int {
		return cmp.Or(cmp.Compare(a.addr, b.addr), cmp.Compare(b2i(b.seg), b2i(a.seg)), cmp.Compare(a.owner, b.owner), strings.Compare(a.inlined, b.inlined))
	})
	p.marks = slices.Compact(p.marks)
	for i := range p.segs {
		sg := &p.segs[i]
		if sg.owner >= 0 {
			continue
		}
		if o, inl := p.betweenMarks(sg.start); o >= 0 {
			sg.owner, sg.inlined, sg.between = o, inl, true
		}
	}
}

// tableMark is an address code refers to at or near a run: the start of a
// segment, or an anchor (see fillBetweenAnchors).
type tableMark struct {
	addr    uint64
	owner   int32
	inlined string
	seg     bool
}

// markSides returns the index of the last mark before addr (-1 for none) and
// of the first mark after it (len(p.marks) for none); the marks at addr lie
// between them.
func (p *program) markSides(addr uint64) (before, after int) {
	after = sort.Search(len(p.marks), func(k int) bool { return p.marks[k].addr > addr })
	before = after - 1
	for before >= 0 && p.marks[before].addr == addr {
		before--
	}
	return before, after
}

// betweenMarks returns the function (and the inlined call) whose code refers
// to the nearest addresses on both sides of addr, when all the references
// there are that one function's and all three addresses lie in one section;
// -1 when there is none. A reference at addr itself must be that function's
// too.
func (p *program) betweenMarks(addr uint64) (int32, string) {
	b, k := p.markSides(addr) // the marks at addr, if any, lie between
	if b < 0 || k == len(p.marks) {
		return -1, ""
	}
	before, after := p.marks[b], p.marks[k]
	same := func(m tableMark) bool {
		return m.owner == before.owner && (!m.seg || !before.seg || m.inlined == before.inlined)
	}
	for j := b - 1; j >= 0 && p.marks[j].addr == before.addr; j-- {
		if !same(p.marks[j]) {
			return -1, ""
		}
	}
	for j := k; j < len(p.marks) && p.marks[j].addr == after.addr; j++ {
		if !same(p.marks[j]) {
			return -1, ""
		}
	}
	for j := b + 1; j < k; j++ { // at addr
		if !same(p.marks[j]) {
			return -1, ""
		}
	}
	s := p.wordSec(addr)
	if s == nil || p.wordSec(before.addr) != s || p.wordSec(after.addr) != s {
		return -1, ""
	}
	inl := before.inlined
	if !before.seg {
		inl = after.inlined
	}
	return before.owner, inl
}

// maxAnchorGap is the most bytes an anchor may lie before a run or after one
// (see program.anchors): the largest array of structs an SDK's map literal
// holds before its first string field is a few KiB.
const maxAnchorGap = 16 << 10

// anchorsRun reports whether addr, in static data outside any run, is at most
// maxAnchorGap bytes before a run or after one.
func (p *program) anchorsRun(addr uint64) bool {
	if p.funcAt(addr) >= 0 || p.wordSec(addr) == nil || p.runAt(addr) >= 0 {
		return false
	}
	i := sort.Search(len(p.runs), func(i int) bool { return p.runs[i].start > addr })
	return i < len(p.runs) && p.runs[i].start-addr <= maxAnchorGap || i > 0 && addr-p.runs[i-1].end < maxAnchorGap
}

// maxZeroLead is the most zero bytes an array may start with before its first
// run of headers (see splitRuns).
const maxZeroLead = 16 << 10

// maxZeroScan bounds the bytes leadsToRun reads for one program: a crafted
// file could point every code reference at zeros before a run.
const maxZeroScan = 64 << 20

// leadsToRun reports whether addr starts zero words that run up to a run of
// headers, at most maxZeroLead bytes on, outside any run. It takes the bytes it
// reads from *budget.
func (p *program) leadsToRun(addr uint64, budget *int) bool {
	if p.runAt(addr) >= 0 {
		return false
	}
	i := sort.Search(len(p.runs), func(i int) bool { return p.runs[i].start > addr })
	if i == len(p.runs) || p.runs[i].start-addr > maxZeroLead {
		return false
	}
	s := p.wordSec(addr)
	if s == nil || p.runs[i].start-s.addr > uint64(len(s.data)) {
		return false
	}
	b := s.data[addr-s.addr : p.runs[i].start-s.addr]
	n := len(b)
	for k, c := range b {
		if c != 0 {
			n = k + 1
			break
		}
	}
	*budget -= n
	return n == len(b)
}

// b2i is 1 for true, 0 for false.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// segAt returns the segment holding address a (inside a run), or -1.
func (p *program) segAt(a uint64) int {
	if p.runAt(a) < 0 {
		return -1
	}
	return sort.Search(len(p.segs), func(i int) bool { return p.segs[i].start > a }) - 1
}

// segOfHeader returns the table segment holding the header at at, or -1.
func (p *program) segOfHeader(at uint64) int {
	if p.runAt(at) < 0 {
		return -1
	}
	i := sort.Search(len(p.segs), func(i int) bool { return p.segs[i].start > at }) - 1
	return i
}

// keepAddr keeps, while the code is decoded, the address references the pass
// may use: function entries and addresses in loaded data. Once the static data
// is read, newProgram uses those that are function values, refer into or
// just before a table of string headers, near a host-like header or to a
// pointer to a table, or to text.
func (p *program) keepAddr(addr uint64) bool {
	return p.funcAt(addr) >= 0 || p.wordSec(addr) != nil
}

// varSpan is how far past an address code loads a string header may sit and
// still be taken for a field of the variable the code reads.
const varSpan = 128

// findHostHeaders lists the static string headers whose string may be a bare
// host name (a dot, no space, at most 253 bytes): the code that reads their
// variables decides whether they are endpoints (see program.contacts).
func (p *program) findHostHeaders() {
	for _, h := range p.static {
		if h.Len < 4 || h.Len > 253 {
			continue
		}
		b := p.bytesAt(h.Addr, h.Len)
		if b == nil || bytes.IndexByte(b, '.') < 0 || bytes.IndexByte(b, ' ') >= 0 {
			continue
		}
		p.hostHdr = append(p.hostHdr, h.At)
	}
	slices.Sort(p.hostHdr)
	p.hostHdr = slices.Compact(p.hostHdr)
}

// nearHostHeader reports whether a host-like header sits in [addr, addr+varSpan).
func (p *program) nearHostHeader(addr uint64) bool {
	i, _ := slices.BinarySearch(p.hostHdr, addr)
	return i < len(p.hostHdr) && p.hostHdr[i]-addr < varSpan
}

// noteHeaderReaders records, for the host-like headers near an address the
// code of fn loads, that fn reads them.
func (p *program) noteHeaderReaders(fn int32, addr uint64) {
	i, _ := slices.BinarySearch(p.hostHdr, addr)
	for ; i < len(p.hostHdr) && p.hostHdr[i]-addr < varSpan; i++ {
		at := p.hostHdr[i]
		if fs := p.hdrReaders[at]; len(fs) < maxStringReferrers && !slices.Contains(fs, fn) {
			p.hdrReaders[at] = append(fs, fn)
		}
	}
}

// contacts reports whether code near the functions fns contacts a host: one of
// them, or a direct caller of one (a function that returns or stores the
// string hands it to its caller), leads in at most contactDepth steps (calls
// and its own closures) to a function of the filter's contacts list.
func (p *program) contacts(fns []int32, names []string) bool {
	if len(fns) == 0 || len(names) == 0 {
		return false
	}
	if p.sinks == nil {
		p.sinks = p.nodesNamed(names)
	}
	if len(p.sinks) == 0 {
		return false
	}
	p.reverse()
	seen := map[int32]bool{}
	var frontier []int32
	add := func(v int32) {
		if !seen[v] {
			seen[v] = true
			frontier = append(frontier, v)
		}
	}
	for _, f := range fns {
		add(f)
		for _, c := range p.redges[p.rstart[f]:p.rstart[f+1]] {
			if p.follows(c, f) {
				add(c)
			}
		}
	}
	for d := 0; d <= contactDepth && len(frontier) > 0; d++ {
		if len(seen) >= maxContactWalk {
			return true // too much to judge: the host counts (never hidden by the bound)
		}
		var next []int32
		for _, v := range frontier {
			if p.sinks[v] {
				return true
			}
			if d == contactDepth {
				continue
			}
			for _, w := range p.edges[p.start[v]:p.start[v+1]] {
				if !seen[w] && p.follows(v, w) {
					seen[w] = true
					next = append(next, w)
				}
			}
		}
		frontier = next
	}
	return false
}

// nodesNamed returns the set of the nodes of the functions named in names
// that the program has.
func (p *program) nodesNamed(names []string) map[int32]bool {
	set := map[int32]bool{}
	for _, n := range names {
		if i, ok := p.byName[n]; ok {
			set[i] = true
		}
	}
	return set
}

// callsResolver reports whether one of the functions fns calls (directly, or
// through a call the compiler inlined) a function named in resolvers, the
// endpoint filter's list: the set is built from the first call's list.
func (p *program) callsResolver(fns []int32, resolvers []string) bool {
	names := resolvers
	if len(fns) == 0 || len(names) == 0 {
		return false
	}
	p.resolverOnce.Do(func() { p.resolverSet = p.nodesNamed(names) })
	if len(p.resolverSet) == 0 {
		return false
	}
	for _, f := range fns {
		for _, w := range p.calls(f) {
			if p.resolverSet[w] {
				return true
			}
		}
	}
	return false
}

// contactDepth and maxContactWalk bound the walk of contacts.
const (
	contactDepth   = 4
	maxContactWalk = 50000
)

// maxRunPointers bounds the data words pointing at tables that are tracked.
const maxRunPointers = 1 << 16

// findRunPointers finds the words of static data that point into a run of
// string headers: the slice variables (or other tables) through which code
// reaches a table it does not refer to directly.
func (p *program) findRunPointers() {
	if len(p.runs) == 0 {
		return
	}
	lo, hi := p.runs[0].start, p.runs[len(p.runs)-1].end
	p.runPtr = map[uint64]uint64{}
	for _, s := range p.words {
		if !isVariableSection(s.name) && !isStringDataSection(s.name) {
			continue // package variables, and read-only static arrays of composite literals
		}
		more := p.eachWordIn(s, lo, hi, func(at, w uint64) bool {
			if p.runAt(w) < 0 {
				return true
			}
			if len(p.runPtr) >= maxRunPointers {
				return false
			}
			p.runPtr[at] = w
			p.runPtrAt = append(p.runPtrAt, at)
			return true
		})
		if !more {
			break
		}
	}
	slices.Sort(p.runPtrAt) // sorted even when the limit stopped the search
}

// textAt reports whether addr starts four printable ASCII bytes of read-only
// data: maybe a string literal whose length the code computes apart (a CMOV
// between two literals, a length kept in another register).
func (p *program) textAt(addr uint64) bool {
	b := p.bytesAt(addr, 4)
	if b == nil {
		return false
	}
	for _, c := range b {
		if c < ' ' || c > '~' {
			return false
		}
	}
	return true
}

// isDataPtr reports whether v points into a loaded data section.
func (p *program) isDataPtr(v uint64) bool { return p.wordSec(v) != nil }

// wordSec returns the loaded data section holding addr, or nil (p.words is
// sorted by address and its sections do not overlap).
func (p *program) wordSec(addr uint64) *section {
	if addr < p.wordsLo || addr >= p.wordsHi {
		return nil
	}
	i, j := 0, len(p.whi) // the first section ending past addr is in [i, j]
	for i < j {
		h := int(uint(i+j) >> 1)
		if p.whi[h] <= addr {
			i = h + 1
		} else {
			j = h
		}
	}
	if i < len(p.words) && p.words[i].addr <= addr {
		return p.words[i]
	}
	return nil
}

// maxItabMethods bounds the methods read from one itab.
const maxItabMethods = 512

// wordAt reads the pointer-sized word at addr in a loaded data section, or 0.
func (p *program) wordAt(addr uint64) uint64 {
	ps := uint64(p.ptrSize)
	s := p.wordSec(addr)
	if s == nil || ps > uint64(len(s.data))-(addr-s.addr) {
		return 0
	}
	return p.readWord(s.data[addr-s.addr:])
}

// wordIn is wordAt, looking in s first (a word next to one just read).
func (p *program) wordIn(s *section, addr uint64) uint64 {
	if s == nil || addr < s.addr || uint64(p.ptrSize) > uint64(len(s.data)) || addr-s.addr > uint64(len(s.data)-p.ptrSize) {
		return p.wordAt(addr)
	}
	return p.readWord(s.data[addr-s.addr:])
}

// readWord reads the pointer-sized word that b starts with.
func (p *program) readWord(b []byte) uint64 {
	if p.le8 {
		return binary.LittleEndian.Uint64(b)
	}
	return p.readWordOrder(b)
}

func (p *program) readWordOrder(b []byte) uint64 {
	if p.ptrSize == 4 {
		return uint64(p.order.Uint32(b))
	}
	return p.order.Uint64(b)
}

// node returns the node of a function name, adding an inlined-only name.
func (p *program) node(name string) int32 {
	if n, ok := p.byName[name]; ok {
		return n
	}
	n := int32(len(p.names))
	p.names = append(p.names, name)
	p.byName[name] = n
	return n
}

// link builds the adjacency lists from call and value edges (duplicates
// removed), by counting: no sort of the whole edge list.
func (p *program) link(calls [][2]int32, values [][][2]int32) {
	n := len(p.names)
	for len(p.pkg) < n {
		p.pkg = append(p.pkg, pkgOf(p.names[len(p.pkg)]))
	}
	cc := make([]int32, n+1)
	vc := make([]int32, n+1)
	for _, c := range calls {
		cc[c[0]+1]++
	}
	for _, vs := range values {
		for _, v := range vs {
			vc[v[0]+1]++
		}
	}
	p.start = make([]int32, n+1)
	for i := 0; i < n; i++ {
		p.start[i+1] = p.start[i] + cc[i+1] + vc[i+1]
	}
	edges := make([]int32, p.start[n])
	cpos := make([]int32, n)
	vpos := make([]int32, n)
	for i := 0; i < n; i++ {
		cpos[i] = p.start[i]
		vpos[i] = p.start[i] + cc[i+1]
	}
	for _, c := range calls {
		edges[cpos[c[0]]] = c[1]
		cpos[c[0]]++
	}
	for _, vs := range values {
		for _, v := range vs {
			edges[vpos[v[0]]] = v[1]
			vpos[v[0]]++
		}
	}
	// Sort and dedupe each node's calls and values, compacting in place.
	p.ncall = make([]int32, n)
	out := edges[:0]
	start := make([]int32, n+1)
	for i := 0; i < n; i++ {
		start[i] = int32(len(out))
		cs := edges[p.start[i] : p.start[i]+cc[i+1]]
		vs := edges[p.start[i]+cc[i+1] : p.start[i+1]]
		slices.Sort(cs)
		slices.Sort(vs)
		for k, w := range cs {
			if k == 0 || cs[k-1] != w {
				out = append(out, w)
				p.ncall[i]++
			}
		}
		for k, w := range vs {
			if k == 0 || vs[k-1] != w {
				out = append(out, w)
			}
		}
	}
	start[n] = int32(len(out))
	p.start, p.edges = start, out
}

// calls returns node n's call edges (its value edges follow them in edges).
func (p *program) calls(n int32) []int32 {
	return p.edges[p.start[n] : p.start[n]+p.ncall[n]]
}

// isEntryPoint reports main.main and package initialisers (pkg.init, pkg.init.0...).
func isEntryPoint(name string) bool {
	if name == "main.main" {
		return true
	}
	if !strings.Contains(name, ".init") {
		return false // the common case, found faster than by LastIndex
	}
	i := strings.LastIndex(name, ".init")
	if i <= 0 {
		return false
	}
	rest := name[i+len(".init"):]
	if rest == "" {
		return !strings.ContainsAny(name[:i], "()[]")
	}
	if rest[0] != '.' || len(rest) == 1 {
		return false
	}
	for _, c := range rest[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// walk computes reach and parent: breadth first over call edges from the entry
// points, then over call and value edges from everything reached so far and
// from the data roots.
func (p *program) walk(dataRoots []int32) {
	n := len(p.names)
	p.reach = make([]Reach, n)
	p.parent = make([]int32, n)
	for i := range p.parent {
		p.parent[i] = -2
		p.reach[i] = ReachNone
	}
	queue := make([]int32, 0, 1024)
	entry := make([]bool, n)
	for i, name := range p.names {
		if entry[i] = isEntryPoint(name); entry[i] {
			p.reach[i], p.parent[i] = ReachDirect, -1
			queue = append(queue, int32(i))
		}
	}
	bfs := func(r Reach, withValues bool) {
		for len(queue) > 0 {
			v := queue[0]
			queue = queue[1:]
			out := p.calls(v)
			if withValues {
				out = p.edges[p.start[v]:p.start[v+1]]
			}
			for _, w := range out {
				if p.parent[w] == -2 {
					p.parent[w], p.reach[w] = v, r
					queue = append(queue, w)
				}
			}
		}
	}
	bfs(ReachDirect, false)
	// Second pass: everything directly reached, then the data roots, expand
	// through values too.
	for i := range p.names {
		if p.reach[i] == ReachDirect {
			queue = append(queue, int32(i))
		}
	}
	bfs(ReachIndirect, true)
	// Third pass: what only static data leads to (method tables no code
	// references, tables of callbacks).
	p.viaData = make([]bool, n)
	for _, d := range dataRoots {
		if p.parent[d] == -2 {
			p.parent[d], p.reach[d] = -1, ReachIndirect
			queue = append(queue, d)
		}
	}
	mark := len(queue)
	bfs(ReachIndirect, true)
	_ = mark
	// A node reached indirectly is reached via data when the root of its
	// path is a data root; the roots are found once per tree (root[v]+1, 0
	// while not known).
	root := make([]int32, n)
	var chain []int32
	for i := range p.names {
		if p.reach[i] != ReachIndirect {
			continue
		}
		r := int32(-1)
		chain = chain[:0]
		for v := int32(i); v >= 0; v = p.parent[v] {
			if root[v] != 0 {
				r = root[v] - 1
				break
			}
			chain = append(chain, v)
			if p.parent[v] == -1 {
				r = v
				break
			}
		}
		for _, v := range chain {
			root[v] = r + 1
		}
		if r >= 0 {
			p.viaData[i] = !entry[r]
		}
	}
}

// path returns the names on the shortest path found from an entry point (or a
// data root) to node n, entry first; nil when n is unreached.
func (p *program) path(n int32) []string {
	if p.parent[n] == -2 {
		return nil
	}
	var rev []string
	root := n
	for v := n; v >= 0 && len(rev) <= len(p.names); v = p.parent[v] {
		rev = append(rev, p.names[v])
		root = v
	}
	if !isEntryPoint(p.names[root]) {
		if p.methodRoot[root] {
			rev = append(rev, methodRootFrame)
		} else {
			rev = append(rev, dataRootFrame)
		}
	}
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return rev
}

// dataRootFrame starts the path of a function reached from static data.
const dataRootFrame = "(function pointer in static data)"

// methodRootFrame starts the path of a function reached from a method of the
// main module's types that only its type's method table names: a method that
// runs through an interface built at run time or reflection (a command's Run
// that a CLI framework finds with reflect).
const methodRootFrame = "(method table)"

// owner returns the module that owns path's last frame outside the standard
// library, looking back from the function the path leads to: the code that
// brings the capability in. "" when every frame is the standard library's.
func (p *program) owner(path []string) string {
	for i := len(path) - 1; i >= 0; i-- {
		pk := pkgOf([]byte(path[i]))
		if len(pk) == 0 || isStdPackage(pk) {
			continue
		}
		if m := p.modules.of(string(pk)); m != "" {
			return m
		}
	}
	return ""
}

// stringsOf returns the string references of table function n.
func (p *program) stringsOf(n int32) []code.StringRef {
	if int(n) >= p.nreal {
		return nil
	}
	return p.refs.Strings[p.strStart[n]:p.strStart[n+1]]
}

// moduleIndex maps package paths to the modules of the build info.
type moduleIndex struct {
	mods map[string]string // module path -> path@version
	main string
}

func newModuleIndex(f *facts) *moduleIndex {
	x := &moduleIndex{mods: map[string]string{}}
	if bi := f.info; bi != nil {
		for _, d := range bi.Deps {
			m := d
			if m.Replace != nil {
				m = m.Replace
			}
			v := d.Path
			if m.Version != "" {
				v += "@" + m.Version
			}
			x.mods[d.Path] = v
		}
		if bi.Main.Path != "" {
			v := bi.Main.Path
			if bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				v += "@" + bi.Main.Version
			}
			x.mods[bi.Main.Path] = v
			x.main = bi.Main.Path
		}
	}
	return x
}

// of returns the module (path@version) providing package pkg: the longest module
// path that is pkg or a parent of it. The main package ("main") belongs to the
// main module.
func (x *moduleIndex) of(pkg string) string {
	if x == nil {
		return ""
	}
	pkg = normPackage(pkg)
	if pkg == "main" && x.main != "" {
		return x.mods[x.main]
	}
	for q := pkg; q != ""; q = parentPath(q) {
		if m, ok := x.mods[q]; ok {
			return m
		}
	}
	return ""
}
