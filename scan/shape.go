package scan

import (
	"math/bits"
	"slices"
	"sort"
)

// The layout of the arrays in a table: what identifies an array of one
// struct type when no code refers to it.
//
// A map literal of structs is built by its package's initialiser from static
// arrays (keys in one, values in another) that code refers to only at their
// starts; the linker lays out read-only data by size, so another package's
// object of a similar size may sit between two of them, and the rules by
// reference (fillBetweenAnchors) then leave an array no code refers to to no
// one. Its element type still shows: the host strings of an array of structs
// lie a whole number of elements apart, and every string field sits at the
// same offset in each element. A segment whose layout is one of the layouts
// of its neighbour's tables on one side, and of none of the neighbour's on
// the other side, is of the first one's type, and in its table. Arrays of
// strings (elements of two words) or of small structs say nothing: many
// packages have them.

// shapeMinStride is the smallest element size that identifies a struct type
// (a string and two more words); shapeMinHosts the fewest host strings that
// show a segment's element size, over at least shapeMinElems elements.
const (
	shapeMinStride = 32
	shapeMinHosts  = 3
	shapeMinElems  = 3
)

// arrayShape is the layout of an array of structs: the element size and, as
// a bit set of word offsets within an element, where its string headers are.
type arrayShape struct {
	stride uint64
	fields uint64 // bit k: a header at word k of an element (strides up to 64 words)
}

// segEnd returns where segment i ends: the next segment of its run, or the
// run's end.
func (p *program) segEnd(i int) uint64 {
	if i+1 < len(p.segs) && p.segs[i+1].run == p.segs[i].run {
		return p.segs[i+1].start
	}
	return p.runs[p.segs[i].run].end
}

// segShape returns the layout of segment i taken as one array of structs:
// the element size is the greatest common divisor of the distances between
// its host-like headers, and the fields are the offsets, modulo that size and
// from the first host, of the headers from one element before the first host
// to one element past the last. It reports false when the segment shows no
// such layout: fewer than shapeMinHosts hosts, an element size that is not
// from shapeMinStride to 64 words, hosts spanning fewer than shapeMinElems
// elements, a header not aligned to a word; or, when strict, a header outside
// that span (the segment holds something else as well).
func (p *program) segShape(i int, strict bool) (arrayShape, bool) {
	start, end := p.segs[i].start, p.segEnd(i)
	h0, _ := slices.BinarySearch(p.hostHdr, start)
	h1, _ := slices.BinarySearch(p.hostHdr, end)
	hosts := p.hostHdr[h0:h1]
	if len(hosts) < shapeMinHosts {
		return arrayShape{}, false
	}
	var d uint64
	for k := 1; k < len(hosts); k++ {
		d = gcd(d, hosts[k]-hosts[k-1])
	}
	word := uint64(p.ptrSize)
	if d < shapeMinStride || d%word != 0 || d/word > 64 || hosts[len(hosts)-1]-hosts[0] < (shapeMinElems-1)*d {
		return arrayShape{}, false
	}
	sh := arrayShape{stride: d}
	from, to := hosts[0]-min(d, hosts[0]), hosts[len(hosts)-1]+d
	r := p.runs[p.segs[i].run]
	hdrs := p.static[r.first : r.first+r.n]
	lo := sort.Search(len(hdrs), func(k int) bool { return hdrs[k].At >= start })
	for _, h := range hdrs[lo:] {
		if h.At >= end {
			break
		}
		if h.At < from || h.At >= to {
			if strict {
				return arrayShape{}, false
			}
			continue
		}
		off := (h.At + d - hosts[0]) % d // h.At may be before the first host
		if off%word != 0 {
			return arrayShape{}, false
		}
		sh.fields |= 1 << (off / word)
	}
	return sh, true
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// maxFuncShapes bounds the layouts kept per function (aws-sdk-go's
// initialiser has 3 in dockerd, docker-registry and rclone), so that a
// crafted binary's many layouts cost at most 64 comparisons per segment and side.
const maxFuncShapes = 64

// funcShapes maps each function to the layouts of the table segments it owns
// (by its own code, not an inlined call's).
func (p *program) funcShapes() map[int32][]arrayShape {
	m := map[int32][]arrayShape{}
	for i, sg := range p.segs {
		if sg.owner < 0 || sg.inlined != "" {
			continue
		}
		if sh, ok := p.segShape(i, false); ok && len(m[sg.owner]) < maxFuncShapes && !slices.Contains(m[sg.owner], sh) {
			m[sg.owner] = append(m[sg.owner], sh)
		}
	}
	return m
}

// fits reports whether sh has the element size and the string fields (or
// some of them) of a layout in of, or is a multiple of one (a segment of
// sparse elements whose hosts are two elements apart): its fields folded
// onto that layout's element are some of that layout's.
func fits(sh arrayShape, of []arrayShape, word uint64) bool {
	return slices.ContainsFunc(of, func(o arrayShape) bool {
		if sh.stride%o.stride != 0 {
			return false
		}
		n := o.stride / word
		for f := sh.fields; f != 0; f &= f - 1 {
			if o.fields&(1<<(uint64(bits.TrailingZeros64(f))%n)) == 0 {
				return false
			}
		}
		return true
	})
}

// fillByShape gives a segment no code refers to the function whose code
// refers to the nearest address on one side of it (in the same section, at
// most maxAnchorGap away), when the segment has the layout of one of that
// function's tables and the function at the nearest address on the other
// side has no table of that layout.
func (p *program) fillByShape() {
	if !slices.ContainsFunc(p.segs, func(sg tableSeg) bool { return sg.owner < 0 }) {
		return
	}
	var shapes map[int32][]arrayShape
	for i := range p.segs {
		sg := &p.segs[i]
		if sg.owner >= 0 {
			continue
		}
		sh, ok := p.segShape(i, true)
		if !ok {
			continue
		}
		if shapes == nil {
			shapes = p.funcShapes()
		}
		before, after := p.sideMarks(sg.start)
		if before.owner == after.owner {
			continue // one function (the rules by reference judged it), or none
		}
		bf := before.owner >= 0 && sg.start-before.addr <= maxAnchorGap && fits(sh, shapes[before.owner], uint64(p.ptrSize))
		af := after.owner >= 0 && after.addr-sg.start <= maxAnchorGap && fits(sh, shapes[after.owner], uint64(p.ptrSize))
		switch {
		case bf && !af:
			sg.owner, sg.between = before.owner, true
		case af && !bf:
			sg.owner, sg.between = after.owner, true
		}
	}
}

// sideMarks returns the nearest marks before and after addr in its section;
// owner -1 for none, or for an address where several functions refer.
func (p *program) sideMarks(addr uint64) (before, after tableMark) {
	s := p.wordSec(addr)
	b, k := p.markSides(addr)
	one := func(j, step int) tableMark {
		if j < 0 || j >= len(p.marks) || s == nil || p.wordSec(p.marks[j].addr) != s {
			return tableMark{owner: -1}
		}
		m := p.marks[j]
		for ; j >= 0 && j < len(p.marks) && p.marks[j].addr == m.addr; j += step {
			if p.marks[j].owner != m.owner {
				return tableMark{owner: -1}
			}
		}
		return m
	}
	return one(b, -1), one(k, 1)
}
