package archive

// The xz format, as the parallel reader in xzpar.go needs it: stream headers,
// indexes and footers checked against the blocks read, block headers checked
// as xi2/xz checks them, and a reader that finds the end of a block from its
// LZMA2 chunk headers.

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strings"

	"github.com/xi2/xz"
)

const xzHeaderLen = 12 // stream header and stream footer

var xzMagic = []byte{0xfd, '7', 'z', 'X', 'Z', 0}

// streamHeader reads and checks a stream header.
func (z *xzParReader) streamHeader() error {
	where := fmt.Sprintf("stream header at offset %d", z.off)
	h := z.shdr[:]
	n, err := io.ReadFull(z.br, h)
	z.off += int64(n)
	if !bytes.HasPrefix(xzMagic, h[:min(n, len(xzMagic))]) {
		return xzErrf(where, xz.ErrFormat, "not an xz stream")
	}
	if err != nil {
		return xzCause(where, err)
	}
	if crc32.ChecksumIEEE(h[6:8]) != binary.LittleEndian.Uint32(h[8:]) {
		return xzErrf(where, xz.ErrData, "CRC32 mismatch")
	}
	if h[6] != 0 {
		return xzErrf(where, xz.ErrOptions, "unsupported stream flags %#02x", h[6])
	}
	switch h[7] {
	case 0:
		z.check = 0
	case 1:
		z.check = 4
	case 4:
		z.check = 8
	case 10:
		z.check = 32
	default:
		return xzErrf(where, xz.ErrUnsupportedCheck, "unsupported integrity check %#02x", h[7])
	}
	z.sblocks = 0
	z.srec.Reset()
	z.state = xzBlockStart
	return nil
}

// index reads and checks the index of a stream, from its indicator byte at
// start, and the stream footer.
func (z *xzParReader) index(start int64) error {
	where := fmt.Sprintf("index at offset %d", start)
	crc := crc32.NewIEEE()
	crc.Write([]byte{0})
	size := int64(1)
	var b [1]byte
	next := func() (byte, error) {
		c, err := z.readByte()
		b[0] = c
		crc.Write(b[:])
		size++
		return c, err
	}
	count, err := readXzVLI(next)
	if err != nil {
		return xzCause(where, err)
	}
	if count != z.sblocks {
		return xzErrf(where, xz.ErrData, "lists %d blocks, the stream has %d", count, z.sblocks)
	}
	h := sha256.New()
	var rec [16]byte
	for range count {
		unpadded, err := readXzVLI(next)
		if err != nil {
			return xzCause(where, err)
		}
		unc, err := readXzVLI(next)
		if err != nil {
			return xzCause(where, err)
		}
		binary.LittleEndian.PutUint64(rec[:8], unpadded)
		binary.LittleEndian.PutUint64(rec[8:], unc)
		h.Write(rec[:])
	}
	if !bytes.Equal(h.Sum(nil), z.srec.Sum(nil)) {
		return xzErrf(where, xz.ErrData, "records differ from the sizes of the blocks")
	}
	for size%4 != 0 {
		if c, err := next(); err != nil {
			return xzCause(where, err)
		} else if c != 0 {
			return xzErrf(where, xz.ErrData, "padding is not zero")
		}
	}
	sum := crc.Sum32()
	var f [xzHeaderLen]byte
	if err := z.readFull(f[:4]); err != nil {
		return xzCause(where, err)
	}
	if binary.LittleEndian.Uint32(f[:4]) != sum {
		return xzErrf(where, xz.ErrData, "CRC32 mismatch")
	}
	where = fmt.Sprintf("stream footer at offset %d", z.off)
	if err := z.readFull(f[:]); err != nil {
		return xzCause(where, err)
	}
	switch {
	case string(f[10:]) != "YZ":
		return xzErrf(where, xz.ErrData, "bad magic")
	case crc32.ChecksumIEEE(f[4:10]) != binary.LittleEndian.Uint32(f[:4]):
		return xzErrf(where, xz.ErrData, "CRC32 mismatch")
	case int64(binary.LittleEndian.Uint32(f[4:8])) != size/4:
		return xzErrf(where, xz.ErrData, "backward size field %d does not match the %d-byte index", binary.LittleEndian.Uint32(f[4:8]), size+4)
	case f[8] != z.shdr[6] || f[9] != z.shdr[7]:
		return xzErrf(where, xz.ErrData, "stream flags differ from the header's")
	}
	z.state = xzPadding
	return nil
}

// padding reads stream padding up to the next stream or the end of input.
func (z *xzParReader) padding() error {
	start := z.off
	for {
		c, err := z.br.ReadByte()
		if err != nil && err != io.EOF {
			return xzCause(fmt.Sprintf("stream padding at offset %d", start), err)
		}
		if err == io.EOF || c != 0 {
			if (z.off-start)%4 != 0 {
				return xzErrf(fmt.Sprintf("stream padding at offset %d", start), xz.ErrData, "%d bytes, not a multiple of four", z.off-start)
			}
			z.state = xzEnd
			if err == nil {
				z.br.UnreadByte()
				z.state = xzStreamStart
			}
			return nil
		}
		z.off++
	}
}

// record notes a block's sizes, to check them against the index.
func (z *xzParReader) record(unpadded, unc int64) {
	var rec [16]byte
	binary.LittleEndian.PutUint64(rec[:8], uint64(unpadded))
	binary.LittleEndian.PutUint64(rec[8:], uint64(unc))
	z.srec.Write(rec[:])
	z.sblocks++
}

// xzWalker feeds xi2/xz one block as a stream of its own: the stream header,
// the block as it is read from the input, and an index and footer made up for
// it. It finds the end of the block from the LZMA2 chunk headers, which give
// each chunk's sizes, so it never reads past the block, and it counts the
// block's sizes for the index as it goes.
type xzWalker struct {
	z                 *xzParReader
	n, off            int64 // block number and offset, for errors
	hsize             int64 // size of the block header
	declComp, declUnc int64 // sizes the header declares, or -1
	comp, unc         int64 // sizes of the LZMA2 data so far
	left              int64 // input bytes to pass on before the next header
	phase             int
	pending           []byte // bytes to pass on first
	head              [xzHeaderLen + 1024]byte
	chunk             [6]byte
	err               error
}

const (
	xzWalkData    = iota // an LZMA2 chunk header is next
	xzWalkTrailer        // block padding and check are next
	xzWalkTail           // the made-up index and footer are next
	xzWalkEOF
)

func (w *xzWalker) Read(p []byte) (int, error) {
	for {
		if len(w.pending) > 0 {
			n := copy(p, w.pending)
			w.pending = w.pending[n:]
			return n, nil
		}
		if w.err != nil {
			return 0, w.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		if w.left > 0 {
			n, err := w.z.br.Read(p[:min(int64(len(p)), w.left)])
			w.z.off += int64(n)
			w.left -= int64(n)
			if err != nil && (err != io.EOF || w.left > 0) {
				w.err = xzCause(w.where(), err)
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		switch w.phase {
		case xzWalkData:
			w.err = w.chunkHeader()
		case xzWalkTrailer:
			w.left = -w.comp&3 + w.z.check
			w.phase = xzWalkTail
		case xzWalkTail:
			w.pending = appendXzTail(w.head[:0], uint64(w.hsize+w.comp+w.z.check), uint64(w.unc), w.z.shdr[6:8])
			w.phase = xzWalkEOF
		default:
			return 0, io.EOF
		}
	}
}

func (w *xzWalker) where() string { return xzBlockWhere(w.n, w.off) }

// chunkHeader reads the header of the next LZMA2 chunk.
func (w *xzWalker) chunkHeader() error {
	at := w.z.off
	c, err := w.z.readByte()
	if err != nil {
		return xzCause(w.where(), err)
	}
	h := w.chunk[:1]
	h[0] = c
	var size int64
	switch {
	case c == 0: // end of data
		w.phase = xzWalkTrailer
	case c == 1 || c == 2: // stored chunk
		h = w.chunk[:3]
		if err := w.z.readFull(h[1:]); err != nil {
			return xzCause(w.where(), err)
		}
		size = int64(binary.BigEndian.Uint16(h[1:])) + 1
		w.unc += size
	case c >= 0x80: // LZMA chunk, with new properties from 0xc0
		h = w.chunk[:5+int(c>>6&1)]
		if err := w.z.readFull(h[1:]); err != nil {
			return xzCause(w.where(), err)
		}
		w.unc += int64(c&0x1f)<<16 + int64(binary.BigEndian.Uint16(h[1:])) + 1
		size = int64(binary.BigEndian.Uint16(h[3:])) + 1
	default:
		return xzErrf(w.where(), xz.ErrData, "invalid LZMA2 chunk at offset %d", at)
	}
	w.pending = h
	w.left = size
	w.comp += int64(len(h)) + size
	switch {
	case w.declComp >= 0 && (w.comp > w.declComp || w.phase == xzWalkTrailer && w.comp != w.declComp):
		return xzErrf(w.where(), xz.ErrData, "compressed size differs from the %d bytes its header says", w.declComp)
	case w.declUnc >= 0 && (w.unc > w.declUnc || w.phase == xzWalkTrailer && w.unc != w.declUnc):
		return xzErrf(w.where(), xz.ErrData, "uncompressed size differs from the %d bytes its header says", w.declUnc)
	}
	return nil
}

// parseXzBlockHeader checks a block header as xi2/xz does and returns the
// sizes it declares, -1 for those it does not.
func parseXzBlockHeader(h []byte, maxDict uint32) (comp, unc int64, err error) {
	body := h[:len(h)-4]
	if crc32.ChecksumIEEE(body) != binary.LittleEndian.Uint32(h[len(h)-4:]) {
		return 0, 0, xzBad(xz.ErrData, "header CRC32 mismatch")
	}
	flags := h[1]
	if flags&0x3c != 0 {
		return 0, 0, xzBad(xz.ErrOptions, "unsupported block flags %#02x", flags)
	}
	pos := 2
	vli := func() (int64, error) {
		v, err := readXzVLI(func() (byte, error) {
			if pos == len(body) {
				return 0, errXzVLI
			}
			pos++
			return body[pos-1], nil
		})
		if err != nil {
			return 0, xzBad(xz.ErrData, "bad size field")
		}
		return int64(v), nil
	}
	comp, unc = -1, -1
	if flags&0x40 != 0 {
		if comp, err = vli(); err != nil {
			return 0, 0, err
		}
		if comp == 0 || comp >= 1<<63-8 {
			return 0, 0, xzBad(xz.ErrData, "compressed size %d out of range", comp)
		}
	}
	if flags&0x80 != 0 {
		if unc, err = vli(); err != nil {
			return 0, 0, err
		}
	}
	filters := int(flags&3) + 1
	for i := 0; i < filters-1; i++ {
		if len(body)-pos < 2 {
			return 0, 0, xzBad(xz.ErrData, "filter flags truncated")
		}
		id, psize := body[pos], body[pos+1]
		pos += 2
		switch {
		case id == 0x03 && psize == 1: // delta
			if len(body)-pos < 1 {
				return 0, 0, xzBad(xz.ErrData, "filter flags truncated")
			}
			pos++
		case id >= 0x04 && id <= 0x09 && psize == 0: // BCJ
		case id >= 0x04 && id <= 0x09 && psize == 4:
			if len(body)-pos < 4 {
				return 0, 0, xzBad(xz.ErrData, "filter flags truncated")
			}
			start := binary.LittleEndian.Uint32(body[pos:])
			pos += 4
			if align := [10]uint32{5: 4, 6: 16, 7: 4, 8: 2, 9: 4}[id]; align != 0 && start%align != 0 {
				return 0, 0, xzBad(xz.ErrOptions, "BCJ start offset %d not aligned", start)
			}
		default:
			return 0, 0, xzBad(xz.ErrOptions, "unsupported filter %#02x", id)
		}
	}
	if len(body)-pos < 3 {
		return 0, 0, xzBad(xz.ErrData, "filter flags truncated")
	}
	if body[pos] != 0x21 || body[pos+1] != 1 {
		return 0, 0, xzBad(xz.ErrOptions, "last filter is not LZMA2")
	}
	props := body[pos+2]
	pos += 3
	if props > 40 {
		return 0, 0, xzBad(xz.ErrOptions, "LZMA2 dictionary size %d out of range", props)
	}
	dict := ^uint32(0)
	if props < 40 {
		dict = (2 | uint32(props)&1) << (props/2 + 11)
	}
	if dict > maxDict {
		return 0, 0, xzBad(xz.ErrMemlimit, "LZMA2 dictionary of %d bytes is over the limit of %d", dict, maxDict)
	}
	for _, c := range body[pos:] {
		if c != 0 {
			return 0, 0, xzBad(xz.ErrOptions, "header padding is not zero")
		}
	}
	return comp, unc, nil
}

var errXzVLI = errors.New("bad variable-length integer")

// readXzVLI reads an xz variable-length integer: at most nine bytes, minimally
// encoded, as xi2/xz accepts it.
func readXzVLI(next func() (byte, error)) (uint64, error) {
	var v uint64
	for shift := 0; shift < 63; shift += 7 {
		c, err := next()
		if err != nil {
			return 0, err
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			if c == 0 && shift != 0 {
				return 0, errXzVLI
			}
			return v, nil
		}
	}
	return 0, errXzVLI
}

func appendXzVLI(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendXzTail appends the index and footer of a one-block stream.
func appendXzTail(b []byte, unpadded, unc uint64, flags []byte) []byte {
	start := len(b)
	b = append(b, 0, 1)
	b = appendXzVLI(b, unpadded)
	b = appendXzVLI(b, unc)
	for (len(b)-start)%4 != 0 {
		b = append(b, 0)
	}
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
	var f [6]byte
	binary.LittleEndian.PutUint32(f[:4], uint32((len(b)-start)/4-1))
	copy(f[4:], flags)
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(f[:]))
	b = append(b, f[:]...)
	return append(b, 'Y', 'Z')
}

// xzError says what is wrong with xz input and where. It wraps the error of
// xi2/xz's kind ([xz.ErrData], [xz.ErrFormat], ...), io.ErrUnexpectedEOF, or
// the input's own read error.
type xzError struct {
	where, what string
	err         error
}

func (e *xzError) Error() string {
	if e.where == "" {
		return "xz: " + e.what
	}
	return "xz: " + e.where + ": " + e.what
}

func (e *xzError) Unwrap() error { return e.err }

func xzErrf(where string, kind error, format string, args ...any) error {
	return &xzError{where: where, what: fmt.Sprintf(format, args...), err: kind}
}

// xzBad is an error whose place the caller adds with xzCause.
func xzBad(kind error, format string, args ...any) error {
	return xzErrf("", kind, format, args...)
}

func xzBlockWhere(n, off int64) string {
	return fmt.Sprintf("block %d at offset %d", n, off)
}

// xzCause says where err, from the input, xi2/xz or this file, happened.
func xzCause(where string, err error) error {
	var xe *xzError
	switch {
	case errors.As(err, &xe) && xe.where == "":
		return &xzError{where: where, what: xe.what, err: xe.err}
	case xe != nil:
		return err
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return &xzError{where: where, what: "input ends early", err: io.ErrUnexpectedEOF}
	case err == errXzVLI:
		return &xzError{where: where, what: "bad variable-length integer", err: xz.ErrData}
	}
	return &xzError{where: where, what: strings.TrimPrefix(err.Error(), "xz: "), err: err}
}
