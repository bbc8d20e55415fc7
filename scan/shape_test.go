package scan

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/candor-dev/candor/scan/code"
)

// TestFillByShape: a segment of string headers no code refers to, whose
// arrays have the layout (element size, string fields) of the tables of the
// function at its nearest reference on one side, and not of the function's on
// the other side, is the first one's (a map literal's value array the linker
// laid out next to another package's object); a layout neither or both sides
// have, a segment that holds more than its arrays, or a reference too far
// away leave it to no one.
func TestFillByShape(t *testing.T) {
	const base = 0x100000
	const f, g, h = 0, 1, 2
	data := make([]byte, 64<<10)
	sec := &section{name: ".rodata", addr: base, data: data}
	p := &program{names: []string{"pkg/f.init", "pkg/g.init", "pkg/h.init"}, ptrSize: 8, le8: true,
		order: binary.LittleEndian, words: []*section{sec}, whi: []uint64{base + uint64(len(data))},
		wordsLo: base, wordsHi: base + uint64(len(data))}
	// array lays out n elements of stride bytes from at: a host header at
	// offset 0 of each (every other one when sparse) and one at each of other.
	array := func(at uint64, n int, stride uint64, sparse bool, other ...uint64) {
		for k := range n {
			e := at + uint64(k)*stride
			if !sparse || k%2 == 0 {
				p.static = append(p.static, code.StringHeader{At: e})
				p.hostHdr = append(p.hostHdr, e)
			}
			for _, o := range other {
				p.static = append(p.static, code.StringHeader{At: e + o})
			}
		}
	}
	strs := func(at uint64, n int) { // an array of plain strings
		for k := range n {
			p.static = append(p.static, code.StringHeader{At: at + 16*uint64(k)})
		}
	}
	cases := []struct {
		at   uint64
		want int32
		why  string
	}{
		{base + 0x1000, f, "f's layout, before g's strings"},
		{base + 0x2000, -1, "a layout f's tables do not have"},
		{base + 0x3000, f, "f's layout with every other element empty"},
		{base + 0x4000, -1, "a layout both h's and f's tables have"},
		{base + 0x5000, -1, "f's layout, and a header past the arrays"},
		{base + 0x6000, -1, "f's layout, f's reference too far away"},
	}
	array(base+0x100, 4, 136, false, 40)            // f's table
	array(cases[0].at, 3, 136, false, 40)           // f's layout
	strs(base+0x1800, 6)                            // g's strings
	array(cases[1].at, 3, 144, false, 40)           // another element size
	array(cases[2].at, 10, 136, true)               // sparse: hosts 272 apart
	array(base+0x3800, 3, 136, false, 40)           // h's table, f's layout
	array(cases[3].at, 5, 136, false)               // fits h's and f's
	array(cases[4].at, 3, 136, false, 40, 136*3+64) // a header past the span
	array(cases[5].at, 3, 136, false, 40)
	slices.SortFunc(p.static, func(a, b code.StringHeader) int { return int(a.At) - int(b.At) })
	slices.Sort(p.hostHdr)
	p.findRuns()
	if len(p.runs) != 9 {
		t.Fatalf("%d runs, want 9", len(p.runs))
	}
	ref := func(fn int32, addr uint64) codeAddrRef { return codeAddrRef{Func: fn, PC: 0x1000 + addr, Addr: addr} }
	for _, r := range []codeAddrRef{ref(f, base+0x100), ref(g, base+0x1800), ref(h, base+0x3800)} {
		p.segs = append(p.segs, tableSeg{start: r.Addr, run: p.runAt(r.Addr), owner: r.Func, pc: r.PC})
	}
	p.anchors = []codeAddrRef{ref(f, base+0x2800), ref(g, base+0x3400), ref(f, base+0x4800), ref(g, base+0x5800), ref(f, base+0x6000+maxAnchorGap+0x100)}
	p.splitRuns()
	for _, c := range cases {
		s := p.segAt(c.at)
		if s < 0 || p.segs[s].start != c.at {
			t.Fatalf("no segment at %#x", c.at)
		}
		if o := p.segs[s].owner; o != c.want {
			t.Errorf("segment at %#x (%s): owner %d, want %d", c.at, c.why, o, c.want)
		}
	}
	// f's own table keeps its owner, and the shapes it shows are f's.
	if s := p.segAt(base + 0x100); p.segs[s].owner != f || p.segs[s].between {
		t.Errorf("f's table: owner %d, between %v", p.segs[s].owner, p.segs[s].between)
	}
}
