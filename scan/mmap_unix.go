//go:build unix

package scan

import (
	"os"
	"syscall"
)

// mapFile maps the whole file read-only. Mapping instead of reading lets the
// hashing goroutine and the parsers share one copy of the bytes, each touching
// only what it needs; the kernel streams pages in as they are first read.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	if size == 0 {
		return nil, func() error { return nil }, nil
	}
	if int64(int(size)) != size {
		return nil, nil, syscall.EFBIG
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return readWhole(f, size)
	}
	return b, func() error { return syscall.Munmap(b) }, nil
}

// release tells the kernel this process no longer needs the mapped pages of b
// (madvise MADV_DONTNEED): they stay in the page cache and a later read faults
// them back in. b must be part of a file mapping and start on a page boundary;
// never pass heap memory.
func release(b []byte) {
	if len(b) > 0 {
		_ = syscall.Madvise(b, syscall.MADV_DONTNEED)
	}
}
