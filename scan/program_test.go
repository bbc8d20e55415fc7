package scan

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

// buildReach builds testdata/code/reach for a target, stripped or not, into a
// temporary directory (the go command's build cache keeps it cheap).
func buildReach(t *testing.T, goos, goarch string, stripped bool) []byte {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: the reach fixture cannot be built")
	}
	src, err := filepath.Abs(filepath.Join("..", "testdata", "code", "reach"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "reach")
	args := []string{"build", "-trimpath", "-o", out}
	if stripped {
		args = append(args, "-ldflags=-s -w")
	}
	cmd := exec.Command(gobin, append(args, ".")...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s/%s: %v\n%s", goos, goarch, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestProgramReach checks the reach and call path of each way a function can
// be reached, on every platform the pass reads, stripped and not.
func TestProgramReach(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a fixture for four platforms")
	}
	type want struct {
		reach Reach
		// path is the exact call path, when it is known exactly; else prefix
		// and the function itself as the last frame.
		path   []string
		prefix []string
		// viaData: reached only from static data (not anchored).
		viaData bool
	}
	wants := map[string]want{
		"main.main":   {reach: ReachDirect, path: []string{"main.main"}},
		"main.direct": {reach: ReachDirect, path: []string{"main.main", "main.direct"}},
		"main.deeper": {reach: ReachDirect, path: []string{"main.main", "main.direct2", "main.deeper"}},
		// A goroutine's function is started from a function value.
		"main.inGoroutine": {reach: ReachIndirect, prefix: []string{"main.main"}},
		// An interface method: through the itab main.main's code takes.
		"main.(*dog).Speak": {reach: ReachIndirect, prefix: []string{"main.main"}},
		// A function value in a static table: reached from static data.
		"main.callback": {reach: ReachIndirect, prefix: []string{dataRootFrame}, viaData: true},
		// Only through reflection: its type's method table, which keeps it, is a
		// root (a method of the main module's types).
		"main.hidden.Secret": {reach: ReachIndirect, prefix: []string{methodRootFrame}, viaData: true},
		// Another module's method (the standard library's) that the same
		// reflective call keeps in its type's method table (*os.File reaches
		// an interface as fmt's writer), which no code calls: not a root.
		"os.(*File).Chown": {reach: ReachNone},
	}
	for _, tg := range [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"windows", "amd64"}, {"darwin", "arm64"}} {
		for _, stripped := range []bool{false, true} {
			name := tg[0] + "-" + tg[1]
			if stripped {
				name += "-stripped"
			}
			t.Run(name, func(t *testing.T) {
				data := buildReach(t, tg[0], tg[1], stripped)
				bf, err := openBinary(data)
				if err != nil {
					t.Fatal(err)
				}
				im := bf.images[0]
				tab := findPclntab(im)
				if tab == nil {
					t.Fatal("no function table")
				}
				p, err := newProgram(im, tab, &moduleIndex{})
				if err != nil {
					t.Fatal(err)
				}
				for fn, w := range wants {
					n, ok := p.byName[fn]
					if !ok {
						t.Errorf("%s: not in the program", fn)
						continue
					}
					got := p.path(n)
					if p.reach[n] != w.reach {
						t.Errorf("%s: reach %s, want %s (path %s)", fn, p.reach[n], w.reach, strings.Join(got, " → "))
					}
					if p.reach[n] != ReachNone && p.viaData[n] != w.viaData {
						t.Errorf("%s: reached only from static data = %v, want %v (path %s)", fn, p.viaData[n], w.viaData, strings.Join(got, " → "))
					}
					switch {
					case w.path != nil && !slices.Equal(got, w.path):
						t.Errorf("%s: path %s, want %s", fn, strings.Join(got, " → "), strings.Join(w.path, " → "))
					case w.prefix != nil && (len(got) < len(w.prefix)+1 || !slices.Equal(got[:len(w.prefix)], w.prefix) || got[len(got)-1] != fn):
						t.Errorf("%s: path %s, want one from %s to the function", fn, strings.Join(got, " → "), strings.Join(w.prefix, " → "))
					case w.reach == ReachNone && got != nil:
						t.Errorf("%s: unreached but has path %v", fn, got)
					}
				}
			})
		}
	}
}

// FuzzProgram runs the code pass on mutated Go binaries (the reach fixture for
// linux/amd64 and linux/arm64, stripped): it never panics, stays bounded, and
// what it returns is consistent: every node's reach is one of the three, a
// reached node has a path from an entry point (or static data) that ends at
// it, an unreached one has none, and code conditions and owners never fail.
// A fuzz input is an edit of a base binary (so the engine works on a few bytes,
// not megabytes): which base, a cut, and patches of (offset, bytes), offsets
// spread over the whole file and biased to the text, data and function table.
func FuzzProgram(f *testing.F) {
	if testing.Short() {
		f.Skip("builds the reach fixture")
	}
	bases := [][]byte{buildReachF(f, "linux", "amd64"), buildReachF(f, "linux", "arm64")}
	f.Add([]byte{0})
	f.Add([]byte{1, 0, 0, 0, 0, 0x10, 0, 0, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{0, 0, 0x80, 0, 0, 0x90, 0x90, 0x90, 0x90})
	spec := &CodeSpec{Within: 3, Together: []CodeGroup{{Functions: []string{"fmt.Println"}}, {Strings: []string{"dir"}}}}
	f.Fuzz(func(t *testing.T, edit []byte) {
		if len(edit) == 0 {
			return
		}
		base := bases[int(edit[0])%len(bases)]
		data := append([]byte(nil), base...)
		edit = edit[1:]
		if len(edit) >= 1 && edit[0]&0x80 != 0 {
			// cut the file at a fraction of its size
			data = data[:len(data)*int(edit[0]&0x7f)/128]
			edit = edit[1:]
		}
		for len(edit) >= 5 && len(data) > 0 {
			off := int(binary.LittleEndian.Uint32(edit)) % len(data)
			n := int(edit[4]%16) + 1
			edit = edit[5:]
			for k := 0; k < n && len(edit) > 0 && off+k < len(data); k++ {
				data[off+k] = edit[0]
				edit = edit[1:]
			}
		}
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("code pass over %d bytes ran over 10s", len(data))) })
		defer watchdog.Stop()
		bf, err := openBinary(data)
		if err != nil {
			return
		}
		for _, im := range bf.images {
			tab := findPclntab(im)
			if tab == nil {
				continue
			}
			p, err := newProgram(im, tab, &moduleIndex{})
			if err != nil {
				continue
			}
			for n := range p.names {
				r, path := p.reach[n], p.path(int32(n))
				switch {
				case r != ReachDirect && r != ReachIndirect && r != ReachNone:
					t.Fatalf("node %d: reach %q", n, r)
				case r == ReachNone && path != nil:
					t.Fatalf("node %d unreached with path %v", n, path)
				case r != ReachNone && (len(path) == 0 || path[len(path)-1] != p.names[n]):
					t.Fatalf("node %d (%s) reached, path %v", n, p.names[n], path)
				case r != ReachNone && !isEntryPoint(path[0]) && path[0] != dataRootFrame && path[0] != methodRootFrame:
					t.Fatalf("node %d: path starts at %s", n, path[0])
				}
				_ = p.owner(path)
			}
			p.codeMatch(spec)
			p.exactStrings()
		}
	})
}

// buildReachF is buildReach for a fuzz target's seed corpus.
func buildReachF(f *testing.F, goos, goarch string) []byte {
	f.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		f.Skip("no go command on PATH: the reach fixture cannot be built")
	}
	src, _ := filepath.Abs(filepath.Join("..", "testdata", "code", "reach"))
	out := filepath.Join(f.TempDir(), "reach")
	cmd := exec.Command(gobin, "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		f.Fatalf("go build: %v\n%s", err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		f.Fatal(err)
	}
	return data
}

// TestCodeReleased: the code pass gives the text back once it has decoded it
// (a mapped file's pages of code need not stay resident for the rest of the
// scan), exactly once; it gives back the function table and every data section
// it walked, only ever bytes of the image; and the program is the one
// newProgram builds.
func TestCodeReleased(t *testing.T) {
	data := buildReach(t, "linux", "amd64", false)
	bf, err := openBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	im := bf.images[0]
	tab := findPclntab(im)
	if tab == nil {
		t.Fatal("no function table")
	}
	text := im.textSection().data
	var mu sync.Mutex
	var released [][]byte
	p, err := newProgramReleasing(im, tab, &moduleIndex{}, func(b []byte) {
		mu.Lock()
		released = append(released, b)
		mu.Unlock()
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	whole := func(b []byte) int { // how many times b was given whole
		n := 0
		for _, r := range released {
			if len(r) == len(b) && &r[0] == &b[0] {
				n++
			}
		}
		return n
	}
	if n := whole(text); n != 1 {
		t.Errorf("the text section's %d bytes were given whole %d times, want once", len(text), n)
	}
	for _, s := range p.words {
		if whole(s.data) == 0 {
			t.Errorf("data section %s was not given back whole", s.name)
		}
	}
	if whole(tab.sec.data[tab.start:tab.end]) == 0 {
		t.Error("the function table was not given back whole")
	}
	base := uintptr(unsafe.Pointer(&im.data[0]))
	for _, r := range released {
		if at := uintptr(unsafe.Pointer(unsafe.SliceData(r))); len(r) == 0 || at < base || at-base+uintptr(len(r)) > uintptr(len(im.data)) {
			t.Fatalf("given %d bytes at %#x, not inside the image's %d bytes", len(r), at, len(im.data))
		}
	}
	q, err := newProgram(im, tab, &moduleIndex{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.names, q.names) || !slices.Equal(p.edges, q.edges) || !slices.Equal(p.reach, q.reach) || !slices.Equal(p.parent, q.parent) {
		t.Error("the program differs from newProgram's")
	}
}
