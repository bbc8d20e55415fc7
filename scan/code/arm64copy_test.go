package code

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/arm64/arm64asm"
)

// a64MemSyntax matches arm64asm's immediate memory operands: [Xn], [Xn,#imm],
// [Xn,#imm]! and [Xn],#imm.
var a64MemSyntax = regexp.MustCompile(`^\[(X\d+|SP)(?:,#(-?\d+))?\](!)?(?:,#(-?\d+))?$`)

// oracleMem is what arm64asm says of w as a64MemOp sees it: ok is false when w is not a
// load or store of registers at an immediate offset.
func oracleMem(w uint32) (m a64Mem, ok bool) {
	in, err := arm64asm.Decode(binary.LittleEndian.AppendUint32(nil, w))
	if err != nil {
		return m, false
	}
	op := in.Op.String()
	var regs []string
	var mem []string
	for _, a := range in.Args {
		if a == nil {
			break
		}
		if x, isMem := a.(arm64asm.MemImmediate); isMem {
			mem = a64MemSyntax.FindStringSubmatch(x.String())
			continue
		}
		regs = append(regs, a.String())
	}
	if mem == nil || len(regs) == 0 || len(regs) > 2 {
		return m, false
	}
	switch {
	case strings.HasPrefix(op, "LD"):
		m.load = true
	case strings.HasPrefix(op, "ST"):
	default:
		return m, false
	}
	if strings.HasPrefix(op, "LDA") || strings.HasPrefix(op, "STL") || strings.HasPrefix(op, "LDX") || strings.HasPrefix(op, "STX") || strings.HasSuffix(op, "TR") && op != "LDR" && op != "STR" && !strings.HasSuffix(op, "UR") {
		return m, false // acquire/release, exclusive, unprivileged
	}
	var size int64
	switch {
	case strings.HasSuffix(op, "B") || strings.HasSuffix(op, "SB") || op == "LDURB" || op == "STURB" || op == "LDURSB":
		size = 1
	case strings.HasSuffix(op, "H") || op == "LDURH" || op == "STURH" || op == "LDURSH":
		size = 2
	case strings.HasSuffix(op, "SW") || op == "LDURSW" || op == "LDPSW":
		size = 4
	default:
		switch regs[0][0] {
		case 'W', 'S':
			size = 4
		case 'X', 'D':
			size = 8
		case 'Q':
			size = 16
		case 'H':
			size = 2
		case 'B':
			size = 1
		default:
			return m, false
		}
	}
	m.size = size * int64(len(regs))
	if mem[1] == "SP" {
		m.rn = 31
	} else {
		n, _ := strconv.Atoi(mem[1][1:])
		m.rn = uint8(n)
	}
	imm := func(s string) int64 { v, _ := strconv.ParseInt(s, 10, 64); return v }
	switch {
	case mem[4] != "":
		m.post, m.inc = true, imm(mem[4])
	case mem[3] == "!":
		m.pre, m.off, m.inc = true, imm(mem[2]), imm(mem[2])
	default:
		m.off = imm(mem[2])
	}
	return m, true
}

// TestA64MemOp checks a64MemOp against arm64asm on every word of real arm64 binaries
// and on random words of the load and store classes: whenever a64MemOp decodes a word,
// arm64asm decodes the same load or store (base, direction, offset, write-back, bytes).
func TestA64MemOp(t *testing.T) {
	check := func(w uint32, where string) bool {
		got, ok := a64MemOp(w)
		if !ok {
			return true
		}
		want, wok := oracleMem(w)
		if !wok {
			in, _ := arm64asm.Decode(binary.LittleEndian.AppendUint32(nil, w))
			t.Errorf("%s: %08x (%v): a64MemOp decodes %+v, arm64asm no load or store at an immediate offset", where, w, in, got)
			return false
		}
		if got != want {
			in, _ := arm64asm.Decode(binary.LittleEndian.AppendUint32(nil, w))
			t.Errorf("%s: %08x (%v): a64MemOp %+v, arm64asm %+v", where, w, in, got, want)
			return false
		}
		return true
	}
	decoded := 0
	for _, b := range arm64Binaries(t) {
		bad := 0
		for off := 0; off+4 <= len(b.Text.Data) && bad < 10; off += 4 {
			w := binary.LittleEndian.Uint32(b.Text.Data[off:])
			if _, ok := a64MemOp(w); ok {
				decoded++
			}
			if !check(w, fmt.Sprintf("%s+%#x", b.Path, off)) {
				bad++
			}
		}
	}
	if decoded == 0 {
		t.Fatal("no load or store decoded in the binaries")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	bad := 0
	for _, c := range []struct{ mask, bits uint32 }{
		{0x3A000000, 0x28000000}, // load/store pair
		{0x3B000000, 0x39000000}, // load/store (unsigned immediate)
		{0x3B200000, 0x38000000}, // load/store (unscaled, pre/post-indexed)
	} {
		for range 200_000 {
			if !check(rng.Uint32()&^c.mask|c.bits, "random") {
				if bad++; bad >= 10 {
					return
				}
			}
		}
	}
}
