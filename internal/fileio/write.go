package fileio

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes b to path atomically and durably, with permissions mode (not changed by
// the umask): through a temporary file in the same directory, written, synced and renamed
// over path, and then the directory synced (on Unix), so that path holds either its old
// content or all of b, never a part, even after a crash. On failure the temporary file is
// removed and path is left as it was (but for a failure to sync the directory, reported
// once the file is in place). Errors wrap the operating system's (a *fs.PathError
// or *os.LinkError) and name path.
func WriteFile(path string, b []byte, mode fs.FileMode) error {
	return write(path, b, mode, false)
}

// CreateFile is [WriteFile] for a file that must not exist yet: it never replaces one. When
// path exists, or appears while b is being written, it fails with an error wrapping
// [fs.ErrExist], and the file there is not touched. The final step is a hard link of the
// temporary file to path, which the system refuses for a name that is taken; a file system
// without hard links fails with the system's error.
func CreateFile(path string, b []byte, mode fs.FileMode) error {
	return write(path, b, mode, true)
}

func write(path string, b []byte, mode fs.FileMode, exclusive bool) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	name := tmp.Name()
	placed := false
	defer func() {
		if tmp != nil {
			tmp.Close()
		}
		if !placed || exclusive { // a link leaves the temporary name behind
			os.Remove(name)
		}
		if err != nil {
			err = fmt.Errorf("writing %s: %w", path, err)
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	err = tmp.Close()
	tmp = nil
	if err != nil {
		return err
	}
	if exclusive {
		err = os.Link(name, path)
	} else {
		err = os.Rename(name, path)
	}
	if err != nil {
		return err
	}
	placed = true
	return syncDir(dir)
}
