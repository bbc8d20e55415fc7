package verify

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/internal/fileio"
)

// Files from fileio.MapAtLeast up are hashed from a mapping, smaller ones read: both give the
// digests. (A mapping of a file that shrinks is tested in fileio: TestHashShrunkMapping.)
func TestFileDigestsMappedAndRead(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, fileio.MapAtLeast - 1, fileio.MapAtLeast, fileio.MapAtLeast + 1, 5*fileio.MapAtLeast/2 + 7} {
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

// An algorithm verify does not compute is an input error, not a crash.
func TestFileDigestsUnknownAlgorithm(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, alg := range []string{"md5", "SHA256", ""} {
		if _, err := fileDigests(p, "sha256", alg); !errors.Is(err, ErrInput) {
			t.Errorf("%q: %v, want ErrInput", alg, err)
		}
	}
}
