package fileio

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/fileio/fileiotest"
)

func TestOpenRegularRefusesSpecialFiles(t *testing.T) {
	for name, p := range fileiotest.Special(t, t.TempDir()) {
		t.Run(name, func(t *testing.T) {
			var err error
			fileiotest.NoHang(t, "OpenRegular("+p+")", func() {
				var f *os.File
				f, _, err = OpenRegular(p)
				if f != nil {
					f.Close()
				}
			})
			if !errors.Is(err, ErrNotRegular) {
				t.Fatalf("OpenRegular(%s) = %v, want ErrNotRegular", p, err)
			}
			if !strings.Contains(err.Error(), p) {
				t.Errorf("the error does not name the path: %v", err)
			}
			fileiotest.NoHang(t, "ReadFile("+p+")", func() { _, err = ReadFile(p, 1<<20) })
			if !errors.Is(err, ErrNotRegular) {
				t.Fatalf("ReadFile(%s) = %v, want ErrNotRegular", p, err)
			}
		})
	}
}

// The error says what the file is, so the user knows what to fix.
func TestNotRegularSaysWhat(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	files := fileiotest.Special(t, t.TempDir())
	for name, want := range map[string]string{
		"fifo":                  "named pipe (FIFO)",
		"fifo via symlink":      "named pipe (FIFO)",
		"/dev/zero via symlink": "character device",
		"directory":             "directory",
		"socket":                "socket",
	} {
		p, ok := files[name]
		if !ok {
			continue
		}
		_, _, err := OpenRegular(p)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want it to say %q", name, err, want)
		}
	}
}

// A FIFO is refused even while a writer holds it open and data waits in it.
func TestOpenRegularRefusesFIFOWithWriter(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no FIFOs")
	}
	p := filepath.Join(t.TempDir(), "p")
	if err := mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := openNonblock(p) // so the writer's open does not block
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Write([]byte(`{"payload":""}`)); err != nil {
		t.Fatal(err)
	}
	fileiotest.NoHang(t, "ReadFile", func() { _, err = ReadFile(p, 1<<20) })
	if !errors.Is(err, ErrNotRegular) {
		t.Fatalf("ReadFile = %v, want ErrNotRegular", err)
	}
}

// Refusing /dev/zero, however reached, reads nothing from it: the cost is that of an
// error message, not of the limit.
func TestDevZeroCostsNothing(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	link := fileiotest.Symlink(t, "/dev/zero", filepath.Join(t.TempDir(), "a.intoto.jsonl"))
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for range 10 {
		if _, err := ReadFile(link, 64<<20); !errors.Is(err, ErrNotRegular) {
			t.Fatalf("ReadFile = %v, want ErrNotRegular", err)
		}
	}
	runtime.ReadMemStats(&ms1)
	if got := ms1.TotalAlloc - ms0.TotalAlloc; got > 1<<20 {
		t.Errorf("10 refusals of /dev/zero allocated %d bytes, want under 1 MiB", got)
	}
	allocs := testing.AllocsPerRun(20, func() { _, _ = ReadFile(link, 64<<20) })
	if allocs > 20 {
		t.Errorf("a refusal costs %.0f allocations, want at most 20", allocs)
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("candor "), 1000)
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, limit := range []int64{int64(len(data)), int64(len(data)) + 1, 1 << 30, 1<<63 - 1} {
		got, err := ReadFile(p, limit)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("limit %d: %d bytes, %v", limit, len(got), err)
		}
		if int64(cap(got)) > min(limit, int64(len(data)))+1 && cap(got) > minRead {
			t.Errorf("limit %d: buffer of %d bytes for a file of %d", limit, cap(got), len(data))
		}
	}
	for _, limit := range []int64{0, 1, int64(len(data)) - 1} {
		_, err := ReadFile(p, limit)
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("limit %d: %v, want ErrTooLarge", limit, err)
		}
		if !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "limit of") {
			t.Errorf("the error does not name the path and the limit: %v", err)
		}
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadFile(empty, 0); err != nil || len(got) != 0 {
		t.Errorf("empty file: %q, %v", got, err)
	}
	if _, err := ReadFile(p, -1); err == nil {
		t.Error("a negative limit was accepted")
	}
}

// A regular file that reports no size (those of /proc) is read whole, and its limit holds.
func TestReadFileUnsized(t *testing.T) {
	const p = "/proc/self/status"
	fi, err := os.Stat(p)
	if err != nil || fi.Size() != 0 || !fi.Mode().IsRegular() {
		t.Skip("no unsized regular file here")
	}
	b, err := ReadFile(p, 1<<20)
	if err != nil || !bytes.Contains(b, []byte("Name:")) {
		t.Fatalf("%d bytes, %v", len(b), err)
	}
	if _, err := ReadFile(p, 10); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("limit 10: %v, want ErrTooLarge", err)
	}
}

func TestMissingFileIsNotExist(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope")
	_, _, err := OpenRegular(p)
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Path != p {
		t.Fatalf("OpenRegular = %v, want a *fs.PathError for %s wrapping fs.ErrNotExist", err, p)
	}
	if _, err := ReadFile(p, 10); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("ReadFile = %v, want fs.ErrNotExist", err)
	}
}

// A regular file, directly or through a symlink, opens; the description is the file's.
func TestOpenRegularFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{p, fileiotest.Symlink(t, p, filepath.Join(dir, "l"))} {
		f, fi, err := OpenRegular(q)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.Mode().IsRegular() || fi.Size() != 5 || f.Name() != q {
			t.Errorf("%s: %v %d %s", q, fi.Mode(), fi.Size(), f.Name())
		}
		b := make([]byte, 10)
		if n, _ := f.ReadAt(b, 0); string(b[:n]) != "hello" {
			t.Errorf("%s: read %q", q, b[:n])
		}
		f.Close()
	}
}

// Inside a root, the same files are refused, and a link out of the root fails too.
func TestOpenRegularIn(t *testing.T) {
	dir := t.TempDir()
	files := fileiotest.Special(t, dir)
	if err := os.WriteFile(filepath.Join(dir, "ok.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		fileiotest.Symlink(t, "app.intoto.json", filepath.Join(dir, "rel-fifo.json"))
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f, fi, err := OpenRegularIn(root, "ok.json")
	if err != nil || fi.Size() != 2 {
		t.Fatalf("ok.json: %v", err)
	}
	f.Close()
	for _, name := range []string{"app.intoto.json", "rel-fifo.json", "sub"} {
		if runtime.GOOS == "windows" && name != "sub" {
			continue
		}
		fileiotest.NoHang(t, "OpenRegularIn("+name+")", func() {
			var f *os.File
			f, _, err = OpenRegularIn(root, name)
			if f != nil {
				f.Close()
			}
		})
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: %v, want ErrNotRegular", name, err)
		}
	}
	if _, ok := files["/dev/zero via symlink"]; ok {
		// The link leads out of the root: refused before it is opened.
		if _, _, err := OpenRegularIn(root, "zero.intoto.jsonl"); err == nil {
			t.Error("a link to /dev/zero opened")
		}
	}
}
