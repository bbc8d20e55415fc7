package archive

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
)

// sliceReader reads bytes that are already addressable: the walked file's
// mapping (see [WalkMapped]) or a part of it. Uncompressed containers in such
// bytes are walked without copying: a tar entry's content is a sub-slice
// (view) of its parent, and an executable reaches the visitor as
// [Entry.Data], the very bytes of the file. Reading and hashing a member then
// costs what touching its pages costs, and nothing is held on the heap.
//
// Bytes read or handed out count toward the total-bytes limit, as a
// countReader counts a stream; bytes skipped by Seek do not.
type sliceReader struct {
	b   []byte
	pos int64
	c   *counter
	// member names where the bytes come from, for limit errors.
	member *string
	// base is the offset of b[0] in the top-level input, for progress;
	// prog is nil when b is not part of the input (never, for now).
	base int64
	prog *progressMark
}

// progressMark reports how far into the top-level input a walk has come.
type progressMark struct {
	fn         func(int64)
	high, last int64
}

func (m *progressMark) mark(off int64) {
	if m == nil || off <= m.high {
		return
	}
	m.high = off
	if m.high-m.last >= 1<<20 {
		m.last = m.high
		m.fn(m.high)
	}
}

func (m *progressMark) flush() {
	if m != nil && m.high != m.last {
		m.last = m.high
		m.fn(m.high)
	}
}

func (s *sliceReader) Read(p []byte) (int, error) {
	if s.pos >= int64(len(s.b)) {
		return 0, io.EOF
	}
	n := copy(p, s.b[s.pos:])
	s.pos += int64(n)
	s.prog.mark(s.base + s.pos)
	if err := s.c.addBytes(n, *s.member); err != nil {
		return n, err
	}
	return n, nil
}

// Seek moves like bytes.Reader's: past the end is allowed, and reads there
// return io.EOF (archive/tar relies on this to notice a truncated entry).
func (s *sliceReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		off += s.pos
	case io.SeekEnd:
		off += int64(len(s.b))
	default:
		return 0, errors.New("seek: invalid whence")
	}
	if off < 0 {
		return 0, errors.New("seek: negative position")
	}
	s.pos = off
	s.prog.mark(s.base + min(off, int64(len(s.b))))
	return off, nil
}

// ReadAt reads without moving or counting; zip reads its directory this way
// and counts each member's bytes as they are inflated.
func (s *sliceReader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("readat: negative offset")
	}
	if off >= int64(len(s.b)) {
		return 0, io.EOF
	}
	n := copy(p, s.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// head returns up to n bytes from the current position without consuming them.
func (s *sliceReader) head(n int) []byte {
	if s.pos >= int64(len(s.b)) {
		return nil
	}
	return s.b[s.pos:min(s.pos+int64(n), int64(len(s.b)))]
}

// rest hands out the unread bytes, counted, and moves to the end.
func (s *sliceReader) rest() ([]byte, error) {
	if s.pos >= int64(len(s.b)) {
		return nil, nil
	}
	b := s.b[s.pos:]
	s.pos = int64(len(s.b))
	s.prog.mark(s.base + s.pos)
	return b, s.c.addBytes(len(b), *s.member)
}

// view returns a reader of n bytes from off, or nil when they are not all there.
func (s *sliceReader) view(off, n int64) *sliceReader {
	if off < 0 || n < 0 || off > int64(len(s.b)) || n > int64(len(s.b))-off {
		return nil
	}
	return &sliceReader{b: s.b[off : off+n : off+n], c: s.c, member: s.member, base: s.base + off, prog: s.prog}
}

// size is the number of bytes the reader holds.
func (s *sliceReader) size() int64 { return int64(len(s.b)) }

// entryView returns the content of the tar entry hdr that tr has just
// reached, as a view of src, when src is a sliceReader and the entry is
// stored plainly; otherwise (a stream, a sparse file) it returns tr itself.
//
// archive/tar reads headers in whole blocks and nothing ahead, so right after
// Next the source's position is the first byte of the entry's content. The
// tar reader then skips the content by seeking, as it would for any entry
// left unread.
func entryView(src io.Reader, tr *tar.Reader, hdr *tar.Header) io.Reader {
	sr, ok := src.(*sliceReader)
	if !ok || hdr.Typeflag == tar.TypeGNUSparse || hdr.Size < 0 {
		return tr
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return tr
		}
	}
	if v := sr.view(sr.pos, hdr.Size); v != nil {
		return v
	}
	return tr // truncated: let tar's own reader report it
}

type hashResult struct {
	sum string
	err error
}

// hashAsync computes the SHA-256 of b (hex) on another goroutine. A fault
// reading b (a mapped file truncated meanwhile) becomes an error.
func hashAsync(b []byte) <-chan hashResult {
	out := make(chan hashResult, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				out <- hashResult{err: fmt.Errorf("%w: reading failed: %v", ErrMalformed, r)}
			}
		}()
		debug.SetPanicOnFault(true)
		out <- hashResult{sum: fileio.HashBytes(b, fileio.SHA256)[fileio.SHA256]}
	}()
	return out
}
