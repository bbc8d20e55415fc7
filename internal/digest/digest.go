// Package digest hashes large in-memory inputs without stalling the runtime.
//
// The SHA-2 assembly loops cannot be preempted: a goroutine hashing a 70 MiB
// slice in one Write keeps a garbage collection that wants to stop it
// spinning on another core for the whole ~60 ms. Writing in steps of 1 MiB
// bounds that wait to under a millisecond at no measurable cost.
package digest

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// Step is how much one Write hashes.
const Step = 1 << 20

// Write writes b to h in steps of at most Step bytes.
func Write(h hash.Hash, b []byte) {
	for len(b) > 0 {
		n := min(len(b), Step)
		h.Write(b[:n])
		b = b[n:]
	}
}

// SHA256Hex returns the SHA-256 of b in lower-case hex.
func SHA256Hex(b []byte) string {
	h := sha256.New()
	Write(h, b)
	return hex.EncodeToString(h.Sum(nil))
}
