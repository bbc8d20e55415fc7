package fileio

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// randomFile writes n random bytes to a new file and returns its path and content.
func randomFile(t testing.TB, dir string, n int) (string, []byte) {
	t.Helper()
	r := rand.New(rand.NewPCG(uint64(n), 7))
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p, data
}

func canMap() bool {
	return runtime.GOOS != "windows" && runtime.GOOS != "plan9" && runtime.GOOS != "js" && runtime.GOOS != "wasip1"
}

// Map and Load give the bytes a read gives, mapped or not; Load maps from MapAtLeast up and
// does not move the file's offset.
func TestMapAndLoadGiveTheFile(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 4095, 4096, MapAtLeast - 1, MapAtLeast, MapAtLeast + 1, 3*MapAtLeast + 7} {
		p, data := randomFile(t, t.TempDir(), n)
		f, fi, err := OpenRegular(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, how := range []string{"Map", "Load"} {
			var m *Mapping
			if how == "Map" {
				m, err = Map(f, fi.Size())
			} else {
				m, err = Load(f, fi.Size())
			}
			if err != nil {
				if how == "Map" && !canMap() {
					continue
				}
				t.Fatalf("%s %d bytes: %v", how, n, err)
			}
			if !bytes.Equal(m.Bytes(), data) {
				t.Errorf("%s %d bytes: not the file's bytes", how, n)
			}
			wantMapped := canMap() && n > 0 && (how == "Map" || n >= MapAtLeast)
			if m.Mapped() != wantMapped {
				t.Errorf("%s %d bytes: Mapped() = %v, want %v", how, n, m.Mapped(), wantMapped)
			}
			// Released pages read back the same.
			m.Release(m.Bytes())
			if !bytes.Equal(m.Bytes(), data) {
				t.Errorf("%s %d bytes: released pages read back different", how, n)
			}
			if err := m.Close(); err != nil {
				t.Fatal(err)
			}
			if m.Bytes() != nil || m.Mapped() {
				t.Errorf("%s %d bytes: a closed mapping still has bytes", how, n)
			}
		}
		if off, _ := f.Seek(0, io.SeekCurrent); off != 0 {
			t.Errorf("%d bytes: the offset moved to %d", n, off)
		}
		f.Close()
	}
}

// Release touches only the mapping's own pages: ordinary memory given to it is left alone
// (madvise would zero it), as are the bytes of a Mapping that was read, not mapped.
func TestReleaseNeverTouchesOrdinaryMemory(t *testing.T) {
	t.Parallel()
	p, data := randomFile(t, t.TempDir(), 2*MapAtLeast)
	f, fi, err := OpenRegular(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Map(f, fi.Size())
	if err != nil {
		t.Skipf("cannot map: %v", err)
	}
	defer m.Close()
	heap := bytes.Repeat([]byte{0xAB}, 4<<20)
	m.Release(heap)
	m.Release(heap[4096:])
	if bytes.Count(heap, []byte{0xAB}) != len(heap) {
		t.Fatal("Release changed ordinary memory")
	}
	// A slice straddling the mapping's end is not inside it.
	read := &Mapping{data: bytes.Clone(data)}
	read.Release(read.Bytes())
	var nilMapping *Mapping
	nilMapping.Release(heap)
	if !bytes.Equal(read.Bytes(), data) || bytes.Count(heap, []byte{0xAB}) != len(heap) {
		t.Fatal("Release changed bytes that were read, not mapped")
	}
}

// A mapping that outlives the file's end (the file was truncated while it was mapped) fails
// to hash with ErrShrunk, not a crash; so does HashFile on a file truncated meanwhile.
func TestHashShrunkMapping(t *testing.T) {
	if !canMap() {
		t.Skip("no file mappings")
	}
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	f, _, err := OpenRegular(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := Map(f, 3*MapAtLeast)
	if err != nil {
		t.Skipf("cannot map: %v", err)
	}
	defer m.Close()
	for _, algs := range [][]Alg{{SHA256}, {SHA256, SHA512}} {
		if _, err := m.Hash(m.Bytes(), algs...); !errors.Is(err, ErrShrunk) {
			t.Fatalf("%v: hashing past the end of the file = %v, want ErrShrunk", algs, err)
		}
	}
	// The goroutine's fault setting is restored.
	if _, err := m.Hash(m.Bytes()[:4096], SHA256); err != nil {
		t.Fatal(err)
	}
}
