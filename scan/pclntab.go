package scan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// The Go function table (pclntab) survives stripping and names every function
// in the binary. Its header starts with a version magic (REFERENCE.md):
//
//	0xfffffffb Go 1.2–1.15, 0xfffffffa 1.16–1.17, 0xfffffff0 1.18–1.19, 0xfffffff1 1.20+
//
// followed by two zero bytes, the instruction quantum and the pointer size.
// From 1.16 on the header gives offsets to a name blob (funcnametab) holding
// every function name, inlined ones included, as NUL-terminated strings. We read
// that blob directly: debug/gosym only lists functions with their own entry, and
// inlined calls such as net/http.ListenAndServe have none.
const (
	pclnGo12  = 0xfffffffb
	pclnGo116 = 0xfffffffa
	pclnGo118 = 0xfffffff0
	pclnGo120 = 0xfffffff1
)

// pclntab is a located, validated function table.
type pclntab struct {
	sec      *section
	start    int64 // offset of the header in sec.data
	end      int64 // offset just past the function table records in sec.data (approximate upper bound)
	magic    uint32
	nfunc    int
	nameBlob []byte // funcnametab (1.16+)
	blobOff  int64  // offset of nameBlob in sec.data
	names12  []string
	order    binary.ByteOrder
	ptr      int   // pointer size of the table
	ftab     int64 // offset of the function table records (functab) in sec.data
	// textStart is the header's runtime.text (1.18+). Go 1.26 and later leave the
	// field 0 (runtime/symtab.go: "no longer stored as it requires a relocation");
	// the moduledata's text field says it then (see [image.textStart]).
	textStart uint64
}

// maxFuncs bounds the function count accepted from a header (the largest real
// binaries have a few hundred thousand).
const maxFuncs = 1 << 23

// findPclntab locates the table: the named section first, then a search for
// the header magic in the sections where linkers put it (PIE and external
// linking leave no .gopclntab; PE never has one), then everywhere else. Every
// hit is validated before it is trusted, since the magic can occur by chance.
func findPclntab(im *image) *pclntab {
	if s := im.pclntabSection; s != nil {
		if t := parsePclntab(s, 0, im.order); t != nil {
			return t
		}
	}
	tried := map[string]bool{}
	for _, name := range im.searchFirst {
		for i := range im.sections {
			s := &im.sections[i]
			if s.name == name && !tried[s.name] {
				tried[s.name] = true
				if t := searchPclntab(s, im.order); t != nil {
					return t
				}
			}
		}
	}
	for i := range im.sections {
		s := &im.sections[i]
		if tried[s.name] || s.exec {
			continue
		}
		tried[s.name] = true
		if t := searchPclntab(s, im.order); t != nil {
			return t
		}
	}
	return nil
}

// maxCandidates bounds the plausible headers validated per section: a crafted
// section full of header look-alikes must not make the search quadratic.
const maxCandidates = 256

func searchPclntab(s *section, order binary.ByteOrder) *pclntab {
	tries := 0
	// The three 0xff bytes and two zero pad bytes are common to every version;
	// in little-endian the version byte precedes them, in big-endian it follows.
	pat := []byte{0xff, 0xff, 0xff}
	d := s.data
	for i := 0; i+8 <= len(d); {
		j := bytes.Index(d[i:], pat)
		if j < 0 {
			return nil
		}
		k := i + j // position of the pattern
		var start int
		if order == binary.LittleEndian {
			start = k - 1
		} else {
			start = k
		}
		if start >= 0 && start+8 <= len(d) && d[start+4] == 0 && d[start+5] == 0 && plausibleMagic(order.Uint32(d[start:])) {
			if t := parsePclntab(s, int64(start), order); t != nil {
				return t
			}
			if tries++; tries >= maxCandidates {
				return nil
			}
		}
		i = k + 1
	}
	return nil
}

// parsePclntab validates a candidate header at off in s and returns the table, or nil.
func parsePclntab(s *section, off int64, order binary.ByteOrder) *pclntab {
	d := s.data[off:]
	if len(d) < 16 {
		return nil
	}
	magic := order.Uint32(d)
	quantum, ptr := d[6], int(d[7])
	if d[4] != 0 || d[5] != 0 || (quantum != 1 && quantum != 2 && quantum != 4) || (ptr != 4 && ptr != 8) {
		return nil
	}
	word := func(i int) (uint64, bool) {
		o := 8 + i*ptr
		if o+ptr > len(d) {
			return 0, false
		}
		if ptr == 4 {
			return uint64(order.Uint32(d[o:])), true
		}
		return order.Uint64(d[o:]), true
	}
	t := &pclntab{sec: s, start: off, magic: magic, order: order, ptr: ptr}
	switch magic {
	case pclnGo12:
		return parsePcln12(t, d, ptr, order, word)
	case pclnGo116, pclnGo118, pclnGo120:
	default:
		return nil
	}
	nfunc, ok := word(0)
	if !ok || nfunc == 0 || nfunc > maxFuncs {
		return nil
	}
	first := 2 // funcnameOffset is the third word in 1.16/1.17
	if magic != pclnGo116 {
		first = 3 // 1.18 added textStart before it
	}
	var offs [5]uint64 // funcname, cu, filetab, pctab, functab
	for i := range offs {
		v, ok := word(first + i)
		if !ok {
			return nil
		}
		offs[i] = v
	}
	hdr := uint64(8 + (first+5)*ptr)
	if offs[0] < hdr {
		return nil
	}
	for i := 1; i < len(offs); i++ {
		if offs[i] < offs[i-1] {
			return nil
		}
	}
	// Function table: nfunc+1 records of (entry, funcoff): uint32s since 1.18, words before.
	rec := uint64(8)
	if magic == pclnGo116 {
		rec = uint64(2 * ptr)
	}
	ftab := offs[4]
	if ftab > uint64(len(d)) || (nfunc+1)*rec > uint64(len(d))-ftab {
		return nil
	}
	blob := d[offs[0]:offs[1]]
	if len(blob) == 0 || blob[len(blob)-1] != 0 {
		return nil
	}
	readRec := func(i uint64) (entry, funcoff uint64) {
		p := ftab + i*rec
		if magic == pclnGo116 {
			if ptr == 4 {
				return uint64(order.Uint32(d[p:])), uint64(order.Uint32(d[p+4:]))
			}
			return order.Uint64(d[p:]), order.Uint64(d[p+8:])
		}
		return uint64(order.Uint32(d[p:])), uint64(order.Uint32(d[p+4:]))
	}
	// Validate: entries increase, each record points at a _func inside the
	// table whose entry matches and whose name offset lands on a name start.
	// Check every record; it is cheap next to reading the names.
	var prev, maxOff uint64
	for i := uint64(0); i < nfunc; i++ {
		entry, fo := readRec(i)
		if entry < prev {
			return nil
		}
		prev = entry
		p := ftab + fo
		if fo == 0 || p+8 > uint64(len(d)) {
			return nil
		}
		if fo > maxOff {
			maxOff = fo
		}
		if i%64 != 0 && i != nfunc-1 {
			continue
		}
		var fentry uint64
		var nameOff uint32
		if magic == pclnGo116 {
			if p+uint64(ptr)+4 > uint64(len(d)) {
				return nil
			}
			if ptr == 4 {
				fentry = uint64(order.Uint32(d[p:]))
			} else {
				fentry = order.Uint64(d[p:])
			}
			nameOff = order.Uint32(d[p+uint64(ptr):])
			// 1.16 records hold absolute PCs; the _func repeats the same PC.
		} else {
			fentry = uint64(order.Uint32(d[p:]))
			nameOff = order.Uint32(d[p+4:])
		}
		if fentry != entry || uint64(nameOff) >= uint64(len(blob)) || (nameOff > 0 && blob[nameOff-1] != 0) || blob[nameOff] == 0 {
			return nil
		}
	}
	t.nfunc = int(nfunc)
	t.nameBlob = blob
	t.ftab = off + int64(ftab)
	if magic != pclnGo116 {
		t.textStart, _ = word(2)
	}
	t.blobOff = off + int64(offs[0])
	t.end = off + int64(ftab+(nfunc+1)*rec+maxOff) + 64
	if t.end > int64(len(s.data)) {
		t.end = int64(len(s.data))
	}
	return t
}

// parsePcln12 reads the Go 1.2–1.15 layout, where names live next to each _func
// and inlined functions cannot be enumerated without decoding funcdata.
func parsePcln12(t *pclntab, d []byte, ptr int, order binary.ByteOrder, word func(int) (uint64, bool)) *pclntab {
	nfunc, ok := word(0)
	if !ok || nfunc == 0 || nfunc > maxFuncs {
		return nil
	}
	ftab := uint64(8 + ptr)
	rec := uint64(2 * ptr)
	if (nfunc+1)*rec > uint64(len(d))-ftab {
		return nil
	}
	rd := func(p uint64) uint64 {
		if ptr == 4 {
			return uint64(order.Uint32(d[p:]))
		}
		return order.Uint64(d[p:])
	}
	var prev, maxOff uint64
	names := make([]string, 0, nfunc)
	for i := uint64(0); i < nfunc; i++ {
		entry, fo := rd(ftab+i*rec), rd(ftab+i*rec+uint64(ptr))
		if entry < prev || fo+uint64(ptr)+4 > uint64(len(d)) {
			return nil
		}
		prev = entry
		if rd(fo) != entry {
			return nil
		}
		no := uint64(order.Uint32(d[fo+uint64(ptr):]))
		if no >= uint64(len(d)) {
			return nil
		}
		end := bytes.IndexByte(d[no:], 0)
		if end <= 0 || end > 4096 {
			return nil
		}
		names = append(names, string(d[no:no+uint64(end)]))
		if fo > maxOff {
			maxOff = fo
		}
	}
	t.nfunc = int(nfunc)
	t.names12 = names
	t.ftab = t.start + int64(ftab)
	t.end = min(t.start+int64(maxOff)+64, int64(len(t.sec.data)))
	return t
}

// eachName calls fn with every function name and its offset in the section.
// The byte slices alias the input; fn must copy what it keeps.
func (t *pclntab) eachName(fn func(name []byte, off int64)) {
	if t.names12 != nil {
		for _, n := range t.names12 {
			fn([]byte(n), t.start)
		}
		return
	}
	b := t.nameBlob
	pos := 0
	for pos < len(b) {
		e := bytes.IndexByte(b[pos:], 0)
		if e < 0 {
			e = len(b) - pos
		}
		if e > 0 {
			fn(b[pos:pos+e], t.blobOff+int64(pos))
		}
		pos += e + 1
	}
}

// goVersionRange describes the toolchain range implied by the table's magic.
func (t *pclntab) goVersionRange() string {
	switch t.magic {
	case pclnGo12:
		return "go1.2-go1.15"
	case pclnGo116:
		return "go1.16-go1.17"
	case pclnGo118:
		return "go1.18-go1.19"
	case pclnGo120:
		return "go1.20+"
	}
	return ""
}

func plausibleMagic(m uint32) bool {
	return m == pclnGo12 || m == pclnGo116 || m == pclnGo118 || m == pclnGo120
}

// funcRange is one function of the table: its name and the half-open range
// [entry, end) of its code. The name aliases the table's bytes.
type funcRange struct {
	name       []byte
	entry, end uint64
}

// errFuncTable reports a function table whose records are inconsistent.
var errFuncTable = errors.New("malformed function table")

// funcs returns every function with its own entry, in table order (sorted by
// entry): the boundaries a pass over the machine code follows. Function i ends
// where function i+1 starts; the last one at the table's end PC (the extra
// record after the last function, as in debug/gosym). text is runtime.text,
// which 1.18+ entries are relative to (see [image.textStart]); 1.2–1.17 entries
// are absolute and text is not used. Every record, _func and name offset is
// checked against the table's bounds: a broken table yields an error.
func (t *pclntab) funcs(text uint64) ([]funcRange, error) {
	d := t.sec.data[t.start:]
	ftab := uint64(t.ftab - t.start)
	n := uint64(t.nfunc)
	ptr := uint64(t.ptr)
	rec, wide := uint64(8), false // (entryoff, funcoff) uint32 pairs since 1.18
	if t.magic == pclnGo12 || t.magic == pclnGo116 {
		rec, wide = 2*ptr, true
	}
	if n == 0 || ftab > uint64(len(d)) || (n+1) > (uint64(len(d))-ftab)/rec {
		return nil, fmt.Errorf("%w: %d records at 0x%x do not fit in %d bytes", errFuncTable, n+1, ftab, len(d))
	}
	uword := func(p uint64) uint64 {
		if ptr == 4 {
			return uint64(t.order.Uint32(d[p:]))
		}
		return t.order.Uint64(d[p:])
	}
	entry := func(i uint64) (uint64, error) {
		p := ftab + i*rec
		if wide {
			return uword(p), nil
		}
		off := uint64(t.order.Uint32(d[p:]))
		if text > math.MaxUint64-off {
			return 0, fmt.Errorf("%w: entry 0x%x past the address space from text 0x%x", errFuncTable, off, text)
		}
		return text + off, nil
	}
	out := make([]funcRange, 0, n)
	prev, err := entry(0)
	if err != nil {
		return nil, err
	}
	for i := uint64(0); i < n; i++ {
		next, err := entry(i + 1)
		if err != nil {
			return nil, err
		}
		if next < prev {
			return nil, fmt.Errorf("%w: function %d starts at 0x%x, before function %d (0x%x)", errFuncTable, i+1, next, i, prev)
		}
		name, err := t.funcName(d, ftab, i, rec, wide)
		if err != nil {
			return nil, err
		}
		out = append(out, funcRange{name: name, entry: prev, end: next})
		prev = next
	}
	return out, nil
}

// funcName reads the name of function i from its _func record, whose entry must
// repeat the function table's.
func (t *pclntab) funcName(d []byte, ftab, i, rec uint64, wide bool) ([]byte, error) {
	if t.names12 != nil {
		if i >= uint64(len(t.names12)) {
			return nil, fmt.Errorf("%w: function %d has no name", errFuncTable, i)
		}
		return []byte(t.names12[i]), nil
	}
	ptr := uint64(t.ptr)
	p := ftab + i*rec
	var fo, want, got uint64
	nameAt := uint64(4) // _func: entryOff uint32, nameOff int32 since 1.18
	switch {
	case !wide:
		fo, want = uint64(t.order.Uint32(d[p+4:])), uint64(t.order.Uint32(d[p:]))
	case ptr == 4: // 1.2–1.17: entry uintptr, nameOff int32
		fo, want, nameAt = uint64(t.order.Uint32(d[p+4:])), uint64(t.order.Uint32(d[p:])), 4
	default:
		fo, want, nameAt = t.order.Uint64(d[p+8:]), t.order.Uint64(d[p:]), 8
	}
	f := ftab + fo
	if fo == 0 || f < ftab || f > uint64(len(d)) || nameAt+4 > uint64(len(d))-f {
		return nil, fmt.Errorf("%w: function %d: _func offset 0x%x outside the table", errFuncTable, i, fo)
	}
	switch {
	case !wide:
		got = uint64(t.order.Uint32(d[f:]))
	case ptr == 4:
		got = uint64(t.order.Uint32(d[f:]))
	default:
		got = t.order.Uint64(d[f:])
	}
	if got != want {
		return nil, fmt.Errorf("%w: function %d: _func entry 0x%x, function table 0x%x", errFuncTable, i, got, want)
	}
	off := uint64(t.order.Uint32(d[f+nameAt:]))
	b := t.nameBlob
	if off >= uint64(len(b)) {
		return nil, fmt.Errorf("%w: function %d: name offset 0x%x outside the name table", errFuncTable, i, off)
	}
	e := bytes.IndexByte(b[off:], 0)
	if e <= 0 {
		return nil, fmt.Errorf("%w: function %d: empty or unterminated name at 0x%x", errFuncTable, i, off)
	}
	return b[off : off+uint64(e)], nil
}

// textStart returns runtime.text, the address 1.18+ function entries are
// relative to. In order of trust: the table header's field (Go 1.18–1.25 fill
// it); the text field of the runtime's moduledata, found as the static data
// that points at the header (its layout, runtime/symtab.go, has kept pcHeader
// first and text at word 22 since Go 1.16); the start of the text section, which
// is runtime.text when Go links internally (no cgo). The result must put every
// function inside the text section. 1.2–1.17 tables need none and return 0.
func (im *image) textStart(t *pclntab) (uint64, error) {
	if t.magic == pclnGo12 || t.magic == pclnGo116 {
		return 0, nil
	}
	text := im.textSection()
	first, last, ok := t.span()
	fits := func(start uint64) bool {
		if !ok || start == 0 || start > math.MaxUint64-last {
			return false
		}
		return text == nil || start+first >= text.addr && start+last-text.addr <= uint64(len(text.data))
	}
	if t.textStart != 0 && fits(t.textStart) {
		return t.textStart, nil
	}
	if v, ok := im.moduledataText(t); ok && fits(v) {
		return v, nil
	}
	if text != nil && fits(text.addr) {
		return text.addr, nil
	}
	return 0, fmt.Errorf("%w: no runtime.text address puts the functions inside the text section", errFuncTable)
}

// span returns the raw entry values of the first record and of the end record
// after the last function (offsets from runtime.text since 1.18).
func (t *pclntab) span() (first, last uint64, ok bool) {
	d := t.sec.data[t.start:]
	ftab := uint64(t.ftab - t.start)
	n, rec := uint64(t.nfunc), uint64(8)
	if t.magic == pclnGo12 || t.magic == pclnGo116 {
		return 0, 0, false // absolute entries: no runtime.text needed
	}
	if n == 0 || ftab > uint64(len(d)) || n+1 > (uint64(len(d))-ftab)/rec {
		return 0, 0, false
	}
	first, last = uint64(t.order.Uint32(d[ftab:])), uint64(t.order.Uint32(d[ftab+n*rec:]))
	return first, last, first <= last
}

// moduledataText finds the runtime's moduledata (see [image.findModuledata])
// and returns its text field.
func (im *image) moduledataText(t *pclntab) (uint64, bool) {
	const textWord = 22
	return im.findModuledata(t, textWord+2, func(w func(int) uint64) (uint64, bool) {
		return w(textWord), w(textWord) != 0 && w(textWord) <= w(textWord+1)
	})
}

// findModuledata searches the loaded data for the runtime's moduledata: a
// pointer-aligned record of at least words words whose first word points at
// the table header and whose funcnametab slice follows (its length is the
// names' without the alignment padding the header's offsets may include). For
// each such candidate (at most maxCandidates a section) it asks field, which
// reads the record's words, for the value wanted; the first it accepts wins.
func (im *image) findModuledata(t *pclntab, words int, field func(w func(int) uint64) (uint64, bool)) (uint64, bool) {
	if t.sec.addr == 0 || t.ptr != im.ptrSize {
		return 0, false
	}
	ptr := t.ptr
	hdr := t.sec.addr + uint64(t.start)
	blob := t.sec.addr + uint64(t.blobOff)
	pat := make([]byte, ptr)
	if ptr == 4 {
		t.order.PutUint32(pat, uint32(hdr))
	} else {
		t.order.PutUint64(pat, hdr)
	}
	// The linker puts the moduledata (runtime.firstmoduledata) in the
	// package variables without pointers (.data for PE): those sections are
	// searched first, and the others (24 MB of relocated read-only data in a
	// large PIE) only when it is not there.
	for pass := 0; pass < 2; pass++ {
		for i := range im.sections {
			s := &im.sections[i]
			if s.exec || s.addr == 0 || moduledataSection(s.name) != (pass == 0) {
				continue
			}
			if v, ok := im.moduledataIn(t, s, words, field, pat, hdr, blob); ok {
				return v, true
			}
		}
	}
	return 0, false
}

// moduledataSection names the sections where linkers put the moduledata.
func moduledataSection(name string) bool {
	switch name {
	case ".noptrdata", "__DATA,__noptrdata", ".data", "__DATA,__data":
		return true
	}
	return false
}

// moduledataIn is findModuledata in one section.
func (im *image) moduledataIn(t *pclntab, s *section, words int, field func(w func(int) uint64) (uint64, bool), pat []byte, hdr, blob uint64) (uint64, bool) {
	ptr := t.ptr
	d := s.data
	// The aligned words, in order (a word compare, not a byte search: the
	// header's address often starts with a zero byte).
	le8 := ptr == 8 && t.order == binary.ByteOrder(binary.LittleEndian)
	for p, hits := 0, 0; p+words*ptr <= len(d) && hits < maxCandidates; p += ptr {
		if le8 {
			if binary.LittleEndian.Uint64(d[p:]) != hdr {
				continue
			}
		} else if !bytes.Equal(d[p:p+ptr], pat) {
			continue
		}
		hits++
		w := func(n int) uint64 {
			if ptr == 4 {
				return uint64(t.order.Uint32(d[p+n*ptr:]))
			}
			return t.order.Uint64(d[p+n*ptr:])
		}
		if w(1) != blob || w(2) > uint64(len(t.nameBlob)) || uint64(len(t.nameBlob))-w(2) >= 64 {
			continue
		}
		if v, ok := field(w); ok {
			return v, true
		}
	}
	return 0, false
}

// codeFuncs returns the text section and the functions of the table with
// absolute addresses, each inside that section: what the code pass reads.
func (im *image) codeFuncs(t *pclntab) (*section, []funcRange, error) {
	text := im.textSection()
	if text == nil {
		return nil, nil, fmt.Errorf("%w: no text section", errFuncTable)
	}
	start, err := im.textStart(t)
	if err != nil {
		return nil, nil, err
	}
	fs, err := t.funcs(start)
	if err != nil {
		return nil, nil, err
	}
	if fs[0].entry < text.addr || fs[len(fs)-1].end-text.addr > uint64(len(text.data)) {
		return nil, nil, fmt.Errorf("%w: functions [0x%x, 0x%x) outside the text section [0x%x, 0x%x)", errFuncTable,
			fs[0].entry, fs[len(fs)-1].end, text.addr, text.addr+uint64(len(text.data)))
	}
	return text, fs, nil
}
