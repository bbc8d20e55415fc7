package code

import (
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"testing"
)

// arm64Words calls check on random words of each instruction class and on every word of
// gofmt built for linux/arm64.
func arm64Words(t *testing.T, check func(w uint32) bool) (random, real, words int) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2_000_000 {
		w := rng.Uint32()
		switch rng.IntN(6) {
		case 1:
			w = w&^0x3B000000 | 0x39000000 // load and store (unsigned offset)
		case 2:
			w |= 5 << 25 // data processing (register), SIMD and FP
		case 3:
			w = w&^(7<<26) | 5<<26 // branches, exception generating and system
		case 4:
			w = w&^(15<<25) | 8<<25 // data processing (immediate)
		case 5:
			w = w&^(5<<25) | 4<<25 // loads and stores
		}
		if check(w) {
			random++
		}
	}
	bin := loadELF(t, buildGofmtARM64(t), "arm64")
	for i := 0; i+4 <= len(bin.Text.Data); i += 4 {
		words++
		if check(binary.LittleEndian.Uint32(bin.Text.Data[i:])) {
			real++
		}
	}
	return random, real, words
}

// TestARM64Quick checks that the fast path of the arm64 decoder classifies as decodeA64
// (checked against arm64asm by TestARM64Oracle) decodes: a64QPlain only for a64Plain
// instructions with no pc-relative operand, with the same registers written, and each
// other class only for the instructions decodeA64 decodes so, with the same registers
// written.
func TestARM64Quick(t *testing.T) {
	random, real, words := arm64Words(t, func(w uint32) bool {
		q, wr := a64Quick(w)
		d := decodeA64(w)
		switch q {
		case a64QPlain:
			if d.op != a64Plain || d.wr != wr || d.pcrel != 0 {
				t.Fatalf("%08x: fast path writes %#x, decodeA64 %+v", w, wr, d)
			}
		case a64QCond, a64QBL, a64QB, a64QADRP, a64QADD, a64QSTR, a64QSTP, a64QMOV:
			want := map[a64quick]a64op{a64QCond: a64Cond, a64QBL: a64BL, a64QB: a64Jump, a64QADRP: a64ADRP,
				a64QADD: a64ADD, a64QSTR: a64STR, a64QSTP: a64STP, a64QMOV: a64MOV}[q]
			if d.op != want || d.wr != wr || q == a64QB && d.pcrel != pcBranch {
				t.Fatalf("%08x: fast path says class %d writing %#x, decodeA64 %+v", w, q, wr, d)
			}
			if q == a64QMOV && d.rn != uint8(w>>16&31) {
				t.Fatalf("%08x: fast path copies X%d, decodeA64 %+v", w, w>>16&31, d)
			}
			if q == a64QSTR || q == a64QSTP {
				rt, rn, rt2, imm := a64Stored(w, q)
				if rt != d.rd || rn != d.rn || imm != d.imm || q == a64QSTP && rt2 != d.rt2 {
					t.Fatalf("%08x: fast path stores (%d, %d) to %d(X%d), decodeA64 %+v", w, rt, rt2, imm, rn, d)
				}
			}
		default:
			return false
		}
		return true
	})
	t.Logf("%d of 2000000 random words on the fast path; gofmt: %d of %d words (%.1f%%)", random, real, words, 100*float64(real)/float64(words))
	if real < words/2 {
		t.Errorf("only %d of gofmt's %d words on the fast path", real, words)
	}
}

// TestARM64PCRel checks the first pass's reading of branches and literal loads against
// decodeA64.
func TestARM64PCRel(t *testing.T) {
	arm64Words(t, func(w uint32) bool {
		imm, pcrel := a64PCRel(w)
		d := decodeA64(w)
		if pcrel != d.pcrel || pcrel != 0 && imm != d.imm {
			t.Fatalf("%08x: first pass reads (%d, %d), decodeA64 %+v", w, imm, pcrel, d)
		}
		return pcrel != 0
	})
}

// TestARM64QuickSame scans real arm64 binaries with the fast path and without it: the
// references are the same, address references included.
func TestARM64QuickSame(t *testing.T) {
	for _, bin := range arm64Binaries(t) {
		for _, keep := range []func(uint64) bool{nil, keepAll} {
			lim := Limits{KeepAddr: keep}
			fast, err := Scan(bin.Text, bin.Funcs, bin.IsData, lim)
			if err != nil {
				t.Fatal(err)
			}
			lim.slowARM64 = true
			slow, err := Scan(bin.Text, bin.Funcs, bin.IsData, lim)
			if err != nil {
				t.Fatal(err)
			}
			if len(fast.Strings) == 0 || len(fast.Calls) == 0 || keep != nil && len(fast.Addrs) == 0 {
				t.Fatalf("%d strings, %d calls, %d addresses: nothing to compare", len(fast.Strings), len(fast.Calls), len(fast.Addrs))
			}
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("fast path: %d strings, %d calls, %d addresses, %d skipped; decodeA64 alone: %d, %d, %d, %d",
					len(fast.Strings), len(fast.Calls), len(fast.Addrs), fast.Skipped, len(slow.Strings), len(slow.Calls), len(slow.Addrs), slow.Skipped)
			}
		}
	}
}
