package archive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"regexp"
	"strings"
)

// BlobSource is an image whose files are somewhere else than a local archive or
// directory: the files of an OCI image layout (oci-layout, index.json and
// blobs/sha256/HEX), for example a manifest and config held in memory and layers
// streamed from a registry. [WalkBlobs] walks it.
//
// It needs only standard types, so a package that knows nothing of this one (a
// registry client) can provide it.
type BlobSource interface {
	// EachBlob calls fn for every file of the image, in the same order each time,
	// with its name, its size in bytes and open, which starts reading its content.
	// fn calls open at most once, and not at all for a file it does not need: a
	// source should fetch nothing before open is called. EachBlob stops at fn's
	// first error and returns it.
	EachBlob(ctx context.Context, fn func(name string, size int64, open func() (io.ReadCloser, error)) error) error
}

// WalkBlobs walks the image src holds, as [WalkFile] walks an OCI layout
// directory, and returns its format, "oci-image". manifest ("sha256:HEX"), when
// not empty, is the image's identity as the caller knows it: index.json must
// list exactly one image, with that manifest digest, or the walk fails with
// [ErrMalformed].
//
// Nothing from src is trusted: names must be those of an OCI layout, each blob
// must hold exactly its size in bytes and hash to the digest its name carries
// (checked as it is read, the walk failing with ErrMalformed otherwise), so a
// lying source cannot slip other content in.
//
// src is read in two passes (see the package documentation). The first reads
// every file. The second opens only the layers holding executables or archives
// that survive in the final filesystem and were not spooled by the first (an
// uncompressed layer, or a compressed one over the spool budget), and reads each
// of those to its end, hashing it again: a source whose content changed between
// the passes fails the walk with ErrMalformed. The visitor may have seen
// entries of such a layer by then; as after any error, the walk's results must
// be discarded.
func WalkBlobs(ctx context.Context, src BlobSource, manifest string, opts *Options, visit Visitor) (string, error) {
	return run(ctx, opts, visit, func(w *walker) (string, error) {
		w.manifest = manifest
		bs := &blobsSource{src: src, w: w}
		if opts != nil {
			bs.progress = opts.Progress
		}
		format, err := w.image(bs, "oci-image", 1, "")
		if errors.Is(err, errNotImage) {
			return "", fmt.Errorf("%w: the image source's index.json names no image manifest", ErrMalformed)
		}
		return format, err
	})
}

// layoutName matches the names a BlobSource may give.
var layoutName = regexp.MustCompile(`^(oci-layout|index\.json|blobs/sha256/[0-9a-f]{64})$`)

// blobsSource adapts a BlobSource to the two passes of an image walk.
type blobsSource struct {
	src      BlobSource
	w        *walker
	passes   int
	progress func(int64)
	read     int64
}

func (s *blobsSource) each(fn func(name string, size int64, r io.Reader) error) error {
	s.passes++
	seen := map[string]bool{}
	return s.src.EachBlob(s.w.ctx, func(name string, size int64, open func() (io.ReadCloser, error)) error {
		if err := s.w.ctx.Err(); err != nil {
			return err
		}
		if !layoutName.MatchString(name) {
			return fmt.Errorf("%w: the image source gave a file named %q, which an OCI layout does not hold", ErrMalformed, name)
		}
		if seen[name] {
			return fmt.Errorf("%w: the image source gave %s twice", ErrMalformed, name)
		}
		seen[name] = true
		if size < 0 {
			return fmt.Errorf("%w: %s: size %d", ErrMalformed, name, size)
		}
		if s.passes == 1 {
			if err := s.w.c.addMember(name); err != nil {
				return err
			}
		}
		s.w.cur = name
		b := &blobReader{name: name, size: size, open: open, src: s}
		defer b.close()
		if err := fn(name, size, &countReader{r: b, c: s.w.c, member: &s.w.cur}); err != nil {
			return s.w.fail(name, err)
		}
		if s.passes > 1 && b.rc != nil {
			// Pass 1 checked what it read against the name; a re-read is checked
			// here, to its end.
			return s.w.fail(name, b.verify())
		}
		return nil
	})
}

// blobReader reads one file of a BlobSource, opened on the first Read, and
// fails when it holds more or fewer bytes than its size.
type blobReader struct {
	name string
	size int64
	open func() (io.ReadCloser, error)
	src  *blobsSource
	rc   io.ReadCloser
	n    int64
	h    hash.Hash
	err  error
}

func (b *blobReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.rc == nil {
		rc, err := b.open()
		if err != nil {
			b.err = &sourceError{err}
			return 0, b.err
		}
		b.rc = rc
		if b.src.passes > 1 {
			b.h = sha256.New()
		}
	}
	if rest := b.size - b.n; int64(len(p)) > rest+1 {
		p = p[:rest+1] // one byte more than the size says shows a longer blob
	}
	n, err := b.rc.Read(p)
	b.n += int64(n)
	if b.h != nil {
		b.h.Write(p[:n])
	}
	if b.src.progress != nil && n > 0 {
		b.src.read += int64(n)
		b.src.progress(b.src.read)
	}
	switch {
	case b.n > b.size:
		b.err = fmt.Errorf("%w: %s: more than the %d bytes the source says it holds", ErrMalformed, b.name, b.size)
		return 0, b.err
	case err == io.EOF && b.n < b.size:
		b.err = fmt.Errorf("%w: %s: %d bytes, not the %d the source says it holds", ErrMalformed, b.name, b.n, b.size)
		return n, b.err
	case err == io.EOF:
		b.err = err
	case err != nil:
		b.err = &sourceError{err}
	}
	return n, b.err
}

// verify reads the rest of the blob and checks that its content has the digest its
// name carries.
func (b *blobReader) verify() error {
	if _, err := io.Copy(io.Discard, &countReader{r: b, c: b.src.w.c, member: &b.src.w.cur}); err != nil {
		return err
	}
	want, ok := strings.CutPrefix(b.name, "blobs/sha256/")
	if !ok || b.h == nil {
		return nil
	}
	if got := hex.EncodeToString(b.h.Sum(nil)); got != want {
		return fmt.Errorf("%w: %s: read again, the content has digest sha256:%s, not the one its name says (the source changed it between the two passes)", ErrMalformed, b.name, got)
	}
	return nil
}

func (b *blobReader) close() {
	if b.rc != nil {
		b.rc.Close()
	}
}

// sourceError is an error of the BlobSource itself (a fetch that failed), not of
// the content: a walk returns it as it is, not as ErrMalformed.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }
