package scan

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestNeedleSet checks needleSet.match against bytes.Contains, needle by needle: random
// names over a small alphabet (so that needles occur, overlap and repeat), needle sets of
// every size up to past one group of 64, and needles of 0, 1 and more bytes.
func TestNeedleSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcs_elfupd"[rng.IntN(11)]
		}
		return b
	}
	for _, count := range []int{1, 2, 10, 63, 64, 65, 130} {
		for range 20 {
			needles := make([][]byte, count)
			for k := range needles {
				needles[k] = word(rng.IntN(7))
			}
			s := newNeedleSet(needles)
			for range 200 {
				name := word(rng.IntN(40))
				found := make([]bool, count)
				got := s.match(name, found)
				want := false
				for k, n := range needles {
					if c := bytes.Contains(name, n); c != found[k] {
						t.Fatalf("needles %q, name %q: needle %d (%q) found %v, bytes.Contains says %v", needles, name, k, n, found[k], c)
					} else if c {
						want = true
					}
				}
				if got != want {
					t.Fatalf("needles %q, name %q: match reported %v, want %v", needles, name, got, want)
				}
			}
		}
	}
	// Needles found before stay found and are not reported again.
	s := newNeedleSet([][]byte{[]byte("self"), []byte("upd")})
	found := []bool{true, false}
	if !s.match([]byte("selfupdate"), found) || !found[0] || !found[1] {
		t.Fatalf("found %v", found)
	}
	if s.match([]byte("selfupdate"), found) {
		t.Fatal("match reported needles already found")
	}
}
