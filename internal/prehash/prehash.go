// Package prehash starts hashing the artifact files of a `candor verify` command line while
// the program is still initialising, so that their SHA-256 is ready, or nearly, when verify
// asks for it.
//
// Go initialises packages one after another on one core, and candor's (the cloud KMS SDKs
// above all) take about as long as hashing a release binary of a few megabytes: on a machine
// with two cores or more, doing both at once takes about a fifth off the wall time of a
// verify. This package imports only packages that initialise early, so its own
// initialisation, which starts the hashing, comes about a quarter of the way through the
// program's.
//
// Which arguments are artifact files is a guess made before the command line is parsed: the
// arguments after "verify" that are neither flags nor the values of flags, and name regular
// files of at least [MinSize] bytes (at most [MaxFiles] of them). A wrong guess costs only
// the hashing: [SHA256] gives a digest only for a path that was hashed, and only while the
// file there is the one that was hashed, unchanged (same file, size and modification time
// before and after hashing, and when asked); otherwise verify hashes the file itself.
package prehash

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
)

// MinSize is the smallest file hashed ahead: smaller ones hash quickly enough when needed.
const MinSize = 1 << 20

// MaxFiles is how many files are hashed ahead at most, each on its own goroutine.
const MaxFiles = 4

// valueFlags are the flags of candor verify (and the root command) that take a value, which
// is not an artifact. internal/cli's tests check the list against the command.
var valueFlags = []string{"attestation", "config", "digest", "format", "key", "max-attestation-bytes", "max-envelopes", "max-signature-checks", "max-signatures", "policy", "resource-uri", "threshold", "vsa", "vsa-key"}

// Set holds the files being hashed ahead, by path as given on the command line.
type Set struct {
	files map[string]*file
}

type file struct {
	done chan struct{}
	info os.FileInfo
	sum  string
	err  error
}

// started is the set of this process, started from its command line as it initialises.
var started = Start(os.Args)

// SHA256 returns the lower-case hex SHA-256 of the file at path if it was hashed ahead and
// is unchanged since (see the package documentation), waiting for the hashing to finish.
// ok is false otherwise.
func SHA256(path string) (sum string, ok bool) { return started.SHA256(path) }

// Start starts hashing the artifact files of args (a whole command line, program name
// first) when it runs candor verify.
func Start(args []string) *Set {
	s := &Set{files: map[string]*file{}}
	if len(args) < 2 || args[1] != "verify" {
		return s
	}
	value, positional := false, false
	for _, a := range args[2:] {
		switch {
		case value:
			value = false
			continue
		case positional:
		case a == "--":
			positional = true
			continue
		case strings.HasPrefix(a, "-"):
			name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			value = !hasValue && slices.Contains(valueFlags, name)
			continue
		}
		if len(s.files) == MaxFiles || s.files[a] != nil {
			continue
		}
		if fi, err := os.Stat(a); err != nil || !fi.Mode().IsRegular() || fi.Size() < MinSize {
			continue
		}
		f := &file{done: make(chan struct{})}
		s.files[a] = f
		go f.hash(a)
	}
	return s
}

// errChanged says the file changed while it was hashed.
var errChanged = errors.New("changed while hashed")

func (f *file) hash(path string) {
	defer close(f.done)
	// The guess saw a regular file; the descriptor must say so too (a FIFO swapped in
	// would block this goroutine, a device never end).
	r, info, err := fileio.OpenRegular(path)
	if err != nil {
		f.err = err
		return
	}
	defer r.Close()
	f.info = info
	h := sha256.New()
	// A file is read rather than mapped: a mapped file truncated meanwhile would fault, and
	// turning the fault into an error needs runtime/debug, which initialises late.
	if _, err := io.CopyBuffer(h, struct{ io.Reader }{r}, make([]byte, 256<<10)); err != nil {
		f.err = err
		return
	}
	if after, err := r.Stat(); err != nil || !same(f.info, after) {
		f.err = errChanged
		return
	}
	f.sum = hex.EncodeToString(h.Sum(nil))
}

// SHA256 returns the SHA-256 of the file at path if the set hashed it and it is unchanged.
func (s *Set) SHA256(path string) (sum string, ok bool) {
	f := s.files[path]
	if f == nil {
		return "", false
	}
	<-f.done
	if f.err != nil {
		return "", false
	}
	if now, err := os.Stat(path); err != nil || !same(f.info, now) {
		return "", false
	}
	return f.sum, true
}

// same reports whether two descriptions are of the same file with the same size and
// modification time.
func same(a, b os.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
