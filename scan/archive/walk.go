package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"runtime/debug"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
)

// EntryKind says what an [Entry] is.
type EntryKind int

// Entry kinds.
const (
	// Executable: an ELF, PE or Mach-O member; read it from Entry.Content.
	Executable EntryKind = iota + 1
	// Symlink: a symbolic or hard link; Entry.Target says where it leads.
	Symlink
)

// Entry is one member a walk hands to its [Visitor].
type Entry struct {
	Kind EntryKind
	// Path is the member's cleaned path inside the walked container, nested
	// containers joined with [Sep]. It never starts with "/" or holds "..".
	Path string
	// Layer is the digest of the image layer that added the member, for images.
	Layer string
	// Size is the member's declared size (for executables); the content may be
	// shorter, never longer than Limits.MaxMemberBytes.
	Size int64
	// Target is, for links, the path the link leads to, resolved inside the
	// same root and written like Path. It is not checked to exist.
	Target string
	// Content reads an executable's bytes. It is valid only during the visit;
	// reading past Limits.MaxMemberBytes fails with a [*LimitError].
	Content io.Reader
	// Data, when not nil, holds the same bytes as Content, read in place
	// from the input given to [WalkMapped]: no copy is made, and the bytes
	// stay valid as long as that input does (after the visit too).
	Data []byte
}

// Visitor is called for each executable and link, in archive order, on the
// walking goroutine. An error it returns ends the walk and is returned as is.
type Visitor func(*Entry) error

// Options configure a walk.
type Options struct {
	Limits Limits
	// Progress, when set, is called from time to time with the number of bytes
	// of the input read so far (images are read up to twice).
	Progress func(read int64)
}

// visitError marks an error that came from the visitor, to be returned unchanged.
type visitError struct{ err error }

func (e *visitError) Error() string { return e.err.Error() }
func (e *visitError) Unwrap() error { return e.err }

type walker struct {
	ctx   context.Context
	c     *counter
	visit Visitor
	// closers release decoders opened for re-reads; run calls them at the end.
	closers []func()
	// layer is the digest of the image layer being read in a second pass.
	layer string
	// cur is the member being read, for errors from the readers below it.
	cur string
	// manifest, when set, is the manifest digest the top-level image must have
	// (see WalkBlobs).
	manifest string
}

// WalkFile walks the archive, package or image at path: a regular file, or a
// directory holding an OCI image layout. Anything else (a FIFO, a device) fails
// with [fileio.ErrNotRegular] without being read. It returns the container's format:
// tar, tar+gzip (bzip2, xz, zstd), zip, deb, docker-archive, oci-archive (each
// possibly +gzip...) or oci-image for a layout directory. A file that is no
// container fails with [ErrUnsupported].
func WalkFile(ctx context.Context, name string, opts *Options, visit Visitor) (format string, err error) {
	if fi, err := os.Stat(name); err == nil && fi.IsDir() {
		if _, err := os.Stat(path.Join(name, "oci-layout")); err != nil {
			return "", fmt.Errorf("%w: %s is a directory without an oci-layout file", ErrUnsupported, name)
		}
		return run(ctx, opts, visit, func(w *walker) (string, error) {
			return w.image(&dirSource{root: name, w: w}, "oci-image", 1, "")
		})
	}
	f, fi, err := fileio.OpenRegular(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return Walk(ctx, f, fi.Size(), opts, visit)
}

// Walk walks the container held in the size bytes of r; see [WalkFile].
func Walk(ctx context.Context, r io.ReaderAt, size int64, opts *Options, visit Visitor) (string, error) {
	return run(ctx, opts, visit, func(w *walker) (string, error) {
		if opts != nil && opts.Progress != nil {
			r = &progressReaderAt{r: r, fn: opts.Progress}
		}
		return w.top(r, size, nil)
	})
}

// WalkMapped walks the container held in data, typically a file mapped into
// memory (see [WalkFile] for the formats). Uncompressed members are read in
// place, with no copy: executables reach the visitor with [Entry.Data] set to
// a sub-slice of data. data must stay valid and unchanged while the walk and
// the users of those slices run.
func WalkMapped(ctx context.Context, data []byte, opts *Options, visit Visitor) (string, error) {
	return run(ctx, opts, visit, func(w *walker) (string, error) {
		var prog *progressMark
		if opts != nil && opts.Progress != nil {
			prog = &progressMark{fn: opts.Progress}
			defer prog.flush()
		}
		root := &sliceReader{b: data, c: w.c, member: &w.cur, prog: prog}
		return w.top(root, root.size(), root)
	})
}

// run sets up a walker and turns panics of the decoders on hostile input into
// ErrMalformed, and visitor errors back into themselves.
func run(ctx context.Context, opts *Options, visit Visitor, f func(*walker) (string, error)) (format string, err error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	w := &walker{ctx: ctx, c: &counter{lim: o.Limits.withDefaults()}, visit: visit}
	defer func() {
		if r := recover(); r != nil {
			format, err = "", fmt.Errorf("%w: decoder failed on malformed input: %v", ErrMalformed, r)
		}
		var ve *visitError
		if errors.As(err, &ve) {
			err = ve.err
		}
	}()
	defer func() {
		for _, c := range w.closers {
			c()
		}
	}()
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	return f(w)
}

// top walks a top-level container held in r; root, when not nil, is r as
// addressable bytes.
func (w *walker) top(r io.ReaderAt, size int64, root *sliceReader) (string, error) {
	head := make([]byte, min(size, sniffLen))
	if _, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return "", err
	}
	k := detect(head)
	stream := func() io.Reader {
		if root != nil {
			return root.view(0, size)
		}
		return &countReader{r: io.NewSectionReader(r, 0, size), c: w.c, member: &w.cur}
	}
	switch k {
	case kindZip:
		return "zip", w.zip(r, size, 1, "")
	case kindDeb:
		return "deb", w.deb(stream(), 1, "")
	case kindTar:
		return w.tarOrImage(stream, "", 1, "")
	case kindGzip, kindBzip2, kindXz, kindZstd:
		return w.compressed(k, stream, true, 1, "", "")
	}
	return "", fmt.Errorf("%w: not a tar, zip, deb, compressed stream or image", ErrUnsupported)
}

// tarOrImage walks a tar that may be an image. open must return a fresh
// stream of the tar each time: an image is read twice.
func (w *walker) tarOrImage(open func() io.Reader, suffix string, depth int, prefix string) (string, error) {
	err := w.tar(open(), depth, prefix, true)
	if !errors.Is(err, errLooksLikeImage) {
		return "tar" + suffix, err
	}
	format, err := w.image(&tarSource{open: open, w: w, prefix: prefix}, "", depth, prefix)
	if errors.Is(err, errNotImage) {
		return "tar" + suffix, w.tar(open(), depth, prefix, false)
	}
	if err != nil {
		return "", err
	}
	return format + suffix, nil
}

// compressed walks the content of a compressed stream. When reopen is true,
// open can be called again (at the top level), so a compressed image can be
// read twice; a nested compressed tar is read as a plain tar.
func (w *walker) compressed(k kind, open func() io.Reader, reopen bool, depth int, prefix, name string) (string, error) {
	src := open()
	inner, err := w.decoder(k, src, prefix)
	if err != nil {
		return "", err
	}
	defer inner.close()
	br, head, err := peek(inner)
	if err != nil {
		return "", w.fail(prefix, err)
	}
	suffix := "+" + compressionName[k]
	switch ik := detect(head); ik {
	case kindTar:
		if !reopen {
			return "tar" + suffix, w.nestedTar(br, head, depth, prefix)
		}
		again := func() io.Reader {
			if src == nil {
				d, err := w.decoder(k, open(), prefix)
				if err != nil {
					return errReader{err}
				}
				w.closers = append(w.closers, d.close)
				return d
			}
			src = nil
			return br
		}
		return w.tarOrImage(again, suffix, depth, prefix)
	case kindExec:
		p := join(prefix, strippedName(name))
		return compressionName[k], w.executable(p, -1, br)
	case kindGzip, kindBzip2, kindXz, kindZstd, kindZip, kindDeb:
		if depth+1 > w.c.lim.MaxDepth {
			return "", &LimitError{Limit: LimitDepth, Member: prefix, Max: int64(w.c.lim.MaxDepth)}
		}
		_, err := w.member(join(prefix, strippedName(name)), -1, br, depth+1)
		return compressionName[k], err
	}
	if name != "" {
		return "", nil // a compressed member of no interest (a man page)
	}
	return "", fmt.Errorf("%w: compressed content is neither a tar, an archive nor an executable", ErrUnsupported)
}

// decoded is a decompressed stream, counted toward the total-bytes limit.
type decoded struct {
	io.Reader
	close func()
}

func (w *walker) decoder(k kind, r io.Reader, member string) (*decoded, error) {
	d, closer, err := decompress(k, r)
	if err != nil {
		return nil, w.fail(member, err)
	}
	return &decoded{Reader: &countReader{r: d, c: w.c, member: &w.cur}, close: closer}, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// strippedName names the content of a compressed file: "app.gz" holds "app".
func strippedName(name string) string {
	base := path.Base(name)
	if name == "" || base == "." || base == "/" {
		return "content"
	}
	for _, ext := range []string{".gz", ".tgz", ".bz2", ".xz", ".zst", ".zstd", ".z"} {
		if strings.HasSuffix(strings.ToLower(base), ext) && len(base) > len(ext) {
			return base[:len(base)-len(ext)]
		}
	}
	return base + ".content"
}

func orTop(p string) string {
	if p == "" {
		return "top level"
	}
	return p
}

// member handles one regular file of a container: an executable is handed to
// the visitor, a container is walked (one level deeper), anything else is
// skipped. It reports whether the member was one of those.
func (w *walker) member(p string, size int64, r io.Reader, depth int) (bool, error) {
	if err := w.ctx.Err(); err != nil {
		return false, err
	}
	br, head, err := peek(r)
	if err != nil {
		return false, w.fail(p, err)
	}
	k := detect(head)
	if k == kindOther {
		return false, nil
	}
	if k == kindExec {
		return true, w.executable(p, size, br)
	}
	if depth > w.c.lim.MaxDepth {
		return true, &LimitError{Limit: LimitDepth, Member: p, Max: int64(w.c.lim.MaxDepth)}
	}
	switch k {
	case kindTar:
		return true, w.nestedTar(br, head, depth, p)
	case kindDeb:
		return true, w.deb(br, depth, p)
	case kindZip:
		if sr, ok := br.(*sliceReader); ok {
			// In place, nothing is held; the limit still applies, so both
			// walks accept the same inputs.
			n := sr.size() - sr.pos
			if n > w.c.lim.MaxMemberBytes {
				return true, &LimitError{Limit: LimitMemberBytes, Member: p, Max: w.c.lim.MaxMemberBytes}
			}
			if err := w.c.addBytes(int(n), p); err != nil {
				return true, err
			}
			return true, w.zip(sr.view(sr.pos, n), n, depth, p)
		}
		// zip needs random access: hold the member in memory (bounded).
		b, err := readAllBounded(br, size, w.c.lim.MaxMemberBytes, p)
		if err != nil {
			return true, w.fail(p, err)
		}
		return true, w.zip(bytesReaderAt(b), int64(len(b)), depth, p)
	default: // compressed
		_, err := w.compressed(k, func() io.Reader { return br }, false, depth, p, p)
		return true, err
	}
}

func (w *walker) executable(p string, size int64, r io.Reader) error {
	if size > w.c.lim.MaxMemberBytes {
		return &LimitError{Limit: LimitMemberBytes, Member: p, Max: w.c.lim.MaxMemberBytes}
	}
	e := &Entry{Kind: Executable, Path: p, Layer: w.layer, Size: size, Content: &memberReader{r: r, max: w.c.lim.MaxMemberBytes, member: p}}
	if sr, ok := r.(*sliceReader); ok {
		if sr.size()-sr.pos > w.c.lim.MaxMemberBytes {
			return &LimitError{Limit: LimitMemberBytes, Member: p, Max: w.c.lim.MaxMemberBytes}
		}
		data, err := sr.rest()
		if err != nil {
			return err
		}
		e.Size, e.Data, e.Content = int64(len(data)), data, bytes.NewReader(data)
	}
	if err := w.visit(e); err != nil {
		return &visitError{err}
	}
	return nil
}

func (w *walker) link(p, target, layer string) error {
	if layer == "" {
		layer = w.layer
	}
	if err := w.visit(&Entry{Kind: Symlink, Path: p, Target: target, Layer: layer}); err != nil {
		return &visitError{err}
	}
	return nil
}

// fail wraps a read error with the member it happened in, as ErrMalformed,
// unless it already says what it is.
func (w *walker) fail(member string, err error) error {
	var ve *visitError
	var le *LimitError
	var se *sourceError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve), errors.As(err, &le), errors.As(err, &se), errors.Is(err, ErrMalformed), errors.Is(err, ErrUnsupported),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, errLooksLikeImage), errors.Is(err, errNotImage):
		return err
	case err == io.EOF:
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("%w: %s: %w", ErrMalformed, orTop(member), err)
}

// progressReaderAt reports bytes read through it.
type progressReaderAt struct {
	r    io.ReaderAt
	fn   func(int64)
	read int64
	last int64
}

func (p *progressReaderAt) ReadAt(b []byte, off int64) (int, error) {
	n, err := p.r.ReadAt(b, off)
	p.read += int64(n)
	if p.read-p.last >= 1<<20 || err != nil {
		p.last = p.read
		p.fn(p.read)
	}
	return n, err
}
