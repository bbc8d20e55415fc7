package scan

import (
	"encoding/binary"
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
