//go:build unix

package scan

import (
	"os"
	"syscall"
	"unsafe"
)

// mapFile maps the whole file read-only. Mapping instead of reading lets the
// hashing goroutine and the parsers share one copy of the bytes, each touching
// only what it needs; the kernel streams pages in as they are first read.
// mapped says whether b is a mapping (when mapping fails, the file is read
// into memory instead); only a mapping's pages may be given to release.
func mapFile(f *os.File, size int64) (b []byte, unmap func() error, mapped bool, err error) {
	if size == 0 {
		return nil, func() error { return nil }, false, nil
	}
	if int64(int(size)) != size {
		return nil, nil, false, syscall.EFBIG
	}
	b, err = syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		b, unmap, err = readWhole(f, size)
		return b, unmap, false, err
	}
	return b, func() error { return syscall.Munmap(b) }, true, nil
}

// release tells the kernel this process no longer needs the mapped pages of b
// (madvise MADV_DONTNEED): they stay in the page cache and a later read faults
// them back in. Only the pages b covers whole are released. b must be part of
// a read-only file mapping; never pass heap memory.
func release(b []byte) {
	if len(b) == 0 {
		return
	}
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (start + page - 1) &^ (page - 1)
	hi := (start + uintptr(len(b))) &^ (page - 1)
	if hi <= lo {
		return
	}
	_ = syscall.Madvise(b[lo-start:hi-start], syscall.MADV_DONTNEED)
}
