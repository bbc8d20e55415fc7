package fileio

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

var (
	// ErrNotRegular is wrapped by the error of [OpenRegular] and [ReadFile] for a path
	// that is not a regular file: a named pipe, a device, a socket or a directory.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge is wrapped by the error of [ReadFile] for a file over its limit.
	ErrTooLarge = errors.New("file too large")
)

// OpenRegular opens the file at path for reading, and returns it with its description
// as its descriptor reports it. Anything but a regular file is closed again and refused
// with an error wrapping [ErrNotRegular] that says what it is (see the package
// documentation); opening a FIFO does not wait for a writer. Errors from the operating
// system are wrapped in a *fs.PathError, as [os.Open]'s are.
func OpenRegular(path string) (*os.File, fs.FileInfo, error) {
	f, err := openRegular(path)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	// openRegular checked the descriptor already; this is the same descriptor.
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, notRegular(path, fi.Mode())
	}
	return f, fi, nil
}

// OpenRegularIn is [OpenRegular] for name inside root: name cannot lead out of root (see
// [os.Root]), and what it names must be a regular file, as its descriptor says. Errors
// name the file by name.
func OpenRegularIn(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	return openRegularIn(root, name)
}

// notRegular returns the error for a path that is m and not a regular file.
func notRegular(path string, m fs.FileMode) error {
	return fmt.Errorf("%s: %w: it is %s; give candor the file itself", path, ErrNotRegular, Describe(m))
}

// Describe says what kind of file m is, in words: "a regular file", "a directory", "a
// named pipe (FIFO)", "a character device"...
func Describe(m fs.FileMode) string {
	switch t := m.Type(); {
	case t == 0:
		return "a regular file"
	case t&fs.ModeDir != 0:
		return "a directory"
	case t&fs.ModeSymlink != 0:
		return "a symbolic link"
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeCharDevice != 0:
		return "a character device"
	case t&fs.ModeDevice != 0:
		return "a block device"
	case t&fs.ModeIrregular != 0:
		return "not a file candor can read (irregular)"
	}
	return "not a regular file (mode " + m.String() + ")"
}

// ReadFile reads the whole regular file at path, which must hold at most limit bytes
// (limit >= 0). A larger file fails with an error wrapping [ErrTooLarge] that names the
// path and the limit; a file that is not regular fails as [OpenRegular] does. The buffer
// is sized from the size the descriptor reports, and never grows past limit+1 bytes
// (one more, to see a file that grew over the limit while it was read).
func ReadFile(path string, limit int64) ([]byte, error) {
	if limit < 0 {
		return nil, fmt.Errorf("%s: fileio.ReadFile: negative limit %d", path, limit)
	}
	f, fi, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > limit {
		return nil, tooLarge(path, limit)
	}
	b, err := ReadAtMost(f, fi.Size(), limit)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooLarge(path, limit)
	}
	return b, nil
}

func tooLarge(path string, limit int64) error {
	return fmt.Errorf("%s: %w: over the limit of %d bytes", path, ErrTooLarge, limit)
}

// minRead is the smallest buffer ReadAtMost starts with: files that report no size
// (those of /proc) still have content.
const minRead = 512

// ReadAtMost is the bounded read behind [ReadFile], for a file already open: it reads r to
// its end or until it has read limit+1 bytes, whichever comes first, so that a result
// longer than limit says r holds more than limit (limit >= 0). size is what r is expected
// to hold (the size a file's descriptor reports): the buffer starts at size+1 bytes (one
// more, to see the end) and never grows past limit+1. Errors are r's.
func ReadAtMost(r io.Reader, size, limit int64) ([]byte, error) {
	most := limit + 1
	if most <= 0 { // limit is the largest int64
		most = limit
	}
	b := make([]byte, 0, min(max(size+1, minRead), most))
	for {
		if len(b) == cap(b) {
			if int64(len(b)) >= most {
				return b, nil
			}
			nb := make([]byte, len(b), min(2*int64(cap(b)), most))
			copy(nb, b)
			b = nb
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
