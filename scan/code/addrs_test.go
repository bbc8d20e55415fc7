package code

import (
	"cmp"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/arch/arm64/arm64asm"
	"golang.org/x/arch/x86/x86asm"
)

func keepAll(uint64) bool { return true }

// word64 reads the little-endian word at addr from the section of the ELF file at path
// that holds it, and names that section.
func word64(tb testing.TB, f *elf.File, addr uint64) (uint64, string) {
	tb.Helper()
	for _, s := range f.Sections {
		if s.Type != elf.SHT_PROGBITS || addr < s.Addr || addr+8 > s.Addr+s.Size {
			continue
		}
		var b [8]byte
		if _, err := s.ReadAt(b[:], int64(addr-s.Addr)); err != nil {
			tb.Fatal(err)
		}
		return binary.LittleEndian.Uint64(b[:]), s.Name
	}
	return 0, ""
}

// TestAddrFuncvals checks the address references of the funcvals fixture (linux/amd64 and
// linux/arm64, stripped and not): each way of taking a function value loads the address
// of a funcval in .go.func whose first word is the entry of the function run (the go
// statement's wrapper, the closure, the method), a method value loads the entry of its
// -fm wrapper, and main.readGlobal reads main.Global (from the symbol table).
func TestAddrFuncvals(t *testing.T) {
	funcvals := map[string]string{
		"main.spawn":      "main.spawn.gowrap1",
		"main.closure":    "main.closure.func1",
		"main.methodExpr": "main.(*T).M",
	}
	for _, arch := range []string{"amd64", "arm64"} {
		for _, stripped := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/stripped=%v", arch, stripped), func(t *testing.T) {
				path := buildFixture(t, "funcvals", "linux", arch, stripped)
				b := loadELF(t, path, arch)
				f, err := elf.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				refs, err := Scan(b.Text, b.Funcs, b.IsData, Limits{KeepAddr: keepAll})
				if err != nil {
					t.Fatal(err)
				}
				entry := func(name string) uint64 {
					i := b.Func(name)
					if i < 0 {
						t.Fatalf("no function %s", name)
					}
					return b.Funcs[i].Entry
				}
				byFunc := map[string][]AddrRef{}
				for _, a := range refs.Addrs {
					byFunc[b.Funcs[a.Func].Name] = append(byFunc[b.Funcs[a.Func].Name], a)
				}
				for fn, target := range funcvals {
					found := false
					for _, a := range byFunc[fn] {
						if w, sect := word64(t, f, a.Addr); sect == ".go.func" && w == entry(target) {
							found = true
							t.Logf("%s: %#x: funcval %#x of %s", fn, a.PC, a.Addr, target)
						}
					}
					if !found {
						t.Errorf("%s: no reference to a funcval of %s among %x", fn, target, byFunc[fn])
					}
				}
				found := false
				for _, a := range byFunc["main.methodValue"] {
					found = found || a.Addr == entry("main.(*T).M-fm")
				}
				if !found {
					t.Errorf("main.methodValue: no reference to main.(*T).M-fm among %x", byFunc["main.methodValue"])
				}
				if stripped {
					return
				}
				var global uint64
				for _, s := range b.Syms {
					if s.Name == "main.Global" {
						global = s.Value
					}
				}
				found = false
				for _, a := range byFunc["main.readGlobal"] {
					found = found || a.Addr == global
				}
				if global == 0 || !found {
					t.Errorf("main.readGlobal: no reference to main.Global (%#x) among %x", global, byFunc["main.readGlobal"])
				}
			})
		}
	}
}

// ripTarget is the address of the RIP-relative memory argument of x86asm's in at pc.
func ripTarget(in x86asm.Inst, pc uint64) (uint64, bool) {
	for _, a := range in.Args {
		if m, ok := a.(x86asm.Mem); ok && m.Base == x86asm.RIP {
			return pc + uint64(in.Len) + uint64(m.Disp), true
		}
	}
	return 0, false
}

// bulkCopyTarget is what x86asm says of a string reference s that the pass read from a
// bulk copy (see pairer.bulkCopy): the instruction at s.PC is LEA RSI, [RIP+d] whose
// target lies h < 16 bytes into the string, h + 8k is its length, and a REP MOVSQ follows
// within a few instructions. It returns the LEA's target.
func bulkCopyTarget(text []byte, textAddr uint64, s StringRef) (uint64, bool) {
	code := text[s.PC-textAddr:]
	n, in := oracleLen(code)
	tg, ok := ripTarget(in, s.PC)
	if n == 0 || in.Op != x86asm.LEA || in.Args[0] != x86asm.RSI || !ok || tg < s.Addr || tg-s.Addr >= 16 || (uint64(s.Len)-(tg-s.Addr))%8 != 0 {
		return 0, false
	}
	for k, off := 0, n; k < 8 && off < len(code); k++ {
		m, next := oracleLen(code[off:])
		if m == 0 {
			return 0, false
		}
		if next.Op == x86asm.MOVSQ && next.Prefix[0]&0xFF == x86asm.PrefixREP {
			return tg, true
		}
		off += m
	}
	return 0, false
}

// TestAddrOracleAMD64 checks the address references of real amd64 binaries against
// x86asm: every RIP-relative LEA is a string reference or an address reference to the
// same target, and every address reference is an instruction with a RIP-relative operand
// at that address.
func TestAddrOracleAMD64(t *testing.T) {
	for _, b := range realBinaries(t) {
		refs, err := Scan(b.Text, b.Funcs, b.IsData, Limits{KeepAddr: keepAll})
		if err != nil {
			t.Fatal(err)
		}
		checkSorted(t, refs)
		got := map[[2]uint64]bool{}
		for _, s := range refs.Strings {
			got[[2]uint64{s.PC, s.Addr}] = true
			if tg, ok := bulkCopyTarget(b.Text.Data, b.Text.Addr, s); ok {
				got[[2]uint64{s.PC, tg}] = true
			}
		}
		for _, a := range refs.Addrs {
			n, in := oracleLen(b.Text.Data[a.PC-b.Text.Addr:])
			if tg, ok := ripTarget(in, a.PC); n == 0 || !ok || tg != a.Addr {
				t.Errorf("address ref %+v: x86asm decodes %v", a, in)
			}
			if fn := b.Funcs[a.Func]; a.PC < fn.Entry || a.PC >= fn.End {
				t.Errorf("address ref %+v outside its function %s", a, fn.Name)
			}
			got[[2]uint64{a.PC, a.Addr}] = true
		}
		leas, missed := 0, 0
		var d inst
		for _, f := range b.Funcs {
			code := b.Text.Data[f.Entry-b.Text.Addr : f.End-b.Text.Addr]
			for off := 0; off < len(code); {
				if !decodeInst(code[off:], &d) {
					off++
					continue
				}
				pc := f.Entry + uint64(off)
				if n, in := oracleLen(code[off:]); n > 0 && in.Op == x86asm.LEA {
					if tg, ok := ripTarget(in, pc); ok {
						leas++
						if !got[[2]uint64{pc, tg}] {
							if missed++; missed <= 10 {
								t.Errorf("%s: %#x: %v (%#x) not reported", f.Name, pc, in, tg)
							}
						}
					}
				}
				off += d.n
			}
		}
		t.Logf("%s: %d RIP-relative LEAs, %d missed; %d strings, %d address refs", b.Path, leas, missed, len(refs.Strings), len(refs.Addrs))
	}
}

// checkSorted checks that each list of refs is in PC order.
func checkSorted(t *testing.T, refs *Refs) {
	t.Helper()
	for i := 1; i < len(refs.Strings); i++ {
		if refs.Strings[i].PC < refs.Strings[i-1].PC {
			t.Fatalf("strings out of PC order at %d: %+v after %+v", i, refs.Strings[i], refs.Strings[i-1])
		}
	}
	for i := 1; i < len(refs.Calls); i++ {
		if refs.Calls[i].PC <= refs.Calls[i-1].PC {
			t.Fatalf("calls out of PC order at %d", i)
		}
	}
	for i := 1; i < len(refs.Addrs); i++ {
		if refs.Addrs[i].PC < refs.Addrs[i-1].PC {
			t.Fatalf("address refs out of PC order at %d: %+v after %+v", i, refs.Addrs[i], refs.Addrs[i-1])
		}
	}
}

// TestAddrOracleARM64 checks the address references of real arm64 binaries against
// arm64asm: every ADRP followed by an ADD (immediate) of its register, or by a load or
// store with an unsigned offset from it, is a string or an address reference at the
// ADRP's PC to page+offset, and every address reference is such a pair.
func TestAddrOracleARM64(t *testing.T) {
	for _, b := range arm64Binaries(t) {
		refs, err := Scan(b.Text, b.Funcs, b.IsData, Limits{KeepAddr: keepAll})
		if err != nil {
			t.Fatal(err)
		}
		checkSorted(t, refs)
		got := map[[2]uint64]bool{}
		for _, s := range refs.Strings {
			got[[2]uint64{s.PC, s.Addr}] = true
			if tg, ok := bulkCopyTarget(b.Text.Data, b.Text.Addr, s); ok {
				got[[2]uint64{s.PC, tg}] = true
			}
		}
		want := map[[2]uint64]bool{}
		pairs := 0
		for _, f := range b.Funcs {
			code := b.Text.Data[f.Entry-b.Text.Addr : f.End-b.Text.Addr]
			for off := 0; off+8 <= len(code); off += 4 {
				in, err := arm64asm.Decode(code[off:])
				if err != nil || in.Op != arm64asm.ADRP {
					continue
				}
				next, err := arm64asm.Decode(code[off+4:])
				if err != nil {
					continue
				}
				pc := f.Entry + uint64(off)
				page := pc&^0xFFF + uint64(in.Args[1].(arm64asm.PCRel))
				tg, ok := a64PairTarget(next, in.Args[0], page)
				if !ok {
					continue
				}
				pairs++
				want[[2]uint64{pc, tg}] = true
				if !got[[2]uint64{pc, tg}] && !hasAddr(refs.Addrs, pc, tg) {
					t.Errorf("%s: %#x: %v; %v (%#x) not reported", f.Name, pc, in, next, tg)
				}
			}
		}
		for _, a := range refs.Addrs {
			if !want[[2]uint64{a.PC, a.Addr}] {
				t.Errorf("address ref %+v is no ADRP pair arm64asm decodes", a)
			}
		}
		t.Logf("%s: %d ADRP pairs; %d strings, %d address refs", b.Path, pairs, len(refs.Strings), len(refs.Addrs))
	}
}

func hasAddr(as []AddrRef, pc, addr uint64) bool {
	for _, a := range as {
		if a.PC == pc && a.Addr == addr {
			return true
		}
	}
	return false
}

// a64PairTarget is the address that next, the instruction after ADRP reg, page, takes:
// ADD Xd, reg, #imm (not shifted) or a load or store at an unsigned offset from reg.
func a64PairTarget(next arm64asm.Inst, reg arm64asm.Arg, page uint64) (uint64, bool) {
	switch next.Op {
	case arm64asm.ADD:
		if next.Args[1] == nil || next.Args[1].String() != reg.String() {
			return 0, false
		}
		imm, ok := oracleImm(next.Args[2])
		if !ok || imm >= 1<<12 {
			return 0, false
		}
		return page + imm, true
	case arm64asm.MOV: // ADD Xd, Xn, #0 printed as MOV when SP is involved
		return 0, false
	}
	for _, a := range next.Args {
		m, ok := a.(arm64asm.MemImmediate)
		if !ok || m.Mode != arm64asm.AddrOffset || m.Base.String() != reg.String() {
			continue
		}
		// arm64asm prints [Xn,#imm]; the unscaled forms (LDUR, STUR) are not pairs.
		if op := next.Op.String(); len(op) >= 4 && (op[:4] == "LDUR" || op[:4] == "STUR") {
			return 0, false
		}
		var off int64
		if s := m.String(); s != "" {
			fmt.Sscanf(afterHash(s), "%v", &off)
		}
		return page + uint64(off), true
	}
	return 0, false
}

func afterHash(s string) string {
	for i := range len(s) {
		if s[i] == '#' {
			return s[i+1:]
		}
	}
	return "0"
}

// TestWorkers checks that any number of workers gives the result of one, on the go command
// (amd64) and gofmt (arm64), with and without address references.
func TestWorkers(t *testing.T) {
	bins := []*elfBinary{loadELF(t, goToolBinary(t), "amd64"), loadELF(t, buildGofmtARM64(t), "arm64")}
	for _, b := range bins {
		for _, keep := range []func(uint64) bool{nil, keepAll} {
			one, err := scan(b.Text, b.Funcs, b.IsData, Limits{Workers: 1, KeepAddr: keep}, 1)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []int{2, 3, 8, 61} {
				for _, chunk := range []uint64{1, 4096, minChunk} {
					got, err := scan(b.Text, b.Funcs, b.IsData, Limits{Workers: w, KeepAddr: keep}, chunk)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, one) {
						t.Errorf("%s: %d workers (chunks of %d bytes at least) differ from one", b.Path, w, chunk)
					}
				}
			}
			t.Logf("%s: %d strings, %d calls, %d addrs", b.Path, len(one.Strings), len(one.Calls), len(one.Addrs))
		}
	}
}

// TestRelease checks that Limits.Release is given whole functions' code in steps of at
// least releaseStep bytes, each byte at most once, and that giving it changes no result.
func TestRelease(t *testing.T) {
	b := loadELF(t, goToolBinary(t), "amd64")
	want, err := scan(b.Text, b.Funcs, b.IsData, Limits{Workers: 2, KeepAddr: keepAll}, minChunk)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var given [][2]uint64 // [start, end) addresses
	lim := Limits{Workers: 2, KeepAddr: keepAll, Release: func(code []byte) {
		off := uint64(uintptr(unsafe.Pointer(unsafe.SliceData(code))) - uintptr(unsafe.Pointer(unsafe.SliceData(b.Text.Data))))
		mu.Lock()
		given = append(given, [2]uint64{b.Text.Addr + off, b.Text.Addr + off + uint64(len(code))})
		mu.Unlock()
	}}
	got, err := scan(b.Text, b.Funcs, b.IsData, lim, minChunk)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the references differ when code is released")
	}
	if len(given) < 2 {
		t.Fatalf("Release was given %d pieces of %d bytes of code, want several", len(given), len(b.Text.Data))
	}
	slices.SortFunc(given, func(x, y [2]uint64) int { return cmp.Compare(x[0], y[0]) })
	entry := map[uint64]bool{}
	for _, f := range b.Funcs {
		entry[f.Entry] = true
	}
	for i, g := range given {
		if !entry[g[0]] || !entry[g[1]] || g[1]-g[0] < releaseStep {
			t.Errorf("piece [%#x, %#x) is not whole functions of at least %d bytes", g[0], g[1], releaseStep)
		}
		if i > 0 && g[0] < given[i-1][1] {
			t.Errorf("piece [%#x, %#x) overlaps the one before", g[0], g[1])
		}
	}
}

// TestJoinLists checks merge's joining of the chunks' lists: in place, in the array the
// parts were cut from, while every list fits its room, and in a new array once one
// outgrew it, with the same elements either way.
func TestJoinLists(t *testing.T) {
	into := make([]int, 0, 10)
	a, b, c := into[0:0:3], into[3:3:7], into[7:7:10]
	a = append(a, 1, 2)
	b = append(b, 3, 4, 5, 6)
	c = append(c, 7)
	got := joinLists(into, [][]int{a, b, c}, []int{3, 4, 3})
	if !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7}) || &got[0] != &into[:1][0] {
		t.Errorf("in place: got %v (same array: %v)", got, &got[0] == &into[:1][0])
	}
	into = make([]int, 0, 10)
	a, b, c = into[0:0:3], into[3:3:7], into[7:7:10]
	a = append(a, 1, 2, 3, 4) // outgrows its room: moved to an array of its own
	b = append(b, 5, 6)
	c = append(c, 7, 8, 9)
	got = joinLists(into, [][]int{a, b, c}, []int{3, 4, 3})
	if !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7, 8, 9}) || &got[0] == &into[:1][0] {
		t.Errorf("outgrown: got %v (same array: %v)", got, &got[0] == &into[:1][0])
	}
	if got := joinLists([]int(nil), [][]int{nil, nil}, []int{0, 0}); got != nil {
		t.Errorf("no lists: got %#v, want nil", got)
	}
}

// TestDistinctCalls checks that Limits.DistinctCalls keeps exactly the first call of each
// function to each target, in order, and changes nothing else.
func TestDistinctCalls(t *testing.T) {
	for _, b := range []*elfBinary{loadELF(t, goToolBinary(t), "amd64"), loadELF(t, buildGofmtARM64(t), "arm64")} {
		all, err := Scan(b.Text, b.Funcs, b.IsData, Limits{KeepAddr: keepAll})
		if err != nil {
			t.Fatal(err)
		}
		var want []Call
		seen := map[[2]uint64]bool{}
		for _, c := range all.Calls {
			if k := [2]uint64{uint64(c.Func), c.Target}; !seen[k] {
				seen[k] = true
				want = append(want, c)
			}
		}
		got, err := Scan(b.Text, b.Funcs, b.IsData, Limits{KeepAddr: keepAll, DistinctCalls: true})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Calls, want) {
			t.Errorf("%s: %d distinct calls, want %d", b.Path, len(got.Calls), len(want))
		}
		if len(want) == len(all.Calls) {
			t.Errorf("%s: no function calls a target twice: nothing tested", b.Path)
		}
		t.Logf("%s: %d calls, %d distinct", b.Path, len(all.Calls), len(want))
		got.Calls, all.Calls = nil, nil
		if !reflect.DeepEqual(got, all) {
			t.Errorf("%s: DistinctCalls changed more than the calls", b.Path)
		}
	}
}
