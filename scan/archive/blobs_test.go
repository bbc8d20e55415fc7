package archive_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan/archive"
)

// memBlobs is a BlobSource over files in memory that records what is opened, in
// which pass, and may change what it serves.
type memBlobs struct {
	files []file
	// sizes overrides the size given for a name.
	sizes map[string]int64
	// serve, when set, may replace a file's content when it is opened (pass counts from 1).
	serve   func(name string, pass int, body []byte) []byte
	openErr error
	pass    int
	opened  map[int][]string
}

func (m *memBlobs) EachBlob(ctx context.Context, fn func(string, int64, func() (io.ReadCloser, error)) error) error {
	m.pass++
	if m.opened == nil {
		m.opened = map[int][]string{}
	}
	pass := m.pass
	for _, f := range m.files {
		size := int64(len(f.body))
		if s, ok := m.sizes[f.name]; ok {
			size = s
		}
		err := fn(f.name, size, func() (io.ReadCloser, error) {
			m.opened[pass] = append(m.opened[pass], f.name)
			if m.openErr != nil && isLayer(f) {
				return nil, m.openErr
			}
			body := f.body
			if m.serve != nil {
				body = m.serve(f.name, pass, body)
			}
			return io.NopCloser(bytes.NewReader(body)), nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// manifestOf returns the manifest digest of an image ociImage built.
func manifestOf(t *testing.T, files []file) string {
	t.Helper()
	for _, f := range files {
		if strings.Contains(string(f.body), `"config":`) {
			return digest(f.body)
		}
	}
	t.Fatal("no manifest")
	return ""
}

func walkBlobs(src archive.BlobSource, manifest string, lim archive.Limits) (*walked, error) {
	w := &walked{execs: map[string]string{}, layers: map[string]string{}, links: map[string]string{}}
	f, err := archive.WalkBlobs(context.Background(), src, manifest, &archive.Options{Limits: lim}, func(e *archive.Entry) error {
		switch e.Kind {
		case archive.Executable:
			c, err := io.ReadAll(e.Content)
			if err != nil {
				return err
			}
			w.execs[e.Path] = string(c[min(64, len(c)):])
			w.layers[e.Path] = e.Layer
		case archive.Symlink:
			w.links[e.Path] = e.Target
		}
		return nil
	})
	w.format = f
	return w, err
}

// isLayer: a blob of ociImage that is no JSON (manifest, config) is a layer.
func isLayer(f file) bool {
	return strings.HasPrefix(f.name, "blobs/") && len(f.body) > 0 && f.body[0] != '{'
}

// layerNames returns the names of the layer blobs among names.
func layerNames(files []file, names []string) []string {
	big := map[string]bool{}
	for _, f := range files {
		if isLayer(f) {
			big[f.name] = true
		}
	}
	var out []string
	for _, n := range names {
		if big[n] {
			out = append(out, n)
		}
	}
	return out
}

// TestWalkBlobs: an image given as blobs reads as the same image in a layout; the second
// pass opens no spooled layer, and re-reads only the layers it needs otherwise.
func TestWalkBlobs(t *testing.T) {
	t.Parallel()
	ls := layers(t)
	for _, c := range []struct {
		name     string
		gzipped  bool
		lim      archive.Limits
		reopened int // layers opened again in the second pass
	}{
		{"gzipped layers, spooled", true, archive.Limits{}, 0},
		// Layers 1 and 2 hold surviving executables; layer 3 does not.
		{"uncompressed layers, read again", false, archive.Limits{}, 2},
		// The first layer's spool is over the budget, the second's fits.
		{"gzipped layers, one over the spool budget, read again", true, archive.Limits{MaxMemberBytes: int64(len(ls[0])) - 1}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := ociImage(t, ls, c.gzipped)
			src := &memBlobs{files: files}
			w, err := walkBlobs(src, manifestOf(t, files), c.lim)
			if err != nil {
				t.Fatal(err)
			}
			if w.format != "oci-image" {
				t.Errorf("format %q", w.format)
			}
			checkImage(t, w, func(i int) string {
				if c.gzipped {
					return digest(gz(t, ls[i-1]))
				}
				return digest(ls[i-1])
			}, "")
			if src.pass != 2 || len(src.opened[1]) != len(files) {
				t.Errorf("%d passes, first opened %d of %d files", src.pass, len(src.opened[1]), len(files))
			}
			if got := layerNames(files, src.opened[2]); len(got) != c.reopened || len(src.opened[2]) != c.reopened {
				t.Errorf("second pass opened %q, want %d layers and nothing else", src.opened[2], c.reopened)
			}
		})
	}
}

// TestWalkBlobsLying: content that is not what its name or size says, a source that
// changes a layer between the passes, an image other than the one named, and names no
// layout holds all fail with ErrMalformed; a source's own error is returned as it is.
func TestWalkBlobsLying(t *testing.T) {
	t.Parallel()
	files := ociImage(t, layers(t), false)
	md := manifestOf(t, files)
	var layer string
	for _, f := range files {
		if isLayer(f) {
			layer = f.name
			break
		}
	}
	flip := func(body []byte) []byte {
		b := append([]byte(nil), body...)
		b[1024+10] ^= 1 // inside bin/a's content, not a header
		return b
	}
	errFetch := errors.New("fetch failed")
	cases := []struct {
		name     string
		src      *memBlobs
		manifest string
		want     error
		text     string
	}{
		{"a layer not matching its digest", &memBlobs{serve: func(n string, _ int, b []byte) []byte {
			if n == layer {
				return flip(b)
			}
			return b
		}}, md, archive.ErrMalformed, "not the one its name says"},
		{"a layer changed for the second pass", &memBlobs{serve: func(n string, pass int, b []byte) []byte {
			if n == layer && pass == 2 {
				return flip(b)
			}
			return b
		}}, md, archive.ErrMalformed, "between the two passes"},
		{"a layer longer than its size", &memBlobs{sizes: map[string]int64{layer: 1024}}, md, archive.ErrMalformed, "more than the 1024 bytes"},
		{"a layer shorter than its size", &memBlobs{sizes: map[string]int64{layer: 1 << 20}}, md, archive.ErrMalformed, "not the 1048576"},
		{"another image than the one named", &memBlobs{}, "sha256:" + strings.Repeat("0", 64), archive.ErrMalformed, "does not name the one image"},
		{"a name no layout holds", &memBlobs{files: append([]file{{name: "../etc/passwd", body: []byte("x")}}, files...)}, md, archive.ErrMalformed, "does not hold"},
		{"a name given twice", &memBlobs{files: append(append([]file{}, files...), files[0])}, md, archive.ErrMalformed, "twice"},
		{"a fetch that fails", &memBlobs{openErr: errFetch}, md, errFetch, "fetch failed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.src.files == nil {
				c.src.files = files
			}
			_, err := walkBlobs(c.src, c.manifest, archive.Limits{})
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("got %v, want %v saying %q", err, c.want, c.text)
			}
			if c.want == errFetch && errors.Is(err, archive.ErrMalformed) {
				t.Errorf("a fetch error is not a malformed archive: %v", err)
			}
		})
	}
}
