package archive

import (
	"io"
	"os"
	"runtime"
)

// An image is read in two passes, so a compressed layer used to be
// decompressed twice. Instead, the first pass now copies what it decompresses
// to a temporary file (a spool), and the second reads the layer's wanted
// entries from there, skipping the rest by seeking. The spools of one image
// share a budget of Limits.MaxMemberBytes; a layer that does not fit, or any
// trouble writing, just drops its spool and the layer is decompressed again,
// as before. Nothing depends on a spool but speed.

// spools holds the usable spools of one image, by layer blob name.
type spools struct {
	budget int64
	files  map[string]*spool
}

type spool struct {
	f      *os.File
	n      int64
	failed bool
	owner  *spools
}

func newSpools(budget int64) *spools {
	return &spools{budget: budget, files: map[string]*spool{}}
}

// start opens a spool for the layer blob name; nil when none can be had.
func (s *spools) start(name string) *spool {
	if s.budget <= 0 {
		return nil
	}
	f, err := createTemp("candor-layer-*.tar")
	if err != nil {
		return nil
	}
	sp := &spool{f: f, owner: s}
	s.files[name] = sp
	return sp
}

// Write copies p to the spool while it fits the budget. It never fails: a
// spool that cannot take p is dropped, and the listing goes on.
func (sp *spool) Write(p []byte) (int, error) {
	if sp.failed {
		return len(p), nil
	}
	if int64(len(p)) > sp.owner.budget {
		sp.drop()
		return len(p), nil
	}
	if _, err := sp.f.Write(p); err != nil {
		sp.drop()
		return len(p), nil
	}
	sp.n += int64(len(p))
	sp.owner.budget -= int64(len(p))
	return len(p), nil
}

// drop gives the spool's space back and removes its file.
func (sp *spool) drop() {
	if sp.failed {
		return
	}
	sp.failed = true
	sp.owner.budget += sp.n
	sp.f.Close()
	os.Remove(sp.f.Name())
}

// reader returns a fresh reader of the spooled layer, or nil.
func (s *spools) reader(name string) io.Reader {
	sp := s.files[name]
	if sp == nil || sp.failed {
		return nil
	}
	return io.NewSectionReader(sp.f, 0, sp.n)
}

// keep drops the spool of name unless keep is true.
func (s *spools) keep(name string, keep bool) {
	if sp := s.files[name]; sp != nil && !keep {
		sp.drop()
	}
}

// close removes every spool.
func (s *spools) close() {
	for _, sp := range s.files {
		sp.drop()
	}
}

// createTemp creates a temporary file that no one else can open. Where the
// system allows it (not Windows) its name is removed at once, so it is gone
// with the process even if the process is killed.
func createTemp(pattern string) (*os.File, error) {
	f, err := os.CreateTemp("", pattern)
	if err == nil && runtime.GOOS != "windows" {
		os.Remove(f.Name())
	}
	return f, err
}
