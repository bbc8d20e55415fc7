package code

import "encoding/binary"

// a64Mem is a load or store of registers at an immediate offset from a base register, as
// a64MemOp decodes it.
type a64Mem struct {
	load bool
	rn   uint8 // base register (31: SP)
	post bool  // post-indexed: the access is at Rn, then Rn += inc
	pre  bool  // pre-indexed: Rn += inc, then the access is at Rn
	off  int64 // offset of the access from Rn (0 when post-indexed)
	inc  int64 // write-back increment (post- and pre-indexed)
	size int64 // bytes accessed
}

// a64MemOp decodes the loads and stores of one register or a pair at an immediate
// offset (unsigned offset, unscaled, post- and pre-indexed; general and SIMD&FP
// registers). ok is false for any other instruction, and for the encodings among these
// that are unallocated or prefetches.
func a64MemOp(w uint32) (m a64Mem, ok bool) {
	m.rn = uint8(w >> 5 & 31)
	opc, v := w>>30, w>>26&1
	switch {
	case w>>27&7 == 5: // load/store pair
		var reg int64
		switch {
		case v == 1 && opc < 3:
			reg = 4 << opc
		case v == 0 && opc == 0, v == 0 && opc == 1 && w>>22&1 == 1 && w>>23&7 != 0: // LDPSW, not LDNP
			reg = 4
		case v == 0 && opc == 2:
			reg = 8
		default:
			return m, false
		}
		imm := int64(int32(w<<10)>>25) * reg
		m.load, m.size = w>>22&1 == 1, 2*reg
		mode := w >> 23 & 7 // 0 no-allocate pair, 1 post-indexed, 2 signed offset, 3 pre-indexed
		if mode == 2 {
			mode = 0
		}
		return m, m.indexed(mode, imm)
	case w>>27&7 == 7 && w>>24&3 != 2 && w>>24&3 != 3: // load/store register, immediate
		size, o := int64(1)<<(w>>30), w>>22&3
		switch {
		case v == 1 && o >= 2:
			if w>>30 != 0 {
				return m, false
			}
			size, m.load = 16, o == 3
		case v == 0 && o >= 2:
			if w>>30 == 3 || w>>30 == 2 && o == 3 {
				return m, false // PRFM, or unallocated
			}
			m.load = true // LDRS*
		default:
			m.load = o == 1
		}
		m.size = size
		if w>>24&1 == 1 { // unsigned offset
			m.off = int64(w>>10&0xFFF) * size
			return m, true
		}
		if w>>21&1 != 0 {
			return m, false // register offset, atomics
		}
		// 0 unscaled, 1 post-indexed, 2 unprivileged (not decoded), 3 pre-indexed
		return m, m.indexed(w>>10&3, int64(int32(w<<11)>>23))
	}
	return m, false
}

// indexed sets m's offset and write-back from an addressing mode (0 offset, 1
// post-indexed, 3 pre-indexed) and its immediate; it reports false for any other mode.
func (m *a64Mem) indexed(mode uint32, imm int64) bool {
	switch mode {
	case 0:
		m.off = imm
	case 1:
		m.post, m.inc = true, imm
	case 3:
		m.pre, m.off, m.inc = true, imm, imm
	default:
		return false
	}
	return true
}

// maxCopyLoop bounds the instructions of a copy loop's body and of its tail.
const maxCopyLoop = 16

// a64CopyLoop recognises, at instruction i of code (a block start), the compiler's copy
// of a long constant out of read-only data (a []byte conversion of a string constant, a
// large array literal), and returns the constant's address and length:
//
//	loop: LDP.P 32(Rs), (F16, F17)    post-indexed loads from Rs, nothing else from it
//	      STP.P (F16, F17), 32(Rd)    stores through other registers
//	      ...
//	      SUB $1, Rc, Rc
//	      CBNZ Rc, loop
//	      LDP (Rs), (F16, F17)        the tail: loads at offsets from Rs, and stores
//	      MOVD 36(Rs), R25
//	      ...
//
// st is what the registers hold when the loop starts: Rs the constant's address, Rc the
// number of rounds. The length is the rounds times the bytes Rs advances by in one, plus
// the furthest byte the tail reads. Without this, the code pass sees no string there:
// the length is nowhere beside the pointer.
func a64CopyLoop(code []byte, i int, st *a64State) (src a64Val, n uint64, ok bool) {
	word := func(j int) (uint32, bool) {
		if j < 0 || 4*j+4 > len(code) {
			return 0, false
		}
		return binary.LittleEndian.Uint32(code[4*j:]), true
	}
	// The loop starts with a post-indexed load from the constant's address:
	// a look at the first word spares the walk at every other block start.
	if w, more := word(i); !more {
		return src, 0, false
	} else if m, isMem := a64MemOp(w); !isMem || !m.load || !m.post || st.reg(m.rn).kind != a64Addr {
		return src, 0, false
	}
	rs, rc := -1, -1
	var stride int64
	j := i
	for ; ; j++ {
		w, more := word(j)
		if !more || j-i >= maxCopyLoop {
			return src, 0, false
		}
		if m, isMem := a64MemOp(w); isMem {
			switch {
			case m.load && m.post && (rs < 0 || int(m.rn) == rs) && m.inc > 0:
				rs = int(m.rn)
				stride += m.inc
			case !m.load && int(m.rn) != rs && !m.pre && (!m.post || m.rn != 31):
			default:
				return src, 0, false
			}
			continue
		}
		if w&0xFFFFFC00 == 0xD1000400 && w&31 == w>>5&31 && w&31 != 31 { // SUB Xc, Xc, #1
			rc = int(w & 31)
			continue
		}
		if w&0xFF000000 == 0xB5000000 && int(w&31) == rc { // CBNZ Xc, loop
			if j+int(int32(w<<8)>>13) != i {
				return src, 0, false
			}
			j++
			break
		}
		return src, 0, false
	}
	if rs < 0 || rc < 0 || rs == rc {
		return src, 0, false
	}
	src, count := st.reg(uint8(rs)), st.reg(uint8(rc))
	if src.kind != a64Addr || count.kind != a64Const || count.v == 0 || count.v > 1<<32 {
		return src, 0, false
	}
	var tail int64
	for k := 0; k < maxCopyLoop; k, j = k+1, j+1 {
		w, more := word(j)
		if !more {
			break
		}
		m, isMem := a64MemOp(w)
		if !isMem || int(m.rn) == rs && (!m.load || m.post || m.pre) || m.load && int(m.rn) != rs || m.off < 0 {
			break
		}
		if m.load {
			tail = max(tail, m.off+m.size)
		}
	}
	return src, count.v*uint64(stride) + uint64(tail), true
}
