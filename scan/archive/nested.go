package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

// nestedTar walks a tar found inside another container. A tar that is an
// image (docker save or OCI archive) is read as one, layers applied with
// their whiteouts, which takes two passes: a tar held in place is simply
// viewed again; a stream (inflated, say) that starts like an image is first
// copied to a temporary file, never into memory.
func (w *walker) nestedTar(r io.Reader, head []byte, depth int, p string) error {
	if sr, ok := r.(*sliceReader); ok {
		v := sr.view(sr.pos, sr.size()-sr.pos)
		_, err := w.tarOrImage(func() io.Reader { return v.view(0, v.size()) }, "", depth, p)
		return err
	}
	if !startsLikeImage(head) {
		return w.tar(r, depth, p, false)
	}
	f, err := createTemp("candor-image-*.tar")
	if err != nil {
		return fmt.Errorf("%s: an image inside an archive is copied to a temporary file to be read twice: %w", p, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	// The copy is held whole, on disk: like an executable or a nested zip
	// held in memory, it may not exceed the single-member limit (and it
	// counts toward the total-bytes limit as it is read).
	n, err := io.Copy(f, &memberReader{r: r, max: w.c.lim.MaxMemberBytes, member: p})
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) || errors.Is(err, ErrMalformed) {
			return err
		}
		return w.fail(p, err)
	}
	_, err = w.tarOrImage(func() io.Reader {
		return &countReader{r: io.NewSectionReader(f, 0, n), c: w.c, member: &w.cur}
	}, "", depth, p)
	return err
}

// startsLikeImage reports whether the first named entry of the tar that
// starts with head has a name an image layout starts with.
func startsLikeImage(head []byte) bool {
	tr := tar.NewReader(bytes.NewReader(head))
	for {
		hdr, err := tr.Next()
		if err != nil {
			return false
		}
		if name := cleanName(hdr.Name); name != "" {
			return imageNames.MatchString(name)
		}
	}
}
