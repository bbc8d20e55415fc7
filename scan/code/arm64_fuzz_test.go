package code

import (
	"encoding/binary"
	"reflect"
	"testing"
)

// FuzzDecodeARM64 scans random bytes as the code of two arm64 functions: it never panics;
// every string is loaded by an ADRP inside its function, has a length from 1 to the limit
// and was accepted by isData; every call is a BL inside its function to the target it
// encodes; the lists are in PC order; the fast path gives what decodeA64 alone gives; and
// every word decodes as arm64asm decodes it.
func FuzzDecodeARM64(f *testing.F) {
	page := uint32(ruleData-ruleText) >> 12
	for _, seed := range [][]uint32{
		{a64adrp(0, page), a64add(0, 0, 0x10), a64movz(1, 5, 0), a64bl(100), a64ret},
		{a64movz(6, 22, 0), a64adrp(5, page), a64add(5, 5, 0x30), a64orr8(6), a64stp(5, 6, 31, 16), a64ret},
		{a64movz(0, 21, 0), a64adrp(27, page+1), a64str(0, 27, 0x108), a64cbz(2, 3), a64bl(200), a64nop,
			a64adrp(0, page), a64add(0, 0, 0x50), a64adrp(27, page+1), a64str(0, 27, 0x100), a64ret},
		{a64ldrlit(0, 2), a64ret, a64adrp(0, page), a64bl(5), 0},
	} {
		b := make([]byte, 1+4*len(seed))
		b[0] = byte(len(seed) / 2)
		for i, w := range seed {
			binary.LittleEndian.PutUint32(b[1+4*i:], w)
		}
		f.Add(b)
	}
	// Seeds from real code: the functions of the strings fixture built for linux/arm64.
	bin := loadELF(f, buildFixture(f, "strings", "linux", "arm64", true), "arm64")
	for _, name := range []string{"main.urls", "main.global", "main.pair", "main.headers", "main.use2"} {
		if i := bin.Func(name); i >= 0 {
			fn := bin.Funcs[i]
			f.Add(append([]byte{0}, bin.Text.Data[fn.Entry-bin.Text.Addr:fn.End-bin.Text.Addr]...))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		// The first byte splits the rest into two functions (at a multiple of 4, or not).
		code := in[1:]
		split := min(int(in[0])*4, len(code))
		if in[0] == 0xFF {
			split = len(code) / 3 // an odd split: words straddle no function, odd tails
		}
		text := Text{Arch: "arm64", Addr: ruleText, Data: code}
		funcs := []Func{
			{Name: "a", Entry: ruleText, End: ruleText + uint64(split)},
			{Name: "b", Entry: ruleText + uint64(split), End: ruleText + uint64(len(code))},
		}
		isData := func(addr, n uint64) bool { return (addr+n)%3 != 0 }
		keep := func(addr uint64) bool { return addr%5 != 0 }
		lim := Limits{MaxStringLen: 1 << 16, Workers: 1}
		refs, err := Scan(text, funcs, isData, lim)
		if err != nil {
			t.Fatal(err)
		}
		// Address references do not change the other lists, and two workers give what
		// one gives.
		lim.KeepAddr = keep
		withAddrs, err := Scan(text, funcs, isData, lim)
		if err != nil {
			t.Fatal(err)
		}
		lim.Workers = 2
		two, err := scan(text, funcs, isData, lim, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normal(withAddrs), normal(two)) {
			t.Fatalf("two workers: %+v, one: %+v", two, withAddrs)
		}
		lim.Workers, lim.slowARM64 = 1, true
		slow, err := Scan(text, funcs, isData, lim)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normal(withAddrs), normal(slow)) {
			t.Fatalf("decodeA64 alone: %+v, with the fast path: %+v", slow, withAddrs)
		}
		r := normal(withAddrs)
		r.Addrs = nil
		if !reflect.DeepEqual(r, normal(refs)) {
			t.Fatalf("with address references: %+v, without: %+v", withAddrs, refs)
		}
		word := func(fi int, pc uint64) uint32 {
			f := funcs[fi]
			if pc < f.Entry || pc+4 > f.End || (pc-f.Entry)%4 != 0 {
				t.Fatalf("pc %#x is not a word of %s [%#x, %#x)", pc, f.Name, f.Entry, f.End)
			}
			return binary.LittleEndian.Uint32(code[pc-ruleText:])
		}
		for i, a := range withAddrs.Addrs {
			d := decodeA64(word(int(a.Func), a.PC))
			if d.op != a64ADRP || a.Addr-(a.PC&^0xFFF+uint64(d.imm)) >= 1<<16 || !keep(a.Addr) {
				t.Fatalf("address ref %+v: not an offset from the page of an ADRP, or not kept", a)
			}
			if i > 0 && a.PC < withAddrs.Addrs[i-1].PC {
				t.Fatalf("address refs out of PC order at %d", i)
			}
		}
		for i, s := range refs.Strings {
			if d := decodeA64(word(int(s.Func), s.PC)); d.op != a64ADRP || s.PC&^0xFFF+uint64(d.imm) != s.Addr&^0xFFF {
				t.Fatalf("string %+v: not loaded by an ADRP of its page", s)
			}
			if s.Len == 0 || uint64(s.Len) > lim.MaxStringLen || !isData(s.Addr, uint64(s.Len)) {
				t.Fatalf("string %+v: length beyond the limit or not data", s)
			}
			if i > 0 && s.PC <= refs.Strings[i-1].PC {
				t.Fatalf("strings out of PC order at %d", i)
			}
		}
		for i, c := range refs.Calls {
			w := word(int(c.Func), c.PC)
			if d := decodeA64(w); d.op != a64BL || c.Target != c.PC+uint64(d.imm) {
				t.Fatalf("call %+v: not the BL %08x", c, w)
			}
			if i > 0 && c.PC <= refs.Calls[i-1].PC {
				t.Fatalf("calls out of PC order at %d", i)
			}
		}
		if refs.Skipped > len(code) {
			t.Fatalf("skipped %d of %d bytes", refs.Skipped, len(code))
		}
	})
}
