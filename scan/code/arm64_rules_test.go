package code

import (
	"encoding/binary"
	"slices"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// Encoders of the few arm64 instructions the rule tests assemble; each is checked
// against arm64asm before use.
func a64adrp(rd, pages uint32) uint32 {
	return 0x90000000 | (pages&3)<<29 | (pages>>2&0x7FFFF)<<5 | rd
}
func a64add(rd, rn, imm uint32) uint32     { return 0x91000000 | imm<<10 | rn<<5 | rd }
func a64movz(rd, imm, hw uint32) uint32    { return 0xD2800000 | hw<<21 | imm<<5 | rd }
func a64movk(rd, imm, hw uint32) uint32    { return 0xF2800000 | hw<<21 | imm<<5 | rd }
func a64orr8(rd uint32) uint32             { return 0xB27D03E0 | rd } // ORR Xd, XZR, #8
func a64mov(rd, rm uint32) uint32          { return 0xAA0003E0 | rm<<16 | rd }
func a64bl(words int32) uint32             { return 0x94000000 | uint32(words)&0x3FFFFFF }
func a64cbz(rt uint32, words int32) uint32 { return 0xB4000000 | (uint32(words)&0x7FFFF)<<5 | rt }
func a64ldrlit(rt uint32, words int32) uint32 {
	return 0x58000000 | (uint32(words)&0x7FFFF)<<5 | rt
}
func a64stp(rt, rt2, rn, off uint32) uint32 {
	return 0xA9000000 | (off/8&0x7F)<<15 | rt2<<10 | rn<<5 | rt
}
func a64str(rt, rn, off uint32) uint32 { return 0xF9000000 | (off/8)<<10 | rn<<5 | rt }

const (
	a64ret = 0xD65F03C0
	a64nop = 0xD503201F
)

// The test code sits at 0x10000; ADRP pages 0xF0 from there is 0x100000, the "rodata" of
// the tests, [0x100000, 0x200000).
const (
	ruleText = 0x10000
	ruleData = 0x100000
)

func ruleIsData(addr, n uint64) bool { return addr >= ruleData && addr+n <= 0x200000 && addr+n >= addr }

func TestARM64Rules(t *testing.T) {
	page := uint32(ruleData-ruleText) >> 12
	type str struct{ word, addr, n uint64 }
	cases := []struct {
		name  string
		code  []uint32
		want  []str // PC as a word index
		calls []int // word indexes of the BLs
		skip  int
		lim   uint64
	}{
		{name: "argument pair",
			code: []uint32{a64adrp(0, page), a64add(0, 0, 0x10), a64movz(1, 5, 0), a64bl(100), a64ret},
			want: []str{{0, ruleData + 0x10, 5}}, calls: []int{3}},
		{name: "length first",
			code: []uint32{a64movz(3, 7, 0), a64adrp(2, page), a64add(2, 2, 0x20), a64bl(100), a64ret},
			want: []str{{1, ruleData + 0x20, 7}}, calls: []int{3}},
		{name: "a stale constant is no length",
			// MOVD $22, R6 (the length of an earlier string); the address into R5; then
			// MOVD $8, R6 and STP (R5, R6): the length is 8.
			code: []uint32{a64movz(6, 22, 0), a64adrp(5, page), a64add(5, 5, 0x30), a64orr8(6), a64stp(5, 6, 31, 16), a64ret},
			want: []str{{1, ruleData + 0x30, 8}}},
		{name: "an unused pair is no string",
			code: []uint32{a64adrp(2, page), a64add(2, 2, 0x30), a64movz(3, 4, 0), a64movz(2, 1, 0), a64ret}},
		{name: "MOVZ and MOVK",
			code: []uint32{a64adrp(0, page), a64add(0, 0, 0), a64movz(1, 5, 0), a64movk(1, 1, 1), a64bl(100)},
			want: []str{{0, ruleData, 0x10005}}, calls: []int{4}},
		{name: "longer than the limit",
			code: []uint32{a64adrp(0, page), a64add(0, 0, 0), a64movz(1, 5, 0), a64movk(1, 1, 1), a64bl(100)},
			lim:  0x10004, calls: []int{4}},
		{name: "zero length",
			code: []uint32{a64adrp(0, page), a64add(0, 0, 0), a64mov(1, 31), a64bl(100)}, calls: []int{3}},
		{name: "not data",
			code: []uint32{a64adrp(0, page+0x100), a64add(0, 0, 0), a64movz(1, 5, 0), a64bl(100)}, calls: []int{3}},
		{name: "out of the window",
			code:  append(append([]uint32{a64movz(1, 5, 0), a64adrp(0, page), a64add(0, 0, 0)}, slices.Repeat([]uint32{a64nop}, arm64Window)...), a64bl(100)),
			calls: []int{3 + arm64Window}},
		{name: "a block start between",
			// The CBZ jumps to the ADRP: on that path X1 is not 5.
			code:  []uint32{a64cbz(9, 2), a64movz(1, 5, 0), a64adrp(0, page), a64add(0, 0, 0), a64bl(100)},
			calls: []int{4}},
		{name: "a slice is no string",
			code:  []uint32{a64adrp(0, page), a64add(0, 0, 0), a64movz(1, 3, 0), a64movz(2, 3, 0), a64bl(100)},
			calls: []int{4}},
		{name: "copies",
			code: []uint32{a64adrp(9, page), a64add(9, 9, 0x40), a64movz(10, 6, 0), a64mov(0, 9), a64mov(1, 10), a64bl(100)},
			want: []str{{0, ruleData + 0x40, 6}}, calls: []int{5}},
		{name: "a global across the write barrier check",
			// MOVD $21, R0; MOVD R0, sym+8(SB); CBZ → L; CALL wb; L: MOVD $str, R0; MOVD R0, sym(SB).
			code: []uint32{a64movz(0, 21, 0), a64adrp(27, page+1), a64str(0, 27, 0x108), a64cbz(2, 3), a64bl(200), a64nop,
				a64adrp(0, page), a64add(0, 0, 0x50), a64adrp(27, page+1), a64str(0, 27, 0x100), a64ret},
			want: []str{{6, ruleData + 0x50, 21}}, calls: []int{4}},
		{name: "a header on the stack",
			code: []uint32{a64adrp(4, page), a64add(4, 4, 0x60), a64str(4, 31, 0x20), a64movz(5, 9, 0), a64str(5, 31, 0x28), a64ret},
			want: []str{{0, ruleData + 0x60, 9}}},
		{name: "two pairings of one ADRP, in PC order",
			code: []uint32{a64adrp(0, page), a64add(0, 0, 0x70), a64movz(1, 3, 0), a64adrp(5, page), a64add(5, 5, 0x80), a64orr8(6),
				a64stp(5, 6, 31, 8), a64stp(0, 1, 31, 24), a64bl(100)},
			want: []str{{0, ruleData + 0x70, 3}, {3, ruleData + 0x80, 8}}, calls: []int{8}},
		{name: "a literal pool",
			// LDR X0, pool; RET; pool: two words that would read as ADRP and BL.
			code:  []uint32{a64ldrlit(0, 2), a64ret, a64adrp(0, page), a64bl(5)},
			skip:  8,
			calls: nil},
		{name: "undefined words",
			code: []uint32{a64movz(1, 5, 0), 0, a64adrp(0, page), a64add(0, 0, 0), a64bl(100), 0, 0},
			skip: 12, calls: []int{4}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code := make([]byte, 4*len(c.code))
			for i, w := range c.code {
				binary.LittleEndian.PutUint32(code[4*i:], w)
				if w == 0 || c.name == "a literal pool" && i >= 2 {
					continue
				}
				if _, err := arm64asm.Decode(code[4*i:]); err != nil {
					t.Fatalf("word %d %08x: %v", i, w, err)
				}
			}
			text := Text{Arch: "arm64", Addr: ruleText, Data: code}
			funcs := []Func{{Name: "f", Entry: ruleText, End: ruleText + uint64(len(code))}}
			refs, err := Scan(text, funcs, ruleIsData, Limits{MaxStringLen: c.lim})
			if err != nil {
				t.Fatal(err)
			}
			var got []str
			for _, s := range refs.Strings {
				got = append(got, str{(s.PC - ruleText) / 4, s.Addr, uint64(s.Len)})
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("strings %+v, want %+v", got, c.want)
			}
			var calls []int
			for _, k := range refs.Calls {
				calls = append(calls, int(k.PC-ruleText)/4)
				if w := (k.PC - ruleText) / 4; k.Target != k.PC+4*uint64(c.code[w]&0x3FFFFFF) {
					t.Errorf("call at %#x to %#x", k.PC, k.Target)
				}
			}
			if !slices.Equal(calls, c.calls) {
				t.Errorf("calls at words %v, want %v", calls, c.calls)
			}
			if refs.Skipped != c.skip {
				t.Errorf("skipped %d, want %d", refs.Skipped, c.skip)
			}
		})
	}
}
