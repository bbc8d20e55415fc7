//go:build !unix

package fileio

import "os"

// openRegular opens path; [OpenRegular] then checks the description of the opened
// handle, which refuses pipes and devices (on Windows, NUL and CON are character
// devices). Outside Unix there is no FIFO whose open waits for a writer.
func openRegular(path string) (*os.File, error) {
	return os.Open(path)
}
