package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/scan/archive"
)

// MaxFileSize bounds the size of one artifact (4 GiB); larger inputs are refused with [ErrMalformed].
const MaxFileSize = 4 << 30

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
		return s.scanContainer(ctx, path, nil, 0, nil, tr)
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
		return s.scanContainer(ctx, path, f, size, nil, tr)
	}
	if size > MaxFileSize {
		return nil, fmt.Errorf("%w: %s: %d bytes is over the %d byte limit", ErrMalformed, path, size, int64(MaxFileSize))
	}
	// Mapped when large: the hasher and the parsers share one copy of the bytes.
	m, err := fileio.Load(f, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	defer m.Close()
	a, err := s.scanBytes(ctx, path, m.Bytes(), m)
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
	return s.scanBytes(ctx, name, data, nil)
}

// hashAlgs are the digests a scan computes: SHA-256, and SHA-512 when with512.
func hashAlgs(with512 bool) []fileio.Alg {
	if with512 {
		return []fileio.Alg{fileio.SHA256, fileio.SHA512}
	}
	return []fileio.Alg{fileio.SHA256}
}

// scanBytes hashes and analyses data, which is part of m, or on the heap when m is nil.
// When m is a file mapping, the hasher hands each step back to the kernel once hashed
// ([fileio.Mapping.Hash]): the pages stay in the page cache, the analysis faults back in
// the few it needs, and peak memory stays near the size of the tables and data sections
// instead of the whole file.
func (s *Scanner) scanBytes(ctx context.Context, name string, data []byte, m *fileio.Mapping) (art *Artifact, err error) {
	type digests struct {
		sha256, sha512 string
		err            error
	}
	done := make(chan digests, 1)
	go func() {
		// A file truncated under the mapping faults: reported, not a crash.
		sums, err := m.Hash(data, hashAlgs(s.sha512)...)
		if err != nil {
			err = fmt.Errorf("%w: %s: %w", ErrInput, name, err)
		}
		done <- digests{sha256: sums[fileio.SHA256], sha512: sums[fileio.SHA512], err: err}
	}()
	art, err = s.analyse(ctx, name, data, m.Release)
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
// guaranteed panic-free on crafted files. release gives back parts of data the
// analysis has done with (see [fileio.Mapping.Release]).
func (s *Scanner) analyse(ctx context.Context, name string, data []byte, release func([]byte)) (art *Artifact, err error) {
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
	facts := extractFacts(ctx, bin, s.rules, release)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	art = &Artifact{Path: name}
	facts.fill(art)
	art.Findings = s.rules.evaluate(facts)
	return art, nil
}
