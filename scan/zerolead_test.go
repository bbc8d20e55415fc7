package scan

import (
	"encoding/binary"
	"slices"
	"testing"
)

// TestZeroLeadRun: a run of string headers that no code refers to, at the end of an
// array whose first elements are all zeros (the values of a map literal of endpoints,
// most of them empty, as aws-sdk-go's endpoint tables are built), belongs to the
// function whose code refers to the array's start; a run with anything but zeros
// between it and the last reference before it, or too far from it, belongs to no one.
func TestZeroLeadRun(t *testing.T) {
	const base = 0x100000
	data := make([]byte, 64<<10)
	// Arrays: A at 0x0 (2 KiB of zeros, then its headers at 0x800), B at 0x4000
	// (a word 0xFF at 0x4100 before its headers at 0x4800), C at 0x8000 (headers at
	// 0x8000 + maxZeroLead + 0x100, too far).
	binary.LittleEndian.PutUint64(data[0x4100:], 0xFF)
	runAt := []uint64{base + 0x800, base + 0x4800, base + 0x8000 + maxZeroLead + 0x100}
	sec := &section{name: ".rodata", addr: base, data: data}
	p := &program{names: []string{"pkg/a.init", "pkg/b.init", "pkg/c.init"}, ptrSize: 8, le8: true,
		order: binary.LittleEndian, words: []*section{sec}, whi: []uint64{base + uint64(len(data))},
		wordsLo: base, wordsHi: base + uint64(len(data))}
	for i, at := range runAt {
		p.runs = append(p.runs, headerRun{start: at, end: at + 5*16, first: 5 * i, n: 5})
	}
	budget := maxZeroScan
	for k, a := range []uint64{base, base + 0x4000, base + 0x8000} {
		if !p.leadsToRun(a, &budget) {
			if k == 0 {
				t.Errorf("leadsToRun(%#x) = false: zeros up to the run at %#x", a, runAt[0])
			}
			continue
		}
		if k > 0 {
			t.Errorf("leadsToRun(%#x) = true: no run follows only zeros", a)
		}
		p.leads = append(p.leads, codeAddrRef{Func: int32(k), PC: 0x1000 + uint64(k), Addr: a})
	}
	// A second reference to A's start, from later code: the first one owns it.
	p.leads = append(p.leads, codeAddrRef{Func: 2, PC: 0x3000, Addr: base})
	p.splitRuns()
	want := []int32{0, -1, -1}
	for i, sg := range p.segs {
		if sg.owner != want[sg.run] {
			t.Errorf("segment %d (run at %#x): owner %d, want %d", i, p.runs[sg.run].start, sg.owner, want[sg.run])
		}
	}
	if len(p.segs) != len(p.runs) {
		t.Fatalf("%d segments for %d runs", len(p.segs), len(p.runs))
	}
}

// TestAnchoredRun: a run of string headers that no code refers to, with words
// that are not zero before it (the values of a map literal whose first entries
// are flags), belongs to the function whose code refers to the nearest
// addresses on both sides of it, when that is one function and all lie in one
// section. Any other function's reference on either side, or a section
// boundary, leaves it to no one; so does a following segment of another
// function in the same run (the next object in the linker's layout). A
// reference into a run at an address no header table can start at (not
// aligned to a pointer) is another object, not a segment of the run.
func TestAnchoredRun(t *testing.T) {
	const base, base2 = 0x100000, 0x200000
	const f, g, h = 0, 1, 2
	data := make([]byte, 64<<10)
	for i := 0; i < len(data); i += 0x100 {
		binary.LittleEndian.PutUint64(data[i:], 1) // no run follows only zeros
	}
	sec := &section{name: ".rodata", addr: base, data: data}
	sec2 := &section{name: ".data.rel.ro", addr: base2, data: make([]byte, 16<<10)}
	p := &program{names: []string{"pkg/f.init", "pkg/g.init", "pkg/h.init"}, ptrSize: 8, le8: true,
		order: binary.LittleEndian, words: []*section{sec, sec2},
		whi:     []uint64{base + uint64(len(data)), base2 + uint64(len(sec2.data))},
		wordsLo: base, wordsHi: base2 + uint64(len(sec2.data))}
	runs := []struct {
		start, end uint64
		want       int32
		why        string
	}{
		{base + 0x800, base + 0x900, f, "between two of f's arrays"},
		{base + 0x2800, base + 0x2900, -1, "between f's array and g's table"},
		{base + 0x4000, base + 0x4100, g, "g's table"},
		{base + 0x6000, base + 0x6100, -1, "after f's array, before g's table in the same run"},
		{base + 0x8000, base + 0x8100, -1, "between f's arrays, h's reference at the second"},
		{base + 0xa000, base + 0xa100, -1, "between f's array and h's object in the run's gap"},
		{base2 + 0x200, base2 + 0x300, -1, "f's arrays on both sides, in another section"},
		{base2 + 0x1000, base2 + 0x1100, f, "f's own table"},
	}
	for i, r := range runs {
		p.runs = append(p.runs, headerRun{start: r.start, end: r.end, first: 8 * i, n: 8})
	}
	var refs []codeAddrRef
	for i, a := range []struct {
		fn   int32
		addr uint64
	}{
		{f, base}, {f, base + 0x2000}, {g, base + 0x4000}, {f, base + 0x5000}, {g, base + 0x6040},
		{f, base + 0x7800}, {f, base + 0x9000}, {h, base + 0x9000}, {h, base + 0xa044}, {f, base + 0xb000},
		{f, base2 + 0x800}, {f, base2 + 0x1000},
	} {
		refs = append(refs, codeAddrRef{Func: a.fn, PC: 0x1000 + 4*uint64(i), Addr: a.addr})
	}
	if p.anchorsRun(base+0x880) || p.anchorsRun(base+0xe200) {
		t.Error("anchorsRun is true inside a run or too far from one")
	}
	p.sortAddrs(refs)
	p.splitRuns()
	for _, sg := range p.segs {
		if sg.start != p.runs[sg.run].start {
			if sg.owner == h {
				t.Errorf("segment at %#x of h's: h refers to an address no table starts at", sg.start)
			}
			continue
		}
		if r := runs[sg.run]; sg.owner != r.want {
			t.Errorf("run at %#x (%s): owner %d, want %d", r.start, r.why, sg.owner, r.want)
		}
	}
	// A header outside any run (an array's few strings far apart) is in the
	// table of the function whose references are on both sides of it.
	for _, c := range []struct {
		at   uint64
		want int32
	}{{base + 0x1800, f}, {base + 0x3000, -1}, {base + 0x8800, -1}, {base + 0xc000, -1}, {base2 + 0x600, -1}} {
		if o, _ := p.betweenMarks(c.at); o != c.want {
			t.Errorf("betweenMarks(%#x) = %d, want %d", c.at, o, c.want)
		}
	}
}

// TestTableOfLoadedString: a host string one function loads is in that
// function's table when the string's headers in static data are in that
// table too, or in none; a header in another function's table, more headers
// than the pass keeps, or a second loading function leave it on its own.
func TestTableOfLoadedString(t *testing.T) {
	const base = 0x100000
	const f, g = 0, 1
	p := &program{names: []string{"pkg/f.init", "pkg/g.init"}, ptrSize: 8}
	p.runs = []headerRun{{start: base + 0x100, end: base + 0x200}, {start: base + 0x400, end: base + 0x500}}
	p.segs = []tableSeg{{start: base + 0x100, run: 0, owner: f}, {start: base + 0x400, run: 1, owner: g}}
	many := make([]uint64, maxStringReferrers)
	for i := range many {
		many[i] = base + 0x100 + 16*uint64(i)
	}
	fTable := tableKey{prog: p, fn: f, seg: -1}
	for _, c := range []struct {
		why     string
		fns     []int32
		headers []uint64
		want    tableKey
		ok      bool
	}{
		{"loaded by f, held in f's table", []int32{f}, []uint64{base + 0x110}, fTable, true},
		{"loaded by f, held outside any table", []int32{f}, []uint64{base + 0x300}, fTable, true},
		{"loaded by f, held nowhere", []int32{f}, nil, fTable, true},
		{"loaded by f, held in f's and g's tables", []int32{f}, []uint64{base + 0x110, base + 0x410}, tableKey{}, false},
		{"loaded by f, held by more headers than kept", []int32{f}, many, tableKey{}, false},
		{"loaded by f and g", []int32{f, g}, nil, tableKey{}, false},
	} {
		cs := &codeString{fns: c.fns, nfns: len(c.fns), static: len(c.headers) > 0, headers: c.headers}
		h := &hostAgg{host: "h.example.com", n: 1, refs: []hostRef{{host: "h.example.com", str: cs, prog: p}}}
		if k, ok := tableOf(h); k != c.want || ok != c.ok {
			t.Errorf("%s: tableOf = %+v, %v; want %+v, %v", c.why, k, ok, c.want, c.ok)
		}
	}
}

// TestRunPointerUnaligned: a variable the code loads that points into a run of
// string headers at an address aligned to a pointer is a slice of that table
// (a segment of the function's); one that points at an address no header table
// can start at points at bytes laid out in a gap of the run: an anchor, not a
// segment.
func TestRunPointerUnaligned(t *testing.T) {
	const base, vars = 0x100000, 0x200000
	const f, g = 0, 1
	data := make([]byte, 16<<10)
	sec := &section{name: ".rodata", addr: base, data: data}
	vsec := &section{name: ".data", addr: vars, data: make([]byte, 4<<10)}
	p := &program{names: []string{"pkg/f.init", "pkg/g.init"}, ptrSize: 8, le8: true,
		order: binary.LittleEndian, words: []*section{sec, vsec},
		whi:     []uint64{base + uint64(len(data)), vars + uint64(len(vsec.data))},
		wordsLo: base, wordsHi: vars + uint64(len(vsec.data))}
	runs := []uint64{base + 0x800, base + 0x2000}
	for i, at := range runs {
		p.runs = append(p.runs, headerRun{start: at, end: at + 0x400, first: 8 * i, n: 8})
	}
	// f loads a variable pointing at the first run's start + 0x40; g one
	// pointing at the second run's start + 0x43.
	p.runPtr = map[uint64]uint64{vars + 0x10: runs[0] + 0x40, vars + 0x20: runs[1] + 0x43}
	p.runPtrAt = []uint64{vars + 0x10, vars + 0x20}
	p.sortAddrs([]codeAddrRef{{Func: f, PC: 0x1000, Addr: vars + 0x10}, {Func: g, PC: 0x1004, Addr: vars + 0x20}})
	p.splitRuns()
	if s := p.segAt(runs[0] + 0x40); s < 0 || p.segs[s].start != runs[0]+0x40 || p.segs[s].owner != f {
		t.Errorf("aligned pointer into a run: segment %d, want one of f's at %#x", s, runs[0]+0x40)
	}
	for _, sg := range p.segs {
		if sg.owner == g {
			t.Errorf("segment at %#x of g's: g's variable points at an address no table starts at", sg.start)
		}
	}
	if !slices.ContainsFunc(p.anchors, func(a codeAddrRef) bool { return a.Func == g && a.Addr == runs[1]+0x43 }) {
		t.Errorf("anchors %v: want g's at %#x", p.anchors, runs[1]+0x43)
	}
}
