//go:build !unix

package fileio

import (
	"errors"
	"io/fs"
	"os"
)

// Files are not mapped here: [Load] and [HashFile] read them instead.
func mmap(f *os.File, _ int) ([]byte, error) {
	return nil, &fs.PathError{Op: "mmap", Path: f.Name(), Err: errors.ErrUnsupported}
}

func munmap([]byte) error { return nil }

func release([]byte) {}
