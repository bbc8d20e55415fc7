package scan

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/candor-dev/candor/internal/digest"
	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/scan/archive"
)

// MaxFileSize bounds the size of one artifact (4 GiB); larger inputs are refused with [ErrMalformed].
const MaxFileSize = 4 << 30

func readWhole(f *os.File, size int64) ([]byte, func() error, error) {
	b := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(f, 0, size), b); err != nil {
		return nil, nil, err
	}
	return b, func() error { return nil }, nil
}

// ScanFile scans the file at path. The returned artifact's Path is path as given.
//
// An executable is analysed directly. An archive, Debian package or container
// image (detected by content: tar, compressed tar, zip, deb, docker save or OCI
// layout tarballs, or a directory holding an OCI layout) becomes an artifact
// whose Members are its executables, analysed in parallel; see package
// [archive] for the formats and limits. Anything else is [ErrUnsupported].
func (s *Scanner) ScanFile(ctx context.Context, path string) (*Artifact, error) {
	return s.scanPath(ctx, path, nil)
}

func (s *Scanner) scanPath(ctx context.Context, path string, tr *tracker) (*Artifact, error) {
	// A directory may be an OCI layout, whose files the walk opens one by one; anything
	// else must be a regular file, as its descriptor says: a FIFO would block the scan, a
	// device never end.
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, "oci-layout")); err != nil {
			return nil, fmt.Errorf("%w: %s: not a regular file, nor a directory holding an OCI image layout (it has no oci-layout file)", ErrInput, path)
		}
		return s.scanContainer(ctx, path, nil, 0, tr)
	}
	f, fi, err := fileio.OpenRegular(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %w", ErrInput, fileio.Reworded(path+": no such file", err))
		}
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	size := fi.Size()
	head := make([]byte, min(size, 4096))
	if _, err := io.ReadFull(f, head); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	if archive.Format(head) != "" {
		return s.scanContainer(ctx, path, f, size, tr)
	}
	if size > MaxFileSize {
		return nil, fmt.Errorf("%w: %s: %d bytes is over the %d byte limit", ErrMalformed, path, size, int64(MaxFileSize))
	}
	data, unmap, mapped, err := mapFile(f, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	defer unmap()
	a, err := s.scanBytes(ctx, path, data, mapped)
	if err == nil {
		tr.member()
		tr.add(size)
	}
	return a, err
}

// ScanReaderAt scans size bytes of r, reported under name. The bytes are read
// into memory once; use [Scanner.ScanFile] for files, which maps them instead.
func (s *Scanner) ScanReaderAt(ctx context.Context, name string, r io.ReaderAt, size int64) (*Artifact, error) {
	if size < 0 || size > MaxFileSize {
		return nil, fmt.Errorf("%w: %s: size %d outside 0..%d", ErrMalformed, name, size, int64(MaxFileSize))
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(io.NewSectionReader(r, 0, size), b); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
	}
	return s.ScanBytes(ctx, name, b)
}

// ScanBytes scans an artifact held in memory. data is not modified or retained.
//
// Hashing and analysis run concurrently: the digest needs every byte, the
// analysis only the headers, tables and data sections, so on two cores the
// scan costs about as much as the hash alone.
func (s *Scanner) ScanBytes(ctx context.Context, name string, data []byte) (*Artifact, error) {
	return s.scanBytes(ctx, name, data, false)
}

// hashChunk is how much the hasher reads before releasing mapped pages.
const hashChunk = 8 << 20

// hashData returns the hex SHA-256 of data, and its SHA-512 when with512.
// When data is a file mapping (mapped), each hashed chunk's pages are handed
// back to the kernel.
func hashData(data []byte, with512, mapped bool) (sum256, sum512 string) {
	h := sha256.New()
	var h5 hash.Hash
	if with512 {
		h5 = sha512.New()
	}
	for off := 0; off < len(data); off += hashChunk {
		chunk := data[off:min(off+hashChunk, len(data))]
		digest.Write(h, chunk)
		if h5 != nil {
			digest.Write(h5, chunk)
		}
		if mapped {
			release(chunk)
		}
	}
	sum256 = hex.EncodeToString(h.Sum(nil))
	if h5 != nil {
		sum512 = hex.EncodeToString(h5.Sum(nil))
	}
	return sum256, sum512
}

// scanBytes hashes and analyses data. When data is a file mapping (mapped), the
// hasher hands each chunk back to the kernel once hashed: the pages stay in the
// page cache, the analysis faults back in the few it needs, and peak memory stays
// near the size of the tables and data sections instead of the whole file.
func (s *Scanner) scanBytes(ctx context.Context, name string, data []byte, mapped bool) (art *Artifact, err error) {
	type digests struct {
		sha256, sha512 string
		err            error
	}
	done := make(chan digests, 1)
	go func() {
		var d digests
		defer func() {
			if r := recover(); r != nil {
				d.err = fmt.Errorf("%w: %s: reading failed: %v", ErrInput, name, r)
			}
			done <- d
		}()
		debug.SetPanicOnFault(true) // a file truncated under the mapping faults; report it instead of crashing
		d.sha256, d.sha512 = hashData(data, s.sha512, mapped)
	}()
	art, err = s.analyse(ctx, name, data)
	d := <-done
	if err != nil {
		return nil, err
	}
	if d.err != nil {
		return nil, d.err
	}
	art.Size = int64(len(data))
	art.SHA256 = d.sha256
	art.SHA512 = d.sha512
	return art, nil
}

// analyse runs the parsers and rules, turning any panic from a parser on hostile
// input into ErrMalformed: the standard library's debug/* packages are not
// guaranteed panic-free on crafted files.
func (s *Scanner) analyse(ctx context.Context, name string, data []byte) (art *Artifact, err error) {
	defer func() {
		if r := recover(); r != nil {
			art, err = nil, fmt.Errorf("%w: %s: parser failed on malformed input: %v", ErrMalformed, name, r)
		}
	}()
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	bin, err := openBinary(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	facts := extractFacts(ctx, bin, s.rules)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	art = &Artifact{Path: name}
	facts.fill(art)
	art.Findings = s.rules.evaluate(facts)
	return art, nil
}
