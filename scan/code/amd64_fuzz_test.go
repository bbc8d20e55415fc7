package code

import (
	"os"
	"testing"
)

// FuzzDecodeAMD64 decodes random bytes as one function: it never panics, reports
// references only inside the function and lengths within the limit, and every boundary
// it walks has the length x86asm gives where x86asm decodes.
func FuzzDecodeAMD64(f *testing.F) {
	f.Add([]byte{0x48, 0x8d, 0x05, 0x10, 0, 0, 0, 0xbb, 0x05, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0xc3})
	f.Add([]byte{0x48, 0xc7, 0x05, 0x53, 0xd8, 0x0a, 0x00, 0x18, 0, 0, 0, 0x48, 0x8d, 0x05, 0xd2, 0x31, 0, 0, 0x48, 0x89, 0x05, 0x25, 0xd8, 0x0a, 0x00})
	f.Add([]byte{0xc5, 0xf8, 0x77, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x44, 0x24, 0x01, 0xcc, 0xcc})
	// Seeds from real code: the first functions of the go command.
	if p := goCommandPath(); p != "" && fileExists(p) {
		b := loadELF(f, p, "amd64")
		for _, fn := range b.Funcs[:min(len(b.Funcs), 64)] {
			f.Add(b.Text.Data[fn.Entry-b.Text.Addr : min(fn.End, fn.Entry+512)-b.Text.Addr])
		}
	}
	const base = 0x401000
	f.Fuzz(func(t *testing.T, code []byte) {
		lim := Limits{MaxStringLen: 64}
		refs := &Refs{}
		decodeAMD64(code, base, 0, func(addr, n uint64) bool { return true }, lim, refs)
		end := uint64(base + len(code))
		for _, s := range refs.Strings {
			if s.PC < base || s.PC >= end || s.Len == 0 || uint64(s.Len) > lim.MaxStringLen || s.Func != 0 {
				t.Fatalf("string ref %+v outside [%#x, %#x) or beyond the limit", s, base, end)
			}
		}
		for _, c := range refs.Calls {
			if c.PC < base || c.PC+5 > end || c.Func != 0 {
				t.Fatalf("call %+v outside [%#x, %#x)", c, base, end)
			}
		}
		var in inst
		for off := 0; off < len(code); {
			if !decodeInst(code[off:], &in) {
				off++
				continue
			}
			if in.n <= 0 || off+in.n > len(code) {
				t.Fatalf("% x: length %d beyond the code", code[off:], in.n)
			}
			if n, _ := oracleLen(code[off:]); n != 0 && n != in.n {
				t.Fatalf("% x: length %d, x86asm %d", code[off:off+max(in.n, n)], in.n, n)
			}
			off += in.n
		}
	})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
