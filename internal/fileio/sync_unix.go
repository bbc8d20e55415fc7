//go:build unix

package fileio

import (
	"errors"
	"os"
	"syscall"
)

// syncDir syncs the directory dir, so that a rename or link in it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, syscall.EINVAL) {
		return nil // a file system that cannot sync directories
	}
	return err
}
