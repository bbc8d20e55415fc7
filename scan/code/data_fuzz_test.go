package code

import (
	"encoding/binary"
	"os/exec"
	"testing"
)

// FuzzScanData runs ScanData on arbitrary bytes, pointer sizes, byte orders, addresses and
// limits, and checks what it returns: every header and function pointer lies on an aligned
// word inside the section, in address order, every header satisfies isData and the length
// bound (and the text test when Bytes is set), and the output respects MaxResults.
func FuzzScanData(f *testing.F) {
	// Seeds: the start of the tables fixture's .data (string headers, slice headers and
	// pointers as the linker lays them out), and hand-made headers.
	if p := fuzzSeedBinary(f); p != "" {
		im := loadImage(f, p)
		if s := im.section(".data"); s != nil {
			f.Add(s.Data[:min(len(s.Data), 1024)], s.Addr, uint8(8), false, uint16(0), false)
		}
	}
	var d []byte
	for i := 0; i < 8; i++ {
		d = binary.LittleEndian.AppendUint64(d, 0x1000+uint64(i))
		d = binary.LittleEndian.AppendUint64(d, uint64(i))
	}
	f.Add(d, uint64(0x8000), uint8(8), false, uint16(3), true)
	f.Add(d, uint64(0x8003), uint8(4), true, uint16(0), true)
	f.Fuzz(func(t *testing.T, data []byte, addr uint64, ps uint8, big bool, maxResults uint16, text bool) {
		sec := Section{Addr: addr, Data: data, PtrSize: int(ps), Order: binary.LittleEndian}
		if big {
			sec.Order = binary.BigEndian
		}
		// String data is [0x1000, 0x1100), filled with the letters of its address (and a
		// NUL every 0x40 bytes); entries are the multiples of 0x10 in [0x500, 0x600).
		isData := func(a, n uint64) bool { return a >= 0x1000 && n <= 0x100 && a-0x1000 <= 0x100-n }
		isEntry := func(a uint64) bool { return a >= 0x500 && a < 0x600 && a%0x10 == 0 }
		strData := make([]byte, 0x100)
		for i := range strData {
			strData[i] = 'a' + byte(i%26)
			if i%0x40 == 0x3f {
				strData[i] = 0
			}
		}
		lim := DataLimits{MaxStringLen: 0x80, MaxResults: int(maxResults)}
		if text {
			lim.Bytes = func(a, n uint64) []byte { return strData[a-0x1000 : a-0x1000+n] }
		}
		r, err := ScanData(sec, isData, isEntry, lim)
		if err != nil {
			if r != nil {
				t.Fatal("error with results")
			}
			return
		}
		end := addr + uint64(len(data))
		p := uint64(ps)
		limit := int(maxResults)
		if limit == 0 {
			limit = 1 << 20
		}
		if len(r.Strings)+len(r.Funcs) > limit {
			t.Fatalf("%d results over the limit %d", len(r.Strings)+len(r.Funcs), limit)
		}
		last := uint64(0)
		for i, h := range r.Strings {
			if h.At%p != 0 || h.At < addr || h.At+2*p > end || i > 0 && h.At <= last {
				t.Fatalf("header %d at %#x: not an aligned pair of words in [%#x, %#x) after %#x", i, h.At, addr, end, last)
			}
			last = h.At
			if !isData(h.Addr, h.Len) || h.Len == 0 || h.Len > 0x80 {
				t.Fatalf("header %+v: not string data", h)
			}
			if text && !looksText(strData[h.Addr-0x1000:h.Addr-0x1000+h.Len]) {
				t.Fatalf("header %+v: not text", h)
			}
		}
		last = 0
		for i, fp := range r.Funcs {
			if fp.At%p != 0 || fp.At < addr || fp.At+p > end || i > 0 && fp.At <= last || !isEntry(fp.Target) {
				t.Fatalf("function pointer %d %+v: not an aligned word of an entry", i, fp)
			}
			last = fp.At
		}
	})
}

// fuzzSeedBinary builds the tables fixture for linux/amd64, or returns "" without a go
// command (the fuzz target then runs on its hand-made seeds only).
func fuzzSeedBinary(tb testing.TB) string {
	if _, err := exec.LookPath("go"); err != nil {
		return ""
	}
	return buildFixture(tb, "tables", "linux", "amd64", false)
}
