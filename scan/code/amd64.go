package code

import "encoding/binary"

// The amd64 decoder walks a function instruction by instruction with a length decoder
// for the encodings Go's compiler and assembler emit (legacy prefixes, REX, the one-,
// two- and three-byte opcode maps, VEX and EVEX), and reads only a few shapes fully:
//
//   - LEAQ off(RIP), R (REX.W 8D /r, mod=00 rm=101): a candidate string pointer;
//   - MOVL $imm32, R (B8+r, C7 /0 mod=11) and MOVQ $imm, R (REX.W B8+r imm64,
//     REX.W C7 /0 mod=11 imm32 sign-extended): a candidate length in a register;
//   - MOVQ R, mem (REX.W 89 /r) and MOVQ $imm32, mem (REX.W C7 /0): a pointer and a
//     length stored to memory;
//   - CALL rel32 (E8 cd): a direct call.
//
// The pairing rule. A LEA of address A into register R is a string (A, n) when either
//
//  1. register pair: R is an integer argument register of ABIInternal (AX, BX, CX, DI,
//     SI, R8, R9, R10) and the next one in that order, R', is set to the constant n by a
//     MOV of an immediate. The MOV is looked for first after the LEA: among the next 6
//     instructions, stopping at any control transfer, at any instruction that may write R
//     (the pointer is gone) and at any other write of R' (R' is then not a length); then
//     before it: among the 6 instructions before, stopping at a control transfer or at an
//     instruction that writes R' without being such a MOV, or whose writes are not known.
//     When the register after R' is set to the same constant by the same rule, the three
//     registers are a slice (pointer, length, capacity) and nothing is reported;
//  2. memory pair: R is stored with MOVQ R, m (m at displacement d from a base, or at an
//     absolute address for RIP-relative m) among the 6 instructions after the LEA,
//     with no control transfer and no write of R between, and MOVQ $n, m+8 stores the length next to it within 12
//     instructions either side of that store. The search for the length crosses
//     conditional branches and calls (Go's write-barrier check sits between the two
//     stores of a global) but not returns or jumps, and for a base other than SP or RIP
//     it stops at calls and at writes of the base register.
//
// The register rule is tried first, then the memory rule. A pair counts only when n > 0,
// n <= lim.MaxStringLen and isData(A, n); a LEA whose first byte isData rejects (code,
// variables, type data) is not paired at all, so isData must not accept a range whose
// first byte it rejects. Type descriptors are also loaded with a LEA
// followed by a constant in the next register (runtime.makeslice, mallocgc), so the
// caller's isData must exclude type data: Go 1.26 and later keep it out of .rodata.

// Opcode properties for the one- and two-byte maps.
const (
	fModRM  = 1 << iota // a ModRM byte follows the opcode
	fImm8               // 1-byte immediate or rel8
	fImmZ               // 2- or 4-byte immediate (66 prefix without REX.W gives 2)
	fImmV               // 2-, 4- or 8-byte immediate (MOV r, imm)
	fImm16              // 2-byte immediate
	fRel32              // 4-byte relative offset whatever the operand size
	fMoffs              // 8-byte absolute address (4 with the 67 prefix)
	fBad                // not decoded: invalid in 64-bit mode, a prefix out of place, or unknown
	fPrefix             // a legacy prefix (with fBad: not an opcode)
)

const fEnter = fImm16 | fImm8

var oneByte, twoByte = opcodeTables()

func opcodeTables() (one, two [256]uint16) {
	set := func(t *[256]uint16, lo, hi int, f uint16) {
		for i := lo; i <= hi; i++ {
			t[i] = f
		}
	}
	t := &one
	for op := 0x00; op < 0x40; op += 8 {
		set(t, op, op+3, fModRM)
		t[op+4] = fImm8
		t[op+5] = fImmZ
		t[op+6], t[op+7] = fBad, fBad
	}
	// 26 2E 36 3E are prefixes, 27 2F 37 3F invalid, 0F the escape: all leave the table as fBad.
	t[0x0F] = fBad
	set(t, 0x40, 0x4F, fBad) // REX, handled before the table
	set(t, 0x50, 0x5F, 0)
	set(t, 0x60, 0x62, fBad)
	t[0x63] = fModRM
	set(t, 0x64, 0x67, fBad)
	t[0x68] = fImmZ
	t[0x69] = fModRM | fImmZ
	t[0x6A] = fImm8
	t[0x6B] = fModRM | fImm8
	set(t, 0x6C, 0x6F, 0)
	set(t, 0x70, 0x7F, fImm8)
	t[0x80] = fModRM | fImm8
	t[0x81] = fModRM | fImmZ
	t[0x82] = fBad
	t[0x83] = fModRM | fImm8
	set(t, 0x84, 0x8F, fModRM)
	set(t, 0x90, 0x99, 0)
	t[0x9A] = fBad
	set(t, 0x9B, 0x9F, 0)
	set(t, 0xA0, 0xA3, fMoffs)
	set(t, 0xA4, 0xA7, 0)
	t[0xA8] = fImm8
	t[0xA9] = fImmZ
	set(t, 0xAA, 0xAF, 0)
	set(t, 0xB0, 0xB7, fImm8)
	set(t, 0xB8, 0xBF, fImmV)
	t[0xC0], t[0xC1] = fModRM|fImm8, fModRM|fImm8
	t[0xC2] = fImm16
	t[0xC3] = 0
	t[0xC4], t[0xC5] = fBad, fBad // VEX, handled before the table
	t[0xC6] = fModRM | fImm8
	t[0xC7] = fModRM | fImmZ
	t[0xC8] = fEnter
	t[0xC9] = 0
	t[0xCA] = fImm16
	t[0xCB], t[0xCC] = 0, 0
	t[0xCD] = fImm8
	t[0xCE] = fBad
	t[0xCF] = 0
	set(t, 0xD0, 0xD3, fModRM)
	set(t, 0xD4, 0xD6, fBad)
	t[0xD7] = 0
	set(t, 0xD8, 0xDF, fModRM)
	set(t, 0xE0, 0xE7, fImm8)
	t[0xE8], t[0xE9] = fRel32, fRel32
	t[0xEA] = fBad
	t[0xEB] = fImm8
	set(t, 0xEC, 0xEF, 0)
	t[0xF0] = fBad
	t[0xF1] = 0
	t[0xF2], t[0xF3] = fBad, fBad
	t[0xF4], t[0xF5] = 0, 0
	t[0xF6], t[0xF7] = fModRM, fModRM // TEST /0 /1 add an immediate
	set(t, 0xF8, 0xFD, 0)
	t[0xFE], t[0xFF] = fModRM, fModRM

	t = &two
	set(t, 0x00, 0xFF, fModRM)
	for _, op := range []int{0x05, 0x06, 0x07, 0x08, 0x09, 0x0B, 0x0E, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x37, 0x77, 0xA0, 0xA1, 0xA2, 0xA8, 0xA9, 0xAA} {
		t[op] = 0
	}
	for _, op := range []int{0x04, 0x0A, 0x0C, 0x0F, 0x24, 0x25, 0x26, 0x27, 0x36, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x78, 0x79, 0x7A, 0x7B, 0xA6, 0xA7} {
		t[op] = fBad
	}
	set(t, 0x70, 0x73, fModRM|fImm8)
	set(t, 0x80, 0x8F, fRel32)
	for _, op := range []int{0xA4, 0xAC, 0xBA, 0xC2, 0xC4, 0xC5, 0xC6} {
		t[op] = fModRM | fImm8
	}
	set(t, 0xC8, 0xCF, 0)
	for _, p := range []int{0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3} {
		one[p] = fBad | fPrefix
	}
	return one, two
}

// Opcode maps of a decoded instruction.
const (
	map1 = iota // one-byte opcodes
	map0F
	map0F38
	map0F3A
	mapVEX // VEX or EVEX encoded, any map
)

// inst is one decoded instruction: what the pattern rules need of it.
type inst struct {
	n     int  // length in bytes
	rex   byte // REX prefix, or 0
	p66   bool // operand-size prefix
	p67   bool // address-size prefix: a memory operand "off(RIP)" is EIP-relative
	space int  // opcode map
	op    byte // opcode byte in its map
	modrm int  // offset of the ModRM byte, or -1
	imm   int  // offset of the immediate (or relative offset), or -1
}

// decodeInst decodes the length of the instruction at the start of b. It returns false
// when b does not start with an instruction it knows the length of, or is truncated.
func decodeInst(b []byte, in *inst) bool {
	*in = inst{modrm: -1, imm: -1}
	if len(b) == 0 {
		return false
	}
	switch b[0] {
	case 0xC4, 0xC5, 0x62:
		return decodeVEX(b, in)
	}
	pos := 0
	p67 := false
	for ; pos < len(b) && pos < 14 && oneByte[b[pos]]&fPrefix != 0; pos++ {
		switch b[pos] {
		case 0x66:
			in.p66 = true
		case 0x67:
			p67 = true
		}
	}
	in.p67 = p67
	if pos >= len(b) {
		return false
	}
	if b[pos]&0xF0 == 0x40 {
		in.rex = b[pos]
		pos++
		if pos >= len(b) {
			return false
		}
	}
	op := b[pos]
	pos++
	var f uint16
	switch {
	case op != 0x0F:
		in.space, in.op = map1, op
		f = oneByte[op]
	case pos >= len(b):
		return false
	case b[pos] == 0x38 || b[pos] == 0x3A:
		in.space = map0F38
		f = fModRM
		if b[pos] == 0x3A {
			in.space = map0F3A
			f = fModRM | fImm8
		}
		if pos+1 >= len(b) {
			return false
		}
		in.op = b[pos+1]
		pos += 2
	default:
		in.space, in.op = map0F, b[pos]
		f = twoByte[b[pos]]
		pos++
	}
	if f&fBad != 0 {
		return false
	}
	rexW := in.rex&8 != 0
	if f&fModRM != 0 {
		in.modrm = pos
		n, ok := modrmLen(b, pos)
		if !ok {
			return false
		}
		reg := b[pos] >> 3 & 7
		if in.space == map1 {
			switch op {
			case 0xF6:
				if reg < 2 {
					f |= fImm8
				}
			case 0xF7:
				if reg < 2 {
					f |= fImmZ
				}
			case 0x8F:
				if reg != 0 {
					return false // XOP
				}
			}
		}
		pos += n
	}
	in.imm = pos
	switch {
	case f&fEnter == fEnter:
		pos += 3
	case f&fImm8 != 0:
		pos++
	case f&fImm16 != 0:
		pos += 2
	case f&fRel32 != 0:
		pos += 4
	case f&fImmZ != 0:
		if in.p66 && !rexW {
			pos += 2
		} else {
			pos += 4
		}
	case f&fImmV != 0:
		switch {
		case rexW:
			pos += 8
		case in.p66:
			pos += 2
		default:
			pos += 4
		}
	case f&fMoffs != 0:
		if p67 {
			pos += 4
		} else {
			pos += 8
		}
	default:
		in.imm = -1
	}
	if pos > len(b) || pos > 15 {
		return false
	}
	in.n = pos
	return true
}

// decodeVEX decodes an instruction with a VEX (C4, C5) or EVEX (62) prefix at b[0].
func decodeVEX(b []byte, in *inst) bool {
	in.space = mapVEX
	var m byte
	pos := 0
	switch b[0] {
	case 0xC5:
		m, pos = 1, 2
	case 0xC4:
		if len(b) < 3 {
			return false
		}
		m, pos = b[1]&0x1F, 3
	case 0x62:
		if len(b) < 4 || b[1]&0x0C != 0 || b[2]&0x04 == 0 {
			return false
		}
		m, pos = b[1]&3, 4
	}
	if m < 1 || m > 3 || pos >= len(b) {
		return false
	}
	op := b[pos]
	in.op = op
	pos++
	if !(b[0] != 0x62 && m == 1 && op == 0x77) { // VZEROUPPER, VZEROALL
		in.modrm = pos
		n, ok := modrmLen(b, pos)
		if !ok {
			return false
		}
		pos += n
	}
	if m == 3 || m == 1 && (op >= 0x70 && op <= 0x73 || op == 0xC2 || op >= 0xC4 && op <= 0xC6) {
		in.imm = pos
		pos++
	}
	if pos > len(b) || pos > 15 {
		return false
	}
	in.n = pos
	return true
}

// modrmLen is the length of the ModRM byte at b[pos] with its SIB byte and displacement.
func modrmLen(b []byte, pos int) (int, bool) {
	if pos >= len(b) {
		return 0, false
	}
	m := b[pos]
	mod, rm := m>>6, m&7
	n := 1
	if mod != 3 && rm == 4 {
		if pos+1 >= len(b) {
			return 0, false
		}
		n++
		if mod == 0 && b[pos+1]&7 == 5 {
			n += 4
		}
	}
	switch mod {
	case 0:
		if rm == 5 {
			n += 4
		}
	case 1:
		n++
	case 2:
		n += 4
	}
	return n, true
}

// le32 reads a little-endian int32 at b[i:]; the caller has checked the length.
func le32(b []byte, i int) int32 { return int32(binary.LittleEndian.Uint32(b[i:])) }
