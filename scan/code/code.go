package code

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"slices"
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
	// DistinctCalls keeps, of a function's direct calls to one target, only the first:
	// for a caller that needs the call graph, not every call site (Go code calls the
	// same function from many places: a third of the calls of a large program).
	DistinctCalls bool
	// Release, when not nil, is given the code of functions already decoded, a few
	// hundred KiB at a time, by the goroutine that decoded them: a caller whose text is
	// a file mapping may give those pages back as the decoding goes (Scan does not read
	// them again). It may be called from several goroutines at once.
	Release func(code []byte)

	// slowARM64 turns off the fast path of the arm64 decoder (a64Quick), so that tests
	// can compare its results with decodeA64's.
	slowARM64 bool
}

// releaseStep is how much decoded code [Limits.Release] is given at a time.
const releaseStep = 512 << 10

// ErrArch is returned for an architecture [Scan] does not decode.
var ErrArch = errors.New("code: architecture not supported")

// ErrInput is returned for inconsistent input (functions outside the text, overlapping or
// unsorted functions).
var ErrInput = errors.New("code: invalid input")

// IsData reports whether n bytes at addr lie in the binary's static read-only data, where
// string literals live. [Scan] may call it from several goroutines at once.
type IsData func(addr, n uint64) bool

// decoder makes the decoder of one chunk of functions of text, which ends before
// funcs[hi]: it appends the references of funcs[i] to refs, called for each i of the
// chunk in order.
type decoder func(text Text, funcs []Func, hi int, isData IsData, lim Limits, refs *Refs) func(i int)

// eachFunc makes a decoder of one function's code, which starts at pc, a decoder of a
// chunk.
func eachFunc(decode func(isData IsData, lim Limits, refs *Refs) func(code []byte, pc uint64, fi int32)) decoder {
	return func(text Text, funcs []Func, _ int, isData IsData, lim Limits, refs *Refs) func(i int) {
		fn := decode(isData, lim, refs)
		return func(i int) {
			f := funcs[i]
			fn(text.Data[f.Entry-text.Addr:f.End-text.Addr], f.Entry, int32(i))
		}
	}
}

// Scan decodes the code of each function in funcs (sorted by Entry, not overlapping, inside
// text) and returns the string literals loaded, the direct calls made and the address
// references lim.KeepAddr keeps. A candidate string reference counts only when isData
// accepts its bytes and its length is at most lim.MaxStringLen. It never panics on any
// input and takes time linear in the text size.
func Scan(text Text, funcs []Func, isData IsData, lim Limits) (*Refs, error) {
	return scan(text, funcs, isData, lim, minChunk)
}

// minChunk is the least code a goroutine of [Scan] decodes: smaller texts are not worth
// one.
const minChunk = 256 << 10

func scan(text Text, funcs []Func, isData IsData, lim Limits, minChunk uint64) (*Refs, error) {
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
		decode = newAMD64
	case "arm64":
		decode = eachFunc(newARM64)
	default:
		return nil, fmt.Errorf("%w: %q", ErrArch, text.Arch)
	}
	workers := lim.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	chunks := split(funcs, workers, minChunk)
	// One array per list has room for the whole result; each chunk appends to its own
	// part of it, which starts where the room for the code before the chunk ends, and
	// merge moves the lists down in place: memory the lists do not fill is never touched.
	all := preallocate(text.Arch, codeSize(funcs, 0, len(funcs)), lim)
	parts := make([]Refs, len(chunks))
	for k, c := range chunks {
		parts[k] = all.part(text.Arch, codeSize(funcs, 0, c[0]), codeSize(funcs, 0, c[1]), lim)
	}
	room := slices.Clone(parts) // the parts as cut, for merge
	run := func(k int) {
		c := chunks[k]
		fn := decode(text, funcs, c[1], isData, lim, &parts[k])
		var seen callSet
		var done uint64 // the code before it is released
		if c[0] < c[1] {
			done = funcs[c[0]].Entry
		}
		for i := c[0]; i < c[1]; i++ {
			f := funcs[i]
			if lim.Release != nil && f.Entry-done >= releaseStep {
				lim.Release(text.Data[done-text.Addr : f.Entry-text.Addr])
				done = f.Entry
			}
			before := len(parts[k].Calls)
			fn(i)
			if lim.DistinctCalls && len(parts[k].Calls)-before > 1 {
				parts[k].Calls = seen.firsts(parts[k].Calls, before)
			}
		}
	}
	if len(chunks) == 1 {
		run(0)
		return &parts[0], nil
	}
	// The workers read the text, which may be a mapped file: a fault there (the file
	// truncated under the mapping) or a panic is the scan's error, not a crash.
	var wg sync.WaitGroup
	errs := make([]error, len(chunks))
	for k := range chunks {
		wg.Go(func() {
			defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
			defer func() {
				if r := recover(); r != nil {
					errs[k] = fmt.Errorf("decoding failed: %v", r)
				}
			}()
			run(k)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return merge(&all, room, parts), nil
}

// codeSize is the size of the code of funcs[lo:hi], from the first's entry to the last's
// end (0 when empty).
func codeSize(funcs []Func, lo, hi int) int {
	if hi <= lo {
		return 0
	}
	return int(funcs[hi-1].End - funcs[lo].Entry)
}

// split cuts funcs into at most n contiguous chunks [lo, hi) of about the same code size,
// and no more than total/minChunk of them.
func split(funcs []Func, n int, minChunk uint64) [][2]int {
	if n <= 1 || len(funcs) < 2 {
		return [][2]int{{0, len(funcs)}}
	}
	total := funcs[len(funcs)-1].End - funcs[0].Entry
	n = int(min(uint64(n), max(1, total/max(1, minChunk))))
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
// command holds per byte of text (amd64: a string reference per 540 bytes, a call per 71;
// arm64 code is about a fifth larger): a little more, so that the lists rarely grow. The
// address references are sized for the scan package's KeepAddr (addresses in data and
// function entries: one per 150 to 160 bytes of amd64 code); one that keeps more has
// its list grow.
func preallocate(arch string, size int, lim Limits) Refs {
	ns, nc, na := room(arch, size, lim)
	r := Refs{
		Strings: make([]StringRef, 0, ns),
		Calls:   make([]Call, 0, nc),
	}
	if lim.KeepAddr != nil {
		r.Addrs = make([]AddrRef, 0, na)
	}
	return r
}

// room is how many string references, calls and address references preallocate makes
// room for in size bytes of code. Distinct calls are about 60% of all (the go command
// and dockerd on amd64): one per 110 bytes.
func room(arch string, size int, lim Limits) (strs, calls, addrs int) {
	if arch == "arm64" {
		size = size * 5 / 6
	}
	calls = size / 60
	if lim.DistinctCalls {
		calls = size / 95
	}
	return size / 400, calls, size / 120
}

// part returns the empty lists, cut from r's arrays, of the chunk of code that starts
// from bytes after the first function's entry and ends to bytes after it: the room
// preallocate makes for the code before the chunk comes first. A list that outgrows its
// part is moved to an array of its own by append, leaving the next chunk's part alone.
func (r *Refs) part(arch string, from, to int, lim Limits) Refs {
	s0, c0, a0 := room(arch, from, lim)
	s1, c1, a1 := room(arch, to, lim)
	p := Refs{Strings: r.Strings[s0:s0:s1], Calls: r.Calls[c0:c0:c1]}
	if r.Addrs != nil {
		p.Addrs = r.Addrs[a0:a0:a1]
	}
	return p
}

// merge joins the chunks' lists, in order, into all's arrays and returns all. room are
// the parts as [Refs.part] cut them.
func merge(all *Refs, room, parts []Refs) *Refs {
	strs := make([][]StringRef, len(parts))
	calls := make([][]Call, len(parts))
	addrs := make([][]AddrRef, len(parts))
	var roomS, roomC, roomA []int
	for k, p := range parts {
		strs[k], calls[k], addrs[k] = p.Strings, p.Calls, p.Addrs
		roomS, roomC, roomA = append(roomS, cap(room[k].Strings)), append(roomC, cap(room[k].Calls)), append(roomA, cap(room[k].Addrs))
		all.Skipped += p.Skipped
		parts[k] = Refs{}
	}
	all.Strings = joinLists(all.Strings, strs, roomS)
	all.Calls = joinLists(all.Calls, calls, roomC)
	all.Addrs = joinLists(all.Addrs, addrs, roomA)
	return all
}

// joinLists returns the lists one after the other. When each list still fits the room
// its part of into had (append moved none to an array of its own), they are moved down
// into into in place: a part never starts before the room of the parts before it ends,
// so a move (copy allows overlap) overwrites only what has been moved already.
// Otherwise they are copied to a new array of their total length.
func joinLists[T any](into []T, lists [][]T, room []int) []T {
	total := 0
	inPlace := true
	for k, l := range lists {
		total += len(l)
		if len(l) > room[k] {
			inPlace = false
		}
	}
	out := into[:0]
	if !inPlace {
		out = make([]T, 0, total)
	}
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// callSet is a set of call targets, emptied for each function (see [Limits.DistinctCalls]).
type callSet struct {
	keys []uint64
	gen  []uint32 // keys[i] is in the set when gen[i] == cur
	cur  uint32
	n    int
}

// firsts keeps, of calls[from:] (one function's), the first call to each target, in
// order, and returns calls cut to them.
func (s *callSet) firsts(calls []Call, from int) []Call {
	if s.cur++; s.cur == 0 {
		clear(s.gen)
		s.cur = 1
	}
	s.n = 0
	out := calls[:from]
	for _, c := range calls[from:] {
		if s.add(c.Target) {
			out = append(out, c)
		}
	}
	return out
}

// add adds k, reporting whether it was not in the set.
func (s *callSet) add(k uint64) bool {
	if 2*(s.n+1) > len(s.keys) {
		s.grow()
	}
	mask := uint64(len(s.keys) - 1)
	for i := (k * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		if s.gen[i] != s.cur {
			s.keys[i], s.gen[i] = k, s.cur
			s.n++
			return true
		}
		if s.keys[i] == k {
			return false
		}
	}
}

// grow doubles the table (at least 64 slots), keeping the set.
func (s *callSet) grow() {
	keys, gen, cur := s.keys, s.gen, s.cur
	n := max(64, 2*len(keys))
	s.keys, s.gen, s.cur, s.n = make([]uint64, n), make([]uint32, n), 1, 0
	for i, k := range keys {
		if gen[i] == cur {
			s.add(k)
		}
	}
}
