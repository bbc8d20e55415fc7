package code

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// The amd64 decoder of a chunk of functions takes them in batches, in two phases. The
// length decoder is one chain of dependent loads from instruction to instruction, so it
// waits on each look-up; the first phase runs two chains at once, over the two halves
// (lanes) of a batch, one instruction of each in turn, and writes down each
// instruction's text offset and which ones may refer to something (a CALL rel32, an
// operand off(RIP)): a few in ten. The second phase takes the batch's functions in order
// and reads those candidates as [pairer.function] does, pairing each LEA of data against
// the records around it at once. The references are the same, in the same order.

const (
	// laneTarget is the code a lane takes, at least, when the chunk has that much.
	laneTarget = 16 << 10
	// laneMax is the most code a lane takes: a larger function is decoded alone, by
	// [pairer.function], and the records of a batch take at most 16 bytes per byte
	// of it.
	laneMax = 256 << 10
)

// span is where the records of one function of a batch are: its instructions' text
// offsets, rec[i0:i1], and its candidates' indices in rec, rec[k0:k1].
type span struct{ i0, i1, k0, k1 int32 }

// batcher decodes the amd64 functions of one chunk, funcs[:hi], in batches.
type batcher struct {
	p     pairer
	text  []byte // the text, up to its capacity (the fast path's window may reach there)
	addr  uint64
	funcs []Func
	hi    int
	// target is the code a lane takes, at least: laneTarget (tests make it small).
	target uint64
	// The batch decoded: funcs[lo:end], with the span of each; alone when funcs[lo] is
	// decoded by pairer.function.
	rec     []int32
	spans   []span
	lo, end int
	alone   bool
}

// newAMD64 returns the decoder of the amd64 functions of one chunk, which ends before
// funcs[hi]: it appends the references of funcs[i] to refs, called for each i in order.
func newAMD64(text Text, funcs []Func, hi int, isData IsData, lim Limits, refs *Refs) func(i int) {
	return newBatcher(text, funcs, hi, isData, lim, refs).function
}

func newBatcher(text Text, funcs []Func, hi int, isData IsData, lim Limits, refs *Refs) *batcher {
	b := &batcher{text: text.Data[:cap(text.Data)], addr: text.Addr, funcs: funcs, hi: hi, target: laneTarget}
	b.p.isData, b.p.lim, b.p.refs = isData, lim, refs
	return b
}

// function appends the references of funcs[i], decoding a batch from it first unless the
// batch decoded holds it.
func (b *batcher) function(i int) {
	if i < b.lo || i >= b.end {
		b.batch(i)
	}
	if b.alone {
		f := b.funcs[i]
		b.p.function(b.text[f.Entry-b.addr:f.End-b.addr], f.Entry, int32(i))
		return
	}
	b.refs(i)
}

// batch chooses the batch that starts at funcs[i] and runs its first phase.
func (b *batcher) batch(i int) {
	size := func(j int) uint64 { return b.funcs[j].End - b.funcs[j].Entry }
	b.lo, b.end, b.alone = i, i+1, true
	if size(i) > laneMax || len(b.text) > math.MaxInt32-laneMax {
		return
	}
	b.alone = false
	m, s0 := i+1, size(i)
	for m < b.hi && s0 < b.target && s0+size(m) <= laneMax {
		s0 += size(m)
		m++
	}
	z, s1 := m, uint64(0)
	for z < b.hi && s1 < s0 && s1+size(z) <= laneMax {
		s1 += size(z)
		z++
	}
	b.end = z
	// A function of n bytes has at most n instructions: the records are each lane's
	// offsets, then each lane's candidates.
	if n := 2 * int(s0+s1); len(b.rec) < n {
		b.rec = make([]int32, n)
	}
	if cap(b.spans) < z-i {
		b.spans = make([]span, z-i)
	}
	b.spans = b.spans[:z-i]
	n := int(s0 + s1)
	l0 := cursor{f: i, end: m, i: 0, k: n}
	l1 := cursor{f: m, end: z, i: int(s0), k: n + int(s0)}
	b.decode(&l0, &l1)
}

// cursor is where the first phase is in one lane: before the instruction at text offset
// o, in a function whose code ends at e and whose padding of INT3 starts at pad, with
// the next record rec[i] and the next candidate rec[k]; funcs[f:end] follow, the
// function before when open. fast is where the lane's fast loop stops: at pad, or 15
// bytes before e (the longest instruction) or 16 before the text's end (the fast
// path's window).
type cursor struct {
	o, fast, pad, e int
	i, k            int
	f, end          int
	open            bool
}

// decode runs the first phase of two lanes.
func (b *batcher) decode(c0, c1 *cursor) {
	var (
		t              = b.text
		rec            = b.rec
		oa, qa, ia, ka = c0.o, c0.fast, c0.i, c0.k
		ob, qb, ib, kb = c1.o, c1.fast, c1.i, c1.k
	)
	for {
		if oa >= qa {
			c0.o, c0.i, c0.k = oa, ia, ka
			if !b.step(c0) {
				c1.o, c1.i, c1.k = ob, ib, kb
				b.decode1(c1)
				return
			}
			oa, qa, ia, ka = c0.o, c0.fast, c0.i, c0.k
			continue
		}
		if ob >= qb {
			c1.o, c1.i, c1.k = ob, ib, kb
			if !b.step(c1) {
				c0.o, c0.i, c0.k = oa, ia, ka
				b.decode1(c0)
				return
			}
			ob, qb, ib, kb = c1.o, c1.fast, c1.i, c1.k
			continue
		}
		for oa < qa && ob < qb {
			// The direct table's instructions, then the two-byte map's (for which
			// only MOVZX and MOVSX are candidates: the second phase reads nothing
			// else there), inlined for each lane; the rest goes to one.
			if na, ea := directInst((*[16]byte)(t[oa : oa+16])); ea != 0 {
				rec[ia], rec[ka] = int32(oa), int32(ia)
				ia, ka, oa = ia+1, ka+int(ea>>4&1), oa+int(na)
			} else if na, ea := twoByteInst((*[16]byte)(t[oa : oa+16])); ea != 0 {
				rec[ia], rec[ka] = int32(oa), int32(ia)
				ia, ka, oa = ia+1, ka+int(ea>>5&1), oa+int(na)
			} else {
				c0.o, c0.i, c0.k = oa, ia, ka
				b.one(c0)
				oa, ia, ka = c0.o, c0.i, c0.k
			}
			if nb, eb := directInst((*[16]byte)(t[ob : ob+16])); eb != 0 {
				rec[ib], rec[kb] = int32(ob), int32(ib)
				ib, kb, ob = ib+1, kb+int(eb>>4&1), ob+int(nb)
			} else if nb, eb := twoByteInst((*[16]byte)(t[ob : ob+16])); eb != 0 {
				rec[ib], rec[kb] = int32(ob), int32(ib)
				ib, kb, ob = ib+1, kb+int(eb>>5&1), ob+int(nb)
			} else {
				c1.o, c1.i, c1.k = ob, ib, kb
				b.one(c1)
				ob, ib, kb = c1.o, c1.i, c1.k
			}
		}
	}
}

// decode1 runs the first phase of one lane alone to its end.
func (b *batcher) decode1(c *cursor) {
	t, rec := b.text, b.rec
	for {
		o, q, i, k := c.o, c.fast, c.i, c.k
		for o < q {
			if n, e := directInst((*[16]byte)(t[o : o+16])); e != 0 {
				rec[i], rec[k] = int32(o), int32(i)
				i, k, o = i+1, k+int(e>>4&1), o+int(n)
			} else if n, e := twoByteInst((*[16]byte)(t[o : o+16])); e != 0 {
				rec[i], rec[k] = int32(o), int32(i)
				i, k, o = i+1, k+int(e>>5&1), o+int(n)
			} else {
				c.o, c.i, c.k = o, i, k
				b.one(c)
				o, i, k = c.o, c.i, c.k
			}
		}
		c.o, c.i, c.k = o, i, k
		if !b.step(c) {
			return
		}
	}
}

// step moves lane c on where its fast loop stopped: over the function's padding, by one
// instruction, or to the next function. It returns false when the lane has no more.
func (b *batcher) step(c *cursor) bool {
	switch {
	case c.o >= c.e:
		return b.next(c)
	case c.o == c.pad:
		// INT3 to the end, one byte each. (When an instruction before reaches into
		// the padding, the lane goes on past pad one instruction at a time.)
		for o := c.o; o < c.e; o++ {
			b.rec[c.i] = int32(o)
			c.i++
		}
		c.o = c.e
	default:
		b.one(c)
	}
	return true
}

// one decodes the instruction of lane c as pairer.function does, records it and moves
// past it, or past one byte it skips.
func (b *batcher) one(c *cursor) {
	code := b.text[:c.e]
	n, op, space, _, modrm := instAt(code, c.o)
	if n == 0 {
		b.p.refs.Skipped++
		c.o++
		return
	}
	b.rec[c.i], b.rec[c.k] = int32(c.o), int32(c.i)
	c.i++
	if space == map1 && op == 0xE8 || modrm >= 0 && code[c.o+modrm]&0xC7 == 0x05 {
		c.k++
	}
	c.o += n
}

// next ends the function of lane c, if open, and starts the one after. It returns false
// when the lane has no more.
func (b *batcher) next(c *cursor) bool {
	if c.open {
		sp := &b.spans[c.f-1-b.lo]
		sp.i1, sp.k1 = int32(c.i), int32(c.k)
	}
	if c.f == c.end {
		return false
	}
	f := b.funcs[c.f]
	b.spans[c.f-b.lo] = span{i0: int32(c.i), k0: int32(c.k)}
	c.f, c.open = c.f+1, true
	c.o, c.e = int(f.Entry-b.addr), int(f.End-b.addr)
	c.pad = c.o + padding(b.text[c.o:c.e])
	c.fast = min(c.pad, c.e-15+1, len(b.text)-16+1)
	return true
}

// padding is the offset in code of the run of INT3 (0xCC) that ends it.
func padding(code []byte) int {
	n := len(code)
	for ; n >= 8; n -= 8 {
		if w := binary.LittleEndian.Uint64(code[n-8:]) ^ 0xCCCCCCCCCCCCCCCC; w != 0 {
			return n - bits.LeadingZeros64(w)/8
		}
	}
	for n > 0 && code[n-1] == 0xCC {
		n--
	}
	return n
}

// refs runs the second phase over funcs[i], of the batch decoded.
func (b *batcher) refs(i int) {
	s := b.spans[i-b.lo]
	f := b.funcs[i]
	start := int(f.Entry - b.addr)
	code := b.text[start : f.End-b.addr]
	p := &b.p
	p.code, p.pc, p.fi, p.first = code, f.Entry, int32(i), p.n
	p.recs, p.start = b.rec[s.i0:s.i1], int32(start)
	cnt, firstAddr := int(s.i1-s.i0), len(p.refs.Addrs)
	for _, k := range b.rec[s.k0:s.k1] {
		off := int(b.rec[k]) - start
		n, op, space, rex, modrm := instAt(code, off)
		if p.refer(code[off:off+n], f.Entry+uint64(off), op, space, rex, modrm) {
			// pairer.function resolves a LEA once horizon instructions follow it,
			// or at the function's end: p.n as it was then.
			j := int(k - s.i0)
			p.n = p.first + min(cnt, j+1+horizon)
			p.resolve(p.first + j)
		}
	}
	p.n, p.recs = p.first+cnt, nil
	p.sortAddrs(firstAddr)
}

// instAt decodes the instruction at code[off:] as pairer.function does: the fast path,
// and decodeInst for what it does not take; n is 0 when neither knows one there.
func instAt(code []byte, off int) (n int, op byte, space int, rex byte, modrm int) {
	if cap(code)-off >= 16 {
		n, op, space, rex, modrm = fastInst((*[16]byte)(code[off : off+16 : off+16]))
	}
	if n == 0 || n > len(code)-off {
		return slowInst(code[off:])
	}
	return n, op, space, rex, modrm
}
