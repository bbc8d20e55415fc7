package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestStepsHashLikeOneWrite(t *testing.T) {
	b := make([]byte, 3*Step+17)
	for i := range b {
		b[i] = byte(i * 7)
	}
	for _, n := range []int{0, 1, Step - 1, Step, Step + 1, 2 * Step, len(b)} {
		want := sha256.Sum256(b[:n])
		if got := SHA256Hex(b[:n]); got != hex.EncodeToString(want[:]) {
			t.Errorf("%d bytes: got %s, want %x", n, got, want)
		}
	}
}
