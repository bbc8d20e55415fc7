package scan

import (
	"encoding/binary"
	"errors"
	"slices"
	"testing"
)

// A synthetic image with inline trees, small enough for the fuzzer to mutate:
// a function table section, a data section holding the moduledata, a go:func.*
// section holding the trees and an empty text section. Written from the layouts
// in inltree.go's comment (the real binaries of inltree_test.go check that
// reading); the layouts here are the three the reader knows.
const (
	synTextAddr   = 0x1000
	synPclnAddr   = 0x10000
	synModAddr    = 0x20000
	synGofuncAddr = 0x30000
	synFuncSize   = 0x40
)

type synLayout int

const (
	synGo118 synLayout = iota // 1.18–1.19: 40-byte _func, 20-byte nodes with parents, gofunc word 38
	synGo120                  // 1.20–1.26: 44-byte _func, 16-byte nodes, gofunc word 40
	synGo127                  // 1.27: as 1.20, gofunc word 43
)

// synNode is one inlined call of a synthetic function.
type synNode struct {
	name     string
	parent   int // stored only by the 1.18 layout; 1.20+ derive it from the runs
	parentPc uint32
}

// synRun is a run of len bytes of code whose inline tree index is val.
type synRun struct {
	val int32
	len uint32
}

type synFunc struct {
	name  string
	nodes []synNode
	runs  []synRun // nil: no inline index table
}

// synFuncs is the example: main.main inlines main.mid (at +4), which inlines
// main.leaf (at +0x10, inside mid's code), then os.Executable (at +0x20);
// main.mid and main.leaf have nothing inlined.
func synFuncs() []synFunc {
	return []synFunc{
		{name: "main.main",
			nodes: []synNode{{"main.mid", -1, 0x04}, {"main.leaf", 0, 0x10}, {"os.Executable", -1, 0x20}},
			runs:  []synRun{{-1, 8}, {0, 0x10}, {1, 8}, {-1, 8}, {2, 8}, {-1, 0x10}}},
		{name: "main.mid"},
		{name: "main.leaf"},
	}
}

// synSections returns the three data sections' contents for funcs.
func synSections(lay synLayout, funcs []synFunc) (pcln, mod, gofunc []byte) {
	le := binary.LittleEndian
	u32 := func(b []byte, v uint32) []byte { return le.AppendUint32(b, v) }
	u64 := func(b []byte, v uint64) []byte { return le.AppendUint64(b, v) }
	pad := func(b []byte, a int) []byte {
		for len(b)%a != 0 {
			b = append(b, 0)
		}
		return b
	}
	// Names: every function's and every inlined one's.
	var blob []byte
	nameOff := map[string]uint32{}
	addName := func(n string) {
		if _, ok := nameOff[n]; !ok {
			nameOff[n] = uint32(len(blob))
			blob = append(append(blob, n...), 0)
		}
	}
	for _, f := range funcs {
		addName(f.name)
		for _, n := range f.nodes {
			addName(n.name)
		}
	}
	// pctab: a zero byte first (offset 0 means no table), then each
	// function's inline index table.
	pctab := []byte{0}
	pcIdx := make([]uint32, len(funcs))
	for i, f := range funcs {
		if f.runs == nil {
			continue
		}
		pcIdx[i] = uint32(len(pctab))
		prev := int32(-1)
		for k, r := range f.runs {
			d := r.val - prev
			uv := uint32(d<<1) ^ uint32(d>>31)
			if uv == 0 && k > 0 {
				panic("synthetic run repeats its value")
			}
			pctab = binary.AppendUvarint(pctab, uint64(uv))
			pctab = binary.AppendUvarint(pctab, uint64(r.len))
			prev = r.val
		}
		pctab = append(pctab, 0)
	}
	// go:func.*: the trees.
	treeOff := make([]uint32, len(funcs))
	for i, f := range funcs {
		treeOff[i] = ^uint32(0)
		if len(f.nodes) == 0 {
			continue
		}
		gofunc = pad(gofunc, 4)
		treeOff[i] = uint32(len(gofunc))
		for _, n := range f.nodes {
			if lay == synGo118 {
				gofunc = le.AppendUint16(gofunc, uint16(int16(n.parent)))
				gofunc = append(gofunc, 0, 0)   // funcID, pad
				gofunc = u32(u32(gofunc, 0), 0) // file, line
				gofunc = u32(u32(gofunc, nameOff[n.name]), n.parentPc)
			} else {
				gofunc = append(gofunc, 0, 0, 0, 0) // funcID, pad
				gofunc = u32(u32(u32(gofunc, nameOff[n.name]), n.parentPc), 0)
			}
		}
	}
	if len(gofunc) == 0 {
		gofunc = make([]byte, 16)
	}
	// Header, then names, then pctab, then the function table and _funcs.
	const hdr = 8 + 8*8
	funcnameOff := uint64(hdr)
	pctabOff := funcnameOff + uint64(len(blob))
	body := append(append([]byte{}, blob...), pctab...)
	body = pad(append(make([]byte, hdr), body...), 8)[hdr:]
	pclnOff := uint64(hdr + len(body))
	magic := uint32(pclnGo120)
	if lay == synGo118 {
		magic = pclnGo118
	}
	pcln = u32(nil, magic)
	pcln = append(pcln, 0, 0, 1, 8)
	for _, w := range []uint64{uint64(len(funcs)), 0, synTextAddr, funcnameOff, pctabOff, pctabOff, pctabOff, pclnOff} {
		pcln = u64(pcln, w)
	}
	pcln = append(pcln, body...)
	// Function table: (entryoff, funcoff) pairs, then the end record.
	funcSize := 44
	if lay == synGo118 {
		funcSize = 40
	}
	recs := (len(funcs) + 1) * 8
	fsz := funcSize + 3*4 + 4*4
	for i := range funcs {
		pcln = u32(u32(pcln, uint32(i*synFuncSize)), uint32(recs+i*fsz))
	}
	pcln = u32(u32(pcln, uint32(len(funcs)*synFuncSize)), 0)
	for i, f := range funcs {
		pcln = u32(u32(pcln, uint32(i*synFuncSize)), nameOff[f.name])
		for range 6 { // args, deferreturn, pcsp, pcfile, pcln, then npcdata below
			pcln = u32(pcln, 0)
		}
		le.PutUint32(pcln[len(pcln)-4:], 3) // npcdata
		pcln = u32(pcln, 0)                 // cuOffset
		if lay != synGo118 {
			pcln = u32(pcln, 0) // startLine
		}
		pcln = append(pcln, 0, 0, 0, 4) // funcID, flag, pad, nfuncdata
		pcln = u32(u32(u32(pcln, 0), 0), pcIdx[i])
		pcln = u32(u32(u32(u32(pcln, ^uint32(0)), ^uint32(0)), ^uint32(0)), treeOff[i])
	}
	// The moduledata.
	w := make([]uint64, 46)
	w[0], w[1], w[2], w[3] = synPclnAddr, synPclnAddr+funcnameOff, uint64(len(blob)), uint64(len(blob))
	w[22], w[23] = synTextAddr, synTextAddr+uint64(len(funcs)*synFuncSize)
	switch lay {
	case synGo118:
		w[35], w[36], w[37], w[38] = synGofuncAddr, synGofuncAddr, synGofuncAddr, synGofuncAddr
	case synGo120:
		w[37], w[38], w[39], w[40] = synGofuncAddr, synGofuncAddr, synGofuncAddr, synGofuncAddr
	case synGo127:
		w[37], w[38], w[39], w[42], w[43] = synGofuncAddr, 0, synGofuncAddr, synGofuncAddr, synGofuncAddr
	}
	mod = make([]byte, 16) // something before it
	for _, v := range w {
		mod = u64(mod, v)
	}
	return pcln, mod, gofunc
}

// synImage assembles an image from the three sections and a text section.
func synImage(pcln, mod, gofunc []byte, nfunc int) *image {
	return &image{
		order:   binary.LittleEndian,
		ptrSize: 8,
		sections: []section{
			{name: ".text", data: make([]byte, nfunc*synFuncSize), exec: true, addr: synTextAddr},
			{name: ".gopclntab", data: pcln, addr: synPclnAddr},
			{name: ".data", data: mod, addr: synModAddr},
			{name: ".rodata", data: gofunc, addr: synGofuncAddr},
		},
	}
}

// readSyn runs the reader over a synthetic image, as the code pass would.
func readSyn(pcln, mod, gofunc []byte, nfunc int) ([]funcRange, [][]inlineCall, error) {
	im := synImage(pcln, mod, gofunc, nfunc)
	tab := parsePclntab(&im.sections[1], 0, im.order)
	if tab == nil {
		return nil, nil, errors.New("table rejected")
	}
	_, fs, err := im.codeFuncs(tab)
	if err != nil {
		return nil, nil, err
	}
	inl, err := tab.inlined(im, fs)
	return fs, inl, err
}

// TestInlinedSynthetic reads the example in each layout, exactly, and checks
// that broken tables give errFuncTable and older tables nothing.
func TestInlinedSynthetic(t *testing.T) {
	t.Parallel()
	want := []string{"main.mid<-", "main.leaf<0", "os.Executable<-"}
	wantPC := []uint64{synTextAddr + 4, synTextAddr + 0x10, synTextAddr + 0x20}
	for _, lay := range []synLayout{synGo118, synGo120, synGo127} {
		pcln, mod, gofunc := synSections(lay, synFuncs())
		fs, inl, err := readSyn(pcln, mod, gofunc, 3)
		if err != nil {
			t.Fatalf("layout %d: %v", lay, err)
		}
		if len(inl) != 3 || len(fs) != 3 {
			t.Fatalf("layout %d: %d lists for %d functions", lay, len(inl), len(fs))
		}
		if got := inlNames(inl[0]); !slices.Equal(got, want) {
			t.Errorf("layout %d: main.main inlined %v, want %v", lay, got, want)
		}
		for j, c := range inl[0] {
			if c.parentPC != wantPC[j] {
				t.Errorf("layout %d: call %d site 0x%x, want 0x%x", lay, j, c.parentPC, wantPC[j])
			}
		}
		if len(inl[1]) != 0 || len(inl[2]) != 0 {
			t.Errorf("layout %d: leaves inlined %v %v", lay, inlNames(inl[1]), inlNames(inl[2]))
		}
	}

	// Broken tables: each mutation of the 1.20 example is an error.
	base := func() ([]byte, []byte, []byte) { return synSections(synGo120, synFuncs()) }
	pcln, _, _ := base()
	ftab := int(binary.LittleEndian.Uint64(pcln[8+7*8:]))
	f0 := ftab + int(binary.LittleEndian.Uint32(pcln[ftab+4:]))
	pcIdxAt, treeAt := f0+44+2*4, f0+44+3*4+3*4
	le := binary.LittleEndian
	cases := map[string]func(pcln, mod, gofunc []byte) ([]byte, []byte, []byte){
		"tree outside go:func.*": func(p, m, g []byte) ([]byte, []byte, []byte) {
			le.PutUint32(p[treeAt:], 1<<30)
			return p, m, g
		},
		"tree cut short": func(p, m, g []byte) ([]byte, []byte, []byte) { return p, m, g[:40] },
		"name outside the names": func(p, m, g []byte) ([]byte, []byte, []byte) {
			le.PutUint32(g[4:], 1<<20)
			return p, m, g
		},
		"name inside a name": func(p, m, g []byte) ([]byte, []byte, []byte) {
			le.PutUint32(g[4:], 2)
			return p, m, g
		},
		"call site outside the function": func(p, m, g []byte) ([]byte, []byte, []byte) {
			le.PutUint32(g[8:], synFuncSize)
			return p, m, g
		},
		"inline index outside pctab": func(p, m, g []byte) ([]byte, []byte, []byte) {
			le.PutUint32(p[pcIdxAt:], 1<<30)
			return p, m, g
		},
		"too many funcdata": func(p, m, g []byte) ([]byte, []byte, []byte) {
			p[f0+43] = 0xff
			return p, m, g
		},
	}
	for name, mutate := range cases {
		p, m, g := mutate(base())
		_, inl, err := readSyn(p, m, g, 3)
		if !errors.Is(err, errFuncTable) {
			t.Errorf("%s: inlined = %v, %v; want errFuncTable", name, inl, err)
		}
	}
	// A call site whose inline index names a later node (seen in real large
	// initialisers, where a lost inline mark leaves parentPc 0) is attributed
	// to the function, not an error: the call is still inside it.
	{
		p, m, g := base()
		le.PutUint32(g[8:], 0x28) // mid's site inside the run of node 2
		_, inl, err := readSyn(p, m, g, 3)
		if err != nil || len(inl) == 0 || len(inl[0]) != 3 {
			t.Fatalf("self-parented site: %v, %v; want the three calls", inl, err)
		}
		if inl[0][0].parent != -1 {
			t.Errorf("call 0 has parent %d, want -1 (the function)", inl[0][0].parent)
		}
	}
	// A _func offset changed after the functions were read (the reader does
	// not trust codeFuncs' checks).
	{
		p, m, g := base()
		im := synImage(p, m, g, 3)
		tab := parsePclntab(&im.sections[1], 0, im.order)
		_, fs, err := im.codeFuncs(tab)
		if err != nil {
			t.Fatal(err)
		}
		le.PutUint32(p[ftab+4:], 1<<30)
		if inl, err := tab.inlined(im, fs); !errors.Is(err, errFuncTable) {
			t.Errorf("_func outside the table: inlined = %v, %v; want errFuncTable", inl, err)
		}
		if inl, err := tab.inlined(im, fs[:2]); !errors.Is(err, errFuncTable) {
			t.Errorf("2 of 3 functions: inlined = %v, %v; want errFuncTable", inl, err)
		}
	}
	// No moduledata (its first word no longer points at the header): nothing.
	p, m, g := base()
	le.PutUint64(m[16:], 0)
	if _, inl, err := readSyn(p, m, g, 3); err != nil || inl != nil {
		t.Errorf("no moduledata: %v, %v; want nothing", inl, err)
	}
	// Go 1.16 tables: nothing, no error.
	old := buildOldPclntab(pclnGo116, 8, binary.LittleEndian, synTextAddr, []string{"main.main", "main.f"})
	im := synImage(old, m, g, 2)
	tab := parsePclntab(&im.sections[1], 0, im.order)
	if tab == nil {
		t.Fatal("1.16 table rejected")
	}
	fs, err := tab.funcs(0)
	if err != nil {
		t.Fatal(err)
	}
	if inl, err := tab.inlined(im, fs); inl != nil || err != nil {
		t.Errorf("1.16 table: %v, %v; want nothing", inl, err)
	}
}

// FuzzInlined mutates the three sections of the synthetic image: the reader
// returns an error or trees whose parents come first, whose call sites are
// inside their function and whose names are names of the table; it never
// panics.
func FuzzInlined(f *testing.F) {
	for _, lay := range []synLayout{synGo118, synGo120, synGo127} {
		p, m, g := synSections(lay, synFuncs())
		f.Add(p, m, g)
	}
	f.Fuzz(func(t *testing.T, pcln, mod, gofunc []byte) {
		if len(pcln) > 1<<16 || len(mod) > 1<<12 || len(gofunc) > 1<<16 {
			return
		}
		fs, inl, err := readSyn(pcln, mod, gofunc, 3)
		if err != nil || inl == nil {
			return
		}
		for i, calls := range inl {
			for j, c := range calls {
				if c.parent < -1 || c.parent >= j || c.parentPC < fs[i].entry || c.parentPC >= fs[i].end || len(c.name) == 0 {
					t.Fatalf("function %d call %d: %+v", i, j, c)
				}
			}
		}
	})
}
