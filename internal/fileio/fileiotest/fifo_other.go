//go:build !unix

package fileiotest

import "testing"

// Mkfifo makes a named pipe at path (mode 0o644) and returns path; it fails the test if it
// cannot, and skips it where there are no FIFOs.
func Mkfifo(t testing.TB, path string) string {
	t.Helper()
	t.Skip("no FIFOs on this system")
	return path
}
