package code

import (
	"fmt"
	"testing"
)

// oneChain decodes each function of text with pairer.function, one instruction after
// the other, as Scan did before batches: what the batches must find.
func oneChain(text Text, funcs []Func, isData IsData, lim Limits) *Refs {
	if lim.MaxStringLen == 0 {
		lim.MaxStringLen = 1 << 20
	}
	refs := &Refs{}
	p := &pairer{isData: isData, lim: lim, refs: refs}
	for i, f := range funcs {
		p.function(text.Data[f.Entry-text.Addr:f.End-text.Addr], f.Entry, int32(i))
	}
	return refs
}

// sameRefs reports the first difference between want and got.
func sameRefs(want, got *Refs) error {
	w, g := normal(want), normal(got)
	if w.Skipped != g.Skipped {
		return fmt.Errorf("skipped %d bytes, want %d", g.Skipped, w.Skipped)
	}
	if err := sameList("string", w.Strings, g.Strings); err != nil {
		return err
	}
	if err := sameList("call", w.Calls, g.Calls); err != nil {
		return err
	}
	return sameList("address", w.Addrs, g.Addrs)
}

func sameList[T comparable](kind string, want, got []T) error {
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			return fmt.Errorf("%s ref %d: %+v, want %+v", kind, i, got[i], want[i])
		}
	}
	if len(want) != len(got) {
		return fmt.Errorf("%d %s refs, want %d", len(got), kind, len(want))
	}
	return nil
}

// TestBatchesOneChain checks that Scan, decoding in batches of two lanes, finds over whole
// real binaries exactly what decoding each function in one chain finds, in the same
// order: on one worker and on several, with every address reference kept.
func TestBatchesOneChain(t *testing.T) {
	bins := []*elfBinary{loadELF(t, goToolBinary(t), "amd64")}
	if !testing.Short() {
		bins = append(bins, loadELF(t, buildGoCommand(t, "amd64"), "amd64"))
	}
	for _, b := range bins {
		lim := Limits{KeepAddr: keepAll}
		want := oneChain(b.Text, b.Funcs, b.IsData, lim)
		if len(want.Strings) < 1000 || len(want.Calls) < 10000 || len(want.Addrs) < 10000 {
			t.Fatalf("%s: only %d strings, %d calls, %d addresses", b.Path, len(want.Strings), len(want.Calls), len(want.Addrs))
		}
		for _, workers := range []int{1, 3} {
			lim.Workers = workers
			got, err := scan(b.Text, b.Funcs, b.IsData, lim, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameRefs(want, got); err != nil {
				t.Errorf("%s, %d workers: %v", b.Path, workers, err)
			}
		}
		t.Logf("%s: %d strings, %d calls, %d addresses, %d bytes skipped", b.Path, len(want.Strings), len(want.Calls), len(want.Addrs), want.Skipped)
	}
}

// TestBatchShapes checks batches of functions of unusual sizes against one chain: empty
// functions, functions larger than a lane takes (decoded alone), and code that stops
// short of the fast path's window at the text's end.
func TestBatchShapes(t *testing.T) {
	b := loadELF(t, goToolBinary(t), "amd64")
	const base = 0x401000
	var data []byte
	var funcs []Func
	add := func(code []byte) {
		at := base + uint64(len(data))
		data = append(data, code...)
		funcs = append(funcs, Func{Name: fmt.Sprint(len(funcs)), Entry: at, End: base + uint64(len(data))})
	}
	real := func(n int) []byte { return b.Text.Data[len(b.Text.Data)/3:][:n] }
	for _, n := range []int{0, 1, 7, 0, 100, laneTarget - 3, laneTarget + 5, 3, laneMax + 1000, 50, 0, laneMax, 2 * laneTarget, 9} {
		add(real(n))
	}
	for i := range 40 {
		add(real(i * 37 % 300))
	}
	text := Text{Arch: "amd64", Addr: base, Data: data[:len(data):len(data)]}
	all := func(addr, n uint64) bool { return true }
	for _, lim := range []Limits{{KeepAddr: keepAll, MaxStringLen: 64}, {}} {
		want := oneChain(text, funcs, all, lim)
		for _, workers := range []int{1, 2, 5} {
			lim.Workers = workers
			got, err := scan(text, funcs, all, lim, 1)
			if err != nil {
				t.Fatal(err)
			}
			if err := sameRefs(want, got); err != nil {
				t.Errorf("%d workers: %v", workers, err)
			}
		}
		if len(want.Calls) == 0 {
			t.Errorf("no calls in %d bytes of the go command's code", len(data))
		}
	}
}

// batchAgrees decodes code split into functions at the cuts in batches whose lanes take
// at least target bytes (target 0: as Scan does) and compares the result with one
// chain's.
func batchAgrees(code []byte, cuts []int, target uint64) error {
	const base = 0x401000
	var funcs []Func
	at := 0
	for _, c := range append(cuts, len(code)) {
		c = min(max(c, at), len(code))
		funcs = append(funcs, Func{Entry: base + uint64(at), End: base + uint64(c)})
		at = c
	}
	text := Text{Arch: "amd64", Addr: base, Data: code}
	isData := func(addr, n uint64) bool { return addr%5 != 0 }
	lim := Limits{MaxStringLen: 64, KeepAddr: func(addr uint64) bool { return addr%3 != 0 }}
	want := oneChain(text, funcs, isData, lim)
	got := &Refs{}
	b := newBatcher(text, funcs, len(funcs), isData, lim, got)
	if target > 0 {
		b.target = target
	}
	for i := range funcs {
		b.function(i)
	}
	return sameRefs(want, got)
}

// FuzzBatchAMD64 decodes random bytes cut into four functions in batches, with lanes of
// a few bytes (so that both run) and of the usual size, and compares what it finds with
// one chain's: never a panic, the same references.
func FuzzBatchAMD64(f *testing.F) {
	f.Add([]byte{0x48, 0x8d, 0x05, 0x10, 0, 0, 0, 0xbb, 0x05, 0, 0, 0, 0xe8, 0, 0, 0, 0, 0xc3}, uint16(5), uint16(12), uint16(12), uint8(1))
	f.Add([]byte{0x48, 0xc7, 0x05, 0x53, 0xd8, 0x0a, 0x00, 0x18, 0, 0, 0, 0x48, 0x8d, 0x05, 0xd2, 0x31, 0, 0, 0x48, 0x89, 0x05, 0x25, 0xd8, 0x0a, 0x00}, uint16(0), uint16(11), uint16(20), uint8(8))
	f.Add([]byte{0xc5, 0xf8, 0x77, 0x62, 0xf1, 0x7c, 0x48, 0x10, 0x44, 0x24, 0x01, 0xcc, 0xcc}, uint16(2), uint16(3), uint16(9), uint8(0))
	if p := goCommandPath(); p != "" && fileExists(p) {
		b := loadELF(f, p, "amd64")
		for i, fn := range b.Funcs[:min(len(b.Funcs), 64)] {
			code := b.Text.Data[fn.Entry-b.Text.Addr : min(fn.End, fn.Entry+2048)-b.Text.Addr]
			f.Add(code, uint16(i), uint16(len(code)/3), uint16(len(code)/2), uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, code []byte, c1, c2, c3 uint16, target uint8) {
		if err := batchAgrees(code, []int{int(c1), int(c2), int(c3)}, uint64(target)); err != nil {
			t.Fatal(err)
		}
	})
}
