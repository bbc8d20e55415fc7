package code

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// buildGofmt builds cmd/gofmt of the running toolchain for linux/goarch: a real Go
// program of about 1.2 MB of text, built the way a user builds one.
func buildGofmt(tb testing.TB, goarch string) string {
	tb.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Skipf("no go command: %v", err)
	}
	out := filepath.Join(tb.TempDir(), "gofmt")
	cmd := exec.CommandContext(tb.Context(), gobin, "build", "-o", out, "cmd/gofmt")
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0", "GOWORK=off")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building cmd/gofmt for linux/%s: %v\n%s", goarch, err, msg)
	}
	return out
}

func buildGofmtARM64(tb testing.TB) string { tb.Helper(); return buildGofmt(tb, "arm64") }

// arm64Binaries are the real linux/arm64 binaries of the tests: gofmt and the strings
// fixture, stripped and not.
func arm64Binaries(t *testing.T) []*elfBinary {
	t.Helper()
	bins := []*elfBinary{loadELF(t, buildGofmtARM64(t), "arm64")}
	for _, stripped := range []bool{false, true} {
		bins = append(bins, loadELF(t, buildFixture(t, "strings", "linux", "arm64", stripped), "arm64"))
	}
	return bins
}

// oracleReg is the number of a general register as arm64asm prints it: 0–30 for Xn and
// Wn, 31 for SP and WSP; ok is false for the zero register and for other registers.
func oracleReg(a arm64asm.Arg) (int, bool) {
	switch a.(type) {
	case arm64asm.Reg, arm64asm.RegSP:
	default:
		return 0, false
	}
	s := a.String()
	switch s {
	case "SP", "WSP":
		return 31, true
	case "XZR", "WZR":
		return 0, false
	}
	if len(s) < 2 || s[0] != 'X' && s[0] != 'W' {
		return 0, false
	}
	n, err := strconv.Atoi(s[1:])
	return n, err == nil && n <= 30
}

// regName is how arm64asm prints general register r (31: the zero register, or SP when
// sp) in its 64-bit or 32-bit form.
func regName(r uint8, is32, sp bool) string {
	p := "X"
	if is32 {
		p = "W"
	}
	switch {
	case r == 31 && sp:
		if is32 {
			return "WSP"
		}
		return "SP"
	case r == 31:
		return p + "ZR"
	}
	return p + strconv.Itoa(int(r))
}

// oracleImm is the value of an immediate argument of arm64asm: Imm, Imm64 or ImmShift
// ("#0x4, LSL #12").
func oracleImm(a arm64asm.Arg) (uint64, bool) {
	switch v := a.(type) {
	case arm64asm.Imm:
		return uint64(v.Imm), true
	case arm64asm.Imm64:
		return v.Imm, true
	case arm64asm.ImmShift:
		s := v.String()
		num, shift, _ := strings.Cut(s, ", LSL #")
		x, err := strconv.ParseUint(strings.TrimPrefix(num, "#"), 0, 64)
		if err != nil {
			return 0, false
		}
		if shift != "" {
			n, err := strconv.Atoi(shift)
			if err != nil {
				return 0, false
			}
			x <<= n
		}
		return x, true
	}
	return 0, false
}

// readsFirst are the mnemonics whose first operand is read, not written.
var readsFirst = map[string]bool{
	"CMP": true, "CMN": true, "TST": true, "CCMP": true, "CCMN": true, "FCMP": true, "FCMPE": true,
	"FCCMP": true, "FCCMPE": true, "PRFM": true, "PRFUM": true,
}

// oracleWrites is the set of general registers (bit 31: SP) that arm64asm's decoding of
// an instruction writes: its first operand unless the mnemonic reads it (stores and
// comparisons), the second of a pair load, and a written-back base.
func oracleWrites(in arm64asm.Inst) uint32 {
	op := in.Op.String()
	var w uint32
	if !strings.HasPrefix(op, "ST") && !readsFirst[op] {
		if r, ok := oracleReg(in.Args[0]); ok {
			w |= 1 << r
		}
		if strings.HasPrefix(op, "LDP") || strings.HasPrefix(op, "LDNP") {
			if r, ok := oracleReg(in.Args[1]); ok {
				w |= 1 << r
			}
		}
	}
	for _, a := range in.Args {
		if m, ok := a.(arm64asm.MemImmediate); ok && m.Mode != arm64asm.AddrOffset {
			if r, ok := oracleReg(m.Base); ok {
				w |= 1 << r
			}
		}
	}
	return w
}

// oraclePCRel is the pc-relative argument of a branch or literal load.
func oraclePCRel(in arm64asm.Inst) (int64, bool) {
	for _, a := range in.Args {
		if p, ok := a.(arm64asm.PCRel); ok {
			return int64(p), true
		}
	}
	return 0, false
}

// checkA64 compares the decoding of w with arm64asm's: every operand the decoder
// interprets, and that the registers arm64asm says the instruction writes are among those
// the decoder forgets. kind names what was compared ("" when the decoder reads nothing
// from w and forgets every register).
func checkA64(w uint32) (kind string, err error) {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], w)
	o, oerr := arm64asm.Decode(b[:])
	d := decodeA64(w)
	if d.op == a64Undef {
		if oerr == nil {
			return "undefined", fmt.Errorf("not decoded, arm64asm: %v", o)
		}
		return "undefined", nil
	}
	if oerr != nil {
		// arm64asm does not know it (a newer extension, or unallocated in its tables):
		// nothing to compare; the decoder forgets what the encoding may write.
		return "unknown to arm64asm", nil
	}
	op := o.Op.String()
	mismatch := func(what string, args ...any) (string, error) {
		return kind, fmt.Errorf("%s; arm64asm: %v (%s)", fmt.Sprintf(what, args...), o, op)
	}
	imm := func(a arm64asm.Arg, want uint64) bool { v, ok := oracleImm(a); return ok && v == want }
	reg := func(a arm64asm.Arg, r uint8, is32, sp bool) bool {
		return a != nil && a.String() == regName(r, is32, sp)
	}
	switch d.op {
	case a64ADRP:
		kind = "ADRP"
		if p, ok := oraclePCRel(o); op != "ADRP" || !ok || p != d.imm || !reg(o.Args[0], d.rd, false, false) {
			return mismatch("ADRP X%d, %+#x", d.rd, d.imm)
		}
	case a64ADD:
		kind = "ADD"
		ok := reg(o.Args[0], d.rd, false, true) && reg(o.Args[1], d.rn, false, true)
		switch {
		case op == "ADD":
			ok = ok && imm(o.Args[2], uint64(d.imm))
		case op == "MOV": // ADD Xd, Xn, #0 with SP
			ok = ok && d.imm == 0
		default:
			ok = false
		}
		if !ok {
			return mismatch("ADD %s, %s, #%#x", regName(d.rd, false, true), regName(d.rn, false, true), d.imm)
		}
	case a64MOVZ:
		kind = "MOVZ"
		if op != "MOV" && op != "MOVZ" || !reg(o.Args[0], d.rd, d.is32, false) || !imm(o.Args[1], uint64(d.imm)) {
			return mismatch("MOVZ %s, #%#x", regName(d.rd, d.is32, false), d.imm)
		}
	case a64MOVK:
		kind = "MOVK"
		if op != "MOVK" || !reg(o.Args[0], d.rd, d.is32, false) || !imm(o.Args[1], uint64(d.imm)<<d.shift) {
			return mismatch("MOVK %s, #%#x, LSL #%d", regName(d.rd, d.is32, false), d.imm, d.shift)
		}
	case a64ORR:
		kind = "ORR"
		ok := reg(o.Args[0], d.rd, d.is32, true)
		switch op {
		case "ORR":
			ok = ok && reg(o.Args[1], 31, d.is32, false) && imm(o.Args[2], uint64(d.imm))
		case "MOV":
			ok = ok && imm(o.Args[1], uint64(d.imm))
		default:
			ok = false
		}
		if !ok {
			return mismatch("ORR %s, ZR, #%#x", regName(d.rd, d.is32, true), d.imm)
		}
	case a64MOV:
		kind = "MOV (register)"
		if op != "MOV" || !reg(o.Args[0], d.rd, false, false) || !reg(o.Args[1], d.rn, false, false) {
			return mismatch("MOV X%d, %s", d.rd, regName(d.rn, false, false))
		}
	case a64STR, a64STP:
		kind = "STR"
		mem, want := o.Args[1], []string{"STR", "STUR"}
		if d.op == a64STP {
			kind, mem, want = "STP", o.Args[2], []string{"STP"}
			if !reg(o.Args[1], d.rt2, false, false) {
				return mismatch("STP: second register X%d", d.rt2)
			}
		}
		m := fmt.Sprintf("[%s,#%d]", regName(d.rn, false, true), d.imm)
		if d.imm == 0 {
			m = fmt.Sprintf("[%s]", regName(d.rn, false, true))
		}
		if !slices.Contains(want, op) || !reg(o.Args[0], d.rd, false, false) || mem == nil || mem.String() != m {
			return mismatch("%s X%d, %s", kind, d.rd, m)
		}
	case a64BL, a64Jump, a64Cond, a64Call:
		kind = op
		if d.op == a64Cond {
			kind = "B.cond, CBZ, CBNZ, TBZ, TBNZ"
		}
		want := map[a64op][]string{a64BL: {"BL"}, a64Jump: {"B", "BR", "RET"}, a64Cond: {"B", "CBZ", "CBNZ", "TBZ", "TBNZ"}, a64Call: {"BLR"}}[d.op]
		if !slices.Contains(want, op) {
			return mismatch("a branch %v", want)
		}
		if p, ok := oraclePCRel(o); (d.pcrel == pcBranch) != ok || ok && p != d.imm {
			return mismatch("branch to %+#x", d.imm)
		}
	default:
		if d.pcrel != 0 {
			kind = "LDR (literal)"
			size := map[byte]uint8{'W': 4, 'X': 8, 'S': 4, 'D': 8, 'Q': 16}[o.Args[0].String()[0]]
			if op == "LDRSW" {
				size = 4
			}
			if p, ok := oraclePCRel(o); !ok || p != d.imm || size != d.pcrel || !strings.HasPrefix(op, "LDR") {
				return mismatch("a literal of %d bytes at %+#x", d.pcrel, d.imm)
			}
		}
	}
	if d.op == a64Reset {
		return "forgets every register", nil
	}
	if d.op == a64BL || d.op == a64Jump || d.op == a64Cond || d.op == a64Call {
		return kind, nil // every register is forgotten
	}
	if ow := oracleWrites(o); ow&^d.wr != 0 {
		return kind, fmt.Errorf("writes %#x, not all forgotten (%#x); arm64asm: %v", ow, d.wr, o)
	}
	if kind == "" {
		kind = "other (writes checked)"
	}
	return kind, nil
}

// TestARM64OracleRandom runs the comparison of [TestARM64Oracle] on random words, and on
// random words inside each encoding class the decoder interprets, for the encodings that
// real binaries rarely hold.
func TestARM64OracleRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	classes := []struct{ mask, bits uint32 }{
		{0, 0},                   // anything
		{0x9F000000, 0x90000000}, // ADRP
		{0xFF800000, 0x91000000}, // ADD (immediate), 64-bit
		{0x1F800000, 0x12000000}, // logical (immediate)
		{0x1F800000, 0x12800000}, // move wide
		{0x7C000000, 0x14000000}, // B, BL
		{0x7C000000, 0x34000000}, // CBZ, CBNZ, TBZ, TBNZ
		{0xFF000000, 0x54000000}, // B.cond
		{0xFE000000, 0xD6000000}, // branch (register)
		{0x1F200000, 0x0A000000}, // logical (shifted register)
		{0x3B000000, 0x18000000}, // load register (literal)
		{0x3A000000, 0x28000000}, // load/store pair
		{0x3B000000, 0x39000000}, // load/store (unsigned immediate)
		{0x3B200000, 0x38000000}, // load/store (unscaled, pre/post-indexed)
		{0x3B200C00, 0x38200800}, // load/store (register offset)
		{0x1E000000, 0x1E000000}, // SIMD and FP
	}
	const perClass = 200_000
	counts := map[string]int{}
	bad := 0
	for _, c := range classes {
		for range perClass {
			w := rng.Uint32()&^c.mask | c.bits
			kind, err := checkA64(w)
			counts[kind]++
			if err != nil {
				if bad++; bad <= 20 {
					t.Errorf("%08x: %v", w, err)
				}
			}
		}
	}
	t.Logf("%d words, %d disagree: %v", len(classes)*perClass, bad, counts)
}

// TestARM64Oracle checks every word of the whole text of real linux/arm64 binaries
// against arm64asm: every instruction the decoder interprets decodes the same there, the
// registers every other instruction writes are among those it forgets, and the words it
// cannot decode are undecodable there too.
func TestARM64Oracle(t *testing.T) {
	total := map[string]int{}
	for _, b := range arm64Binaries(t) {
		bad := 0
		for off := 0; off+4 <= len(b.Text.Data); off += 4 {
			kind, err := checkA64(binary.LittleEndian.Uint32(b.Text.Data[off:]))
			total[kind]++
			if err != nil {
				if bad++; bad <= 20 {
					t.Errorf("%s: %#x: %08x: %v", filepath.Base(b.Path), b.Text.Addr+uint64(off), binary.LittleEndian.Uint32(b.Text.Data[off:]), err)
				}
			}
		}
		if bad > 0 {
			t.Errorf("%s: %d words disagree with arm64asm", b.Path, bad)
		}
	}
	var kinds []string
	sum := 0
	for k, n := range total {
		kinds = append(kinds, k)
		sum += n
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("%-30s %8d", k, total[k])
	}
	t.Logf("%d words checked", sum)
}

// TestARM64ExactStrings checks that Scan reports exactly the literals of the strings
// fixture built for linux/arm64, with the functions that pass them, and the direct calls,
// stripped and not.
func TestARM64ExactStrings(t *testing.T) {
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
			b := loadELF(t, buildFixture(t, "strings", "linux", "arm64", stripped), "arm64")
			refs, err := Scan(b.Text, b.Funcs, b.IsData, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for _, s := range refs.Strings {
				if name := b.Funcs[s.Func].Name; strings.HasPrefix(name, "main.") {
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
			for _, e := range [][2]string{{"main.main", "main.helper"}, {"main.main", "main.urls"}, {"main.main", "main.headers"}, {"main.urls", "main.use"}, {"main.pair", "main.use2"}} {
				from, to := b.Func(e[0]), b.Func(e[1])
				n := 0
				for _, c := range refs.Calls {
					if int(c.Func) == from && to >= 0 && c.Target == b.Funcs[to].Entry {
						n++
						if c.PC < b.Funcs[from].Entry || c.PC >= b.Funcs[from].End {
							t.Errorf("call %s → %s at %#x is outside %s", e[0], e[1], c.PC, e[0])
						}
					}
				}
				if want := map[string]int{"main.use": 3}[e[1]]; n == 0 || want != 0 && n != want {
					t.Errorf("%d calls %s → %s", n, e[0], e[1])
				}
			}
		})
	}
}

// TestARM64GofmtStrings checks the strings of a whole real program, cmd/gofmt for
// linux/arm64: no two reported strings overlap unless they are the same (a wrong length
// would cut into or run over a neighbour, as Go lays literals back to back), every PC is
// the ADRP of its address inside its function, and what the arm64 decoder finds agrees
// with what the amd64 decoder finds in the amd64 build of the same program.
func TestARM64GofmtStrings(t *testing.T) {
	b := loadELF(t, buildGofmtARM64(t), "arm64")
	refs, err := Scan(b.Text, b.Funcs, b.IsData, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	type span struct{ addr, n uint64 }
	seen := map[span]bool{}
	for i, s := range refs.Strings {
		f := b.Funcs[s.Func]
		if s.PC < f.Entry || s.PC >= f.End || i > 0 && s.PC <= refs.Strings[i-1].PC {
			t.Fatalf("string %d at %#x: outside %s or out of order", i, s.PC, f.Name)
		}
		w := binary.LittleEndian.Uint32(b.Text.Data[s.PC-b.Text.Addr:])
		if d := decodeA64(w); d.op != a64ADRP || s.PC&^0xFFF+uint64(d.imm) != s.Addr&^0xFFF {
			t.Errorf("string at %#x: not the ADRP of %#x", s.PC, s.Addr)
		}
		seen[span{s.Addr, uint64(s.Len)}] = true
	}
	spans := make([]span, 0, len(seen))
	for s := range seen {
		spans = append(spans, s)
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].addr < spans[j].addr })
	for i := 1; i < len(spans); i++ {
		if p, q := spans[i-1], spans[i]; q.addr < p.addr+p.n {
			t.Errorf("%q and %q overlap", b.Bytes(p.addr, p.n), b.Bytes(q.addr, q.n))
		}
	}

	// The same program for amd64, read by the amd64 decoder: the (function, string) pairs
	// of both are Go's literals, so nearly all of arm64's are found there too (the rest
	// are arm64's own code, such as runtime.dumpregs, and shapes one decoder reads and
	// the other does not).
	type ref struct{ fn, s string }
	pairs := func(b *elfBinary, refs *Refs) map[ref]bool {
		m := map[ref]bool{}
		for _, s := range refs.Strings {
			m[ref{b.Funcs[s.Func].Name, string(b.Bytes(s.Addr, uint64(s.Len)))}] = true
		}
		return m
	}
	arm := pairs(b, refs)
	ab := loadELF(t, buildGofmt(t, "amd64"), "amd64")
	arefs, err := Scan(ab.Text, ab.Funcs, ab.IsData, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	amd := pairs(ab, arefs)
	both := 0
	for r := range arm {
		if amd[r] {
			both++
		}
	}
	t.Logf("gofmt: %d strings (%d distinct (function, string) pairs), %d also found in the amd64 build (which has %d)", len(refs.Strings), len(arm), both, len(amd))
	if both*100 < len(arm)*90 {
		t.Errorf("only %d of %d (function, string) pairs of arm64 are found in the amd64 build", both, len(arm))
	}
}
