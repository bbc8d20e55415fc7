package archive_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan/archive"
	"github.com/klauspost/compress/zstd"
)

// fakeELF is the start of an ELF executable (enough for detection), tagged so
// tests can tell members apart.
func fakeELF(tag string) []byte {
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	h[16] = 2 // ET_EXEC
	return append(h, tag...)
}

// file is one tar or zip entry to write.
type file struct {
	name string
	body []byte
	link string // symlink target
	hard string // hard link target
	dir  bool
}

func mkTar(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Mode: 0o755, Size: int64(len(f.body)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		switch {
		case f.dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		case f.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, f.link, 0
		case f.hard != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeLink, f.hard, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mkZip(t testing.TB, files ...file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate}
		body := f.body
		if f.link != "" {
			h.SetMode(0o777 | fs.ModeSymlink)
			body = []byte(f.link)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// noise returns n incompressible (but reproducible) bytes.
func noise(n int) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zst(t testing.TB, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// viaCommand compresses b with a command-line tool (xz, bzip2), skipping the
// test when the tool is missing: Go has no encoder for those formats.
func viaCommand(t testing.TB, tool string, b []byte) []byte {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("no %s command", tool)
	}
	cmd := exec.Command(tool, "-c")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", tool, err)
	}
	return out
}

// mkDeb writes a Debian package: ar with debian-binary, control.tar.gz and data.
func mkDeb(t testing.TB, dataName string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.WriteString("!<arch>\n")
	add := func(name string, b []byte) {
		fmt.Fprintf(&buf, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", name, 0, 0, 0, "100644", len(b))
		buf.Write(b)
		if len(b)%2 == 1 {
			buf.WriteByte('\n')
		}
	}
	add("debian-binary", []byte("2.0\n"))
	add("control.tar.gz", gz(t, mkTar(t, file{name: "./control", body: []byte("Package: x\n")}, file{name: "./postinst", body: []byte("#!/bin/sh\n")})))
	add(dataName, data)
	return buf.Bytes()
}

// walked is what a walk reported.
type walked struct {
	format string
	execs  map[string]string // path -> content tag (after the ELF header)
	layers map[string]string // path -> layer
	links  map[string]string // path -> target
}

// walk walks b twice, as a stream (Walk) and in place (WalkMapped), and
// fails the test when the two walks disagree in anything they report.
func walk(t testing.TB, b []byte, lim archive.Limits) (*walked, error) {
	t.Helper()
	streamed, err := walkWith(b, lim, false)
	inPlace, err2 := walkWith(b, lim, true)
	if fmt.Sprint(err) != fmt.Sprint(err2) {
		t.Errorf("Walk and WalkMapped disagree:\n  Walk:       %v\n  WalkMapped: %v", err, err2)
	}
	if err == nil && err2 == nil && !reflect.DeepEqual(streamed, inPlace) {
		t.Errorf("Walk and WalkMapped disagree:\n  Walk:       %+v\n  WalkMapped: %+v", streamed, inPlace)
	}
	return streamed, err
}

func walkWith(b []byte, lim archive.Limits, mapped bool) (*walked, error) {
	w := &walked{execs: map[string]string{}, layers: map[string]string{}, links: map[string]string{}}
	visit := func(e *archive.Entry) error {
		switch e.Kind {
		case archive.Executable:
			c, err := io.ReadAll(e.Content)
			if err != nil {
				return err
			}
			if e.Data != nil && !bytes.Equal(e.Data, c) {
				return fmt.Errorf("%s: Entry.Data and Entry.Content differ", e.Path)
			}
			w.execs[e.Path] = string(c[min(64, len(c)):])
			if e.Layer != "" {
				w.layers[e.Path] = e.Layer
			}
		case archive.Symlink:
			w.links[e.Path] = e.Target
		}
		return nil
	}
	var f string
	var err error
	if mapped {
		f, err = archive.WalkMapped(context.Background(), b, &archive.Options{Limits: lim}, visit)
	} else {
		f, err = archive.Walk(context.Background(), bytes.NewReader(b), int64(len(b)), &archive.Options{Limits: lim}, visit)
	}
	w.format = f
	return w, err
}

func (w *walked) paths() string {
	var ps []string
	for p := range w.execs {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return strings.Join(ps, " ")
}

func digest(b []byte) string {
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// ociImage builds the files of an OCI image layout holding one image with
// the given layers (tar bytes, gzipped here when gzipLayers).
func ociImage(t testing.TB, layers [][]byte, gzipLayers bool) []file {
	t.Helper()
	var files []file
	var descs []map[string]any
	for _, l := range layers {
		mt := "application/vnd.oci.image.layer.v1.tar"
		if gzipLayers {
			l = gz(t, l)
			mt += "+gzip"
		}
		d := digest(l)
		files = append(files, file{name: "blobs/sha256/" + d[7:], body: l})
		descs = append(descs, map[string]any{"mediaType": mt, "digest": d, "size": len(l)})
	}
	config := []byte(`{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}`)
	cd := digest(config)
	files = append(files, file{name: "blobs/sha256/" + cd[7:], body: config})
	manifest, _ := json.Marshal(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
		"layers": descs,
	})
	md := digest(manifest)
	files = append(files, file{name: "blobs/sha256/" + md[7:], body: manifest})
	index, _ := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"manifests":     []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": len(manifest)}},
	})
	files = append([]file{{name: "oci-layout", body: []byte(`{"imageLayoutVersion":"1.0.0"}`)}}, files...)
	return append(files, file{name: "index.json", body: index})
}

// dockerSave builds a legacy docker save tarball (id/layer.tar, manifest.json last).
func dockerSave(t testing.TB, layers [][]byte) []file {
	t.Helper()
	var files []file
	var names []string
	for i, l := range layers {
		id := fmt.Sprintf("%064x", i+1)
		files = append(files, file{name: id + "/", dir: true}, file{name: id + "/VERSION", body: []byte("1.0")}, file{name: id + "/layer.tar", body: l})
		names = append(names, id+"/layer.tar")
	}
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	cd := digest(config)[7:]
	files = append(files, file{name: cd + ".json", body: config})
	manifest, _ := json.Marshal([]map[string]any{{"Config": cd + ".json", "RepoTags": []string{"example/app:1"}, "Layers": names}})
	return append(files, file{name: "manifest.json", body: manifest})
}
