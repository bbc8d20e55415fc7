//go:build unix

package verify

import (
	"errors"
	"os"
	"syscall"
)

// mapFile maps the first size bytes of f read-only: hashing the mapping saves copying the
// file into a buffer, and the buffer's own page faults.
func mapFile(f *os.File, size int64) ([]byte, error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, errors.ErrUnsupported
	}
	return syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ, syscall.MAP_SHARED)
}

func unmapFile(b []byte) { _ = syscall.Munmap(b) }

// releasePages tells the kernel the process is done with b, a page-aligned part of a mapping
// made by mapFile, so that hashing a large file does not keep all of it resident.
func releasePages(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
