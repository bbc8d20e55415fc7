package archive

import (
	"errors"
	"fmt"
	"io"
)

// Errors returned by a walk. Test them with [errors.Is].
var (
	// ErrLimit: the archive exceeds one of the [Limits]; the error is a [*LimitError].
	ErrLimit = errors.New("archive limit exceeded")
	// ErrMalformed: the archive claims a format but its structure is broken.
	ErrMalformed = errors.New("malformed archive")
	// ErrUnsupported: the input is not an archive, package or image this package reads.
	ErrUnsupported = errors.New("not an archive")
)

// Limit names one of the [Limits].
type Limit string

// The limits, as named in a [LimitError].
const (
	LimitTotalBytes  Limit = "total bytes"
	LimitMembers     Limit = "members"
	LimitDepth       Limit = "nesting depth"
	LimitMemberBytes Limit = "member bytes"
)

// Limits bound a walk. A zero field means "use the default" (see [DefaultLimits]).
type Limits struct {
	// MaxTotalBytes bounds the bytes a walk reads: the input itself plus all
	// that decompression produces (zip members included), at every level. The
	// layers of an image are read twice and count twice.
	MaxTotalBytes int64
	// MaxMembers bounds the entries (files, directories, links) at all levels.
	MaxMembers int64
	// MaxDepth bounds nesting: a top-level archive is depth 1, an archive
	// member of it depth 2, and so on; a compressed stream inside a compressed
	// stream counts as one more level.
	MaxDepth int
	// MaxMemberBytes bounds one member held in memory: an executable handed
	// to the visitor, or a nested zip or image, which needs random access.
	MaxMemberBytes int64
}

// Default limits: generous for real releases and images, small enough that a
// bomb stops within seconds and a few GiB of memory.
const (
	DefaultMaxTotalBytes  = 64 << 30
	DefaultMaxMembers     = 1_000_000
	DefaultMaxDepth       = 8
	DefaultMaxMemberBytes = 1 << 30
)

// DefaultLimits returns the default limits.
func DefaultLimits() Limits {
	return Limits{MaxTotalBytes: DefaultMaxTotalBytes, MaxMembers: DefaultMaxMembers, MaxDepth: DefaultMaxDepth, MaxMemberBytes: DefaultMaxMemberBytes}
}

// withDefaults fills zero fields with the defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxMembers <= 0 {
		l.MaxMembers = d.MaxMembers
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxMemberBytes <= 0 {
		l.MaxMemberBytes = d.MaxMemberBytes
	}
	return l
}

// LimitError says which limit a walk exceeded, and where.
type LimitError struct {
	Limit Limit
	// Member is the path of the member being read when the limit was hit.
	Member string
	// Max is the limit's value.
	Max int64
}

func (e *LimitError) Error() string {
	m := e.Member
	if m == "" {
		m = "(top level)"
	}
	return fmt.Sprintf("%s: %s: over the limit of %d", m, e.Limit, e.Max)
}

// Is makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// counter tracks the shared totals of one walk. A walk runs on one goroutine.
type counter struct {
	lim     Limits
	total   int64
	members int64
}

func (c *counter) addBytes(n int, member string) error {
	c.total += int64(n)
	if c.total > c.lim.MaxTotalBytes {
		return &LimitError{Limit: LimitTotalBytes, Member: member, Max: c.lim.MaxTotalBytes}
	}
	return nil
}

func (c *counter) addMember(member string) error {
	c.members++
	if c.members > c.lim.MaxMembers {
		return &LimitError{Limit: LimitMembers, Member: member, Max: c.lim.MaxMembers}
	}
	return nil
}

// countReader counts what it reads toward the total-bytes limit. member names
// where the bytes come from, for the error; it is a pointer so a tar walk can
// keep it pointing at the entry being read.
type countReader struct {
	r      io.Reader
	c      *counter
	member *string
}

func (r *countReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if n > 0 {
		if lerr := r.c.addBytes(n, *r.member); lerr != nil {
			return n, lerr
		}
	}
	return n, err
}

// Seek passes through, so archive/tar can skip entries of an uncompressed
// input without reading them; skipped bytes are not counted.
func (r *countReader) Seek(off int64, whence int) (int64, error) {
	if s, ok := r.r.(io.Seeker); ok {
		return s.Seek(off, whence)
	}
	return 0, errors.New("not seekable")
}

// memberReader reads one member's content, failing with a LimitError past max bytes.
type memberReader struct {
	r      io.Reader
	n, max int64
	member string
}

func (r *memberReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	if r.n > r.max {
		return n, &LimitError{Limit: LimitMemberBytes, Member: r.member, Max: r.max}
	}
	if err != nil && err != io.EOF && !errors.Is(err, ErrLimit) && !errors.Is(err, ErrMalformed) {
		err = fmt.Errorf("%w: %s: %w", ErrMalformed, r.member, err)
	}
	return n, err
}

// readAllBounded reads r into memory, at most max bytes; sizeHint presizes the buffer. r is
// a member's stream inside an archive, not a file: its bound fails with a [LimitError]
// naming the member, which fileio's bounded read of files (fileio.ReadFile) cannot say.
func readAllBounded(r io.Reader, sizeHint, max int64, member string) ([]byte, error) {
	if sizeHint > max {
		return nil, &LimitError{Limit: LimitMemberBytes, Member: member, Max: max}
	}
	if sizeHint < 0 {
		sizeHint = 0
	}
	buf := make([]byte, 0, min(sizeHint, 256<<20)+1)
	mr := &memberReader{r: r, max: max, member: member}
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := mr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}
