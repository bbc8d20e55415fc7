//go:build unix

package fileio

import (
	"io/fs"
	"os"
	"syscall"
)

// openFlags open for reading without waiting: opening a FIFO with no writer returns at
// once instead of blocking, and a terminal device does not become the controlling one.
const openFlags = syscall.O_RDONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY | syscall.O_CLOEXEC

// openRegular opens path non-blocking, checks on the descriptor that it is a regular
// file, and makes the descriptor blocking again before handing it to package os.
func openRegular(path string) (*os.File, error) {
	var fd int
	for {
		var err error
		fd, err = syscall.Open(path, openFlags, 0)
		if err == nil {
			break
		}
		if err == syscall.ENXIO || err == syscall.EOPNOTSUPP {
			// A socket cannot be opened (nor a device with no driver): say what it is.
			if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() {
				return nil, notRegular(path, fi.Mode())
			}
		}
		if err != syscall.EINTR {
			return nil, &fs.PathError{Op: "open", Path: path, Err: err}
		}
	}
	var st syscall.Stat_t
	if err := fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	if m := uint32(st.Mode) & syscall.S_IFMT; m != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, notRegular(path, typeOf(m))
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		syscall.Close(fd)
		return nil, &fs.PathError{Op: "fcntl", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

func fstat(fd int, st *syscall.Stat_t) error {
	for {
		err := syscall.Fstat(fd, st)
		if err != syscall.EINTR {
			return err
		}
	}
}

// typeOf turns the S_IFMT bits of a stat mode into an fs.FileMode type.
func typeOf(m uint32) fs.FileMode {
	switch m {
	case syscall.S_IFDIR:
		return fs.ModeDir
	case syscall.S_IFIFO:
		return fs.ModeNamedPipe
	case syscall.S_IFSOCK:
		return fs.ModeSocket
	case syscall.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case syscall.S_IFBLK:
		return fs.ModeDevice
	case syscall.S_IFLNK:
		return fs.ModeSymlink
	}
	return fs.ModeIrregular
}

// openRegularIn opens name in root non-blocking, checks its description and makes the
// descriptor blocking again.
func openRegularIn(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	f, err := root.OpenFile(name, openFlags, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = notRegular(name, fi.Mode())
	}
	if err == nil {
		err = setBlocking(f)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// setBlocking clears O_NONBLOCK on the descriptor of f, a regular file: package os does
// not poll regular files, so it reads them as blocking ones either way.
func setBlocking(f *os.File) error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := sc.Control(func(fd uintptr) { serr = syscall.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	if serr != nil {
		return &fs.PathError{Op: "fcntl", Path: f.Name(), Err: serr}
	}
	return nil
}
