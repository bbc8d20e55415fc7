package archive

import (
	"archive/tar"
	"io"
	"path"
	"strings"
)

// entType is what a layer entry is, as far as layer application cares.
type entType uint8

const (
	entDir      entType = iota
	entFile             // a regular file of no interest
	entExec             // an executable
	entArchive          // a nested archive, walked in the second pass
	entSymlink          // target is relative to the link
	entHardlink         // target is relative to the root
	entOther            // device, fifo...: a non-directory
	entWhiteout         // deletes path (and what is below it) from lower layers
	entOpaque           // hides what lower layers have below path (a directory)
)

// layerEntry is one entry of a layer, as listed in the first pass.
type layerEntry struct {
	path   string
	typ    entType
	target string
}

// Whiteout names, from the OCI image-spec (layer.md, "Whiteouts").
const (
	whiteoutPrefix = ".wh."
	opaqueMarker   = ".wh..wh..opq"
)

// listLayer reads one layer (a tar, possibly compressed) and lists its
// entries; regular files are sniffed to find executables and archives.
//
// When spool is given and the layer is compressed, what is decompressed is
// also written to the writer spool returns (if any), whole (see spool.go).
func (w *walker) listLayer(r io.Reader, member string, spool func() io.Writer) (out []layerEntry, err error) {
	tr, src, closer, err := w.layerTar(r, member)
	if err != nil {
		return nil, err
	}
	defer closer()
	if d, ok := src.(*decoded); ok && spool != nil {
		if sw := spool(); sw != nil {
			tee := io.TeeReader(d, sw)
			tr = tar.NewReader(tee)
			defer func() {
				if err == nil {
					// The tar's end and padding too, so the spool reads
					// as the whole layer.
					_, err = io.Copy(io.Discard, tee)
				}
			}()
		}
	}
	for {
		if err := w.ctx.Err(); err != nil {
			return nil, err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, w.fail(member, err)
		}
		p := cleanName(hdr.Name)
		w.cur = join(member, p)
		if err := w.c.addMember(w.cur); err != nil {
			return nil, err
		}
		if p == "" {
			// The root ("./", as dpkg-deb and many image builders write it): listed
			// all the same, as a directory, so that entry ordinals stay those of the
			// tar's headers, which the second pass counts (readLayer).
			out = append(out, layerEntry{typ: entDir})
			continue
		}
		dir, base := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		e := layerEntry{path: p}
		switch {
		case base == opaqueMarker:
			e = layerEntry{path: dir, typ: entOpaque}
		case strings.HasPrefix(base, whiteoutPrefix):
			e = layerEntry{path: path.Join(dir, base[len(whiteoutPrefix):]), typ: entWhiteout}
		default:
			switch hdr.Typeflag {
			case tar.TypeDir:
				e.typ = entDir
			case tar.TypeReg, tar.TypeGNUSparse:
				e.typ = entFile
				if hdr.Size > 0 {
					_, head, err := peek(io.LimitReader(tr, sniffLen))
					if err != nil {
						return nil, w.fail(join(member, p), err)
					}
					switch detect(head) {
					case kindExec:
						e.typ = entExec
					case kindOther:
					default:
						e.typ = entArchive
					}
				}
			case tar.TypeSymlink:
				e.typ, e.target = entSymlink, hdr.Linkname
			case tar.TypeLink:
				e.typ, e.target = entHardlink, hdr.Linkname
			default:
				e.typ = entOther
			}
		}
		out = append(out, e)
	}
}

// layerTar opens a layer blob, decompressing it when needed. It also returns
// the reader the tar is read from, for entryView.
func (w *walker) layerTar(r io.Reader, member string) (*tar.Reader, io.Reader, func(), error) {
	br, head, err := peek(r)
	if err != nil {
		return nil, nil, nil, w.fail(member, err)
	}
	switch k := detect(head); k {
	case kindTar:
		return tar.NewReader(br), br, func() {}, nil
	case kindGzip, kindBzip2, kindXz, kindZstd:
		d, err := w.decoder(k, br, member)
		if err != nil {
			return nil, nil, nil, err
		}
		return tar.NewReader(d), d, d.close, nil
	}
	if len(head) == 0 {
		return tar.NewReader(br), br, func() {}, nil // an empty layer
	}
	return nil, nil, nil, w.fail(member, errNotLayer)
}

// fsState applies layers in order and answers which entries survive.
type fsState struct {
	// last is the last writer of each path: layer index and entry ordinal.
	last map[string]writer
	// cut is, per path, the highest layer that hid what lower layers have below it.
	cut map[string]int
	// del is, per path, the highest layer that whited the path itself out.
	del map[string]int
}

type writer struct {
	layer, ord int
	typ        entType
}

func newFSState() *fsState {
	return &fsState{last: map[string]writer{}, cut: map[string]int{}, del: map[string]int{}}
}

// apply adds layer number li, listed as es.
func (s *fsState) apply(li int, es []layerEntry) {
	for j, e := range es {
		switch e.typ {
		case entWhiteout:
			s.del[e.path] = li
			s.cut[e.path] = li
		case entOpaque:
			s.cut[e.path] = li
		case entDir:
			s.last[e.path] = writer{li, j, e.typ}
		default:
			// A non-directory hides whatever lower layers had below its path.
			s.last[e.path] = writer{li, j, e.typ}
			s.cut[e.path] = li
		}
	}
}

// survives reports whether entry ordinal j of layer li, at p, is in the final filesystem.
func (s *fsState) survives(p string, li, j int) bool {
	if w, ok := s.last[p]; !ok || w.layer != li || w.ord != j {
		return false
	}
	if d, ok := s.del[p]; ok && d > li {
		return false
	}
	for a := parentDir(p); a != ""; a = parentDir(a) {
		if c, ok := s.cut[a]; ok && c > li {
			return false
		}
	}
	return true
}

func parentDir(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}
