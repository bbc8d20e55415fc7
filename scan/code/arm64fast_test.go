package code

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestARM64Fast checks that the fast path of the arm64 decoder takes only instructions
// that decodeA64 (checked against arm64asm by TestARM64Oracle) decodes as a64Plain, with
// the same registers written: on random words of each class and on every word of gofmt.
func TestARM64Fast(t *testing.T) {
	check := func(w uint32) (fast bool) {
		for _, withAddrs := range []bool{false, true} {
			wr, ok := a64Fast(w, withAddrs)
			if !ok {
				continue
			}
			fast = true
			if d := decodeA64(w); d.op != a64Plain || d.wr != wr || d.pcrel != 0 {
				t.Fatalf("%08x (addrs %v): fast path writes %#x, decodeA64 %+v", w, withAddrs, wr, d)
			}
		}
		return fast
	}
	rng := rand.New(rand.NewPCG(7, 8))
	fast := 0
	for range 2_000_000 {
		w := rng.Uint32()
		switch rng.IntN(3) {
		case 1:
			w = w&^0x3B000000 | 0x39000000 // load and store (unsigned offset)
		case 2:
			w |= 5 << 25 // data processing (register), SIMD and FP
		}
		if check(w) {
			fast++
		}
	}
	bin := loadELF(t, buildGofmtARM64(t), "arm64")
	words, real := 0, 0
	for i := 0; i+4 <= len(bin.Text.Data); i += 4 {
		words++
		if check(binary.LittleEndian.Uint32(bin.Text.Data[i:])) {
			real++
		}
	}
	t.Logf("%d of 2000000 random words on the fast path; gofmt: %d of %d words (%.1f%%)", fast, real, words, 100*float64(real)/float64(words))
}
