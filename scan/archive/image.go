package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"sort"
	"strings"
)

var (
	// errNotImage: a tar with image-like names has no manifest; read it as a plain tar.
	errNotImage = errors.New("not an image")
	errNotLayer = errors.New("not a tar layer")
)

// maxMeta bounds one metadata file (index, manifest, config) held in memory.
const maxMeta = 4 << 20

// maxMetaTotal bounds all metadata files of one image archive together.
const maxMetaTotal = 64 << 20

// want is an entry the second pass reads: an entry ordinal of a layer blob,
// for one image.
type want struct {
	image int
	layer string // digest
	path  string
	typ   entType
}

// image walks an image archive in two passes over src and returns its format.
// format, when given, overrides the detected one (a layout directory).
func (w *walker) image(src blobSource, format string, depth int, prefix string) (string, error) {
	meta := map[string][]byte{}
	listings := map[string][]layerEntry{}
	digests := map[string]string{}
	var metaTotal int64
	sp := newSpools(w.c.lim.MaxMemberBytes)
	defer sp.close()
	// Pass 1: metadata into memory, layers listed (compressed ones also
	// spooled), blobs hashed.
	err := src.each(func(name string, size int64, r io.Reader) error {
		var h hash.Hash
		var inPlace <-chan hashResult
		if strings.HasPrefix(name, "blobs/sha256/") || !strings.HasPrefix(name, "blobs/") {
			if sr, ok := r.(*sliceReader); ok {
				// Hash the blob in place, beside the listing.
				inPlace = hashAsync(sr.b[sr.pos:])
			} else {
				h = sha256.New()
				r = io.TeeReader(r, h)
			}
		}
		br, head, err := peek(r)
		if err != nil {
			return err
		}
		switch k := detect(head); {
		case k == kindTar || compressionName[k] != "":
			es, err := w.listLayer(br, join(prefix, name), func() io.Writer {
				if s := sp.start(name); s != nil {
					return s
				}
				return nil
			})
			if err != nil {
				return err
			}
			listings[name] = es
			// A spool is worth its disk only for a layer with something to read again.
			sp.keep(name, slices.ContainsFunc(es, func(e layerEntry) bool { return e.typ == entExec || e.typ == entArchive }))
		case size <= maxMeta && metaTotal+size <= maxMetaTotal && looksJSON(head, name):
			b, err := readAllBounded(br, size, maxMeta, join(prefix, name))
			if err != nil {
				return err
			}
			meta[name] = b
			metaTotal += int64(len(b))
		}
		var sum string
		switch {
		case inPlace != nil:
			res := <-inPlace
			if res.err != nil {
				return res.err
			}
			sum = res.sum
		case h != nil:
			if _, err := io.Copy(io.Discard, br); err != nil {
				return err
			}
			sum = hex.EncodeToString(h.Sum(nil))
		default:
			return nil
		}
		if want, ok := strings.CutPrefix(name, "blobs/sha256/"); ok && want != sum {
			return fmt.Errorf("%w: %s: content has digest sha256:%s, not the one its name says", ErrMalformed, join(prefix, name), sum)
		}
		digests[name] = "sha256:" + sum
		return nil
	})
	if err != nil {
		return "", err
	}
	images, detected, err := parseImages(meta)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrMalformed, orTop(prefix), err)
	}
	if images == nil {
		return "", errNotImage
	}
	if w.manifest != "" && depth == 1 && (len(images) != 1 || images[0].manifest != w.manifest) {
		return "", fmt.Errorf("%w: index.json does not name the one image %s alone (%d image(s))", ErrMalformed, w.manifest, len(images))
	}
	if format == "" {
		format = detected
	}
	wants, err := w.applyLayers(images, listings, digests, prefix)
	if err != nil {
		return "", err
	}
	if len(wants) == 0 {
		return format, nil
	}
	// Pass 2: read the surviving executables and archives.
	err = src.each(func(name string, size int64, r io.Reader) error {
		ws := wants[name]
		if len(ws) == 0 {
			return nil
		}
		if s := sp.reader(name); s != nil {
			r = &countReader{r: s, c: w.c, member: &w.cur}
		}
		return w.readLayer(name, r, ws, images, depth, prefix)
	})
	return format, err
}

func looksJSON(head []byte, name string) bool {
	t := bytes.TrimLeft(head, " \t\r\n")
	return len(t) > 0 && (t[0] == '{' || t[0] == '[') || name == "oci-layout"
}

// imagePrefix is where an image's files are reported: under the archive's own
// path, and under the image's name when the archive holds several.
func imagePrefix(prefix string, images []imageSpec, i int) string {
	if len(images) == 1 {
		return prefix
	}
	return join(prefix, cleanName(images[i].name))
}

// applyLayers applies each image's layers in order, reports the surviving
// links, and returns per layer blob the entries the second pass must read.
func (w *walker) applyLayers(images []imageSpec, listings map[string][]layerEntry, digests map[string]string, prefix string) (map[string]map[int][]want, error) {
	wants := map[string]map[int][]want{}
	for i := range images {
		im := &images[i]
		st := newFSState()
		for li := range im.layers {
			l := &im.layers[li]
			es, ok := listings[l.blob]
			if !ok {
				return nil, fmt.Errorf("%w: %s: layer %s of image %s is missing or not a tar", ErrMalformed, orTop(prefix), l.blob, im.name)
			}
			if l.digest == "" {
				l.digest = digests[l.blob]
			}
			st.apply(li, es)
		}
		ip := imagePrefix(prefix, images, i)
		var links []*Entry
		for li, l := range im.layers {
			for j, e := range listings[l.blob] {
				if !st.survives(e.path, li, j) {
					continue
				}
				switch e.typ {
				case entExec, entArchive:
					if wants[l.blob] == nil {
						wants[l.blob] = map[int][]want{}
					}
					wants[l.blob][j] = append(wants[l.blob][j], want{image: i, layer: l.digest, path: e.path, typ: e.typ})
				case entSymlink:
					links = append(links, &Entry{Kind: Symlink, Path: join(ip, e.path), Target: join(ip, resolveLink(e.path, e.target)), Layer: l.digest})
				case entHardlink:
					links = append(links, &Entry{Kind: Symlink, Path: join(ip, e.path), Target: join(ip, cleanName(e.target)), Layer: l.digest})
				}
			}
		}
		sort.Slice(links, func(a, b int) bool { return links[a].Path < links[b].Path })
		for _, e := range links {
			if err := w.link(e.Path, e.Target, e.Layer); err != nil {
				return nil, err
			}
		}
	}
	return wants, nil
}

// readLayer is the second pass over one layer blob: it hands the wanted
// entries to the visitor, or walks them when they are archives.
func (w *walker) readLayer(name string, r io.Reader, ws map[int][]want, images []imageSpec, depth int, prefix string) error {
	tr, src, closer, err := w.layerTar(r, join(prefix, name))
	if err != nil {
		return err
	}
	defer closer()
	defer func() { w.layer = "" }()
	for j := 0; ; j++ {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return w.fail(join(prefix, name), err)
		}
		list := ws[j]
		if len(list) == 0 {
			continue
		}
		if v, ok := entryView(src, tr, hdr).(*sliceReader); ok {
			// In place: each image sharing the layer gets its own view.
			for _, wt := range list {
				if err := w.readWanted(wt, v.size(), v.view(0, v.size()), images, depth, prefix); err != nil {
					return err
				}
			}
			continue
		}
		if len(list) > 1 {
			// Several images share this layer: read the entry once.
			b, err := readAllBounded(tr, -1, w.c.lim.MaxMemberBytes, join(prefix, list[0].path))
			if err != nil {
				return err
			}
			for _, wt := range list {
				if err := w.readWanted(wt, int64(len(b)), bytes.NewReader(b), images, depth, prefix); err != nil {
					return err
				}
			}
			continue
		}
		if err := w.readWanted(list[0], hdr.Size, tr, images, depth, prefix); err != nil {
			return err
		}
	}
}

// readWanted hands one surviving entry, of size bytes (-1: unknown), to the
// visitor or walks it.
func (w *walker) readWanted(wt want, size int64, r io.Reader, images []imageSpec, depth int, prefix string) error {
	p := join(imagePrefix(prefix, images, wt.image), wt.path)
	w.layer = wt.layer
	if wt.typ == entExec {
		return w.executable(p, size, r)
	}
	_, err := w.member(p, size, r, depth+1)
	return w.fail(p, err)
}
