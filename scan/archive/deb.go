package archive

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// deb walks a Debian package: an ar archive holding debian-binary,
// control.tar[.gz|.xz|.zst] and data.tar[...]. The members of data.tar are
// the package's files and are reported under prefix itself ("usr/bin/x");
// those of control.tar under "control.tar.xz!/...".
func (w *walker) deb(r io.Reader, depth int, prefix string) error {
	br := bufio.NewReaderSize(r, 64<<10)
	magic := make([]byte, 8)
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != "!<arch>\n" {
		return w.fail(orTop(prefix), fmt.Errorf("not an ar archive"))
	}
	var off int64 = 8
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		var hdr [60]byte
		n, err := io.ReadFull(br, hdr[:])
		if err == io.EOF && n == 0 {
			return nil
		}
		if err != nil {
			return w.fail(orTop(prefix), fmt.Errorf("ar header at offset %d: %w", off, err))
		}
		if hdr[58] != '`' || hdr[59] != '\n' {
			return w.fail(orTop(prefix), fmt.Errorf("ar header at offset %d: bad terminator", off))
		}
		name := strings.TrimRight(strings.TrimSpace(string(hdr[0:16])), "/")
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return w.fail(join(prefix, name), fmt.Errorf("ar member size %q", strings.TrimSpace(string(hdr[48:58]))))
		}
		p := join(prefix, cleanName(name))
		w.cur = p
		if err := w.c.addMember(p); err != nil {
			return err
		}
		body := &exactReader{r: io.LimitReader(br, size), want: size}
		switch {
		case strings.HasPrefix(name, "data.tar"):
			err = w.debTar(body, depth, prefix, p)
		case strings.HasPrefix(name, "control.tar"):
			err = w.debTar(body, depth+1, p, p)
		default:
			_, err = w.member(p, size, body, depth+1)
		}
		if err != nil {
			return w.fail(p, err)
		}
		// Skip what the member's reader left, and the padding to an even offset.
		if _, err := io.Copy(io.Discard, body); err != nil {
			return w.fail(p, err)
		}
		off += 60 + size
		if size%2 == 1 {
			if _, err := br.ReadByte(); err != nil && err != io.EOF {
				return w.fail(p, err)
			}
			off++
		}
	}
}

// debTar walks data.tar or control.tar, compressed or not, with its members under prefix.
func (w *walker) debTar(r io.Reader, depth int, prefix, member string) error {
	if depth > w.c.lim.MaxDepth {
		return &LimitError{Limit: LimitDepth, Member: member, Max: int64(w.c.lim.MaxDepth)}
	}
	br, head, err := peek(r)
	if err != nil {
		return err
	}
	switch k := detect(head); k {
	case kindTar:
		return w.tar(br, depth, prefix, false)
	case kindGzip, kindBzip2, kindXz, kindZstd:
		d, err := w.decoder(k, br, member)
		if err != nil {
			return err
		}
		defer d.close()
		return w.tar(d, depth, prefix, false)
	}
	return fmt.Errorf("%w: %s: not a tar", ErrMalformed, member)
}

// exactReader fails with io.ErrUnexpectedEOF when r ends before want bytes.
type exactReader struct {
	r    io.Reader
	want int64
	n    int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.n += int64(n)
	if err == io.EOF && e.n < e.want {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
