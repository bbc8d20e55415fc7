package code

import (
	"encoding/binary"
	"slices"
	"testing"
)

// asm assembles the few amd64 shapes the pairing rule reads, at pc 0x1000.
type asm struct{ b []byte }

const asmBase = 0x1000

func (a *asm) pc() uint64 { return asmBase + uint64(len(a.b)) }

func (a *asm) imm32(v uint32) *asm { a.b = binary.LittleEndian.AppendUint32(a.b, v); return a }

// lea is LEAQ target(RIP), r for r < 8.
func (a *asm) lea(r byte, target uint64) *asm {
	a.b = append(a.b, 0x48, 0x8D, 0x05|r<<3)
	return a.imm32(uint32(target - (a.pc() + 4)))
}

// movl is MOVL $v, r for r < 8.
func (a *asm) movl(r byte, v uint32) *asm { a.b = append(a.b, 0xB8+r); return a.imm32(v) }

func (a *asm) raw(b ...byte) *asm { a.b = append(a.b, b...); return a }

const (
	rAX, rCX, rDX, rBX = 0, 1, 2, 3
)

// TestPairingRule checks the rule of amd64.go on hand-assembled code.
func TestPairingRule(t *testing.T) {
	const str = 0x2000
	call := []byte{0xE8, 0, 0, 0, 0}
	tests := []struct {
		name string
		code *asm
		want []StringRef
	}{
		{"length after", new(asm).lea(rAX, str).movl(rBX, 5).raw(call...), []StringRef{{PC: asmBase, Addr: str, Len: 5}}},
		{"length before", new(asm).movl(rBX, 5).lea(rAX, str).raw(call...), []StringRef{{PC: asmBase + 5, Addr: str, Len: 5}}},
		{"second argument", new(asm).lea(rAX, str).movl(rBX, 3).lea(rCX, str+3).raw(0xBF, 4, 0, 0, 0).raw(call...),
			[]StringRef{{PC: asmBase, Addr: str, Len: 3}, {PC: asmBase + 12, Addr: str + 3, Len: 4}}},
		// MOVQ (AX), BX after the LEA: BX is not a constant when the pointer is used.
		{"length register overwritten", new(asm).lea(rAX, str).raw(0x48, 0x8B, 0x18).movl(rBX, 5), nil},
		{"overwritten before", new(asm).movl(rBX, 5).raw(0x48, 0x8B, 0x19).lea(rAX, str).raw(call...), nil},
		{"branch before", new(asm).movl(rBX, 5).raw(0x74, 0x00).lea(rAX, str).raw(call...), nil},
		{"call between", new(asm).lea(rAX, str).raw(call...).movl(rBX, 5), nil},
		{"slice", new(asm).lea(rAX, str).movl(rBX, 3).movl(rCX, 3).raw(call...), nil},
		{"pointer overwritten", new(asm).lea(rAX, str).raw(0x48, 0x01, 0xC8).movl(rBX, 5), nil},
		// LEAQ s, DX; MOVQ DX, 0x10(SP); MOVQ $7, 0x18(SP).
		{"stack pair", new(asm).lea(rDX, str).raw(0x48, 0x89, 0x54, 0x24, 0x10).raw(0x48, 0xC7, 0x44, 0x24, 0x18, 7, 0, 0, 0),
			[]StringRef{{PC: asmBase, Addr: str, Len: 7}}},
		{"stack pair, wrong slot", new(asm).lea(rDX, str).raw(0x48, 0x89, 0x54, 0x24, 0x10).raw(0x48, 0xC7, 0x44, 0x24, 0x20, 7, 0, 0, 0), nil},
		// A heap object: MOVQ DX, (AX) and MOVQ $7, 8(AX), with AX overwritten between.
		{"base overwritten", new(asm).lea(rDX, str).raw(0x48, 0x89, 0x10).raw(0x48, 0x8B, 0x00).raw(0x48, 0xC7, 0x40, 0x08, 7, 0, 0, 0), nil},
		{"object pair", new(asm).lea(rDX, str).raw(0x48, 0x89, 0x10).raw(0x48, 0xC7, 0x40, 0x08, 7, 0, 0, 0),
			[]StringRef{{PC: asmBase, Addr: str, Len: 7}}},
		{"over the limit", new(asm).lea(rAX, str).movl(rBX, 65), nil},
		{"not data", new(asm).lea(rAX, 0x9000).movl(rBX, 5), nil},
		{"empty", new(asm).lea(rAX, str).movl(rBX, 0), nil},
	}
	isData := func(addr, n uint64) bool { return addr >= 0x2000 && addr+n <= 0x3000 }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			refs := &Refs{}
			decodeAMD64(tt.code.b, asmBase, 0, isData, Limits{MaxStringLen: 64}, refs)
			if !slices.Equal(refs.Strings, tt.want) || refs.Skipped != 0 {
				t.Errorf("strings %+v (skipped %d), want %+v", refs.Strings, refs.Skipped, tt.want)
			}
		})
	}
}
