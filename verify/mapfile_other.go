//go:build !unix

package verify

import (
	"errors"
	"os"
)

// mapFile is not available here: files are read instead.
func mapFile(*os.File, int64) ([]byte, error) { return nil, errors.ErrUnsupported }

func unmapFile([]byte) {}

func releasePages([]byte) {}
