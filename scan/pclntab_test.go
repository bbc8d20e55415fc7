package scan

import (
	"bytes"
	"encoding/binary"
	"slices"
	"testing"
)

// buildPclntab writes a minimal Go 1.20-layout function table (64-bit, little
// endian) naming funcs, plus extra names that only an inline tree would use.
func buildPclntab(funcs, inlined []string) []byte {
	const ptr = 8
	var names bytes.Buffer
	nameOff := map[string]uint32{}
	for _, n := range append(append([]string{}, funcs...), inlined...) {
		nameOff[n] = uint32(names.Len())
		names.WriteString(n)
		names.WriteByte(0)
	}
	hdr := 8 + 8*ptr
	funcnameOff := hdr
	cuOff := funcnameOff + names.Len()
	filetabOff, pctabOff := cuOff, cuOff
	ftabOff := pctabOff
	nfunc := len(funcs)
	recs := (nfunc + 1) * 8
	var b bytes.Buffer
	w := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	w(uint32(pclnGo120))
	b.Write([]byte{0, 0, 1, ptr})
	w(uint64(nfunc))
	w(uint64(1))      // nfiles
	w(uint64(0x1000)) // textStart
	w(uint64(funcnameOff))
	w(uint64(cuOff))
	w(uint64(filetabOff))
	w(uint64(pctabOff))
	w(uint64(ftabOff))
	b.Write(names.Bytes())
	for i := range funcs {
		w(uint32(i * 0x40))    // entryoff
		w(uint32(recs + i*16)) // funcoff, relative to the function table
	}
	w(uint32(nfunc * 0x40)) // end marker
	w(uint32(0))
	for i, n := range funcs {
		w(uint32(i * 0x40)) // _func.entryOff
		w(int32(nameOff[n]))
		w(uint64(0))
	}
	return b.Bytes()
}

func tableNames(t *pclntab) []string {
	var out []string
	t.eachName(func(n []byte, _ int64) { out = append(out, string(n)) })
	return out
}

func TestPclntabNamedSection(t *testing.T) {
	t.Parallel()
	funcs := []string{"main.main", "net.(*netFD).accept", "runtime.main"}
	inl := []string{"net/http.ListenAndServe"}
	sec := &section{name: ".gopclntab", data: buildPclntab(funcs, inl)}
	tab := parsePclntab(sec, 0, binary.LittleEndian)
	if tab == nil {
		t.Fatal("valid table rejected")
	}
	got := tableNames(tab)
	want := append(append([]string{}, funcs...), inl...)
	if !slices.Equal(got, want) {
		t.Errorf("names = %q, want %q (inlined names included)", got, want)
	}
	if tab.goVersionRange() != "go1.20+" {
		t.Errorf("version range %q", tab.goVersionRange())
	}
}

func TestPclntabSearch(t *testing.T) {
	t.Parallel()
	tab := buildPclntab([]string{"main.main", "os.Exit"}, nil)
	// Decoys: a magic with bad pads, a magic with a good header but broken records.
	decoy1 := []byte{0xf1, 0xff, 0xff, 0xff, 1, 0, 1, 8}
	decoy2 := append([]byte(nil), tab...)
	binary.LittleEndian.PutUint32(decoy2[len(decoy2)-16:], 0xdead) // wrong _func entry
	data := slices.Concat([]byte("garbage\xff\xff\xff"), decoy1, decoy2, []byte("pad"), tab, []byte("tail"))
	im := &image{order: binary.LittleEndian, sections: []section{{name: ".data.rel.ro", data: data}}, searchFirst: []string{".data.rel.ro"}}
	found := findPclntab(im)
	if found == nil {
		t.Fatal("table not found behind decoys")
	}
	if want := int64(len("garbage\xff\xff\xff") + len(decoy1) + len(decoy2) + len("pad")); found.start != want {
		t.Errorf("found at %d, want %d", found.start, want)
	}
	if got := tableNames(found); !slices.Equal(got, []string{"main.main", "os.Exit"}) {
		t.Errorf("names = %q", got)
	}
}

func TestPclntabRejects(t *testing.T) {
	t.Parallel()
	good := buildPclntab([]string{"main.main", "os.Exit"}, nil)
	mutate := map[string]func(b []byte){
		"bad quantum":          func(b []byte) { b[6] = 3 },
		"bad pointer size":     func(b []byte) { b[7] = 6 },
		"zero functions":       func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 0) },
		"huge function count":  func(b []byte) { binary.LittleEndian.PutUint64(b[8:], 1<<40) },
		"offsets out of order": func(b []byte) { binary.LittleEndian.PutUint64(b[8+4*8:], 1) },
		"name blob unterminated": func(b []byte) {
			off := binary.LittleEndian.Uint64(b[8+4*8:])
			b[off-1] = 'x'
		},
		"function table past the end": func(b []byte) { binary.LittleEndian.PutUint64(b[8+7*8:], uint64(len(b))) },
		"unknown magic":               func(b []byte) { b[0] = 0xf5 },
	}
	for name, m := range mutate {
		b := append([]byte(nil), good...)
		m(b)
		if tab := parsePclntab(&section{data: b}, 0, binary.LittleEndian); tab != nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for n := 0; n < len(good); n++ {
		// No truncation may panic; most must be rejected.
		parsePclntab(&section{data: good[:n]}, 0, binary.LittleEndian)
	}
}
