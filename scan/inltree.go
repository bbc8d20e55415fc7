package scan

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Inline trees. A call the compiler inlined leaves no call instruction: its
// callee's code sits inside the caller, and only the function table remembers
// it, in the caller's inline tree (FUNCDATA_InlTree) and in the pc-value table
// that maps each instruction to its node (PCDATA_InlTreeIndex). os.Executable is
// one line; its callers never call it, they inline it. Reading the trees lets the
// call graph see those calls.
//
// Layout (runtime/runtime2.go _func, runtime/symtabinl.go inlinedCall,
// internal/abi/symtab.go, cmd/link/internal/ld/pcln.go genInlTreeSym):
//
//   - _func: entryOff, nameOff, args, deferreturn, pcsp, pcfile, pcln, npcdata,
//     cuOffset (uint32s), startLine (int32, Go 1.20+), funcID, flag, pad,
//     nfuncdata (bytes): 44 bytes since 1.20, 40 in 1.18–1.19. Then npcdata
//     uint32 offsets into pctab (0: no table) and nfuncdata uint32 offsets from
//     moduledata.gofunc (go:func.*; ^0: none).
//   - The tree is funcdata 3; the node index of each instruction is pcdata 2, a
//     pc-value table of zig-zag value deltas and pc deltas (times the quantum),
//     starting at value -1 (the function itself).
//   - Go 1.20+ nodes are 16 bytes: funcID uint8, 3 pad bytes, nameOff int32
//     (into the funcnametab), parentPc int32 (offset from the entry of an
//     instruction whose position is the call site), startLine int32. The
//     parent node is the pcdata 2 value at parentPc, as the runtime's
//     inlineUnwinder finds it. Where the compiler lost a call's inline mark,
//     the linker writes parentPc 0, and the parent read is whatever node the
//     function's first instruction belongs to: usually none, so the function
//     itself (DWARF keeps the real parent; seen for a range-over-func loop body
//     inlined into an inlined iterator), sometimes a later node or the call
//     itself, which cannot be a parent and is read as the function too.
//   - Go 1.18–1.19 nodes are 20 bytes: parent int16, funcID uint8, pad, file,
//     line, nameOff, parentPc (int32s): the parent index is stored.
//   - The tree's length is stored nowhere: the linker adds a node when an
//     instruction refers to it, after its ancestors (cmd/internal/obj/pcln.go
//     pctoinline), so the largest pcdata 2 value is the last node.
//
// Go 1.2–1.17 tables (funcdata absolute or relative to other bases) are not
// read: inlined returns nothing for them.
const (
	pcdataInlTreeIndex = 2
	funcdataInlTree    = 3
)

// inlineCall is one call the compiler inlined into a function.
type inlineCall struct {
	// name is the inlined function's name, aliasing the funcnametab.
	name []byte
	// parent is the index, in the same function's list, of the inlined call
	// this one was inlined into, or -1 when the function itself made the call:
	// nested inlining is an edge from calls[parent].name to name. A parent
	// always comes before its children (a parent the table gives at or after
	// the call is read as -1; see [pclntab.inlined]).
	parent int
	// parentPC is the absolute address of an instruction whose source position
	// is the call site: inside the function, in the code of the parent.
	parentPC uint64
	// funcID is the inlined function's abi.FuncID (0 for ordinary functions).
	funcID uint8
}

// inlTreeLayout is what differs between the table versions that have inline
// trees relative to moduledata.gofunc.
type inlTreeLayout struct {
	funcSize   uint64 // bytes of _func before the pcdata offsets
	nodeSize   uint64 // bytes of one inlinedCall
	nameAt     uint64 // offset of nameOff in a node
	parentPcAt uint64 // offset of parentPc in a node
	funcIDAt   uint64 // offset of funcID in a node
	storedPar  bool   // the node starts with its parent index (int16)
}

var (
	inlLayout118 = inlTreeLayout{funcSize: 40, nodeSize: 20, nameAt: 12, parentPcAt: 16, funcIDAt: 2, storedPar: true}
	inlLayout120 = inlTreeLayout{funcSize: 44, nodeSize: 16, nameAt: 4, parentPcAt: 8, funcIDAt: 0}
)

// maxInlineDepthFactor bounds a function's inline tree by its code: every node
// is referred to by an instruction or is the ancestor of one that is, so a real
// tree has at most a few nodes per code byte. A larger claimed tree is broken.
const maxInlineDepthFactor = 4

// inlined returns, for each function of fs (the table's functions in table
// order, with absolute addresses, as [image.codeFuncs] gives them), the calls
// inlined into it, in the tree's order (a parent before its children). It reads the inline trees of Go 1.18+
// tables; for older tables, or when the runtime's moduledata (which gives
// the base of go:func.*) cannot be found, it returns nil and no error. Every
// offset is checked against its section: a broken table yields an error wrapping
// errFuncTable, never a panic. The work is linear in the table and code sizes:
// each function's pc-value table is read only as far as the function's size.
func (t *pclntab) inlined(im *image, fs []funcRange) ([][]inlineCall, error) {
	return t.inlinedAt(im, fs, nil)
}

// inlineQuery asks which inlined function the code at pc of function fn
// belongs to; inlinedAt sets name (nil: the function's own code).
type inlineQuery struct {
	fn   int
	pc   uint64
	name []byte
}

// inlinedAt is inlined, and also answers the queries (sorted by fn): for each,
// the innermost inlined call whose body holds the instruction at pc.
func (t *pclntab) inlinedAt(im *image, fs []funcRange, queries []inlineQuery) ([][]inlineCall, error) {
	r, err := t.inlineReader(im, fs)
	if r == nil || err != nil {
		return nil, err
	}
	return r.all(queries)
}

// all reads every function's inline tree, as inlinedAt does.
func (r *inlReader) all(queries []inlineQuery) ([][]inlineCall, error) {
	if r == nil {
		return nil, nil
	}
	out := make([][]inlineCall, len(r.fs))
	var runs []pcRun
	// The lists are cut from chunks of a few thousand calls: few allocations,
	// no copying, little waste.
	var chunk []inlineCall
	var err error
	for i := range out {
		var calls []inlineCall
		calls, runs, err = r.function(i, runs[:0], &chunk)
		if err != nil {
			return nil, err
		}
		if calls == nil {
			continue
		}
		out[i] = calls
		for len(queries) > 0 && queries[0].fn < i {
			queries = queries[1:]
		}
		for ; len(queries) > 0 && queries[0].fn == i; queries = queries[1:] {
			r.answerOne(&queries[0], calls, runs)
		}
	}
	return out, nil
}

// answerPausing answers queries (sorted by fn) as inlinedAt does, reading the
// inline trees of the queried functions only. It returns the error inlinedAt
// would return for one of them.
// It calls pause after every every functions whose tree it reads (never when
// pause is nil): the caller may then give back the table's pages read so far.
func (r *inlReader) answerPausing(queries []inlineQuery, every int, pause func()) error {
	if r == nil {
		return nil
	}
	var runs []pcRun
	var err error
	var chunk []inlineCall
	read := 0
	for len(queries) > 0 {
		i := queries[0].fn
		n := 1
		for n < len(queries) && queries[n].fn == i {
			n++
		}
		if i >= 0 && i < len(r.fs) {
			if read++; pause != nil && every > 0 && read%every == 0 {
				pause()
			}
			var calls []inlineCall
			calls, runs, err = r.function(i, runs[:0], &chunk)
			if err != nil {
				return err
			}
			chunk = chunk[:0]
			if calls != nil {
				for k := range queries[:n] {
					r.answerOne(&queries[k], calls, runs)
				}
			}
		}
		queries = queries[n:]
	}
	return nil
}

// inlReader reads the inline trees of one function table.
type inlReader struct {
	t       *pclntab
	fs      []funcRange
	lay     inlTreeLayout
	gs      *section
	gdata   []byte // go:func.* on
	pctab   []byte
	pcln    []byte // the function table on
	quantum uint64
}

// inlineReader checks the table's header for reading inline trees: nil and no
// error when the table has none the pass reads (see inlined).
func (t *pclntab) inlineReader(im *image, fs []funcRange) (*inlReader, error) {
	var lay inlTreeLayout
	switch t.magic {
	case pclnGo118:
		lay = inlLayout118
	case pclnGo120:
		lay = inlLayout120
	default:
		return nil, nil
	}
	if len(fs) != t.nfunc {
		return nil, fmt.Errorf("%w: %d functions given, the table has %d", errFuncTable, len(fs), t.nfunc)
	}
	gofunc, ok := im.moduledataGofunc(t)
	if !ok {
		return nil, nil
	}
	gs := im.sectionAt(gofunc)
	if gs == nil {
		return nil, fmt.Errorf("%w: go:func.* at 0x%x is in no section", errFuncTable, gofunc)
	}
	gdata := gs.data[gofunc-gs.addr:]

	d := t.sec.data[t.start:]
	ptr := uint64(t.ptr)
	hdrWord := func(i uint64) uint64 {
		o := 8 + i*ptr
		if ptr == 4 {
			return uint64(t.order.Uint32(d[o:]))
		}
		return t.order.Uint64(d[o:])
	}
	// Header words: nfunc, nfiles, textStart, funcname, cu, filetab, pctab, pcln
	// (parsePclntab checked that they fit and increase).
	pctabOff, pclnOff := hdrWord(6), hdrWord(7)
	if pctabOff > pclnOff || pclnOff > uint64(len(d)) {
		return nil, fmt.Errorf("%w: pctab [0x%x, 0x%x) outside the table", errFuncTable, pctabOff, pclnOff)
	}
	ftab := uint64(t.ftab - t.start)
	pcln := d[ftab:]
	n := uint64(t.nfunc)
	if (n+1)*8 > uint64(len(pcln)) {
		return nil, fmt.Errorf("%w: function table does not fit", errFuncTable)
	}
	return &inlReader{t: t, fs: fs, lay: lay, gs: gs, gdata: gdata, pctab: d[pctabOff:pclnOff], pcln: pcln, quantum: uint64(t.sec.data[t.start+6])}, nil
}

// function reads the calls inlined into function i (nil when it has none),
// cut from *chunk, and its inline index table, appended to runs.
func (r *inlReader) function(fi int, runs []pcRun, chunk *[]inlineCall) ([]inlineCall, []pcRun, error) {
	t, lay, fs, pcln, gdata := r.t, r.lay, r.fs, r.pcln, r.gdata
	u32 := func(b []byte, p uint64) uint32 { return t.order.Uint32(b[p:]) }
	i := uint64(fi)
	fo := uint64(u32(pcln, i*8+4))
	if fo > uint64(len(pcln)) || lay.funcSize > uint64(len(pcln))-fo {
		return nil, runs, fmt.Errorf("%w: function %d: _func offset 0x%x outside the table", errFuncTable, i, fo)
	}
	f := pcln[fo:]
	npcdata := uint64(u32(f, 28))
	nfuncdata := uint64(f[lay.funcSize-1])
	if nfuncdata <= funcdataInlTree || npcdata <= pcdataInlTreeIndex {
		return nil, runs, nil
	}
	if (npcdata+nfuncdata)*4 > uint64(len(f))-lay.funcSize {
		return nil, runs, fmt.Errorf("%w: function %d: %d pcdata and %d funcdata offsets do not fit", errFuncTable, i, npcdata, nfuncdata)
	}
	tree := u32(f, lay.funcSize+(npcdata+funcdataInlTree)*4)
	pcIdx := uint64(u32(f, lay.funcSize+pcdataInlTreeIndex*4))
	if tree == ^uint32(0) || pcIdx == 0 {
		return nil, runs, nil
	}
	size := fs[i].end - fs[i].entry
	runs, err := readPCRuns(runs, r.pctab, pcIdx, size, r.quantum)
	if err != nil {
		return nil, runs, fmt.Errorf("%w: function %d (%s): inline index table: %v", errFuncTable, i, fs[i].name, err)
	}
	maxv := int32(-1)
	for _, r := range runs {
		maxv = max(maxv, r.val)
	}
	if maxv < 0 {
		return nil, runs, nil
	}
	nodes := uint64(maxv) + 1
	if nodes > maxInlineDepthFactor*size+16 {
		return nil, runs, fmt.Errorf("%w: function %d (%s): %d inlined calls in %d bytes of code", errFuncTable, i, fs[i].name, nodes, size)
	}
	to := uint64(tree)
	if to > uint64(len(gdata)) || nodes*lay.nodeSize > uint64(len(gdata))-to {
		return nil, runs, fmt.Errorf("%w: function %d (%s): inline tree at go:func.*+0x%x outside %s", errFuncTable, i, fs[i].name, to, r.gs.name)
	}
	if uint64(cap(*chunk)-len(*chunk)) < nodes {
		*chunk = make([]inlineCall, 0, max(nodes, 4096))
	}
	c := *chunk
	calls := c[len(c) : len(c)+int(nodes) : len(c)+int(nodes)]
	*chunk = c[:len(c)+int(nodes)]
	for j := range calls {
		rec := gdata[to+uint64(j)*lay.nodeSize:]
		name, err := t.blobName(u32(rec, lay.nameAt))
		if err != nil {
			return nil, runs, fmt.Errorf("%w: function %d (%s): inlined call %d: %v", errFuncTable, i, fs[i].name, j, err)
		}
		ppc := uint64(u32(rec, lay.parentPcAt))
		if ppc >= size {
			return nil, runs, fmt.Errorf("%w: function %d (%s): inlined call %d: call site +0x%x outside the function", errFuncTable, i, fs[i].name, j, ppc)
		}
		parent := -1
		if lay.storedPar {
			parent = int(int16(t.order.Uint16(rec)))
		} else {
			parent = int(valueAt(runs, ppc))
		}
		if parent < -1 || parent >= j {
			// The linker adds a node after its parent (cmd/internal/obj
			// pcln.go, addBranch), so a parent read at or after the call
			// is wrong: the call lost its inline mark, the linker wrote
			// parentPc 0, and the function's first instruction belongs to
			// a later node (15 calls in caddy 2.11.9 and ferretdb 1.24.2,
			// in large package initialisers). The call is still inside
			// the function: attribute it to the function itself.
			parent = -1
		}
		calls[j] = inlineCall{name: name, parent: parent, parentPC: fs[i].entry + ppc, funcID: rec[lay.funcIDAt]}
	}
	return calls, runs, nil
}

// answerOne sets q.name from the inline tree (calls, runs) of q's function.
func (r *inlReader) answerOne(q *inlineQuery, calls []inlineCall, runs []pcRun) {
	f := r.fs[q.fn]
	if q.pc < f.entry || q.pc >= f.end {
		return
	}
	if v := valueAt(runs, q.pc-f.entry); v >= 0 && int(v) < len(calls) {
		q.name = calls[v].name
	}
}

// blobName returns the name at off in the funcnametab, which must start a name.
func (t *pclntab) blobName(off uint32) ([]byte, error) {
	b := t.nameBlob
	if uint64(off) >= uint64(len(b)) || (off > 0 && b[off-1] != 0) {
		return nil, fmt.Errorf("name offset 0x%x does not start a name", off)
	}
	e := bytes.IndexByte(b[off:], 0)
	if e <= 0 {
		return nil, fmt.Errorf("empty or unterminated name at 0x%x", off)
	}
	return b[off : off+uint32(e)], nil
}

// pcRun says that the instructions at offsets below end (from the previous
// run's end, or the entry) have value val.
type pcRun struct {
	end uint64
	val int32
}

// readPCRuns decodes the pc-value table at off in pctab into runs, appended to
// buf, up to the function's size: the runtime's step and pcvalue (value -1
// first, zig-zag value deltas, pc deltas in units of the quantum; a zero value
// delta after the first pair ends the table). Each pair consumes at least two
// bytes and advances the pc, so the work is bounded by the function's size.
func readPCRuns(buf []pcRun, pctab []byte, off, size, quantum uint64) ([]pcRun, error) {
	if off >= uint64(len(pctab)) {
		return nil, fmt.Errorf("offset 0x%x outside pctab (%d bytes)", off, len(pctab))
	}
	p := pctab[off:]
	var pc uint64
	val := int32(-1)
	for first := true; pc < size; first = false {
		uv, n := binary.Uvarint(p)
		if n <= 0 || uv > 1<<32-1 {
			return nil, fmt.Errorf("bad value delta at pctab+0x%x", uint64(len(pctab)-len(p)))
		}
		if uv == 0 && !first {
			break
		}
		p = p[n:]
		pd, n := binary.Uvarint(p)
		if n <= 0 || pd > 1<<32-1 {
			return nil, fmt.Errorf("bad pc delta at pctab+0x%x", uint64(len(pctab)-len(p)))
		}
		p = p[n:]
		u := uint32(uv)
		val += int32(-(u & 1) ^ (u >> 1))
		if pd == 0 && !first {
			return nil, fmt.Errorf("empty pc run at +0x%x", pc)
		}
		pc += pd * quantum
		buf = append(buf, pcRun{end: pc, val: val})
	}
	return buf, nil
}

// valueAt returns the value of the run holding the instruction at offset pc,
// or -1 when the table ends before it.
func valueAt(runs []pcRun, pc uint64) int32 {
	i, j := 0, len(runs) // the first run ending after pc is in [i, j]
	for i < j {
		h := int(uint(i+j) >> 1)
		if pc < runs[h].end {
			j = h
		} else {
			i = h + 1
		}
	}
	if i == len(runs) {
		return -1
	}
	return runs[i].val
}

// sectionAt returns the loaded, non-executable section holding address a.
func (im *image) sectionAt(a uint64) *section {
	for i := range im.sections {
		s := &im.sections[i]
		if !s.exec && s.addr != 0 && a >= s.addr && a-s.addr < uint64(len(s.data)) {
			return s
		}
	}
	return nil
}

// moduledataGofunc finds the runtime's moduledata as [image.moduledataText]
// does (the static data whose first word points at the table header and whose
// funcnametab slice follows) and returns its gofunc field, the go:func.* base
// that funcdata offsets count from. The field's word moved as fields were added
// (runtime/symtab.go): 38 in Go 1.18–1.19; 40 in 1.20–1.26 (covctrs, ecovctrs);
// 43 since 1.27 (typedesclen, itaboffset, itabsize). Which layout a 1.20+
// moduledata has is told by the words around it: types <= etypes and
// rodata <= gofunc, and in the 1.27 layout typedesclen <= etypes - types.
func (im *image) moduledataGofunc(t *pclntab) (uint64, bool) {
	const words = 46
	return im.findModuledata(t, words, func(w func(int) uint64) (uint64, bool) {
		if t.magic == pclnGo118 {
			return w(38), w(35) <= w(36) && w(37) <= w(38) && w(37) != 0
		}
		// 1.27: types 37, typedesclen 38, etypes 39, itaboffset 40,
		// itabsize 41, rodata 42, gofunc 43.
		if w(37) <= w(39) && w(38) <= w(39)-w(37) && w(42) != 0 && w(42) <= w(43) {
			return w(43), true
		}
		// 1.20–1.26: types 37, etypes 38, rodata 39, gofunc 40.
		return w(40), w(37) <= w(38) && w(39) != 0 && w(39) <= w(40)
	})
}
