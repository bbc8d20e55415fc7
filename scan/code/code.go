package code

import (
	"errors"
	"fmt"
	"sort"
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

// StringRef is a string literal a function loads: Len bytes at Addr, referenced by the
// instruction at PC.
type StringRef struct {
	// Func is the index in the Funcs given to [Scan] of the function whose code holds PC.
	Func int
	PC   uint64
	Addr uint64
	Len  uint64
}

// Call is a direct call: the instruction at PC in function Func calls the code at Target.
type Call struct {
	Func   int
	PC     uint64
	Target uint64
}

// Refs are what [Scan] found, each list in PC order.
type Refs struct {
	Strings []StringRef
	Calls   []Call
	// Skipped counts bytes the decoder could not read as instructions (padding, data in
	// text, or instructions it does not know the length of); 0 on well-formed Go code.
	Skipped int
}

// Limits bound the work of [Scan].
type Limits struct {
	// MaxStringLen is the longest string literal reported (default 1 MiB).
	MaxStringLen uint64
}

// ErrArch is returned for an architecture [Scan] does not decode.
var ErrArch = errors.New("code: architecture not supported")

// ErrInput is returned for inconsistent input (functions outside the text, overlapping or
// unsorted functions).
var ErrInput = errors.New("code: invalid input")

// IsData reports whether n bytes at addr lie in the binary's static read-only data, where
// string literals live.
type IsData func(addr, n uint64) bool

// Scan decodes the code of each function in funcs (sorted by Entry, not overlapping, inside
// text) and returns the string literals loaded and the direct calls made. A candidate string
// reference counts only when isData accepts its bytes and its length is at most
// lim.MaxStringLen. It never panics on any input and takes time linear in the text size.
func Scan(text Text, funcs []Func, isData IsData, lim Limits) (*Refs, error) {
	if lim.MaxStringLen == 0 {
		lim.MaxStringLen = 1 << 20
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
	refs := &Refs{}
	var decode func(code []byte, pc uint64, fi int, isData IsData, lim Limits, refs *Refs)
	switch text.Arch {
	case "amd64":
		decode = decodeAMD64
	case "arm64":
		decode = decodeARM64
	default:
		return nil, fmt.Errorf("%w: %q", ErrArch, text.Arch)
	}
	for i, f := range funcs {
		decode(text.Data[f.Entry-text.Addr:f.End-text.Addr], f.Entry, i, isData, lim, refs)
	}
	return refs, nil
}
