package scan

import (
	"bytes"
	"math/bits"
)

// needleSet finds which of its needles (the rules' nameContains fragments) occur in a
// function name, in one pass over the name instead of one search per needle: the name
// loop runs once per function (dockerd: 110,000), and ten searches of a short name cost
// more than looking each byte pair up once. A needle of two bytes or more is tried where
// a hash of its first two bytes matches; shorter ones are searched directly.
type needleSet struct {
	needles [][]byte
	// pair holds, per hash of two bytes (pairHash), the needles that start with two
	// bytes of that hash: bit k for needles[k] of its group of 64 (pair[g][h]).
	pair  [][256]uint64
	short []int // needles of fewer than two bytes
}

func pairHash(a, b byte) uint8 { return a*7 + b }

func newNeedleSet(needles [][]byte) *needleSet {
	s := &needleSet{needles: needles, pair: make([][256]uint64, (len(needles)+63)/64)}
	for k, n := range needles {
		if len(n) < 2 {
			s.short = append(s.short, k)
			continue
		}
		s.pair[k/64][pairHash(n[0], n[1])] |= 1 << (k % 64)
	}
	return s
}

// match sets found[k] for every needle k that b contains (found has len(needles)
// entries; those already set stay set) and reports whether it set any.
func (s *needleSet) match(b []byte, found []bool) bool {
	any := false
	for g := range s.pair {
		tab := &s.pair[g]
		for i := 0; i+1 < len(b); i++ {
			for m := tab[pairHash(b[i], b[i+1])]; m != 0; m &= m - 1 {
				k := g*64 + bits.TrailingZeros64(m)
				if !found[k] && bytes.HasPrefix(b[i:], s.needles[k]) {
					found[k], any = true, true
				}
			}
		}
	}
	for _, k := range s.short {
		if !found[k] && bytes.Contains(b, s.needles[k]) {
			found[k], any = true, true
		}
	}
	return any
}
