package archive

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/xi2/xz"
)

// A block up to these sizes is read whole and decoded by a worker. A bigger
// one, or one whose header does not record both sizes, is decoded inline as
// it streams, so memory stays bounded whatever the input declares.
const (
	xzParMaxCompressed   = 256 << 20
	xzParMaxUncompressed = 256 << 20
)

var errXzClosed = errors.New("xz: read after close")

// newXzReader returns a reader of the xz data in r (concatenated streams and
// stream padding included, as xz -dc reads them).
//
// Blocks whose headers record both their sizes, as multi-threaded xz-utils and
// pixz write them, are read whole and decoded by up to workers goroutines at
// once, each as a one-block stream of its own, so xi2/xz checks the block's
// header, sizes and integrity check; output comes out in order. Any other
// block is decoded inline by xi2/xz as it is read, its end found from the
// LZMA2 chunk headers. The index and footer of every stream are verified
// against the blocks read. LZMA2 dictionaries above maxDict (0 means
// [xz.DefaultDictMax]) are refused. With workers <= 1 every block is decoded
// inline, and no goroutine is started.
//
// Close stops the workers and waits for them; it must not be called during a
// Read. The workers also stop when Read returns io.EOF or an error.
func newXzReader(r io.Reader, maxDict uint32, workers int) (io.ReadCloser, error) {
	if maxDict == 0 {
		maxDict = xz.DefaultDictMax
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 64<<10)
	}
	z := &xzParReader{br: br, maxDict: maxDict, workers: workers, maxComp: xzParMaxCompressed, maxUnc: xzParMaxUncompressed, srec: sha256.New()}
	if workers <= 1 {
		z.workers, z.maxComp, z.maxUnc = 1, -1, -1 // every block inline
	}
	if err := z.streamHeader(); err != nil {
		return nil, err
	}
	return z, nil
}

type xzState int

const (
	xzStreamStart xzState = iota // a stream header is next
	xzBlockStart                 // a block header or the index is next
	xzInline                     // a block is being decoded inline
	xzPadding                    // stream padding, another stream or the end is next
	xzEnd                        // the input is done, or broken
)

// xzParReader is the reader newXzReader returns. All but the workers runs in
// the goroutine calling Read, which reads the input ahead whenever it is out
// of output: at most workers blocks are read and not yet delivered (the one
// being delivered counts), so memory stays about workers × (compressed +
// uncompressed block size), plus an LZMA2 dictionary per worker.
type xzParReader struct {
	br      *bufio.Reader
	off     int64 // input bytes consumed
	maxDict uint32
	workers int   // also bounds the blocks read and not yet delivered
	maxComp int64 // bigger blocks are decoded inline
	maxUnc  int64

	state   xzState
	shdr    [xzHeaderLen]byte // header of the current stream
	check   int64             // size of its blocks' check field
	blocks  int64             // blocks seen in all streams, to name them in errors
	sblocks uint64            // blocks in the current stream
	srec    hash.Hash         // its blocks' (unpadded, uncompressed) sizes
	bhdr    [1024]byte

	queue    []*xzJob // blocks read ahead, in order
	inflight int      // worker jobs not yet delivered
	cur      []byte   // output being delivered
	curJob   *xzJob
	inl      *xzWalker // block being decoded inline
	inlZ     *xz.Reader
	inlN     int64
	err      error // sticky; io.EOF at the end

	work    chan *xzJob
	quit    chan struct{}
	stopped bool
	wg      sync.WaitGroup
	freeIn  [][]byte
	freeOut [][]byte
}

// xzJob is one block read ahead: a worker's, one to decode inline, or an error.
type xzJob struct {
	n, off int64  // block number from 1, offset of its header in the input
	in     []byte // the block wrapped as a one-block stream
	unc    int64  // its declared uncompressed size
	out    []byte
	err    error
	done   chan struct{}
	walk   *xzWalker
	fail   error
}

func (z *xzParReader) Read(p []byte) (int, error) {
	for {
		if len(z.cur) > 0 {
			n := copy(p, z.cur)
			z.cur = z.cur[n:]
			if len(z.cur) == 0 {
				z.release(z.curJob)
			}
			return n, nil
		}
		if z.err != nil {
			return 0, z.err
		}
		if len(p) == 0 {
			return 0, nil
		}
		if z.inl != nil {
			if n, err := z.readInline(p); n > 0 || err != nil {
				return n, err
			}
			continue
		}
		z.fill()
		if len(z.queue) == 0 {
			if z.state != xzEnd {
				z.finish(fmt.Errorf("xz: internal error: nothing to read at offset %d", z.off))
				continue
			}
			z.finish(io.EOF)
			continue
		}
		j := z.queue[0]
		z.queue[0] = nil
		z.queue = z.queue[1:]
		switch {
		case j.fail != nil:
			z.finish(j.fail)
		case j.walk != nil:
			z.startInline(j.walk)
		default:
			<-j.done
			if j.err != nil {
				z.finish(j.err)
				continue
			}
			z.cur, z.curJob = j.out, j
			if len(z.cur) == 0 {
				z.release(j)
			}
		}
	}
}

// Close stops the workers and waits for them to return.
func (z *xzParReader) Close() error {
	z.stop()
	if z.err == nil || z.err == io.EOF {
		z.err = errXzClosed
	}
	z.queue, z.cur, z.curJob, z.inl, z.freeIn, z.freeOut = nil, nil, nil, nil, nil, nil
	return nil
}

func (z *xzParReader) finish(err error) {
	z.err = err
	z.stop()
	z.queue, z.cur, z.curJob, z.inl, z.freeIn, z.freeOut = nil, nil, nil, nil, nil, nil
}

func (z *xzParReader) stop() {
	if z.quit != nil && !z.stopped {
		z.stopped = true
		close(z.quit)
		z.wg.Wait()
	}
}

// fill reads ahead: stream headers, indexes and padding, and blocks, until
// workers blocks are out or a block must be decoded inline first.
func (z *xzParReader) fill() {
	for z.inflight < z.workers {
		var err error
		switch z.state {
		case xzStreamStart:
			err = z.streamHeader()
		case xzBlockStart:
			err = z.block()
		case xzPadding:
			err = z.padding()
		default:
			return
		}
		if err != nil {
			z.queue = append(z.queue, &xzJob{fail: err})
			z.state = xzEnd
			return
		}
	}
}

// block reads a block header, or the index, and then the block itself for a
// worker, or sets it up to be decoded inline.
func (z *xzParReader) block() error {
	start := z.off
	c, err := z.readByte()
	if err != nil {
		return xzCause(fmt.Sprintf("block or index at offset %d", start), err)
	}
	if c == 0 {
		return z.index(start)
	}
	z.blocks++
	where := xzBlockWhere(z.blocks, start)
	hdr := z.bhdr[:(int(c)+1)*4]
	hdr[0] = c
	if err := z.readFull(hdr[1:]); err != nil {
		return xzCause(where, err)
	}
	comp, unc, err := parseXzBlockHeader(hdr, z.maxDict)
	if err != nil {
		return xzCause(where, err)
	}
	hsize := int64(len(hdr))
	if comp < 0 || unc < 0 || comp > z.maxComp || unc > z.maxUnc {
		w := &xzWalker{z: z, n: z.blocks, off: start, hsize: hsize, declComp: comp, declUnc: unc}
		w.pending = append(append(w.head[:0], z.shdr[:]...), hdr...)
		z.queue = append(z.queue, &xzJob{walk: w})
		z.state = xzInline
		return nil
	}
	need := comp + -comp&3 + z.check
	buf := z.take(&z.freeIn)
	if c := xzHeaderLen + hsize + need + 64; int64(cap(buf)) < c && c <= 32<<20 {
		buf = make([]byte, 0, c) // bigger ones grow as the input comes
	}
	buf = append(append(buf, z.shdr[:]...), hdr...)
	buf, err = z.readAppend(buf, need)
	if err != nil {
		return xzCause(where, err)
	}
	unpadded := hsize + comp + z.check
	buf = appendXzTail(buf, uint64(unpadded), uint64(unc), z.shdr[6:8])
	z.record(unpadded, unc)
	j := &xzJob{n: z.blocks, off: start, in: buf, unc: unc, out: z.take(&z.freeOut), done: make(chan struct{})}
	if z.quit == nil {
		z.work = make(chan *xzJob, z.workers)
		z.quit = make(chan struct{})
		for range z.workers {
			z.wg.Add(1)
			go z.worker()
		}
	}
	z.inflight++
	z.queue = append(z.queue, j)
	z.work <- j
	return nil
}

func (z *xzParReader) worker() {
	defer z.wg.Done()
	var dec *xz.Reader
	for {
		select {
		case <-z.quit:
			return
		case j := <-z.work:
			j.out, j.err = z.decodeGuarded(&dec, j)
			close(j.done)
		}
	}
}

// decodeGuarded is decode on a worker goroutine, where the walk's own
// recovery cannot reach: a panic of the decoder on hostile input becomes the
// block's error, and the decoder is dropped.
func (z *xzParReader) decodeGuarded(dec **xz.Reader, j *xzJob) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			*dec = nil
			out, err = nil, xzErrf(xzBlockWhere(j.n, j.off), xz.ErrData, "decoder failed: %v", r)
		}
	}()
	return z.decode(dec, j)
}

// decode decodes the block of j into j.out, up to its declared size.
func (z *xzParReader) decode(dec **xz.Reader, j *xzJob) ([]byte, error) {
	where := xzBlockWhere(j.n, j.off)
	src := bytes.NewReader(j.in)
	var err error
	if *dec == nil {
		*dec, err = xz.NewReader(src, z.maxDict)
	} else {
		err = (*dec).Reset(src)
	}
	if err != nil {
		return nil, xzCause(where, err)
	}
	// Up to sixteen times its compressed size, a block gets the buffer its
	// header asks for; a bigger one grows as the data comes.
	out := j.out[:0]
	if c := min(j.unc, max(1<<20, 16*int64(len(j.in)))); int64(cap(out)) < c {
		out = make([]byte, 0, c)
	}
	for int64(len(out)) < j.unc {
		select {
		case <-z.quit:
			return nil, errXzClosed
		default:
		}
		want := min(j.unc-int64(len(out)), 1<<20)
		if int64(cap(out)-len(out)) < want {
			grown := make([]byte, len(out), min(max(2*int64(cap(out)), int64(len(out))+want, 1<<20), j.unc))
			copy(grown, out)
			out = grown
		}
		n, err := io.ReadFull(*dec, out[len(out):len(out)+int(want)])
		out = out[:len(out)+n]
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil, xzErrf(where, xz.ErrData, "decodes to %d bytes, its header says %d", len(out), j.unc)
		} else if err != nil {
			return nil, xzCause(where, err)
		}
	}
	// The integrity check, index and footer are verified now.
	var one [1]byte
	if n, err := (*dec).Read(one[:]); n > 0 {
		return nil, xzErrf(where, xz.ErrData, "decodes to more than the %d bytes its header says", j.unc)
	} else if err != io.EOF {
		if err == nil {
			err = xz.ErrBuf
		}
		return nil, xzCause(where, err)
	}
	return out, nil
}

// startInline starts decoding the block w reads, in the goroutine calling Read.
func (z *xzParReader) startInline(w *xzWalker) {
	z.inl, z.inlN = w, 0
	var err error
	if z.inlZ == nil {
		z.inlZ, err = xz.NewReader(w, z.maxDict)
	} else {
		err = z.inlZ.Reset(w)
	}
	if err != nil {
		z.finish(xzCause(xzBlockWhere(w.n, w.off), err))
	}
}

// readInline reads output of the block being decoded inline; at its end it
// checks its size, notes it for the index and goes on to the next block.
func (z *xzParReader) readInline(p []byte) (int, error) {
	w := z.inl
	n, err := z.inlZ.Read(p)
	z.inlN += int64(n)
	switch {
	case err == io.EOF && z.inlN != w.unc:
		z.finish(xzErrf(xzBlockWhere(w.n, w.off), xz.ErrData, "decodes to %d bytes, its LZMA2 chunks say %d", z.inlN, w.unc))
	case err == io.EOF:
		z.record(w.hsize+w.comp+z.check, w.unc)
		z.inl = nil
		z.state = xzBlockStart
	case err != nil:
		z.finish(xzCause(xzBlockWhere(w.n, w.off), err))
	}
	if n > 0 {
		return n, nil
	}
	if z.inl == nil {
		return 0, z.err
	}
	return 0, nil
}

func (z *xzParReader) readByte() (byte, error) {
	c, err := z.br.ReadByte()
	if err == nil {
		z.off++
	}
	return c, err
}

func (z *xzParReader) readFull(p []byte) error {
	n, err := io.ReadFull(z.br, p)
	z.off += int64(n)
	return err
}

// readAppend appends n bytes of input to buf, growing it as they come.
func (z *xzParReader) readAppend(buf []byte, n int64) ([]byte, error) {
	for n > 0 {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), int64(len(buf))+min(max(int64(len(buf)), 1<<20), n+64))
			copy(grown, buf)
			buf = grown
		}
		m := min(int64(cap(buf)-len(buf)), n)
		k, err := io.ReadFull(z.br, buf[len(buf):len(buf)+int(m)])
		z.off += int64(k)
		n -= int64(k)
		buf = buf[:len(buf)+k]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

func (z *xzParReader) take(free *[][]byte) []byte {
	if n := len(*free); n > 0 {
		b := (*free)[n-1]
		*free = (*free)[:n-1]
		return b[:0]
	}
	return nil
}

// release hands a delivered job's buffers back for the next blocks.
func (z *xzParReader) release(j *xzJob) {
	z.inflight--
	z.cur, z.curJob = nil, nil
	if len(z.freeIn) < z.workers {
		z.freeIn = append(z.freeIn, j.in)
	}
	if len(z.freeOut) < z.workers {
		z.freeOut = append(z.freeOut, j.out)
	}
}
