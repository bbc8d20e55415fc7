package fileio

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// leftovers returns the names in dir other than keep: temporary files a write left behind.
func leftovers(t *testing.T, dir string, keep ...string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if !strings.Contains(strings.Join(keep, "\x00")+"\x00", e.Name()+"\x00") {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestWriteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "out.json")
	for i, content := range [][]byte{[]byte("first"), bytes.Repeat([]byte("second "), 100000), nil} {
		if err := WriteFile(p, content, 0o640); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("write %d: read back %d bytes, %v; want %d", i, len(got), err, len(content))
		}
		if left := leftovers(t, dir, "out.json"); len(left) > 0 {
			t.Errorf("write %d left %v", i, left)
		}
	}
	if runtime.GOOS != "windows" {
		for _, mode := range []fs.FileMode{0o600, 0o644, 0o666} { // not narrowed by the umask
			if err := WriteFile(p, []byte("x"), mode); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != mode {
				t.Errorf("mode %v: the file has %v (%v)", mode, fi.Mode().Perm(), err)
			}
		}
	}
}

// A write that fails after the temporary file was written leaves no temporary file, and
// whatever was at the path is still there.
func TestWriteFileFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A directory with something in it cannot be renamed over.
	inTheWay := filepath.Join(dir, "a.intoto.json")
	if err := os.MkdirAll(filepath.Join(inTheWay, "full"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(inTheWay, []byte("new"), 0o644)
	var le *os.LinkError
	if err == nil || !errors.As(err, &le) || !strings.Contains(err.Error(), inTheWay) {
		t.Fatalf("WriteFile over a directory = %v, want an *os.LinkError naming the path", err)
	}
	if fi, err := os.Stat(filepath.Join(inTheWay, "full")); err != nil || !fi.IsDir() {
		t.Errorf("what was at the path changed: %v", err)
	}
	if left := leftovers(t, dir, "a.intoto.json"); len(left) > 0 {
		t.Errorf("the failed write left %v", left)
	}

	// A missing directory: nothing is created, and the error is the system's.
	missing := filepath.Join(dir, "no", "such", "out")
	if err := WriteFile(missing, []byte("x"), 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("WriteFile in a missing directory = %v, want fs.ErrNotExist", err)
	}
}

// A failed replacement keeps the old file, whole: a directory that cannot be written to.
func TestWriteFileFailureKeepsOldFile(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs a directory this user cannot write to")
	}
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "key.pub")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if err := WriteFile(p, []byte("new"), 0o644); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("WriteFile = %v, want fs.ErrPermission", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("the old file now holds %q", b)
	}
	if left := leftovers(t, dir, "key.pub"); len(left) > 0 {
		t.Errorf("the failed write left %v", left)
	}
}

// CreateFile refuses an existing file (even an empty one, or a symlink to nothing) and leaves
// it untouched, with no temporary file behind.
func TestCreateFileRefusesExisting(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "cosign.key")
	if err := CreateFile(p, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(p); err != nil || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Fatalf("created file: %v, %v", fi, err)
	}
	existing := map[string][]byte{"cosign.key": []byte("secret"), "empty": nil}
	if err := os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if err := os.Symlink("nowhere", filepath.Join(dir, "dangling")); err != nil {
			t.Fatal(err)
		}
		existing["dangling"] = nil
	}
	for name, old := range existing {
		q := filepath.Join(dir, name)
		err := CreateFile(q, []byte("replaced"), 0o600)
		if !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), q) {
			t.Errorf("%s: CreateFile = %v, want fs.ErrExist naming the path", name, err)
		}
		if name == "dangling" {
			if target, err := os.Readlink(q); err != nil || target != "nowhere" {
				t.Errorf("the link changed: %q, %v", target, err)
			}
			continue
		}
		if b, _ := os.ReadFile(q); !bytes.Equal(b, old) {
			t.Errorf("%s now holds %q", name, b)
		}
	}
	keep := []string{"cosign.key", "empty", "dangling"}
	if left := leftovers(t, dir, keep...); len(left) > 0 {
		t.Errorf("refusals left %v", left)
	}
}

// Of several CreateFile calls racing for one name, exactly one wins and its content is
// there, whole.
func TestCreateFileRace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "k")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = CreateFile(p, bytes.Repeat([]byte{byte('a' + i)}, 1<<16), 0o600) })
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won < 0:
			won = i
		case err == nil:
			t.Fatalf("calls %d and %d both created the file", won, i)
		case !errors.Is(err, fs.ErrExist):
			t.Errorf("call %d: %v, want fs.ErrExist", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no call created the file")
	}
	if b, _ := os.ReadFile(p); !bytes.Equal(b, bytes.Repeat([]byte{byte('a' + won)}, 1<<16)) {
		t.Error("the file does not hold the winner's content, whole")
	}
	if left := leftovers(t, dir, "k"); len(left) > 0 {
		t.Errorf("left %v", left)
	}
}
