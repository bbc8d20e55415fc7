package archive

import (
	"archive/tar"
	"io"
	"io/fs"
	"path/filepath"
	"sort"

	"github.com/candor-dev/candor/internal/fileio"
)

// blobSource is where an image's files are: a tar (read again for each pass)
// or a directory.
type blobSource interface {
	// each calls fn for every regular file, in a fixed order, with its cleaned
	// name, size and content.
	each(fn func(name string, size int64, r io.Reader) error) error
}

// tarSource reads an image from a tar; open returns a fresh stream each time.
type tarSource struct {
	open   func() io.Reader
	w      *walker
	prefix string
	passes int
}

func (s *tarSource) each(fn func(name string, size int64, r io.Reader) error) error {
	s.passes++
	stream := s.open()
	tr := tar.NewReader(stream)
	last := ""
	for {
		if err := s.w.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			where := s.prefix
			if last != "" {
				where = join(s.prefix, last) + " (the entry after it)"
			}
			return s.w.fail(where, err)
		}
		name := cleanName(hdr.Name)
		last = name
		s.w.cur = join(s.prefix, name)
		if s.passes == 1 {
			if err := s.w.c.addMember(join(s.prefix, name)); err != nil {
				return err
			}
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		if err := fn(name, hdr.Size, entryView(stream, tr, hdr)); err != nil {
			return s.w.fail(join(s.prefix, name), err)
		}
	}
}

// dirSource reads an OCI image layout directory. Symbolic links are skipped,
// never followed.
type dirSource struct {
	root  string
	w     *walker
	names []string
}

func (s *dirSource) each(fn func(name string, size int64, r io.Reader) error) error {
	if s.names == nil {
		err := filepath.WalkDir(s.root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if err := s.w.ctx.Err(); err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(s.root, p)
			if err != nil {
				return err
			}
			name := filepath.ToSlash(rel)
			if err := s.w.c.addMember(name); err != nil {
				return err
			}
			s.names = append(s.names, name)
			return nil
		})
		if err != nil {
			return err
		}
		sort.Strings(s.names)
	}
	for _, name := range s.names {
		if err := s.w.ctx.Err(); err != nil {
			return err
		}
		if err := s.file(name, fn); err != nil {
			return err
		}
	}
	return nil
}

func (s *dirSource) file(name string, fn func(string, int64, io.Reader) error) error {
	// The listing saw a regular file; the descriptor must say so too, in case the
	// file was replaced since (by a FIFO, which would block the walk).
	f, fi, err := fileio.OpenRegular(filepath.Join(s.root, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	defer f.Close()
	s.w.cur = name
	if err := fn(name, fi.Size(), &countReader{r: f, c: s.w.c, member: &s.w.cur}); err != nil {
		return s.w.fail(name, err)
	}
	return nil
}
