//go:build !unix

package fileio

import (
	"errors"
	"os"
)

func mkfifo(string, uint32) error { return errors.ErrUnsupported }

func openNonblock(string) (*os.File, error) { return nil, errors.ErrUnsupported }
