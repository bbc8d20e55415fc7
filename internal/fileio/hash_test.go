package fileio

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"hash"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/candor-dev/candor/internal/fileio/fileiotest"
)

// want returns the digests crypto/sha256 and crypto/sha512 give for b.
func want(b []byte) Digests {
	s256, s512 := sha256.Sum256(b), sha512.Sum512(b)
	return Digests{SHA256: hex.EncodeToString(s256[:]), SHA512: hex.EncodeToString(s512[:])}
}

// hashSizes are sizes around HashStep and MapAtLeast, where the steps and the paths change.
var hashSizes = []int{0, 1, 511, 512, HashStep - 1, HashStep, HashStep + 1, 2 * HashStep, 3*HashStep + 17}

// Every way of hashing agrees with crypto/sha256 and crypto/sha512, alone and together, on
// the read and on the mapped path.
func TestHashAgreesWithCrypto(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range hashSizes {
		p, data := randomFile(t, dir, n)
		w := want(data)
		for _, algs := range [][]Alg{{SHA256}, {SHA512}, {SHA256, SHA512}, {SHA512, SHA256, SHA512}} {
			check := func(how string, got Digests, err error) {
				t.Helper()
				if err != nil {
					t.Fatalf("%s, %d bytes, %v: %v", how, n, algs, err)
				}
				if len(got) != len(algs) && len(got) != 2 {
					t.Errorf("%s, %d bytes: %d digests for %v", how, n, len(got), algs)
				}
				for _, a := range algs {
					if got[a] != w[a] {
						t.Errorf("%s, %d bytes: %s %s, want %s", how, n, a, got[a], w[a])
					}
				}
			}
			got, err := HashFile(p, algs...)
			check("HashFile", got, err)
			check("HashBytes", HashBytes(data, algs...), nil)
			got, err = HashReader(bytes.NewReader(data), algs...)
			check("HashReader", got, err)
			f, fi, err := OpenRegular(p)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Load(f, fi.Size())
			if err != nil {
				t.Fatal(err)
			}
			got, err = m.Hash(m.Bytes(), algs...)
			check("Mapping.Hash", got, err)
			m.Close()
			f.Close()
		}
	}
}

// Only the algorithms asked for are computed; one asked twice is computed once.
func TestHasherAlgorithms(t *testing.T) {
	t.Parallel()
	d := HashBytes([]byte("abc"), SHA512, SHA512)
	if len(d) != 1 || d[SHA512] != want([]byte("abc"))[SHA512] {
		t.Errorf("got %v", d)
	}
	if len(NewHasher(SHA256, SHA256, SHA512).hs) != 2 {
		t.Error("a repeated algorithm is hashed twice")
	}
	if n := d.Names(); n["sha512"] != d[SHA512] || len(n) != 1 {
		t.Errorf("Names() = %v", n)
	}
	for _, a := range Algs {
		if b, ok := ParseAlg(string(a)); !ok || b != a || a.HexLen() != len(want(nil)[a]) {
			t.Errorf("%s: ParseAlg %v %v, HexLen %d", a, b, ok, a.HexLen())
		}
	}
	for _, name := range []string{"", "md5", "SHA256", "sha-256", "sha384"} {
		if _, ok := ParseAlg(name); ok || Alg(name).HexLen() != 0 {
			t.Errorf("%q is known", name)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an unknown algorithm did not panic")
		}
	}()
	NewHasher("md5")
}

// stepRecorder is a hash that records the largest Write it was given.
type stepRecorder struct {
	hash.Hash
	largest, total int
}

func (s *stepRecorder) Write(b []byte) (int, error) {
	s.largest = max(s.largest, len(b))
	s.total += len(b)
	return s.Hash.Write(b)
}

// No Write to a hash is larger than HashStep, however large the input: a huge Write could
// not be preempted.
func TestHasherWritesInSteps(t *testing.T) {
	t.Parallel()
	rec := &stepRecorder{Hash: sha256.New()}
	h := &Hasher{algs: []Alg{SHA256}, hs: []hash.Hash{rec}}
	b := make([]byte, 5*HashStep+3)
	if n, err := h.Write(b); n != len(b) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if rec.largest > HashStep || rec.total != len(b) {
		t.Errorf("largest Write %d, total %d; want at most %d, and %d", rec.largest, rec.total, HashStep, len(b))
	}
}

// Hashing a large file from its mapping copies nothing: it allocates far less than the file.
func TestHashFileMappedAllocatesLittle(t *testing.T) {
	if !canMap() {
		t.Skip("no file mappings")
	}
	p, _ := randomFile(t, t.TempDir(), 16<<20)
	if _, err := HashFile(p, SHA256, SHA512); err != nil {
		t.Fatal(err)
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	if _, err := HashFile(p, SHA256, SHA512); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&ms1)
	if got := ms1.TotalAlloc - ms0.TotalAlloc; got > 64<<10 {
		t.Errorf("hashing a 16 MiB file allocated %d bytes, want under 64 KiB", got)
	}
}

// HashFile refuses what is not a regular file, without reading it, and keeps a missing
// file's error.
func TestHashFileRefusesSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	for name, p := range fileiotest.Special(t, dir) {
		var err error
		fileiotest.NoHang(t, "HashFile("+p+")", func() { _, err = HashFile(p, SHA256, SHA512) })
		if !errors.Is(err, ErrNotRegular) {
			t.Errorf("%s: HashFile = %v, want ErrNotRegular", name, err)
		}
	}
	if _, err := HashFile(filepath.Join(dir, "nope"), SHA256); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
}

// A regular file that reports no size (those of /proc) is hashed whole.
func TestHashFileUnsized(t *testing.T) {
	const p = "/proc/self/cmdline"
	fi, err := os.Stat(p)
	if err != nil || fi.Size() != 0 || !fi.Mode().IsRegular() {
		t.Skip("no unsized regular file here")
	}
	b, err := os.ReadFile(p)
	if err != nil || len(b) == 0 {
		t.Skip("cannot read it")
	}
	got, err := HashFile(p, SHA256)
	if err != nil || got[SHA256] != want(b)[SHA256] {
		t.Errorf("got %v, %v; want %s", got, err, want(b)[SHA256])
	}
}
