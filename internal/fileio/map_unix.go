//go:build unix

package fileio

import (
	"io/fs"
	"os"
	"syscall"
)

func mmap(f *os.File, size int) ([]byte, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, &fs.PathError{Op: "mmap", Path: f.Name(), Err: err}
	}
	return b, nil
}

func munmap(b []byte) error { return syscall.Munmap(b) }

// release drops the pages of b, page-aligned and part of a read-only file mapping, from the
// process (madvise MADV_DONTNEED): they stay in the page cache.
func release(b []byte) { _ = syscall.Madvise(b, syscall.MADV_DONTNEED) }
