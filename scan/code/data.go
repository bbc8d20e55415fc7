package code

import (
	"encoding/binary"
	"fmt"
	"slices"
	"sort"
	"unicode/utf8"
)

// Section is one section of a binary's static data: its bytes, loaded at Addr, holding
// pointers of PtrSize bytes (4 or 8) in Order (nil means little-endian).
type Section struct {
	Addr    uint64
	Data    []byte
	PtrSize int
	Order   binary.ByteOrder
}

// StringHeader is a string header in static data: the two words at At are the pointer to
// Len bytes at Addr and the length Len, as a Go string (or a []byte's first two words) is
// laid out in memory.
type StringHeader struct {
	At   uint64
	Addr uint64
	Len  uint64
}

// FuncPtr is a word of static data at At whose value is the entry Target of a function:
// an itab's method (fun[i]), a funcval (go:func.*), a table of callbacks, a method table.
type FuncPtr struct {
	At     uint64
	Target uint64
}

// DataRefs are what [ScanData] found, each list in address order.
type DataRefs struct {
	Strings []StringHeader
	Funcs   []FuncPtr
	// Truncated is set when the scan stopped at [DataLimits.MaxResults].
	Truncated bool
}

// IsEntry reports whether addr is the entry of a function. [Entries] makes one from a
// function table.
type IsEntry func(addr uint64) bool

// DataLimits bound the work and the output of [ScanData].
type DataLimits struct {
	// MaxStringLen is the longest string a header may give (default 64 KiB): a pair of
	// words with a larger second word is not a string header.
	MaxStringLen uint64
	// MaxResults bounds len(Strings)+len(Funcs) (default 1<<20); when reached, the scan
	// stops and sets Truncated.
	MaxResults int
	// Bytes, when set, returns the n bytes at addr for a range isData accepted (nil if it
	// cannot). A header then counts only when its string looks like text: see [ScanData].
	Bytes func(addr, n uint64) []byte
	// Release, when not nil, is given the bytes of the section already read, a few
	// hundred KiB at a time, and the rest at the end (ScanData does not read them
	// again): a caller whose section is part of a file mapping may give those pages
	// back as the scan goes. Only the section's bytes are given, never what Bytes
	// returns.
	Release func(data []byte)
}

// textCheck is how many bytes at each end of a string the text test reads; a string up
// to twice as long is read whole and must be valid UTF-8.
const textCheck = 64

// ScanData reads one section of static data a word at a time (words aligned to the
// pointer size in the address space, as the linker lays out pointers) and returns:
//
//   - string headers: a word ptr followed by a word n with 0 < n <= lim.MaxStringLen and
//     isData(ptr, n), that is the n bytes at ptr lie in the binary's read-only string data.
//     When lim.Bytes is set the string must also look like text: no byte among its first
//     and last 64 is a control character other than tab, newline or carriage return, DEL,
//     or a byte that never occurs in UTF-8 (0xC0, 0xC1, 0xF5-0xFF), and a string of at
//     most 128 bytes is valid UTF-8. This drops slice headers of binary tables ([]byte,
//     []uint16 of Unicode tables) whose (ptr, len) is shaped like a string's. The length
//     word of an accepted header is not read again as a pointer.
//   - function pointers: a word equal to a function entry (isEntry, which may be nil to
//     skip them).
//
// A pair of words is accepted by shape and by where it points, not by a symbol: a false
// hit is a (ptr, len) pair that is something else (a slice header, a pointer and a count)
// and points into string data with a text-like run of bytes. data_test.go measures this
// against DWARF: on the tables fixture and gofmt (go1.27.3, ELF) no header is false. So
// isData must accept only string data: on PE, where the string literals, the type data
// and the pclntab share .rdata, it must leave out the type data ([types, etypes) of the
// moduledata) and the pclntab, else slices in type descriptors are taken for strings
// (36 of 1039 headers of the tables fixture for windows/amd64).
//
// Pointers are read as the file stores them. Go's own linker writes the link-time
// address into each pointer word of a position-independent binary as well as into its
// relocation (checked on linux/amd64 -buildmode=pie, windows and darwin); an external
// linker using RELA relocations may leave zeros there, and nothing is then found.
//
// ScanData takes time linear in the section size (at most 128 bytes of a string are read
// per header), allocates only its results, and never panics.
func ScanData(sec Section, isData IsData, isEntry IsEntry, lim DataLimits) (*DataRefs, error) {
	if sec.PtrSize != 4 && sec.PtrSize != 8 {
		return nil, fmt.Errorf("%w: pointer size %d (want 4 or 8)", ErrInput, sec.PtrSize)
	}
	if isData == nil {
		return nil, fmt.Errorf("%w: no test for string data", ErrInput)
	}
	if uint64(len(sec.Data)) > ^uint64(0)-sec.Addr {
		return nil, fmt.Errorf("%w: section at %#x of %d bytes wraps the address space", ErrInput, sec.Addr, len(sec.Data))
	}
	if lim.MaxStringLen == 0 {
		lim.MaxStringLen = 64 << 10
	}
	if lim.MaxResults <= 0 {
		lim.MaxResults = 1 << 20
	}
	order := sec.Order
	if order == nil {
		order = binary.LittleEndian
	}
	ps := uint64(sec.PtrSize)
	le8 := ps == 8 && order == binary.LittleEndian
	word := func(off uint64) uint64 {
		if le8 {
			return binary.LittleEndian.Uint64(sec.Data[off:])
		}
		if ps == 8 {
			return order.Uint64(sec.Data[off:])
		}
		return uint64(order.Uint32(sec.Data[off:]))
	}
	refs := &DataRefs{}
	n := uint64(len(sec.Data))
	var done uint64 // the bytes before it are released
	if lim.Release != nil {
		defer func() { lim.Release(sec.Data[done:]) }()
	}
	// The first offset whose address is a multiple of the pointer size.
	off := (ps - sec.Addr%ps) % ps
	for ; off+ps <= n; off += ps {
		if off-done >= releaseStep && lim.Release != nil {
			lim.Release(sec.Data[done:off])
			done = off
		}
		if len(refs.Strings)+len(refs.Funcs) >= lim.MaxResults {
			refs.Truncated = true
			break
		}
		w := word(off)
		if w == 0 {
			continue
		}
		if isEntry != nil && isEntry(w) {
			refs.Funcs = append(refs.Funcs, FuncPtr{At: sec.Addr + off, Target: w})
			continue
		}
		if off+2*ps > n {
			continue
		}
		l := word(off + ps)
		if l == 0 || l > lim.MaxStringLen || !isData(w, l) {
			continue
		}
		if lim.Bytes != nil && !looksText(lim.Bytes(w, l)) {
			continue
		}
		refs.Strings = append(refs.Strings, StringHeader{At: sec.Addr + off, Addr: w, Len: l})
		off += ps // the length word
	}
	return refs, nil
}

// notText marks the bytes that a string of text does not hold: C0 controls but tab,
// newline and carriage return, DEL, and bytes never found in UTF-8.
var notText = func() (t [256]bool) {
	for b := 0; b < 0x20; b++ {
		t[b] = b != '\t' && b != '\n' && b != '\r'
	}
	t[0x7f], t[0xc0], t[0xc1] = true, true, true
	for b := 0xf5; b < 0x100; b++ {
		t[b] = true
	}
	return t
}()

// looksText applies ScanData's text test to s (false for nil).
func looksText(s []byte) bool {
	if len(s) == 0 {
		return false
	}
	if len(s) <= 2*textCheck {
		for _, b := range s {
			if notText[b] {
				return false
			}
		}
		return utf8.Valid(s)
	}
	for _, b := range s[:textCheck] {
		if notText[b] {
			return false
		}
	}
	for _, b := range s[len(s)-textCheck:] {
		if notText[b] {
			return false
		}
	}
	return true
}

// Entries returns an [IsEntry] for funcs (sorted by Entry, as [Scan] takes them): a range
// test, then a binary search.
func Entries(funcs []Func) (IsEntry, error) {
	if !sort.SliceIsSorted(funcs, func(i, j int) bool { return funcs[i].Entry < funcs[j].Entry }) {
		return nil, fmt.Errorf("%w: functions are not sorted by entry", ErrInput)
	}
	if len(funcs) == 0 {
		return func(uint64) bool { return false }, nil
	}
	entries := make([]uint64, len(funcs))
	for i, f := range funcs {
		entries[i] = f.Entry
	}
	lo, hi := entries[0], entries[len(entries)-1]
	return func(a uint64) bool {
		if a < lo || a > hi {
			return false
		}
		_, ok := slices.BinarySearch(entries, a)
		return ok
	}, nil
}
