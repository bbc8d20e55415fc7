//go:build unix

package fileio

import (
	"os"
	"syscall"
)

func mkfifo(path string, mode uint32) error { return syscall.Mkfifo(path, mode) }

// openNonblock opens a FIFO for reading without waiting for a writer.
func openNonblock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
