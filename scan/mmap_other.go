//go:build !unix

package scan

import "os"

func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	return readWhole(f, size)
}

func release([]byte) {}
