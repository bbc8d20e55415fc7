//go:build !unix

package scan

import "os"

func mapFile(f *os.File, size int64) ([]byte, func() error, bool, error) {
	b, unmap, err := readWhole(f, size)
	return b, unmap, false, err
}

func release([]byte) {}
