package fileio

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"unsafe"
)

// ErrShrunk is wrapped by the error of [Mapping.Hash] (and [HashFile]) when reading a
// mapping faults: the file was truncated while it was mapped, and its missing pages cannot
// be read. It is an error, not a crash.
var ErrShrunk = errors.New("reading the file failed (was it changed while candor read it?)")

// MapAtLeast is the size from which [Load] and [HashFile] map a file rather than read it:
// below it, a read costs less than setting up a mapping and its page faults.
const MapAtLeast = 1 << 20

// A Mapping holds the first bytes of a file: mapped read-only where the system allows it
// ([Map]), read into memory otherwise ([Load]'s fallback). Mapping instead of reading lets
// several readers (a hash and parsers) share one copy of the bytes, each touching only what
// it needs, while the kernel streams pages in as they are first read.
type Mapping struct {
	data   []byte
	mapped bool
}

// Map maps the first size bytes of f read-only. Where files cannot be mapped (a system
// without mappings, a file system that refuses them, a size the address space cannot
// hold) it fails with the system's error, wrapping [errors.ErrUnsupported] on systems with
// none; use [Load] to fall back to reading. A size of 0 gives an empty Mapping. The bytes
// are valid until [Mapping.Close].
func Map(f *os.File, size int64) (*Mapping, error) {
	if size < 0 {
		return nil, fmt.Errorf("%s: fileio.Map: negative size %d", f.Name(), size)
	}
	if size == 0 {
		return &Mapping{}, nil
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("%s: %w: %d bytes cannot be mapped here", f.Name(), errors.ErrUnsupported, size)
	}
	b, err := mmap(f, int(size))
	if err != nil {
		return nil, err
	}
	return &Mapping{data: b, mapped: true}, nil
}

// Load returns the first size bytes of f: a [Map]ping when size is at least [MapAtLeast]
// and the file can be mapped, the bytes read into memory otherwise (a small file, a system
// without mappings). The read uses ReadAt: f's offset does not move.
func Load(f *os.File, size int64) (*Mapping, error) {
	if size >= MapAtLeast {
		if m, err := Map(f, size); err == nil {
			return m, nil
		}
	}
	if size < 0 || int64(int(size)) != size {
		return nil, fmt.Errorf("%s: fileio.Load: size %d out of range", f.Name(), size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, size), b); err != nil {
		return nil, err
	}
	return &Mapping{data: b}, nil
}

// Bytes returns the bytes of m. Reading them after the file has shrunk faults (see
// [debug.SetPanicOnFault]) when m is mapped.
func (m *Mapping) Bytes() []byte { return m.data }

// Mapped reports whether m's bytes are a file mapping, not ordinary memory.
func (m *Mapping) Mapped() bool { return m.mapped }

// Close unmaps m (bytes read into memory are let go); its bytes must not be used after.
func (m *Mapping) Close() error {
	b, mapped := m.data, m.mapped
	m.data, m.mapped = nil, false
	if !mapped {
		return nil
	}
	return munmap(b)
}

// Release tells the system that the process no longer needs b, part of m's bytes: the
// pages b covers whole are given back (they stay in the page cache, and reading them again
// faults them back in), so that reading a large file once does not keep all of it
// resident. It does nothing when m is nil, not mapped, or b is not inside m: it never
// touches ordinary memory.
func (m *Mapping) Release(b []byte) {
	if m == nil || !m.mapped || len(b) == 0 {
		return
	}
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if start < base || start+uintptr(len(b)) > base+uintptr(len(m.data)) {
		return
	}
	page := uintptr(os.Getpagesize())
	lo := (start + page - 1) &^ (page - 1)
	hi := (start + uintptr(len(b))) &^ (page - 1)
	if hi <= lo {
		return
	}
	release(b[lo-start : hi-start])
}

// Hash returns the digests of b in algs (see [NewHasher]). b is part of m's bytes, or any
// bytes when m is nil or not mapped. It hashes in steps of [HashStep], releasing each step's
// pages once hashed (see [Mapping.Release]); a fault reading b (a mapped file shrank) fails
// with [ErrShrunk] instead of crashing the program.
func (m *Mapping) Hash(b []byte, algs ...Alg) (d Digests, err error) {
	h := NewHasher(algs...)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); !fault {
				panic(r)
			}
			d, err = nil, fmt.Errorf("%w: %v", ErrShrunk, r)
		}
	}()
	for len(b) > 0 {
		step := b[:min(len(b), HashStep)]
		h.Write(step)
		m.Release(step)
		b = b[len(step):]
	}
	return h.Digests(), nil
}
