package code

import (
	"os"
	"reflect"
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
		keep := func(addr uint64) bool { return addr%3 != 0 }
		lim := Limits{MaxStringLen: 64, KeepAddr: keep}
		refs := &Refs{}
		decodeAMD64(code, base, 0, func(addr, n uint64) bool { return true }, lim, refs)
		end := uint64(base + len(code))
		for i, a := range refs.Addrs {
			if a.PC < base || a.PC >= end || a.Func != 0 || !keep(a.Addr) {
				t.Fatalf("address ref %+v outside [%#x, %#x) or not kept", a, base, end)
			}
			if i > 0 && a.PC <= refs.Addrs[i-1].PC {
				t.Fatalf("address refs out of PC order at %d", i)
			}
			if n, in := oracleLen(code[a.PC-base:]); n > 0 {
				if tg, ok := ripTarget(in, a.PC); !ok || tg != a.Addr {
					t.Fatalf("address ref %+v: x86asm decodes %v", a, in)
				}
			}
		}
		// The same code split into three functions, scanned by three workers, gives
		// what one gives.
		funcs := []Func{{"a", base, base + uint64(len(code)/3)}, {"b", base + uint64(len(code)/3), base + uint64(len(code)/2)}, {"c", base + uint64(len(code)/2), end}}
		text := Text{Arch: "amd64", Addr: base, Data: code}
		one, err := scan(text, funcs, func(addr, n uint64) bool { return true }, Limits{MaxStringLen: 64, KeepAddr: keep, Workers: 1}, 1)
		if err != nil {
			t.Fatal(err)
		}
		three, err := scan(text, funcs, func(addr, n uint64) bool { return true }, Limits{MaxStringLen: 64, KeepAddr: keep, Workers: 3}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(normal(one), normal(three)) {
			t.Fatalf("three workers: %+v, one: %+v", three, one)
		}
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
			var w [16]byte
			copy(w[:], code[off:])
			if _, err := fastAgrees(&w); err != nil {
				t.Fatal(err)
			}
			off += in.n
		}
	})
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// normal makes empty lists nil, so that results compare equal however they were built.
func normal(r *Refs) Refs {
	c := *r
	if len(c.Strings) == 0 {
		c.Strings = nil
	}
	if len(c.Calls) == 0 {
		c.Calls = nil
	}
	if len(c.Addrs) == 0 {
		c.Addrs = nil
	}
	return c
}
