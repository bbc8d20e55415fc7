package fileio

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// The descriptor handed out is blocking again: package os reads it as it reads any file.
func TestOpenRegularClearsNonblock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, err := OpenRegular(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags uintptr
	var errno syscall.Errno
	if err := sc.Control(func(fd uintptr) {
		flags, _, errno = syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	}); err != nil || errno != 0 {
		t.Fatal(err, errno)
	}
	if flags&syscall.O_NONBLOCK != 0 {
		t.Error("O_NONBLOCK is still set")
	}
	if flags&syscall.O_ACCMODE != syscall.O_RDONLY {
		t.Errorf("flags %#x: not read-only", flags)
	}
}
