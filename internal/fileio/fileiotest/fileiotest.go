// Package fileiotest is for tests only: it makes the special files that package fileio and
// its callers must refuse (FIFOs, devices, sockets, directories, links to them), and runs
// code under a guard that fails the test instead of letting it hang on one of them.
//
// It does not import package fileio, so fileio's own tests can use it.
package fileiotest

import (
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Timeout is how long [NoHang] waits before it fails the test.
const Timeout = 20 * time.Second

// NoHang runs f and fails the test, instead of hanging it, if f has not returned within
// [Timeout]. what names the call in the failure message.
func NoHang(t testing.TB, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(Timeout):
		t.Fatalf("%s blocked: it did not return within 20 s", what)
	}
}

// The names of the kinds [Special] makes, the keys of its map.
const (
	Directory      = "directory"
	FIFO           = "fifo"
	FIFOViaSymlink = "fifo via symlink"
	DevZero        = "/dev/zero"
	DevZeroSymlink = "/dev/zero via symlink"
	DevNull        = "/dev/null"
	Socket         = "socket"
	NULDevice      = "NUL device" // Windows only
)

// Special makes in dir the special files of this system and returns them by kind (the
// constants above) → path: dir itself; a FIFO dir/app.intoto.json and a symlink to it
// dir/fifo-link.json; /dev/zero, /dev/null and a symlink dir/zero.intoto.jsonl to /dev/zero
// where they exist; a listening Unix socket dir/s.sock where one can be made (closed when
// the test ends). On Windows there are only the directory and the NUL device.
func Special(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{Directory: dir}
	if runtime.GOOS == "windows" {
		out[NULDevice] = "NUL"
		return out
	}
	fifo := Mkfifo(t, filepath.Join(dir, "app.intoto.json"))
	out[FIFO] = fifo
	out[FIFOViaSymlink] = Symlink(t, fifo, filepath.Join(dir, "fifo-link.json"))
	if _, err := os.Stat("/dev/zero"); err == nil {
		out[DevZero] = "/dev/zero"
		out[DevZeroSymlink] = Symlink(t, "/dev/zero", filepath.Join(dir, "zero.intoto.jsonl"))
	}
	if _, err := os.Stat("/dev/null"); err == nil {
		out[DevNull] = "/dev/null"
	}
	sock := filepath.Join(dir, "s.sock")
	if l, err := net.Listen("unix", sock); err == nil {
		t.Cleanup(func() { l.Close() })
		out[Socket] = sock
	}
	return out
}

// Symlink makes link point at target and returns link; it fails the test if it cannot.
func Symlink(t testing.TB, target, link string) string {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	return link
}
