package archive

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
)

func bytesReaderAt(b []byte) io.ReaderAt { return bytes.NewReader(b) }

// zip walks a zip archive held in r (random access: the central directory is
// at the end). Every member's bytes, stored or inflated, count toward the
// total-bytes limit, so a zip bomb stops there.
func (w *walker) zip(r io.ReaderAt, size int64, depth int, prefix string) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return w.fail(orTop(prefix), err)
	}
	for _, f := range zr.File {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		name := cleanName(f.Name)
		p := join(prefix, name)
		if err := w.c.addMember(p); err != nil {
			return err
		}
		mode := f.Mode()
		switch {
		case mode&fs.ModeSymlink != 0:
			target, err := w.zipLinkTarget(f, p)
			if err != nil {
				return err
			}
			if err := w.link(p, join(prefix, resolveLink(name, target)), ""); err != nil {
				return err
			}
		case mode.IsRegular():
			if err := w.zipMember(f, p, depth); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) zipMember(f *zip.File, p string, depth int) error {
	rc, err := f.Open()
	if err != nil {
		return w.fail(p, err)
	}
	defer rc.Close()
	w.cur = p
	_, err = w.member(p, int64(min(f.UncompressedSize64, 1<<62)), &countReader{r: rc, c: w.c, member: &w.cur}, depth+1)
	return w.fail(p, err)
}

// zipLinkTarget reads a symbolic link's target, stored as the member's content.
func (w *walker) zipLinkTarget(f *zip.File, p string) (string, error) {
	rc, err := f.Open()
	if err != nil {
		return "", w.fail(p, err)
	}
	defer rc.Close()
	m := p
	b, err := readAllBounded(&countReader{r: rc, c: w.c, member: &m}, int64(min(f.UncompressedSize64, 4096)), 4096, p)
	if err != nil {
		return "", w.fail(p, err)
	}
	return string(b), nil
}
