package code

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"sort"
	"sync"
)

// Func is one function of the function table: its name and the half-open range
// [Entry, End) of its code.
type Func struct {
	Name       string
	Entry, End uint64
}

// Text is a binary's code: the bytes of its text section, loaded at Addr.
type Text struct {
	// Arch is the GOARCH of the code: "amd64" or "arm64".
	Arch string
	Addr uint64
	Data []byte
}

// The records of [Refs] are 24 bytes each (a whole binary has millions): the function is
// an int32 index and a string's length a uint32, which [Limits.MaxStringLen] bounds.

// StringRef is a string literal a function loads: Len bytes at Addr, referenced by the
// instruction at PC.
type StringRef struct {
	// Func is the index in the Funcs given to [Scan] of the function whose code holds PC.
	Func int32
	Len  uint32
	PC   uint64
	Addr uint64
}

// Call is a direct call: the instruction at PC in function Func calls the code at Target.
type Call struct {
	Func   int32
	PC     uint64
	Target uint64
}

// AddrRef is a static address that the instruction at PC in function Func loads or
// reads, other than a string with a length: amd64 LEAQ off(RIP) of any target and a
// MOV or CMP with a RIP-relative memory operand; arm64 ADRP+ADD and ADRP with a load or
// store at an offset from the page (PC is then the ADRP's). Go takes a function value
// this way (a LEA of a funcval in read-only data whose first word is the function's
// entry: closures, go statements, method values), and refers to a global variable or a
// static table.
type AddrRef struct {
	Func int32
	PC   uint64
	Addr uint64
}

// Refs are what [Scan] found, each list in PC order.
type Refs struct {
	Strings []StringRef
	Calls   []Call
	// Addrs are the address references [Limits.KeepAddr] kept.
	Addrs []AddrRef
	// Skipped counts bytes the decoder could not read as instructions (padding, data in
	// text, or instructions it does not know the length of); 0 on well-formed Go code.
	Skipped int
}

// Limits bound the work of [Scan].
type Limits struct {
	// MaxStringLen is the longest string literal reported (default 1 MiB, at most
	// math.MaxUint32).
	MaxStringLen uint64
	// KeepAddr chooses the address references reported in Refs.Addrs; nil keeps none
	// (and costs nothing). It is called once for each candidate, possibly from several
	// goroutines at once.
	KeepAddr func(addr uint64) bool
	// Workers is how many goroutines decode at once (0: GOMAXPROCS). The functions are
	// split into contiguous chunks; the result is the same for any value.
	Workers int
}

// ErrArch is returned for an architecture [Scan] does not decode.
var ErrArch = errors.New("code: architecture not supported")

// ErrInput is returned for inconsistent input (functions outside the text, overlapping or
// unsorted functions).
var ErrInput = errors.New("code: invalid input")

// IsData reports whether n bytes at addr lie in the binary's static read-only data, where
// string literals live. [Scan] may call it from several goroutines at once.
type IsData func(addr, n uint64) bool

// decoder appends the references of one function's code, which starts at pc, to refs.
type decoder func(code []byte, pc uint64, fi int32, isData IsData, lim Limits, refs *Refs)

// Scan decodes the code of each function in funcs (sorted by Entry, not overlapping, inside
// text) and returns the string literals loaded, the direct calls made and the address
// references lim.KeepAddr keeps. A candidate string reference counts only when isData
// accepts its bytes and its length is at most lim.MaxStringLen. It never panics on any
// input and takes time linear in the text size.
func Scan(text Text, funcs []Func, isData IsData, lim Limits) (*Refs, error) {
	if lim.MaxStringLen == 0 {
		lim.MaxStringLen = 1 << 20
	}
	lim.MaxStringLen = min(lim.MaxStringLen, math.MaxUint32)
	if len(funcs) > math.MaxInt32 {
		return nil, fmt.Errorf("%w: %d functions", ErrInput, len(funcs))
	}
	if !sort.SliceIsSorted(funcs, func(i, j int) bool { return funcs[i].Entry < funcs[j].Entry }) {
		return nil, fmt.Errorf("%w: functions are not sorted by entry", ErrInput)
	}
	end := text.Addr + uint64(len(text.Data))
	for i, f := range funcs {
		if f.Entry < text.Addr || f.End > end || f.End < f.Entry || i > 0 && f.Entry < funcs[i-1].End {
			return nil, fmt.Errorf("%w: function %d (%s) [%#x, %#x) is outside the text [%#x, %#x) or overlaps the one before", ErrInput, i, f.Name, f.Entry, f.End, text.Addr, end)
		}
	}
	var decode decoder
	switch text.Arch {
	case "amd64":
		decode = decodeAMD64
	case "arm64":
		decode = decodeARM64
	default:
		return nil, fmt.Errorf("%w: %q", ErrArch, text.Arch)
	}
	workers := lim.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunks := split(funcs, workers)
	parts := make([]Refs, len(chunks))
	scan := func(k int) {
		c := chunks[k]
		size := 0
		if c[1] > c[0] {
			size = int(funcs[c[1]-1].End - funcs[c[0]].Entry)
		}
		parts[k] = preallocate(text.Arch, size, lim.KeepAddr != nil)
		for i := c[0]; i < c[1]; i++ {
			f := funcs[i]
			decode(text.Data[f.Entry-text.Addr:f.End-text.Addr], f.Entry, int32(i), isData, lim, &parts[k])
		}
	}
	if len(chunks) == 1 {
		scan(0)
		return &parts[0], nil
	}
	var wg sync.WaitGroup
	for k := range chunks {
		wg.Go(func() { scan(k) })
	}
	wg.Wait()
	return merge(parts), nil
}

// split cuts funcs into at most n contiguous chunks [lo, hi) of about the same code size.
func split(funcs []Func, n int) [][2]int {
	if n <= 1 || len(funcs) < 2 {
		return [][2]int{{0, len(funcs)}}
	}
	total := funcs[len(funcs)-1].End - funcs[0].Entry
	// Small texts are not worth a goroutine per chunk.
	const minChunk = 256 << 10
	n = int(min(uint64(n), max(1, total/minChunk)))
	if n <= 1 {
		return [][2]int{{0, len(funcs)}}
	}
	chunks := make([][2]int, 0, n)
	lo := 0
	for k := 1; k < n; k++ {
		cut := funcs[0].Entry + total/uint64(n)*uint64(k)
		hi := sort.Search(len(funcs), func(i int) bool { return funcs[i].Entry >= cut })
		if hi > lo {
			chunks = append(chunks, [2]int{lo, hi})
			lo = hi
		}
	}
	return append(chunks, [2]int{lo, len(funcs)})
}

// preallocate makes room for the references of size bytes of code, from what the go
// command and dockerd hold per byte of text.
func preallocate(arch string, size int, addrs bool) Refs {
	// amd64: a string reference per 40 bytes of text, a call per 25; arm64 code is
	// about a third larger.
	if arch == "arm64" {
		size = size * 3 / 4
	}
	r := Refs{
		Strings: make([]StringRef, 0, size/40),
		Calls:   make([]Call, 0, size/25),
	}
	if addrs {
		r.Addrs = make([]AddrRef, 0, size/40)
	}
	return r
}

// merge concatenates the references of consecutive chunks.
func merge(parts []Refs) *Refs {
	var ns, nc, na int
	for _, p := range parts {
		ns, nc, na = ns+len(p.Strings), nc+len(p.Calls), na+len(p.Addrs)
	}
	r := &Refs{Strings: make([]StringRef, 0, ns), Calls: make([]Call, 0, nc)}
	if na > 0 {
		r.Addrs = make([]AddrRef, 0, na)
	}
	for _, p := range parts {
		r.Strings = append(r.Strings, p.Strings...)
		r.Calls = append(r.Calls, p.Calls...)
		r.Addrs = append(r.Addrs, p.Addrs...)
		r.Skipped += p.Skipped
	}
	return r
}
