package scan

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"sync"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/scan/archive"
)

// An archive, package or image is one artifact (an attestation's subject)
// whose executables are its Members. The container artifact has no findings
// of its own: every finding belongs to the member it was found in, and a
// report or attestation reads them there.

// memberJob is one executable read into memory, waiting for a worker.
type memberJob struct {
	seq      int
	path     string
	layer    string
	data     []byte
	reserved int64
	// m is the container's file mapping when data is part of it; nil when data is on
	// the heap.
	m *fileio.Mapping
}

// memberResult is what a worker learned about one member.
type memberResult struct {
	art    *Artifact
	soname string
}

// scanContainer scans the archive, package or image at name: a regular file
// (f, size), an OCI layout directory (f nil) or, when blobs is set, the image
// it holds. Members are read one at a time by the walk and analysed in
// parallel; their order in the report is by path.
func (s *Scanner) scanContainer(ctx context.Context, name string, f *os.File, size int64, blobs *blobImage, tr *tracker) (*Artifact, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	// A file is mapped when it can be: uncompressed members are then
	// analysed and hashed in place, and nothing is copied.
	var data []byte
	var cm *fileio.Mapping
	if f != nil && size <= MaxFileSize {
		if m, err := fileio.Map(f, size); err == nil && m.Mapped() {
			cm, data = m, m.Bytes()
			defer m.Close() // after the workers and the hasher, which return first
		}
	}
	mapped := cm != nil

	var (
		mu      sync.Mutex
		results []memberResult
		links   = map[string]string{}
	)
	jobs := make(chan memberJob)
	var wg sync.WaitGroup
	for range s.workers {
		wg.Go(func() {
			for j := range jobs {
				r, err := s.scanMemberGuarded(ctx, j)
				s.budget.release(j.reserved)
				if err != nil {
					cancel(err)
					continue
				}
				tr.member()
				mu.Lock()
				results[j.seq] = r
				mu.Unlock()
			}
		})
	}

	visit := func(e *archive.Entry) error {
		switch e.Kind {
		case archive.Symlink:
			links[e.Path] = e.Target
			return nil
		case archive.Executable:
			if e.Data != nil && mapped {
				// In the mapping: nothing to read, nothing on the heap.
				return s.sendJob(ctx, jobs, &mu, &results, memberJob{path: e.Path, layer: e.Layer, data: e.Data, m: cm})
			}
			// Reserve the declared size before reading; a member of unknown
			// size is reserved once read (never while holding a reservation,
			// so scans sharing the budget cannot wait on each other).
			var reserved int64
			if e.Size >= 0 {
				n, err := s.budget.acquire(ctx, e.Size)
				if err != nil {
					return context.Cause(ctx)
				}
				reserved = n
			}
			data, err := readMember(e.Content, e.Size)
			if err != nil {
				s.budget.release(reserved)
				return err
			}
			if e.Size < 0 {
				n, err := s.budget.acquire(ctx, int64(len(data)))
				if err != nil {
					return context.Cause(ctx)
				}
				reserved = n
			}
			return s.sendJob(ctx, jobs, &mu, &results, memberJob{path: e.Path, layer: e.Layer, data: data, reserved: reserved})
		}
		return nil
	}

	art := &Artifact{Path: name, Modules: []Module{}, Findings: []Finding{}}
	var digests chan fileDigests
	opts := &archive.Options{Limits: s.limits}
	var format string
	var werr error
	switch {
	case blobs != nil:
		var last int64
		opts.Progress = func(read int64) { tr.add(read - last); last = read }
		format, werr = archive.WalkBlobs(ctx, blobs.src, "sha256:"+blobs.sha256, opts, visit)
	case f == nil:
		format, werr = archive.WalkFile(ctx, name, opts, visit)
	case mapped:
		art.Size = size
		digests = make(chan fileDigests, 1)
		go func() { digests <- s.hashBytes(name, cm) }()
		var last int64
		opts.Progress = func(read int64) { tr.add(read - last); last = read }
		format, werr = archive.WalkMapped(ctx, data, opts, visit)
	default:
		art.Size = size
		digests = make(chan fileDigests, 1)
		go func() { digests <- s.hashFile(f, size) }()
		var last int64
		opts.Progress = func(read int64) { tr.add(read - last); last = read }
		format, werr = archive.Walk(ctx, f, size, opts, visit)
	}
	close(jobs)
	wg.Wait()
	if cause := context.Cause(ctx); werr == nil && cause != nil {
		werr = cause
	}
	if werr == nil && ctx.Err() != nil {
		werr = ctx.Err()
	}
	if digests != nil {
		d := <-digests
		if werr == nil && d.err != nil {
			werr = d.err
		}
		art.SHA256, art.SHA512 = d.sha256, d.sha512
	}
	if werr != nil {
		return nil, containerError(name, werr)
	}
	switch {
	case blobs != nil:
		art.SHA256, art.Size = blobs.sha256, blobs.size
	case f == nil:
		if err := s.layoutDigest(art, name); err != nil {
			return nil, err
		}
	}
	art.Format = format
	members := make([]Artifact, 0, len(results))
	sonames := map[int]string{}
	for _, r := range results {
		if r.art == nil {
			continue
		}
		if r.soname != "" {
			sonames[len(members)] = r.soname
		}
		members = append(members, *r.art)
	}
	order := make([]int, len(members))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool {
		ma, mb := &members[order[a]], &members[order[b]]
		if ma.Path != mb.Path {
			return ma.Path < mb.Path
		}
		return ma.Layer < mb.Layer
	})
	sorted := make([]Artifact, len(members))
	sortedSonames := map[int]string{}
	for i, j := range order {
		sorted[i] = members[j]
		if so, ok := sonames[j]; ok {
			sortedSonames[i] = so
		}
	}
	attributeLibraries(sorted, sortedSonames, links)
	if len(sorted) > 0 {
		art.Members = sorted
	}
	return art, nil
}

// sendJob numbers a member and hands it to a worker.
func (s *Scanner) sendJob(ctx context.Context, jobs chan<- memberJob, mu *sync.Mutex, results *[]memberResult, j memberJob) error {
	mu.Lock()
	j.seq = len(*results)
	*results = append(*results, memberResult{})
	mu.Unlock()
	select {
	case jobs <- j:
		return nil
	case <-ctx.Done():
		s.budget.release(j.reserved)
		return context.Cause(ctx)
	}
}

// scanMemberGuarded is scanMember, with a fault reading a mapped member (the
// file truncated during the scan) reported as an error instead of a crash.
func (s *Scanner) scanMemberGuarded(ctx context.Context, j memberJob) (r memberResult, err error) {
	if j.m == nil {
		return s.scanMember(ctx, j)
	}
	defer func() {
		if p := recover(); p != nil {
			r, err = memberResult{}, fmt.Errorf("%w: %s: reading failed (was the file changed during the scan?): %v", ErrInput, j.path, p)
		}
	}()
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	return s.scanMember(ctx, j)
}

// containerError turns a walk's error into the scanner's error families:
// limits and broken archives are ErrMalformed (and still match archive.ErrLimit
// or archive.ErrMalformed), unreadable files ErrInput.
func containerError(name string, err error) error {
	switch {
	case errors.Is(err, ErrInput), errors.Is(err, ErrMalformed), errors.Is(err, ErrUnsupported),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, archive.ErrLimit), errors.Is(err, archive.ErrMalformed):
		return fmt.Errorf("%w: %s: %w", ErrMalformed, name, err)
	case errors.Is(err, archive.ErrUnsupported):
		return fmt.Errorf("%w: %s: %w", ErrUnsupported, name, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrInput, name, err)
}

// readMember reads an archive member into memory; size is a hint (-1 unknown). It reads
// a decompressed stream, not a file: the walk's limits (archive.Limits) bound it, and the
// memory budget reserved the size before it is read, so it is not fileio's bounded read.
func readMember(r io.Reader, size int64) ([]byte, error) {
	capacity := max(size, 0) + 1
	if capacity > 256<<20 {
		capacity = 256 << 20
	}
	buf := make([]byte, 0, capacity)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// scanMember analyses one member. A member that looked like an executable but
// cannot be parsed is reported with an analysis.obfuscated finding rather than
// failing the whole archive: it cannot be attested clean, and a person should
// look at it.
func (s *Scanner) scanMember(ctx context.Context, j memberJob) (memberResult, error) {
	art, err := s.scanBytes(ctx, j.path, j.data, j.m)
	if err != nil {
		if ctx.Err() != nil {
			return memberResult{}, context.Cause(ctx)
		}
		if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
			return memberResult{}, err
		}
		art = unreadableMember(j.path, j.data, s.sha512, err)
	}
	art.Layer = j.layer
	return memberResult{art: art, soname: soname(j.data)}, nil
}

func unreadableMember(path string, data []byte, with512 bool, err error) *Artifact {
	a := &Artifact{Path: path, Size: int64(len(data)), Format: "unknown", Modules: []Module{}}
	d := fileio.HashBytes(data, hashAlgs(with512)...)
	a.SHA256, a.SHA512 = d[fileio.SHA256], d[fileio.SHA512]
	ev := []Evidence{{Kind: EvidenceFormat, Value: err.Error(), Where: "executable header"}}
	a.Findings = []Finding{newFinding("analysis.unreadable", AnalysisObscured, CommitmentAll,
		"member looks like an executable but cannot be parsed: its capabilities cannot be determined, so it cannot be attested clean", "", ev, 1)}
	return a
}

type fileDigests struct {
	sha256, sha512 string
	err            error
}

// hashFile hashes size bytes of f with one sequential read, beside the walk
// (which reads the same pages, from the page cache).
func (s *Scanner) hashFile(f *os.File, size int64) fileDigests {
	d, err := fileio.HashReader(io.NewSectionReader(f, 0, size), hashAlgs(s.sha512)...)
	if err != nil {
		return fileDigests{err: fmt.Errorf("%w: %s: %w", ErrInput, f.Name(), err)}
	}
	return fileDigests{sha256: d[fileio.SHA256], sha512: d[fileio.SHA512]}
}

// hashBytes hashes the container's mapping m, handing each hashed step back to the
// kernel (the walk and the workers fault back in what they still need).
func (s *Scanner) hashBytes(name string, m *fileio.Mapping) fileDigests {
	d, err := m.Hash(m.Bytes(), hashAlgs(s.sha512)...)
	if err != nil {
		return fileDigests{err: fmt.Errorf("%w: %s: %w", ErrInput, name, err)}
	}
	return fileDigests{sha256: d[fileio.SHA256], sha512: d[fileio.SHA512]}
}

// maxLayoutIndex bounds an OCI layout's index.json, as the walk bounds every metadata file.
const maxLayoutIndex = 4 << 20

// layoutDigest gives an OCI layout directory its identity: the digests of its
// index.json. The index names every manifest by digest, the manifests name
// their layers by digest, and the walk verifies each blob against its name, so
// this digest pins the whole image. Size is the index's size.
func (s *Scanner) layoutDigest(a *Artifact, dir string) error {
	b, err := fileio.ReadFile(filepath.Join(dir, "index.json"), maxLayoutIndex)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInput, dir, err)
	}
	d := fileio.HashBytes(b, hashAlgs(s.sha512)...)
	a.SHA256, a.SHA512 = d[fileio.SHA256], d[fileio.SHA512]
	a.Size = int64(len(b))
	return nil
}
