package code

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// fastAgrees reports an error when the fast path decodes w differently from decodeInst.
func fastAgrees(w *[16]byte) (fast bool, err error) {
	if err := twoByteAgrees(w); err != nil {
		return true, err
	}
	n, op, space, rex, modrm := fastInst(w)
	if n == 0 {
		return false, nil
	}
	var in inst
	if !decodeInst(w[:], &in) {
		return true, fmt.Errorf("% x: fast path length %d, decodeInst none", w[:], n)
	}
	if n != in.n || op != in.op || space != in.space || rex != in.rex || modrm != in.modrm {
		return true, fmt.Errorf("% x: fast path (n %d op %#x map %d rex %#x modrm %d), decodeInst (n %d op %#x map %d rex %#x modrm %d)",
			w[:], n, op, space, rex, modrm, in.n, in.op, in.space, in.rex, in.modrm)
	}
	// The direct table's candidate bit: what the decoder of a batch records.
	if _, e := directInst(w); e != 0 {
		cand := in.space == map1 && in.op == 0xE8 || in.modrm >= 0 && w[in.modrm]&0xC7 == 0x05
		if e>>4&1 == 1 != cand {
			return true, fmt.Errorf("% x: direct table candidate bit %d, decodeInst: call or off(RIP) %v", w[:], e>>4&1, cand)
		}
	}
	return true, nil
}

// twoByteAgrees reports an error when twoByteInst decodes w differently from decodeInst.
func twoByteAgrees(w *[16]byte) error {
	n, q := twoByteInst(w)
	if q == 0 {
		return nil
	}
	var in inst
	if !decodeInst(w[:], &in) || n != uint(in.n) || in.space != map0F || in.p66 || in.modrm >= 0 != (q&qModRM != 0) {
		return fmt.Errorf("% x: twoByteInst n %d q %#x, decodeInst %+v", w[:], n, q, in)
	}
	if ref := in.op&0xF6 == 0xB6; ref != (q&qRef != 0) {
		return fmt.Errorf("% x: twoByteInst qRef %v, MOVZX or MOVSX %v", w[:], q&qRef != 0, ref)
	}
	return nil
}

// TestFastPath checks that the fast path of the length decoder decodes every opcode of the
// legacy maps, under common prefixes, with every ModRM byte and both kinds of SIB base, as
// decodeInst does (which TestLengthTables checks against x86asm), and that it decodes
// nearly all of the go command.
func TestFastPath(t *testing.T) {
	prefixes := [][]byte{nil, {0x66}, {0xF2}, {0xF3}, {0x67}, {0xF0}, {0x48}, {0x41}, {0x4C}, {0x66, 0x48}, {0xF3, 0x48},
		{0xF2, 0x4D}, {0x64}, {0x66, 0x66}, {0x66, 0x41}, {0x48, 0x48}, {0x48, 0x66}, {0xF3, 0x66}}
	rng := rand.New(rand.NewPCG(5, 6))
	var w [16]byte
	checked, fast, bad := 0, 0, 0
	for _, p := range prefixes {
		for _, esc := range [][]byte{nil, {0x0F}, {0x0F, 0x38}, {0x0F, 0x3A}} {
			for op := range 256 {
				for modrm := range 256 {
					for _, sib := range []byte{0x24, 0x25} {
						b := append(append(append(append(w[:0:16], p...), esc...), byte(op), byte(modrm), sib), make([]byte, 16)...)[:16]
						for i := len(p) + len(esc) + 3; i < 16; i++ {
							b[i] = byte(rng.Uint32())
						}
						checked++
						ok, err := fastAgrees((*[16]byte)(b))
						if ok {
							fast++
						}
						if err != nil {
							if bad++; bad <= 20 {
								t.Error(err)
							}
						}
					}
				}
			}
		}
	}
	t.Logf("%d encodings, %d on the fast path, %d disagree", checked, fast, bad)

	b := loadELF(t, goToolBinary(t), "amd64")
	insts, fastN := 0, 0
	var in inst
	for _, f := range b.Funcs {
		code := b.Text.Data[f.Entry-b.Text.Addr : f.End-b.Text.Addr]
		for off := 0; off < len(code); {
			if !decodeInst(code[off:], &in) {
				off++
				continue
			}
			insts++
			if cap(code)-off >= 16 {
				ok, err := fastAgrees((*[16]byte)(code[off : off+16 : off+16]))
				if err != nil {
					t.Errorf("%s+%#x: %v", f.Name, off, err)
				}
				if ok {
					fastN++
				}
			}
			off += in.n
		}
	}
	t.Logf("%s: %d instructions, %d (%.2f%%) on the fast path", b.Path, insts, fastN, 100*float64(fastN)/float64(insts))
	if fastN < insts*9/10 {
		t.Errorf("only %d of %d instructions on the fast path", fastN, insts)
	}
}
