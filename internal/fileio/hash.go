package fileio

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
)

// Alg is a digest algorithm, named as in-toto names it
// (https://github.com/in-toto/attestation/blob/main/spec/v1/digest_set.md).
type Alg string

// The algorithms candor hashes in.
const (
	SHA256 Alg = "sha256"
	SHA512 Alg = "sha512"
)

// Algs lists every [Alg] candor hashes in, in name order.
var Algs = []Alg{SHA256, SHA512}

// ParseAlg returns the algorithm named name, and whether candor knows it.
func ParseAlg(name string) (Alg, bool) {
	switch a := Alg(name); a {
	case SHA256, SHA512:
		return a, true
	}
	return "", false
}

// HexLen is the length of a's digests in hex digits; 0 for an algorithm candor does not know.
func (a Alg) HexLen() int {
	switch a {
	case SHA256:
		return 2 * sha256.Size
	case SHA512:
		return 2 * sha512.Size
	}
	return 0
}

func (a Alg) new() hash.Hash {
	switch a {
	case SHA256:
		return sha256.New()
	case SHA512:
		return sha512.New()
	}
	panic(fmt.Sprintf("fileio: unknown digest algorithm %q: use one of fileio.Algs", string(a)))
}

// HashStep is how much one step of hashing writes to a hash: 1 MiB. The SHA-2 assembly
// loops cannot be preempted: a goroutine hashing a 70 MiB slice in one Write keeps a
// garbage collection that wants to stop it spinning on another core for the whole ~60 ms.
// Writing in steps of 1 MiB bounds that wait to under a millisecond at no measurable cost;
// a step also stays in the processor's cache while every algorithm of a [Hasher] reads it.
// It is also the step in which a [Mapping]'s pages are released once hashed, and the size
// of the buffer a file is read through.
const HashStep = 1 << 20

// Digests are the hex digests (lower case) of the same bytes, by algorithm.
type Digests map[Alg]string

// Names returns d keyed by the algorithms' names.
func (d Digests) Names() map[string]string {
	out := make(map[string]string, len(d))
	for a, v := range d {
		out[string(a)] = v
	}
	return out
}

// A Hasher hashes what is written to it in a set of algorithms at once, in steps of
// [HashStep]: the bytes are read once, each step by every algorithm in turn.
type Hasher struct {
	algs []Alg
	hs   []hash.Hash
}

// NewHasher returns a Hasher in algs (each once; a repeated one is hashed once). algs must be
// among [Algs]: any other is a programming error, and panics.
func NewHasher(algs ...Alg) *Hasher {
	h := &Hasher{}
	for _, a := range algs {
		if h.has(a) {
			continue
		}
		h.hs = append(h.hs, a.new())
		h.algs = append(h.algs, a)
	}
	return h
}

func (h *Hasher) has(a Alg) bool {
	for _, b := range h.algs {
		if a == b {
			return true
		}
	}
	return false
}

// Write hashes b, in steps of at most [HashStep] bytes. It never fails.
func (h *Hasher) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		step := b[:min(len(b), HashStep)]
		for _, x := range h.hs {
			x.Write(step)
		}
		b = b[len(step):]
	}
	return n, nil
}

// Digests returns the digests of what was written so far, in every algorithm of h.
func (h *Hasher) Digests() Digests {
	d := make(Digests, len(h.algs))
	for i, a := range h.algs {
		d[a] = hex.EncodeToString(h.hs[i].Sum(nil))
	}
	return d
}

// HashBytes returns the digests of b in algs (see [NewHasher]), hashed in steps of
// [HashStep]. For bytes of a [Mapping], use [Mapping.Hash], which survives the file
// shrinking under the mapping.
func HashBytes(b []byte, algs ...Alg) Digests {
	h := NewHasher(algs...)
	h.Write(b)
	return h.Digests()
}

// HashReader returns the digests of what r gives until its end, in algs (see [NewHasher]),
// read through one buffer of [HashStep] bytes.
func HashReader(r io.Reader, algs ...Alg) (Digests, error) {
	h := NewHasher(algs...)
	if err := copyTo(h, r, HashStep); err != nil {
		return nil, err
	}
	return h.Digests(), nil
}

// copyTo reads r to its end through a buffer of size bytes and writes what it reads to h.
// It does not use io.Copy: an *os.File would then copy itself through a 32 KiB buffer.
func copyTo(h *Hasher, r io.Reader, size int) error {
	buf := make([]byte, size)
	for {
		n, err := r.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// HashFile hashes the regular file at path once, in every algorithm of algs (see
// [NewHasher]). A file of [MapAtLeast] bytes or more is hashed from a [Mapping], its pages
// released as they are hashed, so that hashing a large file neither copies it nor keeps it
// resident; a smaller one, or one that cannot be mapped, is read through a buffer of at most
// [HashStep] bytes. Anything but a regular file fails as [OpenRegular] does, without being
// read; a file that shrinks while it is mapped fails with [ErrShrunk].
func HashFile(path string, algs ...Alg) (Digests, error) {
	f, fi, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := fi.Size()
	if size >= MapAtLeast {
		if m, err := Map(f, size); err == nil {
			defer m.Close()
			d, err := m.Hash(m.Bytes(), algs...)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			return d, nil
		}
	}
	h := NewHasher(algs...)
	// A file that reports no size (those of /proc) still has content: 512 bytes at least.
	if err := copyTo(h, f, int(min(max(size+1, minRead), HashStep))); err != nil {
		return nil, err
	}
	return h.Digests(), nil
}
