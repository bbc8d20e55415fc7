package scan

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan/code"
)

func TestProgramDebug(t *testing.T) {
	path := os.Getenv("CANDOR_DEBUG_BIN")
	if path == "" {
		t.Skip("CANDOR_DEBUG_BIN not set")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bf, err := openBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	im := bf.images[0]
	tab := findPclntab(im)
	p, err := newProgram(im, tab, &moduleIndex{})
	if err != nil {
		t.Fatal(err)
	}
	_, fs, _ := im.codeFuncs(tab)
	inl, ierr := tab.inlined(im, fs)
	ninl := 0
	for _, l := range inl {
		ninl += len(l)
	}
	t.Logf("inlined calls %d err %v", ninl, ierr)
	counts := map[Reach]int{}
	for _, r := range p.reach {
		counts[r]++
	}
	t.Logf("nodes %d real %d edges %d calls %d strings %d addrs %d skipped %d reach %v", len(p.names), p.nreal, len(p.edges), len(p.refs.Calls), len(p.refs.Strings), len(p.refs.Addrs), p.refs.Skipped, counts)
	names := []string{"main.main", "net/http.(*Client).do", "os.StartProcess", "net/http.(*Server).Serve"}
	if e := os.Getenv("CANDOR_DEBUG_FUNCS"); e != "" {
		names = strings.Split(e, ",")
	}
	for _, n := range names {
		if i, ok := p.byName[n]; ok {
			t.Logf("%s: %s %v calls=%d", n, p.reach[i], p.path(i), len(p.calls(i)))
		}
	}
}

func TestProgramDebugString(t *testing.T) {
	path, needle := os.Getenv("CANDOR_DEBUG_BIN"), os.Getenv("CANDOR_DEBUG_STR")
	if path == "" || needle == "" {
		t.Skip("CANDOR_DEBUG_BIN, CANDOR_DEBUG_STR not set")
	}
	data, _ := os.ReadFile(path)
	bf, _ := openBinary(data)
	im := bf.images[0]
	tab := findPclntab(im)
	p, err := newProgram(im, tab, &moduleIndex{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range p.rodata {
		for off := 0; ; {
			i := indexFrom(s.data, needle, off)
			if i < 0 {
				break
			}
			addr := s.addr + uint64(i)
			t.Logf("%s+%#x addr %#x", s.name, i, addr)
			for _, r := range p.refs.Strings {
				if r.Addr <= addr && addr < r.Addr+uint64(r.Len) {
					t.Logf("  code ref %s pc %#x [%#x,+%d) %q", p.names[r.Func], r.PC, r.Addr, r.Len, p.bytesAt(r.Addr, uint64(min(r.Len, 80))))
				}
			}
			for _, h := range p.static {
				if h.Addr <= addr && addr < h.Addr+h.Len {
					t.Logf("  header at %#x [%#x,+%d)", h.At, h.Addr, h.Len)
				}
			}
			off = i + 1
		}
	}
}

func indexFrom(b []byte, s string, off int) int {
	for i := off; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

func TestScanDebug(t *testing.T) {
	path := os.Getenv("CANDOR_DEBUG_SCAN")
	if path == "" {
		t.Skip("CANDOR_DEBUG_SCAN not set")
	}
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScanFile(t.Context(), path); err != nil {
		t.Fatal(err)
	}
}

func TestProgramDebugRuns(t *testing.T) {
	path := os.Getenv("CANDOR_DEBUG_RUNS")
	if path == "" {
		t.Skip("CANDOR_DEBUG_RUNS not set")
	}
	data, _ := os.ReadFile(path)
	bf, _ := openBinary(data)
	im := bf.images[0]
	p, err := newProgram(im, findPclntab(im), &moduleIndex{})
	if err != nil {
		t.Fatal(err)
	}
	lo, hi := uint64(0), ^uint64(0)
	if r := os.Getenv("CANDOR_DEBUG_NEAR"); r != "" {
		var c uint64
		fmt.Sscanf(r, "%x", &c)
		lo, hi = c-0x40000, c+0x40000
	}
	for i, r := range p.runs {
		if r.end < lo || r.start > hi {
			continue
		}
		t.Logf("run %d [%#x,%#x) %d headers first %q", i, r.start, r.end, r.n, p.bytesAt(p.static[r.first].Addr, min(p.static[r.first].Len, 40)))
	}
	for _, s := range p.segs {
		if s.start < lo || s.start > hi {
			continue
		}
		o := "-"
		if s.owner >= 0 {
			o = p.names[s.owner]
		}
		t.Logf("seg %#x run %d owner %s", s.start, s.run, o)
	}
	for l, w := range p.runPtr {
		if w >= lo && w <= hi {
			t.Logf("ptr at %#x -> %#x", l, w)
		}
	}
}

func TestProgramDebugValues(t *testing.T) {
	path, fn := os.Getenv("CANDOR_DEBUG_BIN"), os.Getenv("CANDOR_DEBUG_FROM")
	if path == "" || fn == "" {
		t.Skip("CANDOR_DEBUG_BIN, CANDOR_DEBUG_FROM not set")
	}
	data, _ := os.ReadFile(path)
	bf, _ := openBinary(data)
	im := bf.images[0]
	tab := findPclntab(im)
	text, fs, _ := im.codeFuncs(tab)
	p, _ := newProgram(im, tab, &moduleIndex{})
	funcs := make([]code.Func, len(fs))
	for i, f := range fs {
		funcs[i] = code.Func{Name: string(f.name), Entry: f.entry, End: f.end}
	}
	refs, _ := code.Scan(code.Text{Arch: im.arch, Addr: text.addr, Data: text.data}, funcs, p.isData, code.Limits{KeepAddr: p.keepAddr})
	n := p.byName[fn]
	for _, a := range refs.Addrs {
		if a.Func == n {
			var ts []int32
			ts = p.valueTargets(ts, a.Addr)
			var names []string
			for _, x := range ts {
				names = append(names, p.names[x])
			}
			t.Logf("pc %#x addr %#x words %#x %#x %#x -> %v", a.PC, a.Addr, p.wordAt(a.Addr), p.wordAt(a.Addr+8), p.wordAt(a.Addr+24), names)
		}
	}
}

func TestProgramDebugHeader(t *testing.T) {
	path, needle := os.Getenv("CANDOR_DEBUG_BIN"), os.Getenv("CANDOR_DEBUG_STR")
	if path == "" || needle == "" || os.Getenv("CANDOR_DEBUG_HDR") == "" {
		t.Skip("CANDOR_DEBUG_BIN, CANDOR_DEBUG_STR, CANDOR_DEBUG_HDR not set")
	}
	data, _ := os.ReadFile(path)
	bf, _ := openBinary(data)
	im := bf.images[0]
	p, _ := newProgram(im, findPclntab(im), &moduleIndex{})
	for i, h := range p.static {
		if b := p.bytesAt(h.Addr, h.Len); string(b) == needle {
			t.Logf("header %d at %#x run %d seg %d", i, h.At, p.runAt(h.At), p.segOfHeader(h.At))
			for j := max(0, i-3); j < min(len(p.static), i+4); j++ {
				t.Logf("  %d at %#x (+%d) %q", j, p.static[j].At, int64(p.static[j].At)-int64(h.At), p.bytesAt(p.static[j].Addr, min(p.static[j].Len, 50)))
			}
		}
	}
}
