package verify

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"hash"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Files from mapAtLeast up are hashed from a mapping, smaller ones read: both give the digests.
func TestFileDigestsMappedAndRead(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, mapAtLeast - 1, mapAtLeast, mapAtLeast + 1, 5*mapAtLeast/2 + 7} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := fileDigests(p, "sha256", "sha512")
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		s256, s512 := sha256.Sum256(data), sha512.Sum512(data)
		if got["sha256"] != hex.EncodeToString(s256[:]) || got["sha512"] != hex.EncodeToString(s512[:]) {
			t.Errorf("%d bytes: got %v", n, got)
		}
	}
}

// A mapping that outlives the file's end (the file was truncated while it was hashed) gives
// an error, not a crash.
func TestHashMappedTruncated(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no file mappings")
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, make([]byte, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := mapFile(f, 3*mapAtLeast)
	if err != nil {
		t.Skipf("cannot map: %v", err)
	}
	defer unmapFile(b)
	if err := hashMapped(b, []hash.Hash{sha256.New()}); err == nil {
		t.Fatal("hashing past the end of the file succeeded")
	}
}
