package archive

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/xi2/xz"
)

// xzText is pseudo-random text that compresses about four to one.
func xzText(n int, seed uint64) []byte {
	words := strings.Fields("the of and a to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part")
	r := rand.New(rand.NewPCG(seed, 7))
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(words[r.IntN(len(words))])
		switch r.IntN(12) {
		case 0:
			fmt.Fprintf(&b, " %d\n", r.Uint32())
		case 1:
			b.WriteString(".\n")
		default:
			b.WriteByte(' ')
		}
	}
	return b.Bytes()[:n]
}

// xzCmd compresses b with the xz command, skipping the test without one.
func xzCmd(t testing.TB, b []byte, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("xz"); err != nil {
		t.Skip("no xz command")
	}
	cmd := exec.Command("xz", append([]string{"-c", "-q"}, args...)...)
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("xz %v: %v", args, err)
	}
	return out
}

// readXz reads all of b with newXzReader; caps, if not zero, bound the blocks
// given to workers.
func readXz(b []byte, workers int, caps int64) ([]byte, error) {
	z, err := newXzReader(bytes.NewReader(b), 0, workers)
	if err != nil {
		return nil, err
	}
	defer z.Close()
	if p, ok := z.(*xzParReader); ok && caps > 0 {
		p.maxComp, p.maxUnc = caps, caps
	}
	return io.ReadAll(z)
}

// settle fails the test if goroutines stay above base.
func settle(t *testing.T, base int) {
	t.Helper()
	for range 200 {
		if runtime.NumGoroutine() <= base {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d goroutines, %d before", runtime.NumGoroutine(), base)
}

func TestXzReader(t *testing.T) {
	base := runtime.NumGoroutine()
	text := xzText(1<<20, 1)
	for _, tc := range []struct {
		name string
		text []byte
		args []string
	}{
		{"multi-block", text, []string{"-T2", "--block-size=65536"}},
		{"crc32", text, []string{"-T2", "--block-size=100000", "--check=crc32", "-1"}},
		{"sha256", text, []string{"-T2", "--block-size=65536", "--check=sha256", "-1"}},
		{"no check", text, []string{"-T2", "--block-size=65536", "--check=none", "-1"}},
		{"single block", text, []string{"-T1", "-1"}},
		{"blocks without sizes", text, []string{"-T1", "--block-size=65536", "-1"}},
		{"x86 and delta filters", text, []string{"-T2", "--block-size=65536", "--x86", "--delta=dist=3", "--lzma2=preset=1"}},
		{"odd block size", text[:1<<20], []string{"-T2", "--block-size=4097", "-0"}},
		{"one small block", text[:1000], []string{"-T2"}},
		{"empty", nil, []string{"-T2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			comp := xzCmd(t, tc.text, tc.args...)
			for _, workers := range []int{1, 2, 3, 8} {
				for _, caps := range []int64{0, 50000} {
					got, err := readXz(comp, workers, caps)
					if err != nil {
						t.Fatalf("%d workers, caps %d: %v", workers, caps, err)
					}
					if !bytes.Equal(got, tc.text) {
						t.Fatalf("%d workers, caps %d: output differs (%d bytes, want %d)", workers, caps, len(got), len(tc.text))
					}
				}
			}
		})
	}
	settle(t, base)
}

// TestXzReaderShortReads reads one byte at a time from the input and into
// buffers of odd sizes.
func TestXzReaderShortReads(t *testing.T) {
	text := xzText(300_000, 2)
	for _, args := range [][]string{{"-T2", "--block-size=30000"}, {"-T1", "--block-size=30000"}} {
		comp := xzCmd(t, text, args...)
		z, err := newXzReader(iotest.OneByteReader(bytes.NewReader(comp)), 0, 2)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		buf := make([]byte, 777)
		for i := 0; ; i++ {
			n, err := z.Read(buf[:1+i%len(buf)])
			got = append(got, buf[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%v: %v", args, err)
			}
		}
		z.Close()
		if !bytes.Equal(got, text) {
			t.Fatalf("%v: output differs", args)
		}
		if err := iotest.TestReader(mustXz(t, comp), text); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
}

func mustXz(t *testing.T, comp []byte) io.Reader {
	z, err := newXzReader(bytes.NewReader(comp), 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	return z
}

func TestXzReaderConcatenated(t *testing.T) {
	base := runtime.NumGoroutine()
	a, b, c := xzText(500_000, 3), xzText(200_000, 4), xzText(70_000, 5)
	in := xzCmd(t, a, "-T2", "--block-size=65536", "-1")
	in = append(in, 0, 0, 0, 0)
	in = append(in, xzCmd(t, b, "-T1", "-0")...)
	in = append(in, xzCmd(t, nil)...)
	in = append(in, make([]byte, 8)...)
	in = append(in, xzCmd(t, c, "-T2", "--block-size=10000", "--check=crc32", "-0")...)
	in = append(in, 0, 0, 0, 0)
	want := append(append(append([]byte(nil), a...), b...), c...)
	for _, workers := range []int{1, 2, 4} {
		got, err := readXz(in, workers, 0)
		if err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%d workers: output differs", workers)
		}
	}
	settle(t, base)
}

// xzBlockAt describes the block whose header is at off in a stream whose
// headers record sizes: its header size, compressed size and total size.
func xzBlockAt(t testing.TB, b []byte, off int) (hsize, comp, total int) {
	t.Helper()
	hsize = (int(b[off]) + 1) * 4
	c, _, err := parseXzBlockHeader(b[off:off+hsize], xz.DefaultDictMax)
	if err != nil || c < 0 {
		t.Fatalf("block at %d: %v", off, err)
	}
	check := map[byte]int{0: 0, 1: 4, 4: 8, 10: 32}[b[7]]
	return hsize, int(c), hsize + int(c) + int(-c&3) + check
}

// xzSetHeader replaces the block header at off with one declaring comp and
// unc (-1: absent) and returns the new input.
func xzSetHeader(b []byte, off int, comp, unc int64) []byte {
	old := (int(b[off]) + 1) * 4
	flags := b[off+1] &^ 0xc0
	pos := off + 2
	next := func() (byte, error) { pos++; return b[pos-1], nil }
	for bit := byte(0x40); bit != 0; bit <<= 1 {
		if b[off+1]&bit != 0 {
			readXzVLI(next)
		}
	}
	h := []byte{0, 0}
	if comp >= 0 {
		flags |= 0x40
		h = appendXzVLI(h, uint64(comp))
	}
	if unc >= 0 {
		flags |= 0x80
		h = appendXzVLI(h, uint64(unc))
	}
	h = append(h, b[pos:pos+3]...) // LZMA2, the only filter
	for len(h)%4 != 0 {
		h = append(h, 0)
	}
	h[0], h[1] = byte(len(h)/4), flags
	h = binary.LittleEndian.AppendUint32(h, crc32.ChecksumIEEE(h))
	return append(append(append([]byte(nil), b[:off]...), h...), b[off+old:]...)
}

// xzSetIndex rewrites the index and footer of the last stream in b, which has
// no padding, after edit changes its records.
func xzSetIndex(t testing.TB, b []byte, edit func(recs [][2]uint64) [][2]uint64, backward int) []byte {
	t.Helper()
	foot := b[len(b)-12:]
	size := (int(binary.LittleEndian.Uint32(foot[4:8])) + 1) * 4
	start := len(b) - 12 - size
	pos := start + 1
	next := func() (byte, error) { pos++; return b[pos-1], nil }
	n, _ := readXzVLI(next)
	recs := make([][2]uint64, n)
	for i := range recs {
		recs[i][0], _ = readXzVLI(next)
		recs[i][1], _ = readXzVLI(next)
	}
	recs = edit(recs)
	idx := appendXzVLI([]byte{0}, uint64(len(recs)))
	for _, r := range recs {
		idx = appendXzVLI(appendXzVLI(idx, r[0]), r[1])
	}
	for len(idx)%4 != 0 {
		idx = append(idx, 0)
	}
	idx = binary.LittleEndian.AppendUint32(idx, crc32.ChecksumIEEE(idx))
	f := binary.LittleEndian.AppendUint32(nil, uint32(len(idx)/4-1+backward))
	f = append(f, foot[8:10]...)
	idx = binary.LittleEndian.AppendUint32(idx, crc32.ChecksumIEEE(f))
	idx = append(append(idx, f...), 'Y', 'Z')
	return append(append([]byte(nil), b[:start]...), idx...)
}

// xzMixed drops the sizes from the headers of the blocks of a one-stream
// input at the given indexes, making a valid stream whose blocks go to
// workers and inline in turn.
func xzMixed(t testing.TB, b []byte, drop ...int) []byte {
	t.Helper()
	shrunk := map[int]int{} // block index: bytes fewer in its header
	for i, off := 0, 12; b[off] != 0; i++ {
		hsize, _, total := xzBlockAt(t, b, off)
		if slices.Contains(drop, i) {
			b = xzSetHeader(b, off, -1, -1)
			shrunk[i] = hsize - (int(b[off])+1)*4
		}
		off += total - shrunk[i]
	}
	return xzSetIndex(t, b, func(r [][2]uint64) [][2]uint64 {
		for i, n := range shrunk {
			r[i][0] -= uint64(n)
		}
		return r
	}, 0)
}

func TestXzReaderMixedBlocks(t *testing.T) {
	text := xzText(1<<20, 11)
	in := xzMixed(t, xzCmd(t, text, "-T2", "--block-size=65536", "-1"), 0, 3, 4, 9, 15)
	cmd := exec.Command("xz", "-t")
	cmd.Stdin = bytes.NewReader(in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xz -t: %v: %s", err, out)
	}
	for _, workers := range []int{1, 2, 3} {
		got, err := readXz(in, workers, 0)
		if err != nil {
			t.Fatalf("%d workers: %v", workers, err)
		}
		if !bytes.Equal(got, text) {
			t.Fatalf("%d workers: output differs", workers)
		}
	}
}

func TestXzReaderCorrupt(t *testing.T) {
	base := runtime.NumGoroutine()
	text := xzText(1<<20, 6)
	multi := xzCmd(t, text, "-T2", "--block-size=65536", "-1")
	single := xzCmd(t, text, "-T1", "--block-size=200000", "-1")
	h1, c1, b1 := xzBlockAt(t, multi, 12)
	h2, c2, b2 := xzBlockAt(t, multi, 12+b1)
	flip := func(b []byte, off int) []byte {
		b = append([]byte(nil), b...)
		b[off] ^= 0x10
		return b
	}
	cut := func(b []byte, n int) []byte { return b[:n] }
	end := len(multi)
	footerCheck := append([]byte(nil), multi...)
	footerCheck[end-3] = 1
	binary.LittleEndian.PutUint32(footerCheck[end-12:], crc32.ChecksumIEEE(footerCheck[end-8:end-2]))
	badCheck := append([]byte(nil), multi...)
	badCheck[7] = 2
	binary.LittleEndian.PutUint32(badCheck[8:], crc32.ChecksumIEEE(badCheck[6:8]))
	for _, tc := range []struct {
		name string
		in   []byte
		want error
	}{
		{"empty", nil, io.ErrUnexpectedEOF},
		{"not xz", []byte("hello, world"), xz.ErrFormat},
		{"stream header CRC", flip(multi, 8), xz.ErrData},
		{"unsupported check", badCheck, xz.ErrUnsupportedCheck},
		{"block data", flip(multi, 12+b1+h2+1000), xz.ErrData},
		{"block check", flip(multi, 12+b1+b2-1), xz.ErrData},
		{"block header CRC", flip(multi, 12+b1+3), xz.ErrData},
		{"last block data", flip(multi, end-200), xz.ErrData},
		{"block without sizes", flip(single, 5000), xz.ErrData},
		{"LZMA2 chunk header", withValue(single, 12+12, 0x10), xz.ErrData},
		{"cut in stream header", cut(multi, 6), io.ErrUnexpectedEOF},
		{"cut after stream header", cut(multi, 12), io.ErrUnexpectedEOF},
		{"cut in block header", cut(multi, 14), io.ErrUnexpectedEOF},
		{"cut in first block", cut(multi, 12+h1+c1/2), io.ErrUnexpectedEOF},
		{"cut in check", cut(multi, 12+b1-2), io.ErrUnexpectedEOF},
		{"cut in later block", cut(multi, 12+b1+b2+100), io.ErrUnexpectedEOF},
		{"cut in index", cut(multi, end-16), io.ErrUnexpectedEOF},
		{"cut in footer", cut(multi, end-1), io.ErrUnexpectedEOF},
		{"cut in block without sizes", cut(single, len(single)/2), io.ErrUnexpectedEOF},
		{"cut in its check", cut(single, len(single)-60), io.ErrUnexpectedEOF},
		{"index byte", flip(multi, end-20), xz.ErrData},
		{"index record", xzSetIndex(t, multi, func(r [][2]uint64) [][2]uint64 { r[3][1]++; return r }, 0), xz.ErrData},
		{"index unpadded size", xzSetIndex(t, multi, func(r [][2]uint64) [][2]uint64 { r[0][0] += 4; return r }, 0), xz.ErrData},
		{"index count", xzSetIndex(t, multi, func(r [][2]uint64) [][2]uint64 { return r[1:] }, 0), xz.ErrData},
		{"index of sizeless blocks", xzSetIndex(t, single, func(r [][2]uint64) [][2]uint64 { r[1][1]--; return r }, 0), xz.ErrData},
		{"backward size", xzSetIndex(t, multi, func(r [][2]uint64) [][2]uint64 { return r }, 1), xz.ErrData},
		{"footer flags", footerCheck, xz.ErrData},
		{"footer magic", flip(multi, end-1), xz.ErrData},
		{"compressed size 300 MiB", xzSetHeader(multi, 12+b1, 300<<20, 65536), xz.ErrData},
		{"uncompressed size 2 GiB", xzSetHeader(multi, 12+b1, -1, 2<<30), xz.ErrData},
		{"both sizes huge", xzSetHeader(multi, 12, 1<<61, 1<<62), xz.ErrData},
		{"compressed size over the limit", xzSetHeader(multi, 12, 1<<63-8, 1), xz.ErrData},
		{"compressed size 4 bytes more", xzSetHeader(multi, 12, int64(c1+4), 65536), xz.ErrData},
		{"compressed size 1 byte less", xzSetHeader(multi, 12, int64(c1-1), 65536), xz.ErrData},
		{"uncompressed size 1 byte more", xzSetHeader(multi, 12+b1, int64(c2), 65537), xz.ErrData},
		{"uncompressed size 1 byte less", xzSetHeader(multi, 12, int64(c1), 65535), xz.ErrData},
		{"sizes on a block without", xzSetHeader(single, 12, 1000, 200000), xz.ErrData},
		{"garbage after", append(append([]byte(nil), multi...), "junk"...), xz.ErrFormat},
		{"odd padding", append(append([]byte(nil), multi...), 0, 0, 0), xz.ErrData},
		{"padding then garbage", append(append([]byte(nil), multi...), 0, 0, 0, 0, 1), xz.ErrFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, xerr := io.ReadAll(xzOrErr(xz.NewReader(bytes.NewReader(tc.in), 0)))
			if xerr == nil {
				t.Errorf("xi2/xz reads it")
			}
			for _, workers := range []int{1, 2, 3} {
				for _, caps := range []int64{0, 50000} {
					_, err := readXz(tc.in, workers, caps)
					var xe *xzError
					switch {
					case err == nil:
						t.Fatalf("%d workers, caps %d: no error", workers, caps)
					case !errors.As(err, &xe):
						t.Errorf("%d workers, caps %d: %v is not an *xzError", workers, caps, err)
					case !errors.Is(err, tc.want):
						t.Errorf("%d workers, caps %d: %v, want %v", workers, caps, err, tc.want)
					}
				}
			}
			_, err := readXz(tc.in, 2, 0)
			t.Log(err)
		})
	}
	settle(t, base)
}

func withValue(b []byte, off int, v byte) []byte {
	b = append([]byte(nil), b...)
	b[off] = v
	return b
}

// xzOrErr returns r, or a reader failing with err.
func xzOrErr(r *xz.Reader, err error) io.Reader {
	if err != nil {
		return iotest.ErrReader(err)
	}
	return r
}

func TestXzReaderErrorNamesBlock(t *testing.T) {
	comp := xzCmd(t, xzText(300_000, 7), "-T2", "--block-size=65536", "-0")
	off := 12
	for range 2 {
		_, _, total := xzBlockAt(t, comp, off)
		off += total
	}
	_, err := readXz(withValue(comp, off+500, comp[off+500]^1), 2, 0)
	if want := fmt.Sprintf("xz: block 3 at offset %d: ", off); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("got %v, want it to start with %q", err, want)
	}
}

func TestXzReaderDictLimit(t *testing.T) {
	comp := xzCmd(t, xzText(100_000, 8), "-T2", "-6")
	z, err := newXzReader(bytes.NewReader(comp), 1<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	if _, err := io.ReadAll(z); !errors.Is(err, xz.ErrMemlimit) {
		t.Fatalf("got %v, want %v", err, xz.ErrMemlimit)
	}
}

func TestXzReaderClose(t *testing.T) {
	base := runtime.NumGoroutine()
	comp := xzCmd(t, xzText(2<<20, 9), "-T2", "--block-size=65536", "-0")
	for _, read := range []int{0, 1, 100_000, 1 << 20} {
		z, err := newXzReader(bytes.NewReader(comp), 0, 4)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, z, int64(read)); err != nil {
			t.Fatal(err)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := z.Read(make([]byte, 10)); err == nil {
			t.Fatal("read after close succeeds")
		}
		z.Close()
	}
	// An input error stops the workers without a Close.
	z, err := newXzReader(io.MultiReader(bytes.NewReader(comp[:len(comp)/2]), iotest.ErrReader(errors.New("boom"))), 0, 4)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(z); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("got %v, want the input's error", err)
	}
	settle(t, base)
}

// FuzzXzReader checks newXzReader against xi2/xz reading the same input: both
// read it, to the same bytes, or both refuse it, and never panic or hang.
func FuzzXzReader(f *testing.F) {
	if _, err := exec.LookPath("xz"); err == nil {
		// Small dictionaries: the fuzz target allows 1 MiB.
		text, small := xzText(3000, 10), "--lzma2=preset=0,dict=64KiB"
		for _, args := range [][]string{
			{"-T2", "--block-size=500", small},
			{"-T1", "--block-size=700", small},
			{"-T1", small},
			{"-T2", "--block-size=1000", "--check=sha256", small},
			{"-T2", "--block-size=1500", "--check=none", "--x86", "--delta=dist=2", small},
		} {
			f.Add(xzCmd(f, text, args...))
		}
		f.Add(xzMixed(f, xzCmd(f, text, "-T2", "--block-size=400", small), 1, 2, 5))
		two := append(xzCmd(f, text[:300], "-T2", "--block-size=100", small), 0, 0, 0, 0)
		two = append(two, xzCmd(f, nil, small)...)
		f.Add(append(two, xzCmd(f, text[:200], "--check=crc32", small)...))
	}
	const limit = 4 << 20
	f.Fuzz(func(t *testing.T, b []byte) {
		want, werr := io.ReadAll(io.LimitReader(xzOrErr(xz.NewReader(bytes.NewReader(b), 1<<20)), limit+1))
		for _, cfg := range []struct {
			workers int
			caps    int64
		}{{1, 0}, {2, 1 << 20}, {3, 300}} {
			z, err := newXzReader(bytes.NewReader(b), 1<<20, cfg.workers)
			var got []byte
			if err == nil {
				if cfg.caps > 0 {
					z.(*xzParReader).maxComp, z.(*xzParReader).maxUnc = cfg.caps, cfg.caps
				}
				got, err = io.ReadAll(io.LimitReader(z, limit+1))
				z.Close()
			}
			var xe *xzError
			if err != nil && !errors.As(err, &xe) {
				t.Fatalf("%+v: %v is not an *xzError", cfg, err)
			}
			if len(want) > limit || len(got) > limit {
				continue
			}
			if (err == nil) != (werr == nil) {
				t.Fatalf("%+v: error %v, xi2/xz's %v", cfg, err, werr)
			}
			if err == nil && !bytes.Equal(got, want) {
				t.Fatalf("%+v: output differs from xi2/xz's", cfg)
			}
		}
	})
}

// BenchmarkXzReader decodes the file named by $CANDOR_BENCH_XZ with xi2/xz
// and with newXzReader.
func BenchmarkXzReader(b *testing.B) {
	name := os.Getenv("CANDOR_BENCH_XZ")
	if name == "" {
		b.Skip("CANDOR_BENCH_XZ names no file")
	}
	in, err := os.ReadFile(name)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		workers int
	}{{"xi2", 0}, {"workers=1", 1}, {"workers=2", 2}, {"workers=4", 4}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				var r io.Reader
				if bc.workers == 0 {
					z, err := xz.NewReader(bytes.NewReader(in), maxXzDict)
					if err != nil {
						b.Fatal(err)
					}
					r = z
				} else {
					z, err := newXzReader(bytes.NewReader(in), maxXzDict, bc.workers)
					if err != nil {
						b.Fatal(err)
					}
					defer z.Close()
					r = z
				}
				n, err := io.Copy(io.Discard, r)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(n)
			}
		})
	}
}
