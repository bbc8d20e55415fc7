package code

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/candor-dev/candor/internal/testbuild"
	"golang.org/x/arch/x86/x86asm"
)

// oracleLen is the length x86asm decodes at the start of b, or 0 when it does not decode
// an instruction there. x86asm reads a ModRM byte after VZEROUPPER and VZEROALL, which
// have none (VEX 77): for those the VEX prefix plus the opcode is the length.
func oracleLen(b []byte) (int, x86asm.Inst) {
	in, err := x86asm.Decode(b, 64)
	if err != nil || in.Op == 0 || in.Len == 0 {
		return 0, in
	}
	if in.Op == x86asm.VZEROUPPER || in.Op == x86asm.VZEROALL {
		if b[0] == 0xC5 {
			return 3, in
		}
		return 4, in
	}
	return in.Len, in
}

// walkStats compares the boundaries of the decoder with x86asm over one function's code.
type walkStats struct {
	insts     int // instructions the decoder walked
	oracle    int // of those, instructions x86asm decodes
	agree     int // of those, same length
	skipped   int // bytes the decoder skipped
	missed    int // of those, bytes where x86asm decodes an instruction
	mismatch  []string
	oracleOut int // instructions x86asm does not decode where the decoder does
}

func (w *walkStats) walk(code []byte, pc uint64) {
	var in inst
	for off := 0; off < len(code); {
		if !decodeInst(code[off:], &in) {
			w.skipped++
			if n, _ := oracleLen(code[off:]); n > 0 {
				w.missed++
				if len(w.mismatch) < 10 {
					w.mismatch = append(w.mismatch, fmt.Sprintf("%#x: not decoded, x86asm: % x", pc+uint64(off), code[off:off+n]))
				}
			}
			off++
			continue
		}
		w.insts++
		switch n, _ := oracleLen(code[off:]); {
		case n == 0:
			w.oracleOut++
		case n == in.n:
			w.oracle++
			w.agree++
		default:
			w.oracle++
			if len(w.mismatch) < 10 {
				w.mismatch = append(w.mismatch, fmt.Sprintf("%#x: length %d, x86asm %d: % x", pc+uint64(off), in.n, n, code[off:off+max(n, in.n)]))
			}
		}
		off += in.n
	}
}

func realBinaries(t *testing.T) []*elfBinary {
	t.Helper()
	bins := []*elfBinary{loadELF(t, goToolBinary(t), "amd64")}
	for _, stripped := range []bool{false, true} {
		bins = append(bins, loadELF(t, buildFixture(t, "strings", "linux", "amd64", stripped), "amd64"))
		// The shared fixture programs (HTTP, TLS, pprof, a self-updater): more of the
		// standard library's assembly.
		for _, fb := range testbuild.Build(t, "", testbuild.Target{GOOS: "linux", GOARCH: "amd64", Stripped: stripped}) {
			bins = append(bins, loadELF(t, fb.Path, "amd64"))
		}
	}
	return bins
}

// TestOracle walks the whole text of real binaries and checks every instruction boundary
// against x86asm, and every reported LEA and CALL against x86asm's operands.
func TestOracle(t *testing.T) {
	for _, b := range realBinaries(t) {
		var w walkStats
		for _, f := range b.Funcs {
			w.walk(b.Text.Data[f.Entry-b.Text.Addr:f.End-b.Text.Addr], f.Entry)
		}
		t.Logf("%s: %d instructions, x86asm decodes %d, agrees on %d (%.4f%%); %d not decoded by x86asm; skipped %d bytes (%d that x86asm decodes)",
			b.Path, w.insts, w.oracle, w.agree, 100*float64(w.agree)/float64(max(w.oracle, 1)), w.oracleOut, w.skipped, w.missed)
		if w.agree != w.oracle || w.missed != 0 || w.skipped != 0 {
			t.Errorf("%s: disagreements with x86asm:\n%s", b.Path, slices.Concat(w.mismatch))
		}
		refs, err := Scan(b.Text, b.Funcs, b.IsData, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if refs.Skipped != w.skipped {
			t.Errorf("Scan skipped %d bytes, the walk %d", refs.Skipped, w.skipped)
		}
		for _, s := range refs.Strings {
			code := b.Text.Data[s.PC-b.Text.Addr:]
			n, in := oracleLen(code)
			mem, ok := in.Args[1].(x86asm.Mem)
			if _, bulk := bulkCopyTarget(b.Text.Data, b.Text.Addr, s); !bulk && (n == 0 || in.Op != x86asm.LEA || !ok || mem.Base != x86asm.RIP || s.PC+uint64(n)+uint64(mem.Disp) != s.Addr) {
				t.Errorf("string ref %+v: x86asm decodes %v", s, in)
			}
			if fn := b.Funcs[s.Func]; s.PC < fn.Entry || s.PC >= fn.End || s.Len == 0 || !b.IsData(s.Addr, uint64(s.Len)) {
				t.Errorf("string ref %+v outside its function %s or its data", s, fn.Name)
			}
		}
		for _, c := range refs.Calls {
			n, in := oracleLen(b.Text.Data[c.PC-b.Text.Addr:])
			rel, ok := in.Args[0].(x86asm.Rel)
			if n == 0 || in.Op != x86asm.CALL || !ok || c.PC+uint64(n)+uint64(int64(rel)) != c.Target {
				t.Errorf("call %+v: x86asm decodes %v", c, in)
			}
		}
		t.Logf("%s: %d string refs, %d calls", b.Path, len(refs.Strings), len(refs.Calls))
		if len(b.Syms) > 0 {
			stringPrecision(t, b, refs)
		}
	}
}

// stringPrecision logs how many reported strings lie in the linker's string data
// (go:string.*) of an unstripped binary, and how many LEAs into it were paired.
func stringPrecision(t *testing.T, b *elfBinary, refs *Refs) {
	var lo, hi uint64
	syms := slices.Clone(b.Syms)
	sort.Slice(syms, func(i, j int) bool { return syms[i].Value < syms[j].Value })
	for i, s := range syms {
		if s.Name == "go:string.*" {
			lo = s.Value
			for _, n := range syms[i+1:] {
				if n.Value > lo {
					hi = n.Value
					break
				}
			}
		}
	}
	if hi == 0 {
		t.Logf("%s: no go:string.* symbol", b.Path)
		return
	}
	// Content-addressed symbols are deduplicated across kinds, so a one-byte literal
	// may share its byte with other read-only data outside go:string.*.
	in, oneByte := 0, 0
	for _, s := range refs.Strings {
		switch {
		case s.Addr >= lo && s.Addr+uint64(s.Len) <= hi:
			in++
		case s.Len == 1:
			oneByte++
		}
	}
	leas := 0
	var d inst
	for _, f := range b.Funcs {
		code := b.Text.Data[f.Entry-b.Text.Addr : f.End-b.Text.Addr]
		for off := 0; off < len(code); {
			if !decodeInst(code[off:], &d) {
				off++
				continue
			}
			if s := summarise(code[off:off+d.n], &d, f.Entry+uint64(off)); s.kind == kLEA && s.val >= lo && s.val < hi {
				leas++
			}
			off += d.n
		}
	}
	t.Logf("%s: %d of %d string refs in go:string.* (%.2f%%), %d one-byte ones elsewhere, %d other; %d LEAs point into go:string.*, %.2f%% of them paired",
		b.Path, in, len(refs.Strings), 100*float64(in)/float64(max(1, len(refs.Strings))), oneByte, len(refs.Strings)-in-oneByte, leas, 100*float64(in)/float64(max(1, leas)))
}

// TestExactStrings checks that Scan reports exactly the literals of the strings fixture,
// with the functions that pass them, stripped and not.
func TestExactStrings(t *testing.T) {
	want := map[string][]string{
		"main.urls":    {"%s:%d", "https://api.example.com", "login"},
		"main.global":  {"telemetry.example.net"},
		"main.pair":    {"%s", "Hello"},
		"main.headers": {"User-Agent", "fixture/1.0"},
		"main.main":    nil,
		"main.helper":  nil,
	}
	for _, stripped := range []bool{false, true} {
		t.Run(fmt.Sprintf("stripped=%v", stripped), func(t *testing.T) {
			b := loadELF(t, buildFixture(t, "strings", "linux", "amd64", stripped), "amd64")
			refs, err := Scan(b.Text, b.Funcs, b.IsData, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, s := range refs.Strings {
				name := b.Funcs[s.Func].Name
				if _, ok := want[name]; ok {
					got[name] = append(got[name], string(b.Bytes(s.Addr, uint64(s.Len))))
				}
			}
			for name, w := range want {
				if b.Func(name) < 0 {
					t.Errorf("no function %s in the fixture", name)
				}
				g := got[name]
				slices.Sort(g)
				if !slices.Equal(g, w) {
					t.Errorf("%s: strings %q, want %q", name, g, w)
				}
			}
			// The call edges main.main → main.helper, main.urls → main.use.
			for _, e := range [][2]string{{"main.main", "main.helper"}, {"main.main", "main.urls"}, {"main.urls", "main.use"}, {"main.pair", "main.use2"}} {
				from, to := b.Func(e[0]), b.Func(e[1])
				found := false
				for _, c := range refs.Calls {
					found = found || int(c.Func) == from && to >= 0 && c.Target == b.Funcs[to].Entry
				}
				if !found {
					t.Errorf("no call %s → %s", e[0], e[1])
				}
			}
		})
	}
}

// TestLengthTables compares the length decoder with x86asm over every opcode of the
// legacy maps under common prefixes, every ModRM byte, and VEX/EVEX encodings.
func TestLengthTables(t *testing.T) {
	prefixes := [][]byte{nil, {0x66}, {0xF2}, {0xF3}, {0x67}, {0xF0}, {0x48}, {0x41}, {0x4C}, {0x66, 0x48}, {0xF3, 0x48}, {0xF2, 0x4D}, {0x64}, {0x66, 0x66}}
	rng := rand.New(rand.NewPCG(1, 2))
	var tail [16]byte
	checked, bad := 0, 0
	try := func(b []byte) {
		var in inst
		if !decodeInst(b, &in) {
			return
		}
		n, _ := oracleLen(b)
		if n == 0 {
			return
		}
		checked++
		if n != in.n {
			bad++
			if bad <= 20 {
				t.Errorf("% x: length %d, x86asm %d", b[:max(n, in.n)], in.n, n)
			}
		}
	}
	buf := make([]byte, 0, 32)
	for _, p := range prefixes {
		for _, esc := range [][]byte{nil, {0x0F}, {0x0F, 0x38}, {0x0F, 0x3A}} {
			for op := 0; op < 256; op++ {
				for modrm := 0; modrm < 256; modrm++ {
					for _, sib := range []byte{0x24, 0x25} {
						for i := range tail {
							tail[i] = byte(rng.Uint32())
						}
						buf = append(append(append(append(buf[:0], p...), esc...), byte(op), byte(modrm), sib), tail[:]...)
						try(buf)
					}
				}
			}
		}
	}
	vex := [][]byte{{0xC5, 0xF8}, {0xC5, 0xF9}, {0xC5, 0xFA}, {0xC5, 0xFB}, {0xC5, 0xFD}, {0xC5, 0x7D}}
	for _, m := range []byte{0xE1, 0xE2, 0xE3, 0x61, 0xC2} {
		for _, w := range []byte{0x79, 0x7D, 0xF9, 0xFD, 0x78, 0x7A, 0x7B, 0x41} {
			vex = append(vex, []byte{0xC4, m, w})
		}
	}
	for _, m := range []byte{0xF1, 0xF2, 0xF3, 0x71, 0x61} {
		for _, p1 := range []byte{0x7C, 0x7D, 0xFD, 0x7F, 0x45} {
			for _, p2 := range []byte{0x08, 0x28, 0x48, 0x18, 0x49} {
				vex = append(vex, []byte{0x62, m, p1, p2})
			}
		}
	}
	for _, v := range vex {
		for op := 0; op < 256; op++ {
			for _, modrm := range []int{0x00, 0x04, 0x05, 0x0C, 0x44, 0x45, 0x84, 0xC0, 0xC1, 0xD1, 0xFF} {
				for i := range tail {
					tail[i] = byte(rng.Uint32())
				}
				buf = append(append(append(buf[:0], v...), byte(op), byte(modrm), 0x25), tail[:]...)
				try(buf)
			}
		}
	}
	t.Logf("%d encodings both decode, %d disagree", checked, bad)
}
