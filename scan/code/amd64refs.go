package code

import (
	"cmp"
	"slices"
)

// This file reads string references and calls from decoded amd64 instructions; the rule is
// described at the top of amd64.go.

// Kinds of instruction summary.
const (
	kOther    = iota
	kLEA      // LEAQ off(RIP), reg: val is the address
	kMovImm   // MOV $val, reg (the whole 64-bit register)
	kStore    // MOVQ reg, mem
	kStoreImm // MOVQ $val, mem
	kLEAOff   // LEAQ disp(base), reg, not RIP-relative: mem is the operand
	kMovReg   // MOVQ src, reg between registers
	kRepMovsq // REP MOVSQ: copies CX words from (SI) to (DI)
	kBranch   // conditional branch: the code after it still follows in one path
	kCall     // call (direct, indirect or system): clobbers the registers
	kStop     // return, jump, trap: the straight-line code ends
)

const (
	noReg  = -1 // writes no general-purpose register
	anyReg = 16 // may write any (or an unknown) general-purpose register
	regCX  = 1
	regSP  = 4
	regSI  = 6
	regDI  = 7
	ripReg = 16 // base of a RIP-relative memory operand
)

// memRef is a memory operand; for a RIP-relative one, disp is the absolute address.
type memRef struct {
	base, index int8 // -1 for none
	scale       uint8
	disp        int64
}

// summary is what the pairing rules need of one instruction.
type summary struct {
	pc   uint64
	val  uint64
	mem  memRef
	kind uint8
	reg  int8 // register loaded (kLEA, kMovImm) or stored (kStore)
	dst  int8 // register written: noReg, 0-15, or anyReg
}

// nextArg is the integer argument register of ABIInternal that follows each one
// (AX BX CX DI SI R8 R9 R10 R11), or -1.
var nextArg = [16]int8{0: 3, 3: 1, 1: 7, 7: 6, 6: 8, 8: 9, 9: 10, 10: 11, 2: -1, 4: -1, 5: -1, 11: -1, 12: -1, 13: -1, 14: -1, 15: -1}

// Window sizes of the pairing rule.
const (
	regWindow = 6  // instructions either side of the LEA for the length register
	memWindow = 12 // instructions either side of the pointer store for the length store
	ringSize  = 64 // must hold regWindow + 2*memWindow + 1 instructions at least
	horizon   = regWindow + memWindow
)

// decodeAMD64 appends the string references, calls and address references of one
// function's amd64 code, which starts at pc, to refs.
func decodeAMD64(code []byte, pc uint64, fi int32, isData IsData, lim Limits, refs *Refs) {
	var p pairer
	p.isData, p.lim, p.refs = isData, lim, refs
	p.function(code, pc, fi)
}

// function appends the references of one function's code, which starts at pc, decoding
// it in one chain: the decoder of a batch of functions ([batcher]) falls back to it for a
// function larger than a lane takes, and tests compare the two.
func (p *pairer) function(code []byte, pc uint64, fi int32) {
	p.code, p.pc, p.fi, p.first = code, pc, fi, p.n
	var (
		np, pq  int // pending LEAs: p.pending[pq:pq+np] (mod ringSize)
		pending = &p.pending
		offs    = &p.offs
		cnt     = p.n // instructions decoded (p.n, kept in a register)
	)
	refs, firstAddr := p.refs, len(p.refs.Addrs)
	for off := 0; off < len(code); {
		var (
			n, space, modrm int
			op, rex         byte
		)
		if cap(code)-off >= 16 {
			// The window may reach past the function into the text: the length
			// depends only on the instruction's own bytes.
			n, op, space, rex, modrm = fastInst((*[16]byte)(code[off : off+16 : off+16]))
		}
		if n == 0 || n > len(code)-off {
			if n, op, space, rex, modrm = slowInst(code[off:]); n == 0 {
				refs.Skipped++
				off++
				continue
			}
		}
		offs[cnt%ringSize] = int32(off)
		cnt++
		if modrm >= 0 || space == map1 && op == 0xE8 {
			if p.refer(code[off:off+n], pc+uint64(off), op, space, rex, modrm) {
				pending[(pq+np)%ringSize] = cnt - 1
				np++
			}
		}
		off += n
		for np > 0 && cnt-1-pending[pq] >= horizon {
			p.n = cnt
			p.resolve(pending[pq])
			pq, np = (pq+1)%ringSize, np-1
		}
	}
	p.n = cnt
	for ; np > 0; pq, np = (pq+1)%ringSize, np-1 {
		p.resolve(pending[pq])
	}
	p.sortAddrs(firstAddr)
}

// slowInst decodes the instruction at the start of code with [decodeInst], for what the
// fast path does not decode; n is 0 when it knows no instruction there.
func slowInst(code []byte) (n int, op byte, space int, rex byte, modrm int) {
	var in inst
	if !decodeInst(code, &in) {
		return 0, 0, 0, 0, -1
	}
	if in.p67 {
		in.modrm = -1 // no RIP-relative operand: Go does not emit EIP-relative ones
	}
	return in.n, in.op, in.space, in.rex, in.modrm
}

// refer records the call or the address reference of the instruction b at pc, decoded
// as op of map space with REX rex and its ModRM byte at b[modrm] (-1: none), and reports
// whether it is a LEA of data to pair.
func (p *pairer) refer(b []byte, pc uint64, op byte, space int, rex byte, modrm int) (lea bool) {
	next := pc + uint64(len(b))
	switch {
	case space == map1 && op == 0xE8:
		p.refs.Calls = append(p.refs.Calls, Call{Func: p.fi, PC: pc, Target: next + uint64(int64(le32(b, len(b)-4)))})
	case modrm < 0 || b[modrm]&0xC7 != 0x05:
		// No RIP-relative operand.
	case space == map1 && op == 0x8D:
		// A LEA of code, type data or a variable is no string whatever its
		// length: test its first byte before pairing.
		target := next + uint64(int64(le32(b, modrm+1)))
		if rex&8 != 0 && p.isData(target, 1) {
			return true
		}
		if keep := p.lim.KeepAddr; keep != nil && keep(target) {
			p.refs.Addrs = append(p.refs.Addrs, AddrRef{Func: p.fi, PC: pc, Addr: target})
		}
	case p.lim.KeepAddr != nil && (space == map1 && ripLoad(op, b[modrm]) || space == map0F && op&0xF6 == 0xB6):
		// A MOV, CMP or TEST of a global; MOVZX, MOVSX of one.
		if target := next + uint64(int64(le32(b, modrm+1))); p.lim.KeepAddr(target) {
			p.refs.Addrs = append(p.refs.Addrs, AddrRef{Func: p.fi, PC: pc, Addr: target})
		}
	}
	return false
}

// sortAddrs sorts the function's address references, p.refs.Addrs[from:], by PC: the
// LEAs resolved late come after the references found while they waited.
func (p *pairer) sortAddrs(from int) {
	if fa := p.refs.Addrs[from:]; !slices.IsSortedFunc(fa, cmpAddrRef) {
		slices.SortFunc(fa, cmpAddrRef)
	}
}

func cmpAddrRef(a, b AddrRef) int { return cmp.Compare(a.PC, b.PC) }

// ripLoad reports whether the one-byte-map opcode op with ModRM byte m (whose memory
// operand is RIP-relative) is a MOV to or from memory, a CMP or a TEST of it.
func ripLoad(op, m byte) bool {
	switch op {
	case 0x88, 0x89, 0x8A, 0x8B, 0x38, 0x39, 0x3A, 0x3B, 0x84, 0x85:
		return true
	case 0x80, 0x81, 0x83:
		return m>>3&7 == 7 // CMP
	case 0xC6, 0xC7, 0xF6, 0xF7:
		return m>>3&7 == 0 // MOV $imm, TEST $imm
	}
	return false
}

// pairer resolves the LEAs of one function against the instructions around them. It
// keeps the offsets of the last ringSize instructions (or, given the decoded function's
// records, reads them there) and summarises an instruction only when a window reaches it.
type pairer struct {
	code    []byte
	pc      uint64
	n       int // instructions decoded so far, in this and the functions before
	first   int // the index of the function's first instruction
	offs    [ringSize]int32
	recs    []int32 // when not nil: the text offsets of all the function's instructions
	start   int32   // the text offset of the function's code (with recs)
	pending [ringSize]int
	sums    [ringSize]summary
	tags    [ringSize]int // 1 + the index of the instruction summarised in sums
	fi      int32
	isData  IsData
	lim     Limits
	refs    *Refs
}

// at is the summary of instruction i, which must be one of the last ringSize decoded.
func (p *pairer) at(i int) *summary {
	k := i % ringSize
	if p.tags[k] != i+1 {
		var in inst
		off := int(p.offs[k])
		if p.recs != nil {
			off = int(p.recs[i-p.first] - p.start)
		}
		decodeInst(p.code[off:], &in)
		p.sums[k] = summarise(p.code[off:off+in.n], &in, p.pc+uint64(off))
		p.tags[k] = i + 1
	}
	return &p.sums[k]
}

// lo is the first index a window may reach back to.
func (p *pairer) lo() int { return max(p.first, p.n-ringSize) }

func writes(s *summary, r int8) bool { return s.dst == r || s.dst == anyReg }

// resolve applies the pairing rule to the LEA at index i.
func (p *pairer) resolve(i int) {
	lea := p.at(i)
	if !p.pair(i, lea) && !p.bulkCopy(i, lea) && !p.copyLoop(i, lea) && p.lim.KeepAddr != nil && p.lim.KeepAddr(lea.val) {
		p.refs.Addrs = append(p.refs.Addrs, AddrRef{Func: p.fi, PC: lea.pc, Addr: lea.val})
	}
}

// pair reports whether the LEA at index i is a string, and reports it.
func (p *pairer) pair(i int, lea *summary) bool {
	if n, ok, _ := p.regConst(i, lea.reg, nextArg[lea.reg]); ok {
		if nn := nextArg[nextArg[lea.reg]]; nn >= 0 {
			if m, ok, _ := p.regConst(i, lea.reg, nn); ok && m == n {
				return false // a slice: pointer, length, capacity
			}
		}
		return p.emit(lea, n)
	}
	for j := i + 1; j < min(p.n, i+1+regWindow); j++ {
		s := p.at(j)
		if s.kind >= kBranch {
			return false
		}
		if s.kind == kStore && s.reg == lea.reg {
			if n, ok := p.memConst(j, s.mem); ok {
				return p.emit(lea, n)
			}
			return false
		}
		if writes(s, lea.reg) {
			return false
		}
	}
	return false
}

// bulkCopy reports whether the LEA at index i is the source of the compiler's copy of
// a long constant (a []byte conversion of a string constant over 1 KiB, a large array
// literal), and reports the constant's bytes as a string. The shape is
//
//	LEAQ h(dst), DI     (or MOVQ dst, DI: h is 0)
//	LEAQ s+h(IP), SI
//	MOVL $k, CX
//	REP; MOVSQ
//
// in any order before the REP MOVSQ, within the window, with nothing between that writes
// SI, DI or CX: the k words from s+h go to dst+h. The first h bytes (h < 16, the size's
// remainder) go apart, from immediates the compiler read out of s, so the constant is the
// h+8k bytes at s. Without this, the code pass would see no string there: the length is
// neither beside the pointer nor stored with it.
func (p *pairer) bulkCopy(i int, lea *summary) bool {
	if lea.reg != regSI {
		return false
	}
	rep := -1
	for j := i + 1; j < min(p.n, i+1+regWindow); j++ {
		s := p.at(j)
		if s.kind == kRepMovsq {
			rep = j
			break
		}
		if s.kind >= kBranch || writes(s, regSI) {
			return false
		}
	}
	if rep < 0 {
		return false
	}
	var count, h uint64
	haveCount, haveDst := false, false
	for j := rep - 1; j >= max(p.lo(), rep-1-2*regWindow) && !(haveCount && haveDst); j-- {
		if j == i {
			continue
		}
		s := p.at(j)
		if s.kind >= kBranch {
			break
		}
		if !haveCount && writes(s, regCX) {
			if s.kind != kMovImm || s.reg != regCX {
				return false
			}
			count, haveCount = s.val, true
		}
		if !haveDst && writes(s, regDI) {
			switch {
			case s.kind == kMovReg && s.reg == regDI:
			case s.kind == kLEAOff && s.reg == regDI && s.mem.index < 0 && s.mem.disp >= 0 && s.mem.disp < 16:
				h = uint64(s.mem.disp)
			default:
				return false
			}
			haveDst = true
		}
		if writes(s, regSI) {
			return false
		}
	}
	if !haveCount || !haveDst || count == 0 || count > p.lim.MaxStringLen/8 || lea.val < h {
		return false
	}
	n := h + 8*count
	if n > p.lim.MaxStringLen || !p.isData(lea.val-h, n) {
		return false
	}
	p.refs.Strings = append(p.refs.Strings, StringRef{Func: p.fi, PC: lea.pc, Addr: lea.val - h, Len: uint32(n)})
	return true
}

// copyLoop reports whether the LEA at index i is the source of the compiler's copy
// loop for a constant of 64 bytes to about 1 KiB (Go 1.25 on), and reports the constant
// as a string:
//
//	LEAQ s(IP), DX
//	MOVL $k, SI               (and register copies: MOVQ AX, CX)
//	loop: MOVUPS 0(DX), X14   loads from DX, stores elsewhere
//	      MOVUPS X14, 0(AX)
//	      ...
//	      ADDQ $64, DX        DX advances; other registers may too
//	      ADDQ $64, AX
//	      DECL SI
//	      JNE loop
//	MOVUPS 0x2c(DX), X14      the tail: loads at offsets from DX, and stores
//
// The constant is k rounds of what DX advances by, plus the furthest byte the tail
// reads. The loop runs past the pairing window, so it is decoded here from the code.
func (p *pairer) copyLoop(i int, lea *summary) bool {
	src := lea.reg
	if i+1 >= p.n {
		return false
	}
	// Most LEAs are followed by a call or a store: a look at the summary of the
	// next instruction (made for the pairing) spares decoding the rest.
	if s := p.at(i + 1); s.kind != kMovImm && s.kind != kMovReg && (s.kind != kOther || s.dst != noReg) {
		return false
	}
	off := int(p.offs[i%ringSize])
	if p.recs != nil {
		off = int(p.recs[i-p.first] - p.start)
	}
	var in inst
	next := func() (b []byte, ok bool) {
		if off >= len(p.code) || !decodeInst(p.code[off:], &in) {
			return nil, false
		}
		b = p.code[off : off+in.n]
		off += in.n
		return b, true
	}
	// modrm decodes the ModRM byte of b: mod, reg and rm with REX.
	modrm := func(b []byte) (mod, reg, rm int8) {
		m := b[in.modrm]
		return int8(m >> 6), int8(m>>3&7 | in.rex>>2&1<<3), int8(m&7 | in.rex&1<<3)
	}
	// memBase is the base register of b's memory operand when it has no index, or -1.
	memBase := func(b []byte) (int8, int64) {
		if in.modrm < 0 {
			return -1, 0
		}
		if mod, _, _ := modrm(b); mod == 3 {
			return -1, 0
		}
		m := memOperand(b, &in, 0)
		if m.index >= 0 || m.base < 0 || m.base == ripReg {
			return -1, 0
		}
		return m.base, m.disp
	}
	if _, ok := next(); !ok { // the LEA
		return false
	}
	var consts [16]uint64 // the constants moved into registers, where known has a bit
	var known uint16
	loopAt := -1
	for k := 0; k < 4; k++ {
		at := off
		b, ok := next()
		if !ok {
			return false
		}
		if in.space == map0F && in.op == 0x10 {
			if base, _ := memBase(b); base == src {
				off, loopAt = at, at
				break
			}
			return false
		}
		s := summarise(b, &in, 0)
		switch {
		case s.kind == kMovImm && s.reg != src && s.reg >= 0 && s.reg < 16:
			consts[s.reg], known = s.val, known|1<<s.reg
		case s.kind == kMovReg && s.reg != src && s.reg >= 0 && s.reg < 16:
			known &^= 1 << s.reg
		default:
			return false
		}
	}
	if loopAt < 0 {
		return false
	}
	var stride uint64
	counter := int8(-1)
	for k := 0; ; k++ {
		at := off
		b, ok := next()
		if !ok || k >= 16 {
			return false
		}
		base, _ := memBase(b)
		switch {
		case in.space == map0F && in.op == 0x10 && base == src: // MOVUPS load
		case in.space == map0F && in.op == 0x11 && base != src && base >= 0: // MOVUPS store
		case in.space == map1 && (in.op == 0x83 || in.op == 0x81) && in.rex&8 != 0:
			mod, reg, rm := modrm(b)
			if mod != 3 || reg&7 != 0 {
				return false
			}
			if rm == src {
				v := int64(int8(b[in.imm]))
				if in.op == 0x81 {
					v = int64(le32(b, in.imm))
				}
				if v <= 0 {
					return false
				}
				stride += uint64(v)
			}
		case in.space == map1 && in.op == 0xFF:
			mod, reg, rm := modrm(b)
			if mod != 3 || reg&7 != 1 || rm == src {
				return false
			}
			counter = rm
		case in.space == map1 && in.op == 0x75 || in.space == map0F && in.op == 0x85: // JNE
			if in.imm < 0 {
				return false
			}
			rel := int(int8(b[in.imm]))
			if in.space == map0F {
				rel = int(le32(b, in.imm))
			}
			if at+in.n+rel != loopAt {
				return false
			}
			k = -1 // the loop ends
		default:
			return false
		}
		if k < 0 {
			break
		}
	}
	if counter < 0 || counter >= 16 || known&(1<<counter) == 0 {
		return false
	}
	count := consts[counter]
	if count == 0 || stride == 0 || count > p.lim.MaxStringLen/stride {
		return false
	}
	var tail uint64
	for k := 0; k < 16; k++ {
		b, ok := next()
		if !ok {
			break
		}
		base, disp := memBase(b)
		if base < 0 || disp < 0 {
			break
		}
		switch {
		case in.space == map0F && in.op == 0x10 && base == src:
			tail = max(tail, uint64(disp)+16)
		case in.space == map1 && in.op == 0x8B && in.rex&8 != 0 && base == src:
			tail = max(tail, uint64(disp)+8)
		case (in.space == map0F && in.op == 0x11 || in.space == map1 && in.op == 0x89) && base != src:
		default:
			k = 16
		}
	}
	n := count*stride + tail
	if n > p.lim.MaxStringLen || !p.isData(lea.val, n) {
		return false
	}
	p.refs.Strings = append(p.refs.Strings, StringRef{Func: p.fi, PC: lea.pc, Addr: lea.val, Len: uint32(n)})
	return true
}

// regConst finds the constant set in register r near the LEA at i that loads register
// ptr. dirty reports that r is written otherwise after the LEA.
func (p *pairer) regConst(i int, ptr, r int8) (val uint64, ok, dirty bool) {
	if r < 0 {
		return 0, false, false
	}
	for j := i + 1; j < min(p.n, i+1+regWindow); j++ {
		s := p.at(j)
		if s.kind >= kBranch {
			break
		}
		if s.kind == kMovImm && s.reg == r {
			return s.val, true, false
		}
		if writes(s, r) {
			return 0, false, true
		}
		if writes(s, ptr) {
			break
		}
	}
	for j := i - 1; j >= max(p.lo(), i-regWindow); j-- {
		s := p.at(j)
		if s.kind >= kBranch {
			break
		}
		if s.kind == kMovImm && s.reg == r {
			return s.val, true, false
		}
		if writes(s, r) {
			break
		}
	}
	return 0, false, false
}

// memConst finds the constant stored at m+8 near the store at k.
func (p *pairer) memConst(k int, m memRef) (uint64, bool) {
	want := m
	want.disp += 8
	stable := m.base == ripReg || m.base == regSP && m.index < 0
	look := func(j int) (val uint64, found, stop bool) {
		s := p.at(j)
		switch {
		case s.kind == kStop:
			return 0, false, true
		case s.kind == kStoreImm && s.mem == want:
			return s.val, true, true
		case !stable && (s.kind == kCall || writes(s, m.base) || m.index >= 0 && writes(s, m.index)):
			return 0, false, true
		case stable && m.base == regSP && writes(s, regSP):
			return 0, false, true
		}
		return 0, false, false
	}
	for j := k + 1; j < min(p.n, k+1+memWindow); j++ {
		if v, found, stop := look(j); found {
			return v, true
		} else if stop {
			break
		}
	}
	for j := k - 1; j >= max(p.lo(), k-memWindow); j-- {
		if v, found, stop := look(j); found {
			return v, true
		} else if stop {
			break
		}
	}
	return 0, false
}

func (p *pairer) emit(lea *summary, n uint64) bool {
	if n == 0 || n > p.lim.MaxStringLen || !p.isData(lea.val, n) {
		return false
	}
	p.refs.Strings = append(p.refs.Strings, StringRef{Func: p.fi, PC: lea.pc, Addr: lea.val, Len: uint32(n)})
	return true
}

// summarise classifies the decoded instruction b (exactly in.n bytes) at pc.
func summarise(b []byte, in *inst, pc uint64) summary {
	s := summary{pc: pc, dst: anyReg, reg: -1}
	next := pc + uint64(in.n)
	if in.space == mapVEX {
		return s
	}
	var mod, reg, rm byte
	if in.modrm >= 0 {
		m := b[in.modrm]
		mod, reg, rm = m>>6, m>>3&7|in.rex>>2&1<<3, m&7|in.rex&1<<3
	}
	rexW := in.rex&8 != 0
	rmDst := func() int8 {
		if mod == 3 {
			return int8(rm)
		}
		return noReg
	}
	op := in.op
	switch in.space {
	case map1:
		switch {
		case op < 0x40 && op&7 < 6:
			cmp := op&0xF8 == 0x38
			switch {
			case cmp:
				s.dst = noReg
			case op&7 < 2:
				s.dst = rmDst()
			case op&7 < 4:
				s.dst = int8(reg)
			default:
				s.dst = 0
			}
		case op >= 0x50 && op <= 0x57:
			s.dst = regSP
		case op == 0x63 || op == 0x69 || op == 0x6B || op == 0x8A:
			s.dst = int8(reg)
		case op >= 0x70 && op <= 0x7F || op >= 0xE0 && op <= 0xE3:
			s.kind, s.dst = kBranch, noReg
		case op == 0x80 || op == 0x81 || op == 0x83:
			if reg&7 == 7 {
				s.dst = noReg
			} else {
				s.dst = rmDst()
			}
		case op == 0x84 || op == 0x85:
			s.dst = noReg
		case op == 0x88:
			s.dst = rmDst()
		case op == 0x89:
			s.dst = rmDst()
			switch {
			case rexW && mod != 3:
				s.kind, s.reg, s.mem = kStore, int8(reg), memOperand(b, in, next)
			case rexW:
				s.kind, s.reg = kMovReg, int8(rm)
			}
		case op == 0x8B:
			s.dst = int8(reg)
			if rexW && mod == 3 {
				s.kind, s.reg = kMovReg, int8(reg)
			}
		case op == 0x8D:
			s.dst = int8(reg)
			switch {
			case rexW && mod == 0 && rm&7 == 5:
				s.kind, s.reg = kLEA, int8(reg)
				s.val = next + uint64(int64(le32(b, in.modrm+1)))
			case rexW && !in.p67 && mod != 3: // mod 3 is no LEA: no memory operand
				s.kind, s.reg, s.mem = kLEAOff, int8(reg), memOperand(b, in, next)
			}
		case op == 0xA5 && len(b) == 3 && b[0] == 0xF3 && b[1] == 0x48:
			// REP MOVSQ, as the compiler writes it: it moves CX words, and
			// leaves SI, DI and CX changed
			s.kind = kRepMovsq
		case op == 0x90 && in.rex&1 == 0:
			s.dst = noReg
		case op >= 0xB0 && op <= 0xB7:
			s.dst = int8(op&7 | in.rex&1<<3)
		case op >= 0xB8 && op <= 0xBF:
			r := int8(op&7 | in.rex&1<<3)
			s.dst = r
			if !in.p66 {
				s.kind, s.reg = kMovImm, r
				if rexW {
					s.val = uint64(le32(b, in.imm))&0xFFFFFFFF | uint64(le32(b, in.imm+4))<<32
				} else {
					s.val = uint64(uint32(le32(b, in.imm)))
				}
			}
		case op == 0xC0 || op == 0xC1 || op >= 0xD0 && op <= 0xD3 || op == 0xC6:
			s.dst = rmDst()
		case op == 0xC7:
			s.dst = rmDst()
			if reg&7 == 0 && !in.p66 {
				v := uint64(uint32(le32(b, in.imm)))
				if rexW {
					v = uint64(int64(le32(b, in.imm)))
				}
				switch {
				case mod == 3:
					s.kind, s.reg, s.val = kMovImm, int8(rm), v
				case rexW:
					s.kind, s.mem, s.val = kStoreImm, memOperand(b, in, next), v
				}
			}
		case op == 0xC2 || op == 0xC3 || op == 0xCC || op == 0xE9 || op == 0xEB || op == 0xF4:
			s.kind = kStop
		case op == 0xE8:
			s.kind = kCall
			s.val = next + uint64(int64(le32(b, in.imm)))
		case op == 0xF6 || op == 0xF7:
			switch reg & 7 {
			case 0, 1:
				s.dst = noReg
			case 2, 3:
				s.dst = rmDst()
			}
		case op == 0xFE || op == 0xFF:
			switch reg & 7 {
			case 0, 1:
				s.dst = rmDst()
			case 2, 3:
				s.kind = kCall
			case 4, 5:
				s.kind = kStop
			case 6:
				s.dst = regSP
			}
		}
	case map0F:
		switch {
		case op == 0x0B:
			s.kind = kStop
		case op == 0x05:
			s.kind = kCall
		case op == 0x1F || op == 0x18 || op == 0x0D || op == 0xAE || op == 0xA3:
			s.dst = noReg
		case op >= 0x10 && op <= 0x17 || op >= 0x28 && op <= 0x2F && op != 0x2C && op != 0x2D:
			s.dst = noReg
		case op >= 0x40 && op <= 0x4F || op == 0x2C || op == 0x2D || op == 0x50 || op == 0xAF || op == 0xB6 || op == 0xB7 ||
			op == 0xBE || op == 0xBF || op == 0xB8 || op == 0xBC || op == 0xBD || op == 0xC5 || op == 0xD7:
			s.dst = int8(reg)
		case op == 0x7E && b[0] != 0xF3:
			s.dst = rmDst()
		case op >= 0x51 && op <= 0x7F || op >= 0xD0:
			s.dst = noReg
		case op >= 0x80 && op <= 0x8F:
			s.kind, s.dst = kBranch, noReg
		case op >= 0x90 && op <= 0x9F:
			s.dst = rmDst()
		case op >= 0xC8 && op <= 0xCF:
			s.dst = int8(op&7 | in.rex&1<<3)
		}
	case map0F38:
		if op < 0xF0 {
			s.dst = noReg
		}
	case map0F3A:
		if op < 0x14 || op > 0x17 {
			s.dst = noReg
		}
	}
	return s
}

// memOperand decodes the memory operand of the ModRM at in.modrm.
func memOperand(b []byte, in *inst, next uint64) memRef {
	m := b[in.modrm]
	mod, rm := m>>6, m&7
	r := memRef{base: -1, index: -1}
	pos := in.modrm + 1
	if rm == 4 {
		sib := b[pos]
		pos++
		r.scale = sib >> 6
		if idx := sib>>3&7 | in.rex>>1&1<<3; idx != 4 {
			r.index = int8(idx)
		}
		if sib&7 == 5 && mod == 0 {
			r.base = -2 // absolute disp32: no base
			r.disp = int64(le32(b, pos))
			return r
		}
		r.base = int8(sib&7 | in.rex&1<<3)
	} else if mod == 0 && rm == 5 {
		r.base = ripReg
		r.disp = int64(next) + int64(le32(b, pos))
		return r
	} else {
		r.base = int8(rm | in.rex&1<<3)
	}
	switch mod {
	case 1:
		r.disp = int64(int8(b[pos]))
	case 2:
		r.disp = int64(le32(b, pos))
	}
	return r
}
