package code

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
)

// arm64 code is read one 4-byte little-endian word at a time, in two passes over each
// function.
//
// The first pass finds the words where a block starts (the targets of the function's own
// B, B.cond, CBZ, CBNZ, TBZ and TBNZ) and the words that are data (the targets of LDR
// (literal): a literal pool).
//
// The second pass follows what each general register X0–X30 holds, when instructions in
// the same block make it known:
//   - a page: ADRP Xd, page;
//   - a static address: ADD Xd, Xn, #imm12 (not shifted) on a register holding a page:
//     the linker's R_ADDRARM64 pair, ADRP+ADD, with which Go loads a symbol's address
//     (MOVD $sym(SB), Rd); the address keeps the PC of its ADRP, which is the PC reported;
//   - a constant: MOVZ with the MOVKs to the same register right after it, ORR Rd, ZR,
//     #bitmask (both are MOVD $imm, Rd), or MOV Xd, ZR;
//   - MOV Xd, Xm (ORR Xd, XZR, Xm) copies what Xm holds.
//
// Any other instruction makes unknown what it may write, as its encoding says: the register
// in bits [4:0] in the data-processing and SIMD/FP groups, the loaded registers and a
// written-back base for the loads and stores of one or two registers. Branches, calls and
// every other instruction (system, exclusive, ordered and atomic accesses, SVE, SME) make
// every register unknown, and so do block starts, data words and undecodable words.
//
// It also remembers the last 8 stores of a whole register holding an address or a
// constant (STR, STUR, STP with an offset, no write-back): to off(Xb), or to an absolute
// address when Xb holds a page (a global: ADRP+STR). A block start, a conditional branch or
// a call forgets those with a base register but keeps those to the stack and to absolute
// addresses, so that the two halves of a global string stay paired across Go's
// write-barrier check; a write of the base register forgets the stores through it, and a
// jump, a return or an unknown instruction forgets them all.
//
// A string reference is an address and a constant length of at least 1 that the code uses
// as Go uses a string header:
//   - as arguments or results: at a BL, a BLR, a RET or a jump out of the function, the
//     address in Xn and the constant in Xn+1 (n < 16; ABIInternal passes and returns a
//     string as (ptr, len) in consecutive registers from R0), both set within arm64Window
//     instructions before it, unless Xn+2 holds the same constant (a slice: pointer,
//     length, capacity);
//   - stored as a header: STP Xp, Xl, [Xb, #off] with the address in Xp and the constant in
//     Xl, or, within arm64Window instructions of each other, a store of the address to a
//     slot and of the constant to the slot 8 bytes after (same base register, not written
//     in between, or the same absolute address).
//
// A constant in a register that is merely there when an address is loaded is no length:
// Go reuses registers, and only a use pairs the two. Each ADRP is reported once, with the
// first pairing found, and only when isData accepts the bytes and the length is at most
// Limits.MaxStringLen.
//
// Undecodable words (the reserved and unallocated encodings, among them the zero words the
// linker pads functions with) and literal-pool words count 4 bytes each in Refs.Skipped.

// arm64Window is how many instructions before its use a string's address and length may be
// set, and how far apart the stores of a header may be.
const arm64Window = 16

// a64op is what the decoder does with an instruction.
type a64op uint8

const (
	a64Undef a64op = iota // reserved or unallocated encoding
	a64Plain              // writes at most the registers in wr, nothing the decoder reads
	a64Reset              // ends the block: effect on registers or memory not known
	a64Cond               // B.cond, CBZ, CBNZ, TBZ, TBNZ to pc+imm
	a64Jump               // B to pc+imm (branch set), BR, RET
	a64Call               // BLR
	a64ADRP               // ADRP Xd, pc page + imm
	a64ADD                // ADD Xd, Xn|SP, #imm12 (64-bit, flags untouched, not shifted)
	a64MOVZ               // MOVZ Rd, #imm (imm already shifted)
	a64MOVK               // MOVK Rd, #imm16, LSL #shift
	a64ORR                // ORR Rd, ZR, #imm (bitmask immediate decoded)
	a64MOV                // ORR Xd, XZR, Xm (rn = m): MOV Xd, Xm, or MOV Xd, ZR when m = 31
	a64BL                 // BL pc+imm
	a64STR                // STR/STUR Xt, [Xn|SP, #imm] (64-bit, no write-back)
	a64STP                // STP Xt, Xt2, [Xn|SP, #imm] (64-bit, signed offset, no write-back)
)

// a64inst is one decoded word. Registers are 0–30, with 31 the zero register or SP as
// the encoding says.
type a64inst struct {
	op    a64op
	is32  bool  // 32-bit form (MOVZ, MOVK, ORR)
	rd    uint8 // destination, or the stored register (Rt)
	rn    uint8 // source, base register, or the copied register of a64MOV
	rt2   uint8 // second register of a64STP
	shift uint8 // a64MOVK: the shift of imm
	imm   int64
	wr    uint32 // registers the instruction may write (bit 31: SP)
	// pcrel says what imm is for the first pass: pcBranch for a branch to pc+imm, or for
	// an LDR (literal) the size in bytes (4, 8 or 16) of the data at pc+imm. (Nine
	// fields at most: the result of decodeA64 then stays in registers.)
	pcrel uint8
}

// pcBranch is the pcrel of a branch.
const pcBranch = 1

// decodeA64 decodes w as the instruction at some pc; pc-relative immediates are offsets.
func decodeA64(w uint32) a64inst {
	rd := uint8(w & 31)
	switch (w >> 25) & 15 { // op0
	case 0:
		if w>>31 == 0 {
			return a64inst{op: a64Undef} // reserved
		}
		return a64inst{op: a64Reset} // SME
	case 1, 3:
		return a64inst{op: a64Undef} // unallocated
	case 2:
		return a64inst{op: a64Reset} // SVE
	case 8, 9: // data processing, immediate
		return decodeA64Imm(w, rd)
	case 10, 11: // branches, exception generating and system
		return decodeA64Branch(w)
	case 4, 6, 12, 14: // loads and stores
		return decodeA64LdSt(w, rd)
	case 5, 13: // data processing, register
		in := a64inst{op: a64Plain, wr: a64Reg(rd)}
		if w&0xFFE0FFE0 == 0xAA0003E0 { // ORR Xd, XZR, Xm (LSL #0)
			in.op, in.rd, in.rn = a64MOV, rd, uint8(w>>16&31)
		}
		if w&0x3F200000 == 0x0B200000 && rd == 31 { // ADD/SUB (extended register) to SP
			in.wr |= 1 << 31
		}
		return in
	default: // 7, 15: SIMD and floating point: writes Rd (a general register for some)
		return a64inst{op: a64Plain, wr: a64Reg(rd)}
	}
}

// a64Reg is the write mask of a general register; 31 (the zero register) is none.
func a64Reg(r uint8) uint32 {
	if r == 31 {
		return 0
	}
	return 1 << r
}

func decodeA64Imm(w uint32, rd uint8) a64inst {
	in := a64inst{op: a64Plain, wr: a64Reg(rd), rd: rd}
	sf := w>>31 == 1
	switch (w >> 23) & 7 {
	case 0, 1: // PC-relative addressing
		if w>>31 == 1 { // ADRP
			in.op = a64ADRP
			in.imm = int64(int32((w>>5&0x7FFFF)<<13|(w>>29&3)<<11)) << 1 // sign-extended immhi:immlo:Zeros(12)
		}
	case 2: // add/subtract (immediate)
		if w&(1<<29) == 0 && rd == 31 {
			in.wr |= 1 << 31 // ADD/SUB to SP
		}
		if w&0xFFC00000 == 0x91000000 { // ADD Xd, Xn|SP, #imm (not LSL #12: the low 12 bits of an address)
			in.op, in.rn = a64ADD, uint8(w>>5&31)
			in.imm = int64(w >> 10 & 0xFFF)
		}
	case 4: // logical (immediate)
		opc := w >> 29 & 3
		if opc != 3 && rd == 31 {
			in.wr |= 1 << 31 // AND/ORR/EOR to SP
		}
		// A reserved bitmask is read as an instruction that writes Rd (arm64asm decodes
		// it), never as a constant.
		v, ok := a64BitMask(w>>22&1, w>>16&63, w>>10&63, sf)
		if ok && opc == 1 && w>>5&31 == 31 && rd != 31 { // ORR Rd, ZR, #imm
			in.op, in.imm, in.is32 = a64ORR, int64(v), !sf
		}
	case 5: // move wide (immediate)
		opc, hw := w>>29&3, w>>21&3
		if opc == 1 || !sf && hw > 1 {
			return a64inst{op: a64Undef}
		}
		imm := int64(w >> 5 & 0xFFFF)
		switch opc {
		case 2:
			in.op, in.imm, in.is32 = a64MOVZ, imm<<(16*hw), !sf
		case 3:
			in.op, in.imm, in.shift, in.is32 = a64MOVK, imm, uint8(16*hw), !sf
		}
	}
	return in
}

// a64BitMask decodes a logical instruction's bitmask immediate (the Arm ARM's
// DecodeBitMasks); ok is false for a reserved encoding.
func a64BitMask(n, immr, imms uint32, sf bool) (uint64, bool) {
	if !sf && n == 1 {
		return 0, false
	}
	l := bits.Len32(n<<6|^imms&63) - 1
	if l < 1 {
		return 0, false
	}
	size := uint(1) << l
	levels := uint32(size - 1)
	s, r := imms&levels, immr&levels
	if s == levels {
		return 0, false
	}
	elem := uint64(1)<<(s+1) - 1
	if r != 0 {
		elem = (elem>>r | elem<<(size-uint(r))) & (uint64(1)<<size - 1)
	}
	for ; size < 64; size *= 2 {
		elem |= elem << size
	}
	if !sf {
		elem &= 0xFFFFFFFF
	}
	return elem, true
}

func decodeA64Branch(w uint32) a64inst {
	switch {
	case w&0x7C000000 == 0x14000000: // B, BL imm26
		in := a64inst{op: a64Jump, imm: int64(int32(w<<6)) >> 4, pcrel: pcBranch}
		if w>>31 == 1 {
			in.op = a64BL
		}
		return in
	case w&0xFF000010 == 0x54000000: // B.cond imm19
		return a64inst{op: a64Cond, imm: int64(int32(w<<8)>>13) << 2, pcrel: pcBranch}
	case w&0x7E000000 == 0x34000000: // CBZ, CBNZ imm19
		return a64inst{op: a64Cond, imm: int64(int32(w<<8)>>13) << 2, pcrel: pcBranch}
	case w&0x7E000000 == 0x36000000: // TBZ, TBNZ imm14
		return a64inst{op: a64Cond, imm: int64(int32(w<<13)>>18) << 2, pcrel: pcBranch}
	case w&0xFFFFF01F == 0xD503201F: // hints: NOP, YIELD, BTI, PACIASP...
		return a64inst{op: a64Plain}
	case w&0xFFFFFC1F == 0xD63F0000: // BLR
		return a64inst{op: a64Call}
	case w&0xFFFFFC1F == 0xD61F0000, w&0xFFFFFC1F == 0xD65F0000: // BR, RET
		return a64inst{op: a64Jump}
	}
	return a64inst{op: a64Reset}
}

func decodeA64LdSt(w uint32, rt uint8) a64inst {
	rn := uint8(w >> 5 & 31)
	base := uint32(1) << rn // a written-back base (31: SP)
	v := w>>26&1 == 1       // SIMD/FP registers
	gp := func(r uint8) uint32 {
		if v {
			return 0
		}
		return a64Reg(r)
	}
	switch {
	case w&0x3B000000 == 0x18000000: // LDR (literal), LDRSW (literal), PRFM (literal)
		opc := w >> 30
		in := a64inst{op: a64Plain, imm: int64(int32(w<<8)>>13) << 2}
		switch {
		case v && opc == 3:
			return a64inst{op: a64Undef}
		case v:
			in.pcrel = 4 << opc
		case opc == 3: // PRFM
		case opc == 1:
			in.pcrel, in.wr = 8, a64Reg(rt)
		default:
			in.pcrel, in.wr = 4, a64Reg(rt)
		}
		return in
	case w&0x3A000000 == 0x28000000: // load/store pair: STP, LDP, STNP, LDNP, LDPSW
		idx, load := w>>23&3, w>>22&1 == 1
		if w>>30 == 3 {
			return a64inst{op: a64Undef}
		}
		rt2 := uint8(w >> 10 & 31)
		in := a64inst{op: a64Plain}
		if load {
			in.wr = gp(rt) | gp(rt2)
		}
		if idx == 1 || idx == 3 {
			in.wr |= base
		}
		if w&0xFFC00000 == 0xA9000000 { // STP Xt, Xt2, [Xn|SP, #imm7*8]
			in.op, in.rd, in.rn, in.rt2 = a64STP, rt, rn, rt2
			in.imm = int64(int32(w<<10)>>25) * 8
		}
		return in
	case w&0x3B000000 == 0x39000000: // load/store register (unsigned immediate)
		size, opc := w>>30, w>>22&3
		in := a64inst{op: a64Plain}
		if opc != 0 && !(size == 3 && opc == 2 && !v) { // a load (not PRFM)
			in.wr = gp(rt)
		}
		if w&0xFFC00000 == 0xF9000000 { // STR Xt, [Xn|SP, #imm12*8]
			in.op, in.rd, in.rn, in.imm = a64STR, rt, rn, int64(w>>10&0xFFF)*8
		}
		return in
	case w&0x3B200000 == 0x38000000: // load/store register: unscaled, post-, pre-indexed, unprivileged
		size, opc := w>>30, w>>22&3
		in := a64inst{op: a64Plain}
		kind := w >> 10 & 3
		if opc != 0 && !(size == 3 && opc == 2 && !v) {
			in.wr = gp(rt)
		}
		if kind == 1 || kind == 3 {
			in.wr |= base
		}
		if w&0xFFE00C00 == 0xF8000000 { // STUR Xt, [Xn|SP, #simm9]
			in.op, in.rd, in.rn, in.imm = a64STR, rt, rn, int64(int32(w<<11)>>23)
		}
		return in
	case w&0x3B200C00 == 0x38200800: // load/store register (register offset)
		size, opc := w>>30, w>>22&3
		in := a64inst{op: a64Plain}
		if opc != 0 && !(size == 3 && opc == 2 && !v) {
			in.wr = gp(rt)
		}
		return in
	}
	// Exclusive, ordered and atomic accesses, SIMD structures, memory tags...: registers
	// written in other fields.
	return a64inst{op: a64Reset}
}

// a64Val is what the decoder knows a register holds.
type a64Val struct {
	kind uint8  // a64None, a64Page, a64Addr or a64Const
	v    uint64 // the page, address or constant
	adrp uint64 // the PC of the ADRP of a page or address
	at   int    // the index of the instruction that set the register
}

const (
	a64None uint8 = iota
	a64Page
	a64Addr
	a64Const
)

// a64Abs is the base of a64Store for a store to an absolute address (the base register
// held a page).
const a64Abs = 32

// a64Store is a 64-bit store of an address or a constant: to off(base) (base 31: SP), or
// to the absolute address off when base is a64Abs. It is dropped when the base register is
// written.
type a64Store struct {
	base uint8
	off  uint64
	val  a64Val // val.at is the index of the store
}

// a64State is what the decoder knows at one point of a function's code.
type a64State struct {
	regs   [32]a64Val
	known  uint32 // the registers whose regs entry holds
	bases  uint32 // the base registers of stores (bit 31: SP)
	stores [8]a64Store
	n      int // stores in use, oldest first
}

// reg is what register r holds.
func (s *a64State) reg(r uint8) a64Val {
	if s.known&(1<<(r&31)) == 0 {
		return a64Val{}
	}
	return s.regs[r&31]
}

// forget drops what registers hold and, unless keepStack, every store; with keepStack the
// stores to the stack and to absolute addresses are kept (a conditional branch, a call or a
// block start leaves memory there as the code in order wrote it).
func (s *a64State) forget(keepStack bool) {
	s.known = 0
	if !keepStack {
		s.n, s.bases = 0, 0
	} else if s.bases&^(1<<31) != 0 {
		s.drop(s.bases &^ (1 << 31))
	}
}

// drop forgets the stores whose base register is in the mask m.
func (s *a64State) drop(m uint32) {
	k := 0
	s.bases = 0
	for _, o := range s.stores[:s.n] {
		if o.base == a64Abs || m&(1<<o.base) == 0 {
			s.stores[k] = o
			k++
			if o.base != a64Abs {
				s.bases |= 1 << o.base
			}
		}
	}
	s.n = k
}

// newARM64 returns a decoder of arm64 functions.
func newARM64(isData IsData, lim Limits, refs *Refs) func(code []byte, pc uint64, fi int32) {
	return func(code []byte, pc uint64, fi int32) { decodeARM64(code, pc, fi, isData, lim, refs) }
}

// decodeARM64 appends the string references and calls of one function's arm64 code, which
// starts at pc, to refs.
func decodeARM64(code []byte, pc uint64, fi int32, isData IsData, lim Limits, refs *Refs) {
	n := len(code) / 4
	refs.Skipped += len(code) % 4
	if n == 0 {
		return
	}
	// First pass: block starts and literal-pool words.
	var small [2 * 32]uint64
	var start, data []uint64
	if words := (n + 63) / 64; words <= 32 {
		start, data = small[:words], small[32:32+words]
	} else {
		start, data = make([]uint64, words), make([]uint64, words)
	}
	for i := 0; i < n; i++ {
		w := binary.LittleEndian.Uint32(code[4*i:])
		if w>>26&7 != 5 && w&0x3B000000 != 0x18000000 {
			continue // neither a branch nor a literal load
		}
		imm, pcrel := a64PCRel(w)
		if pcrel == 0 {
			continue
		}
		t := int64(i) + imm/4
		if t < 0 || t >= int64(n) {
			continue
		}
		if pcrel == pcBranch {
			start[t/64] |= 1 << (t % 64)
			continue
		}
		for k := int64(0); k < int64(pcrel)/4 && t+k < int64(n); k++ {
			data[(t+k)/64] |= 1 << ((t + k) % 64)
		}
	}
	bit := func(set []uint64, i int) bool { return set[i/64]&(1<<(i%64)) != 0 }

	first, firstAddr, keep := len(refs.Strings), len(refs.Addrs), lim.KeepAddr
	addAddr := func(pc, addr uint64) {
		refs.Addrs = append(refs.Addrs, AddrRef{Func: fi, PC: pc, Addr: addr})
	}
	var st a64State
	emit := func(p, l a64Val) {
		if l.v == 0 || l.v > lim.MaxStringLen || !isData(p.v, l.v) {
			return
		}
		refs.Strings = append(refs.Strings, StringRef{Func: fi, PC: p.adrp, Addr: p.v, Len: uint32(l.v)})
	}
	// args pairs the argument registers at a call, a return or a jump out of the function:
	// (ptr, len) in (Xn, Xn+1), both set within the window, and not a slice (ptr, len, cap)
	// with the capacity equal to the length in Xn+2.
	args := func(i int) {
		if st.known == 0 {
			return
		}
		for r := 0; r < 16; r++ {
			p, l := st.reg(uint8(r)), st.reg(uint8(r+1))
			if p.kind != a64Addr || l.kind != a64Const || i-p.at > arm64Window || i-l.at > arm64Window {
				continue
			}
			if c := st.reg(uint8(r + 2)); c.kind == a64Const && c.v == l.v && i-c.at <= arm64Window {
				r += 2
				continue
			}
			emit(p, l)
		}
	}
	store := func(i int, r, base uint8, off int64) {
		s := a64Store{base: base, off: uint64(off)}
		if b := st.reg(base); base != 31 && b.kind == a64Page {
			s = a64Store{base: a64Abs, off: b.v + uint64(off)}
		}
		if r != 31 {
			s.val = st.reg(r)
		}
		s.val.at = i
		// A new store to the same slot replaces the old one.
		k := 0
		for _, o := range st.stores[:st.n] {
			if o.base != s.base || o.off != s.off {
				st.stores[k] = o
				k++
			}
		}
		st.n = k
		if s.val.kind != a64Addr && s.val.kind != a64Const {
			return
		}
		for _, o := range st.stores[:st.n] {
			if o.base != s.base || i-o.val.at > arm64Window {
				continue
			}
			if s.val.kind == a64Const && o.val.kind == a64Addr && o.off == s.off-8 {
				emit(o.val, s.val)
			} else if s.val.kind == a64Addr && o.val.kind == a64Const && o.off == s.off+8 {
				emit(s.val, o.val)
			}
		}
		if st.n == len(st.stores) {
			copy(st.stores[:], st.stores[1:])
			st.n--
		}
		st.stores[st.n] = s
		st.n++
		if s.base != a64Abs {
			st.bases |= 1 << s.base
		}
	}

	// storePair is STP Xt, Xt2, [Xn|SP, #off]: a string header when Xt holds an address
	// and Xt2 a constant, and two stores.
	storePair := func(i int, rt, rt2, rn uint8, off int64) {
		if p, l := st.reg(rt), st.reg(rt2); rt != 31 && rt2 != 31 && p.kind == a64Addr && l.kind == a64Const {
			emit(p, l)
		}
		store(i, rt, rn, off)
		store(i, rt2, rn, off+8)
	}
	// copied is what MOV Xd, Xm (rn = m) at instruction i leaves in Xd.
	copied := func(i int, rn uint8) a64Val {
		if rn == 31 {
			return a64Val{kind: a64Const, at: i} // MOV Xd, ZR
		}
		val := st.reg(rn)
		if val.kind == a64Page {
			return a64Val{}
		}
		val.at = i
		return val
	}
	// added is what ADD Xd, Xn, #imm at instruction i leaves in Xd: an address when Xn
	// holds a page.
	added := func(i int, rn uint8, imm uint64) a64Val {
		if b := st.reg(rn); rn != 31 && b.kind == a64Page {
			val := a64Val{kind: a64Addr, v: b.v + imm, adrp: b.adrp, at: i}
			if keep != nil {
				addAddr(b.adrp, val.v)
			}
			return val
		}
		return a64Val{}
	}

	for i := 0; i < n; i++ {
		if (start[i/64]|data[i/64])>>(i%64)&1 != 0 {
			if bit(start, i) {
				if src, l, ok := a64CopyLoop(code, i, &st); ok {
					emit(src, a64Val{kind: a64Const, v: l})
				}
				st.forget(true)
			}
			if bit(data, i) {
				refs.Skipped += 4
				st.forget(false)
				continue
			}
		}
		w := binary.LittleEndian.Uint32(code[4*i:])
		at := pc + uint64(4*i)
		if q, wr := a64Quick(w); q != a64QSlow && !lim.slowARM64 {
			// What decodeA64 and the switch below do, without building a64inst (the
			// copy of its result stalls the store-to-load forwarding).
			var val a64Val
			switch q {
			case a64QCond:
				st.forget(true)
				continue
			case a64QBL:
				args(i)
				refs.Calls = append(refs.Calls, Call{Func: fi, PC: at, Target: at + uint64(int64(int32(w<<6))>>4)})
				st.forget(true)
				continue
			case a64QB:
				if imm := int64(int32(w<<6)) >> 4; imm < -int64(4*i) || imm >= int64(4*(n-i)) {
					args(i) // a jump out of the function
				}
				st.forget(false)
				continue
			case a64QPlain:
				if keep != nil && w&0x3B000000 == 0x39000000 {
					a64Global(w, &st, addAddr)
				}
			case a64QADRP:
				imm := int64(int32((w>>5&0x7FFFF)<<13|(w>>29&3)<<11)) << 1
				val = a64Val{kind: a64Page, v: at&^0xFFF + uint64(imm), adrp: at, at: i}
			case a64QSTR:
				if keep != nil && w&0x3B000000 == 0x39000000 {
					a64Global(w, &st, addAddr)
				}
				rt, rn, _, imm := a64Stored(w, q)
				store(i, rt, rn, imm)
			case a64QSTP:
				rt, rn, rt2, imm := a64Stored(w, q)
				storePair(i, rt, rt2, rn, imm)
			case a64QMOV:
				val = copied(i, uint8(w>>16&31))
			case a64QADD:
				val = added(i, uint8(w>>5&31), uint64(w>>10&0xFFF))
			}
			st.known &^= wr
			if wr&st.bases != 0 {
				st.drop(wr)
			}
			if rd := w & 31; val.kind != a64None && rd != 31 {
				st.regs[rd] = val
				st.known |= 1 << rd
			}
			continue
		}
		in := decodeA64(w)
		if keep != nil && w&0x3B000000 == 0x39000000 {
			a64Global(w, &st, addAddr)
		}
		var val a64Val // what in.rd holds after the instruction
		switch in.op {
		case a64Undef:
			refs.Skipped += 4
			st.forget(false)
			continue
		case a64Reset:
			st.forget(false)
			continue
		case a64Cond:
			st.forget(true)
			continue
		case a64Jump:
			if in.pcrel != pcBranch || in.imm < -int64(4*i) || in.imm >= int64(4*(n-i)) {
				args(i) // a return, an indirect jump or a jump out of the function
			}
			st.forget(false)
			continue
		case a64BL, a64Call:
			args(i)
			if in.op == a64BL {
				refs.Calls = append(refs.Calls, Call{Func: fi, PC: at, Target: at + uint64(in.imm)})
			}
			st.forget(true)
			continue
		case a64ADRP:
			val = a64Val{kind: a64Page, v: at&^0xFFF + uint64(in.imm), adrp: at, at: i}
		case a64ADD:
			val = added(i, in.rn, uint64(in.imm))
		case a64MOV:
			val = copied(i, in.rn)
		case a64MOVZ, a64ORR:
			// The MOVKs right after complete the constant.
			v := uint64(in.imm)
			for i+1 < n && !bit(start, i+1) && !bit(data, i+1) {
				k := decodeA64(binary.LittleEndian.Uint32(code[4*(i+1):]))
				if k.op != a64MOVK || k.rd != in.rd || k.is32 != in.is32 {
					break
				}
				v = v&^(0xFFFF<<k.shift) | uint64(k.imm)<<k.shift
				i++
			}
			val = a64Val{kind: a64Const, v: v, at: i}
		case a64STR:
			store(i, in.rd, in.rn, in.imm)
		case a64STP:
			storePair(i, in.rd, in.rt2, in.rn, in.imm)
		}
		st.known &^= in.wr
		if in.wr&st.bases != 0 {
			st.drop(in.wr)
		}
		if val.kind != a64None && in.rd != 31 {
			st.regs[in.rd] = val
			st.known |= 1 << in.rd
		}
	}

	// Sort this function's strings by PC and keep the first pairing of each ADRP.
	fs := refs.Strings[first:]
	slices.SortStableFunc(fs, func(a, b StringRef) int { return cmp.Compare(a.PC, b.PC) })
	k := 0
	for j := range fs {
		if k > 0 && fs[j].PC == fs[k-1].PC {
			continue
		}
		fs[k] = fs[j]
		k++
	}
	refs.Strings = refs.Strings[:first+k]
	if keep != nil {
		refs.Addrs = refs.Addrs[:firstAddr+a64Addrs(refs.Addrs[firstAddr:], refs.Strings[first:], keep)]
	}
}

// a64Global reports the address an LDR or STR (unsigned offset) of any size reads or
// writes when its base register holds a page: a global.
func a64Global(w uint32, st *a64State, addAddr func(pc, addr uint64)) {
	if b := st.reg(uint8(w >> 5 & 31)); w>>5&31 != 31 && b.kind == a64Page {
		scale := w >> 30
		if w&(1<<26) != 0 && w&(1<<23) != 0 {
			scale = 4 // 128-bit SIMD&FP register
		}
		addAddr(b.adrp, b.v+uint64(w>>10&0xFFF)<<scale)
	}
}

// a64Addrs sorts the address references of one function by PC and address, drops those
// repeated, those that are strings (the same ADRP and address) and those keep rejects, and
// returns how many remain at the start of fa.
func a64Addrs(fa []AddrRef, fs []StringRef, keep func(uint64) bool) int {
	slices.SortFunc(fa, func(a, b AddrRef) int {
		return cmp.Or(cmp.Compare(a.PC, b.PC), cmp.Compare(a.Addr, b.Addr))
	})
	k, j := 0, 0
	for _, a := range fa {
		if k > 0 && a == fa[k-1] {
			continue
		}
		for j < len(fs) && fs[j].PC < a.PC {
			j++
		}
		if j < len(fs) && fs[j].PC == a.PC && fs[j].Addr == a.Addr || !keep(a.Addr) {
			continue
		}
		fa[k] = a
		k++
	}
	return k
}

// a64Quick is the fast path of the second pass: it classifies w without building
// decodeA64's result. For the instructions that only write registers named in their
// encoding (decodeA64's a64Plain, but ADR and the literal loads) it returns a64QPlain and
// the registers written; for the most common of the others (conditional branches, B, BL,
// ADRP, ADD of an immediate, STR, STUR and STP of X registers, MOV) their class and the
// registers written; for everything else a64QSlow (decodeA64 then decodes it).
// TestARM64Quick checks it against decodeA64.
func a64Quick(w uint32) (a64quick, uint32) {
	rd := uint32(1) << (w & 31) &^ (1 << 31) // the zero register is no write
	switch w >> 25 & 15 {
	case 5, 13: // data processing (register)
		if w&0xFFE0FFE0 == 0xAA0003E0 { // MOV Xd, Xm
			return a64QMOV, rd
		}
		if w&0x3F200000 == 0x0B200000 && w&31 == 31 { // ADD/SUB (extended register) to SP
			return a64QPlain, 1 << 31
		}
		return a64QPlain, rd
	case 7, 15: // SIMD and floating point
		return a64QPlain, rd
	case 8, 9: // data processing (immediate)
		switch w >> 23 & 7 {
		case 0, 1: // ADR, ADRP
			if w>>31 == 1 {
				return a64QADRP, rd
			}
			return a64QSlow, 0
		case 5: // move wide
			return a64QSlow, 0
		case 2: // add/subtract (immediate)
			if w&0xFFC00000 == 0x91000000 { // ADD Xd, Xn|SP, #imm12
				if w&31 == 31 {
					return a64QADD, 1 << 31
				}
				return a64QADD, rd
			}
			if w&(1<<29) == 0 && w&31 == 31 {
				return a64QPlain, 1 << 31 // to SP
			}
			return a64QPlain, rd
		case 4: // logical (immediate)
			opc := w >> 29 & 3
			if opc == 1 && w>>5&31 == 31 && w&31 != 31 { // ORR Rd, ZR, #imm
				return a64QSlow, 0
			}
			if opc != 3 && w&31 == 31 {
				return a64QPlain, 1 << 31 // to SP
			}
			return a64QPlain, rd
		}
		return a64QPlain, rd // with tags, bitfield, extract
	case 10, 11: // branches, exception generating and system
		switch {
		case w&0xFC000000 == 0x94000000: // BL
			return a64QBL, 0
		case w&0xFC000000 == 0x14000000: // B
			return a64QB, 0
		case w&0xFF000010 == 0x54000000, w&0x7C000000 == 0x34000000: // B.cond; CBZ, CBNZ, TBZ, TBNZ
			return a64QCond, 0
		case w&0xFFFFF01F == 0xD503201F: // hints
			return a64QPlain, 0
		}
		return a64QSlow, 0
	case 4, 6, 12, 14: // loads and stores
		rt, base := w&31, uint32(1)<<(w>>5&31)
		load := rd & a64LoadsRt[w>>27&0x18|w>>24&4|w>>22&3]
		switch {
		case w&0x3B000000 == 0x39000000: // unsigned offset
			if w&0xFFC00000 == 0xF9000000 { // STR Xt
				return a64QSTR, 0
			}
			return a64QPlain, load
		case w&0x3A000000 == 0x28000000: // pair
			if w&0xFFC00000 == 0xA9000000 { // STP Xt, Xt2, [Xn|SP, #imm]
				return a64QSTP, 0
			}
			if w>>30 == 3 { // unallocated
				return a64QSlow, 0
			}
			var wr uint32
			if w>>22&1 == 1 && w>>26&1 == 0 { // a load of general registers
				wr = (uint32(1)<<rt | uint32(1)<<(w>>10&31)) &^ (1 << 31)
			}
			if idx := w >> 23 & 3; idx == 1 || idx == 3 {
				wr |= base
			}
			return a64QPlain, wr
		case w&0x3B200000 == 0x38000000: // unscaled, post-, pre-indexed, unprivileged
			if w&0xFFE00C00 == 0xF8000000 { // STUR Xt
				return a64QSTR, 0
			}
			if kind := w >> 10 & 3; kind == 1 || kind == 3 {
				load |= base
			}
			return a64QPlain, load
		case w&0x3B200C00 == 0x38200800: // register offset
			return a64QPlain, load
		}
	}
	return a64QSlow, 0
}

// a64quick is a64Quick's class of an instruction.
type a64quick uint8

const (
	a64QSlow  a64quick = iota
	a64QPlain          // writes the registers returned and nothing the decoder reads
	a64QCond           // decodeA64's a64Cond
	a64QBL             // a64BL
	a64QB              // a64Jump with pcBranch: B
	a64QADRP           // a64ADRP
	a64QADD            // a64ADD
	a64QSTR            // a64STR (see a64Stored)
	a64QSTP            // a64STP (see a64Stored)
	a64QMOV            // a64MOV
)

// a64Stored is what a64STR and a64STP instructions (a64Quick's a64QSTR and a64QSTP)
// store: the register rt (and rt2) to imm(rn).
func a64Stored(w uint32, q a64quick) (rt, rn, rt2 uint8, imm int64) {
	rt, rn = uint8(w&31), uint8(w>>5&31)
	switch {
	case q == a64QSTP:
		return rt, rn, uint8(w >> 10 & 31), int64(int32(w<<10)>>25) * 8
	case w&0x3B000000 == 0x39000000: // STR (unsigned offset)
		return rt, rn, 0, int64(w>>10&0xFFF) * 8
	}
	return rt, rn, 0, int64(int32(w<<11) >> 23) // STUR
}

// a64PCRel is the first pass's view of w: for a branch to pc+imm, pcBranch; for an LDR
// (literal), the size of the data at pc+imm; else 0. It agrees with decodeA64
// (TestARM64PCRel).
func a64PCRel(w uint32) (imm int64, pcrel uint8) {
	switch {
	case w&0x7C000000 == 0x14000000: // B, BL
		return int64(int32(w<<6)) >> 4, pcBranch
	case w&0xFF000010 == 0x54000000, w&0x7E000000 == 0x34000000: // B.cond; CBZ, CBNZ
		return int64(int32(w<<8)>>13) << 2, pcBranch
	case w&0x7E000000 == 0x36000000: // TBZ, TBNZ
		return int64(int32(w<<13)>>18) << 2, pcBranch
	case w&0x3B000000 == 0x18000000: // LDR (literal)
		opc, v := w>>30, w>>26&1 == 1
		switch {
		case v && opc != 3:
			return int64(int32(w<<8)>>13) << 2, 4 << opc
		case !v && opc == 1:
			return int64(int32(w<<8)>>13) << 2, 8
		case !v && opc != 3:
			return int64(int32(w<<8)>>13) << 2, 4
		}
	}
	return 0, 0
}

// a64LoadsRt is all ones for the loads of a general register (with an unsigned offset,
// unscaled, pre- and post-indexed, or with a register offset), indexed by
// size<<3 | V<<2 | opc: not a store (opc 0), nor PRFM (size 3, opc 2), nor SIMD and FP (V).
var a64LoadsRt = func() (t [32]uint32) {
	for size := range 4 {
		for opc := 1; opc < 4; opc++ {
			if size != 3 || opc != 2 {
				t[size<<3|opc] = ^uint32(0)
			}
		}
	}
	return t
}()
