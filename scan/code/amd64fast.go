package code

// The fast path of the amd64 length decoder covers the instructions that make nearly all
// of Go's code: at most one of the 66, F2 and F3 prefixes, then an optional REX, then an
// opcode of the one- or two-byte map with its ModRM, SIB, displacement and immediate. It
// reads the first 8 bytes of a 16-byte window at once (no read needs a bounds check) and
// computes the length with few branches: decoding a function is one chain of dependent
// loads from instruction to instruction, so each look-up's latency counts. An opcode of
// the one-byte map, alone or after REX, takes one look-up of the opcode and the byte
// after it; the other prefixes and the two-byte map take small tables. Anything else
// (VEX, EVEX, the three-byte maps, other or repeated prefixes, MOV with a 64-bit address,
// POP r/m) goes to [decodeInst], which the fast path agrees with wherever it decodes
// (TestFastPath, FuzzDecodeAMD64).

// Bits of an opInfo entry.
const (
	qImm    = 0x07 // size of the immediate: 0, 1, 2, 3 (ENTER) or 4 (rel32, imm32)
	qOK     = 0x08 // decoded by the fast path
	qModRM  = 0x10 // a ModRM byte follows the opcode
	qShrink = 0x20 // a 4-byte immediate that is 2 bytes with 66 and no REX.W
	qGrp3   = 0x40 // F6, F7: the immediate only with ModRM.reg 0 or 1
	qImmV   = 0x80 // MOV r, imm: 4 more bytes with REX.W
	qRef    = 0x20 // in twoInfo: an operand off(RIP) is an address reference
)

// fastTables are the look-up tables of the fast path.
type fastTables struct {
	// opInfo is indexed by map<<8 | opcode, map 0 the one-byte map and 1 the two-byte map.
	opInfo [512]uint8
	// modrm is the length of a ModRM byte with its SIB and displacement, plus 16 when a
	// SIB base of 5 adds 4 bytes (mod 0, rm 4).
	modrm [256]uint8
	// lead classifies the first byte (0 other, 3 0F, 6 REX, 9 66, 12 F2 or F3) and
	// second the second (0 other, 1 0F, 2 REX): hdr[lead+second] says where the opcode
	// is: bits 0–1 its offset, bit 2 set for the two-byte map, bit 3 set when a third
	// byte of 0F moves it one further into the two-byte map (a prefix, REX, 0F), bit 4
	// for a 66 prefix, bit 5 the offset of the REX byte, bit 6 set when there is one.
	lead, second [256]uint8
	hdr          [16]uint8
	escape       [256]uint8 // 1 for 0F
	sibBase5     [8]uint8   // 4 for base 5
	// twoInfo is the opInfo of the two-byte map (qImm, qOK, qModRM), with qRef for
	// the opcodes whose operand off(RIP) is an address reference (MOVZX, MOVSX).
	twoInfo [256]uint8
	// modrmSIB[1] is the length of a ModRM byte with its SIB and displacement, indexed
	// by the ModRM byte and the low 3 bits of the byte after it (the SIB's base);
	// modrmSIB[0], for an opcode without ModRM, is 0.
	modrmSIB [2][256][8]uint8
	// direct is indexed by a one-byte-map opcode and the byte after it, m<<8 | op (the
	// two bytes read as a little-endian uint16): the length from the opcode on (bits
	// 0–3, without REX.W's 4 more bytes of MOV r, imm64, bit 5; 0 when not decoded this
	// way), bit 4 set for a candidate reference (CALL rel32, or a ModRM operand
	// off(RIP)), bit 6 for a ModRM byte, bit 7 for a SIB whose base 5 adds a disp32.
	// Opcodes that are prefixes, REX or 0F have no entry.
	direct [1 << 16]uint8
}

var fast = newFastTables()

func newFastTables() (t fastTables) {
	for space, tab := range []*[256]uint16{&oneByte, &twoByte} {
		for op := range 256 {
			f := tab[op]
			if f&(fBad|fPrefix|fMoffs) != 0 || space == 0 && (op == 0x0F || op == 0x8F) || space == 1 && (op == 0x38 || op == 0x3A) {
				continue
			}
			q := uint8(qOK)
			if f&fModRM != 0 {
				q |= qModRM
			}
			switch {
			case f&fEnter == fEnter:
				q |= 3
			case f&fImm8 != 0:
				q |= 1
			case f&fImm16 != 0:
				q |= 2
			case f&fRel32 != 0:
				q |= 4
			case f&fImmZ != 0:
				q |= 4 | qShrink
			case f&fImmV != 0:
				q |= 4 | qShrink | qImmV
			}
			t.opInfo[space<<8|op] = q
		}
	}
	t.opInfo[0xF6] = qOK | qModRM | qGrp3 | 1
	t.opInfo[0xF7] = qOK | qModRM | qGrp3 | qShrink | 4
	for m := range 256 {
		n, _ := modrmLen([]byte{byte(m), 0}, 0)
		t.modrm[m] = uint8(n)
		if m&0xC7 == 0x04 {
			t.modrm[m] |= 16
		}
	}
	for b := 0x40; b < 0x50; b++ {
		t.lead[b], t.second[b] = 6, 2
	}
	t.lead[0x0F], t.second[0x0F] = 3, 1
	t.lead[0x66], t.lead[0xF2], t.lead[0xF3] = 9, 12, 12
	const (
		two, third, p66, rexAt1, hasREX = 1 << 2, 1 << 3, 1 << 4, 1 << 5, 1 << 6
	)
	t.hdr = [16]uint8{
		0, 0, 0, // other first byte
		1 | two, 1 | two, 1 | two, // 0F
		1 | hasREX, 2 | two | hasREX, 1 | hasREX, // REX (then REX: not decoded)
		1 | p66, 2 | two | p66, 2 | third | p66 | rexAt1 | hasREX, // 66
		1, 2 | two, 2 | third | rexAt1 | hasREX, // F2, F3
	}
	t.escape[0x0F] = 1
	t.sibBase5[5] = 4
	for m, l := range t.modrm {
		for base := range 8 {
			t.modrmSIB[1][m][base] = l&15 + l>>4*t.sibBase5[base]
		}
	}
	for op := range 256 {
		t.twoInfo[op] = t.opInfo[256|op] & (qImm | qOK | qModRM)
		if op&0xF6 == 0xB6 && t.twoInfo[op] != 0 {
			t.twoInfo[op] |= qRef
		}
	}
	for op := range 256 {
		q := t.opInfo[op]
		if q&qOK == 0 {
			continue
		}
		for m := range 256 {
			n, e := 1+uint8(q&qImm), uint8(0)
			if q&qGrp3 != 0 && m>>3&7 >= 2 {
				n = 1
			}
			if q&qModRM != 0 {
				n += t.modrm[m] & 15
				e |= 0x40 | t.modrm[m]>>4<<7
				if m&0xC7 == 0x05 {
					e |= 0x10
				}
			}
			if q&qImmV != 0 {
				e |= 0x20
			}
			if op == 0xE8 {
				e |= 0x10
			}
			t.direct[m<<8|op] = e | n
		}
	}
	return t
}

// directInst decodes the instruction at the start of w when it is a one-byte-map opcode,
// alone or after REX: one look-up of the opcode and the byte after it gives the length
// n. e is the direct table's entry, 0 for another instruction (n then means nothing).
// It is small enough to be inlined: the decoder of a batch runs two chains of it at once.
func directInst(w *[16]byte) (n, e uint) {
	r := uint(w[0]>>4^4-1) >> 7
	e = uint(fast.direct[uint(w[r+1])<<8|uint(w[r])])
	// 4 more bytes for a SIB with base 5 (disp32) and for MOV r, imm64 with REX.W.
	return r + e&15 + e>>7*uint(fast.sibBase5[w[r+2]&7]) + e>>5&uint(w[0]>>3)&r*4, e
}

// twoByteInst decodes the instruction at the start of w when it is a two-byte-map opcode
// (0F op, not 0F 38 or 0F 3A), alone or after REX: the length n and the opcode's twoInfo
// entry q, 0 for another instruction (n then means nothing). Like directInst, it is
// small enough to be inlined.
func twoByteInst(w *[16]byte) (n, q uint) {
	r := uint(w[0]>>4^4-1) >> 7
	if w[r] != 0x0F {
		return 0, 0
	}
	q = uint(fast.twoInfo[w[r+1]])
	return r + 2 + uint(fast.modrmSIB[q>>4&1][w[r+2]][w[r+3]&7]) + q&qImm, q
}

// fastInst decodes the instruction at the start of w as [decodeInst] does, when it is one
// of the fast path's; n is 0 when it is not. space is map1 or map0F; modrm is the offset
// of the ModRM byte, or -1.
func fastInst(w *[16]byte) (n int, op byte, space int, rex byte, modrm int) {
	if n, e := directInst(w); e != 0 {
		r := uint(w[0]>>4^4-1) >> 7
		return int(n), w[r], map1, w[0] & -byte(r), -1 + int(e>>6&1*(r+2))
	}
	x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
	h := uint(fast.hdr[(fast.lead[byte(x)]+fast.second[byte(x>>8)])&15])
	th := h >> 3 & uint(fast.escape[byte(x>>16)])
	i := (h&3 + th) * 8 // bit offset of the opcode
	esc := h>>2&1 | th
	op = byte(x >> (i & 63))
	m := byte(x >> ((i + 8) & 63))
	q := uint(fast.opInfo[(esc<<8|uint(op))&511])
	if q&qOK == 0 {
		return 0, 0, 0, 0, -1
	}
	rex = byte(x>>(h>>2&8)) & -byte(h>>6&1)
	hasM := q >> 4 & 1
	ml := uint(fast.modrm[m]) & -hasM // 0 without a ModRM byte
	ml = ml&15 + ml>>4*uint(fast.sibBase5[byte(x>>((i+16)&63))&7])
	// F6, F7 with ModRM.reg 2–7 have no immediate.
	keep := 1 - (q >> 6 & 1 & uint(m>>4|m>>5))
	wbit := uint(rex) >> 3 & 1
	n = int(i/8 + 1 + ml + q&qImm*keep + q>>7*wbit*4 - q>>5&1*keep*(h>>4&1&^wbit)*2)
	return n, op, int(esc), rex, -1 + int(hasM*(i/8+2))
}
