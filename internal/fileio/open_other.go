//go:build !unix

package fileio

import (
	"io/fs"
	"os"
)

// openRegular opens path; [OpenRegular] then checks the description of the opened
// handle, which refuses pipes and devices (on Windows, NUL and CON are character
// devices). Outside Unix there is no FIFO whose open waits for a writer.
func openRegular(path string) (*os.File, error) {
	return os.Open(path)
}

func openRegularIn(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = notRegular(name, fi.Mode())
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}
