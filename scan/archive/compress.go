package archive

import (
	"bufio"
	"compress/bzip2"
	"fmt"
	"io"
	"runtime"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// maxXzDict bounds the dictionary an xz stream may ask for (xz -9 uses 64 MiB).
const maxXzDict = 1 << 26

// maxZstdWindow bounds the window a zstd frame may ask for.
const maxZstdWindow = 1 << 27

// decompress returns a reader of the data compressed in r, and a function to
// release it. Concatenated gzip members and xz streams are read as one, as
// the command-line tools do.
func decompress(k kind, r io.Reader) (io.Reader, func(), error) {
	switch k {
	case kindGzip:
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		return z, func() { z.Close() }, nil
	case kindBzip2:
		return bzip2.NewReader(r), func() {}, nil
	case kindXz:
		// xi2/xz (a port of XZ Embedded) decodes about ten times faster than
		// the better-known pure-Go xz package; newXzReader runs it on several
		// blocks at once when the blocks record their sizes, as xz -T and
		// dpkg-deb write them.
		z, err := newXzReader(r, maxXzDict, runtime.GOMAXPROCS(0))
		if err != nil {
			return nil, nil, err
		}
		return z, func() { z.Close() }, nil
	case kindZstd:
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxWindow(maxZstdWindow), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, nil, err
		}
		return z, z.Close, nil
	}
	return nil, nil, fmt.Errorf("not a compressed stream")
}

// peek reads up to sniffLen bytes of r without consuming them. It returns
// the reader to go on with: r itself when r is a sliceReader, else a
// buffered reader over r.
func peek(r io.Reader) (io.Reader, []byte, error) {
	if sr, ok := r.(*sliceReader); ok {
		return sr, sr.head(sniffLen), nil
	}
	br, ok := r.(*bufio.Reader)
	if !ok || br.Size() < sniffLen {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	head, err := br.Peek(sniffLen)
	if len(head) > 0 || err == io.EOF || err == bufio.ErrBufferFull {
		// A short stream still has a head to look at; a read error comes
		// back on the next read, where the member being read is known.
		err = nil
	}
	return br, head, err
}
