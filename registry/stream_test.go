package registry

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/internal/testregistry"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/scan/archive"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The scanner reads a RemoteImage as a BlobSource.
var _ archive.BlobSource = (*RemoteImage)(nil)

// streamImage is an image of two layers holding this test's executable (a real Go
// program): a gzipped one (/app) and an uncompressed one (/opt/tool). It returns the
// image and the uncompressed layer's digest and size.
func streamImage(t testing.TB) (v1.Image, v1.Hash, int64) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	tarOf := func(name string) []byte {
		var b bytes.Buffer
		tw := tar.NewWriter(&b)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(bin)
		tw.Close()
		return b.Bytes()
	}
	app := tarOf("app")
	gzipped, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(app)), nil })
	if err != nil {
		t.Fatal(err)
	}
	plainTar := tarOf("opt/tool")
	plain := static.NewLayer(plainTar, types.OCIUncompressedLayer)
	img, err := mutate.AppendLayers(empty.Image, gzipped, plain)
	if err != nil {
		t.Fatal(err)
	}
	d, err := plain.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return img, d, int64(len(plainTar))
}

// diskUse is the bytes of the files under dir.
func diskUse(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// blobGets counts the GET requests for each blob and, while one is served, looks at
// what the temporary directory holds.
type blobGets struct {
	next http.Handler
	tmp  string
	mu   sync.Mutex
	gets map[string]int
	peak int64
	// flip, when set, is the blob digest and the GET (1-based) whose bytes are changed.
	flip struct {
		digest string
		nth    int
	}
}

func (b *blobGets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i := strings.LastIndex(r.URL.Path, "/blobs/")
	if r.Method != http.MethodGet || i < 0 {
		b.next.ServeHTTP(w, r)
		return
	}
	dg := r.URL.Path[i+len("/blobs/"):]
	b.mu.Lock()
	b.gets[dg]++
	nth := b.gets[dg]
	b.peak = max(b.peak, diskUse(b.tmp))
	flip := b.flip.digest == dg && b.flip.nth == nth
	b.mu.Unlock()
	if !flip {
		b.next.ServeHTTP(w, r)
		return
	}
	rec := &recorder{h: http.Header{}}
	b.next.ServeHTTP(rec, r)
	body := rec.b.Bytes()
	body[len(body)/2] ^= 1
	for k, v := range rec.h {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.code)
	w.Write(body)
}

type recorder struct {
	h    http.Header
	code int
	b    bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) WriteHeader(c int)           { r.code = c }
func (r *recorder) Write(p []byte) (int, error) { return r.b.Write(p) }

// TestScanImageStream: an image scanned straight from the registry has the findings of the
// same image pulled to a layout and scanned there, while the temporary directory holds
// no copy of its layers; the gzipped layer is fetched once (spooled), the uncompressed one
// twice (the second pass reads it again).
func TestScanImageStream(t *testing.T) {
	ctx := context.Background()
	layoutDir := t.TempDir()
	tmp := t.TempDir()
	bg := &blobGets{tmp: tmp, gets: map[string]int{}}
	host := referrersServer(t, func(h http.Handler) http.Handler { bg.next = h; return bg })
	img, plain, plainSize := streamImage(t)
	d, err := testregistry.Push(host+"/vendor/app:v1", img)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}

	t.Setenv("TMPDIR", tmp)
	im, err := OpenImage(ctx, host+"/vendor/app:v1", 0, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if im.Digest != d || !strings.HasSuffix(im.Subject, "@"+d.String()) || im.Size <= plainSize {
		t.Fatalf("OpenImage = %+v", im.Pulled)
	}
	streamed, err := sc.ScanBlobs(ctx, "vendor/app", im.Digest.Hex, im.ManifestSize, im)
	if err != nil {
		t.Fatal(err)
	}
	if bg.peak > 0 || diskUse(tmp) > 0 {
		t.Errorf("the temporary directory held %d bytes during the scan, %d after; want none", bg.peak, diskUse(tmp))
	}
	gzipped, _ := img.Layers()
	gd, _ := gzipped[0].Digest()
	if g, p := bg.gets[gd.String()], bg.gets[plain.String()]; g != 1 || p != 2 {
		t.Errorf("the gzipped layer was fetched %d times (want 1: spooled), the uncompressed one %d (want 2)", g, p)
	}

	if _, err := Pull(ctx, host+"/vendor/app:v1", layoutDir, 0, testOptions()); err != nil {
		t.Fatal(err)
	}
	pulled, err := sc.ScanFile(ctx, layoutDir)
	if err != nil {
		t.Fatal(err)
	}
	// The measure sees a layer copy where there is one.
	if n := diskUse(layoutDir); n < plainSize {
		t.Fatalf("the pulled layout holds %d bytes, less than the uncompressed layer (%d): diskUse is broken", n, plainSize)
	}

	if streamed.Path != "vendor/app" || streamed.SHA256 != d.Hex || streamed.Format != "oci-image" || streamed.Size != im.ManifestSize {
		t.Errorf("streamed artifact %s %s %s %d", streamed.Path, streamed.SHA256, streamed.Format, streamed.Size)
	}
	if len(streamed.Members) != 2 || len(streamed.Members[0].Findings) == 0 {
		t.Fatalf("streamed: %d members, want app and opt/tool with findings", len(streamed.Members))
	}
	a, _ := json.Marshal(streamed.Members)
	b, _ := json.Marshal(pulled.Members)
	if !bytes.Equal(a, b) {
		t.Errorf("the streamed image's members differ from the pulled layout's:\n%s\n%s", a, b)
	}
}

// TestScanImageStreamLying: a layer changed on its first or its second fetch fails the scan,
// as a lie; limits on the layers hold.
func TestScanImageStreamLying(t *testing.T) {
	ctx := context.Background()
	bg := &blobGets{tmp: t.TempDir(), gets: map[string]int{}}
	host := referrersServer(t, func(h http.Handler) http.Handler { bg.next = h; return bg })
	img, plain, _ := streamImage(t)
	if _, err := testregistry.Push(host+"/vendor/app:v1", img); err != nil {
		t.Fatal(err)
	}
	sc, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, nth := range []int{1, 2} {
		bg.mu.Lock()
		bg.gets = map[string]int{}
		bg.flip.digest, bg.flip.nth = plain.String(), nth
		bg.mu.Unlock()
		im, err := OpenImage(ctx, host+"/vendor/app:v1", 0, testOptions())
		if err != nil {
			t.Fatal(err)
		}
		a, err := sc.ScanBlobs(ctx, "vendor/app", im.Digest.Hex, im.ManifestSize, im)
		if a != nil || !errors.Is(err, ErrLying) {
			t.Errorf("layer changed on fetch %d: %v, want a lie", nth, err)
		}
	}

	im, err := OpenImage(ctx, host+"/vendor/app:v1", 0, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenImage(ctx, host+"/vendor/app:v1", im.Size-1, testOptions()); !errors.Is(err, ErrLimit) {
		t.Errorf("over the size limit: %v", err)
	}
	o := testOptions()
	o.Limits.Layers = 1
	if _, err := OpenImage(ctx, host+"/vendor/app:v1", 0, o); !errors.Is(err, ErrLimit) {
		t.Errorf("over the layer limit: %v", err)
	}
	// Another manifest digest than the source's image is refused by the walk.
	if _, err := sc.ScanBlobs(ctx, "vendor/app", strings.Repeat("0", 64), 1, im); !errors.Is(err, scan.ErrMalformed) {
		t.Errorf("another digest: %v", err)
	}
}

// TestOpenImagePlatform: with Platform, the image of an index for that platform.
func TestOpenImagePlatform(t *testing.T) {
	host := referrersServer(t, nil)
	d := fixtureImage(t, host, "vendor/app", "v1")
	d2 := fixtureImageVariant(t, host, "vendor/app", "v2")
	platformIndex(t, host, d, d2)
	o := testOptions()
	o.Platform = "linux/amd64"
	im, err := OpenImage(context.Background(), host+"/vendor/app:multi", 0, o)
	if err != nil {
		t.Fatal(err)
	}
	if im.Digest != d {
		t.Fatalf("--platform linux/amd64 opened %s, want %s", im.Digest, d)
	}
	if _, err := OpenImage(context.Background(), host+"/vendor/app:v1", 0, o); !errors.Is(err, ErrInput) {
		t.Fatalf("--platform on an image, not an index: %v", err)
	}
}

// BenchmarkScanImage scans streamImage from the in-process registry both ways: streamed
// into the scanner, and pulled to a layout first (the layout's bytes reported as
// disk-bytes/op; the stream leaves none).
func BenchmarkScanImage(b *testing.B) {
	ctx := context.Background()
	host := testregistry.Serve(b, testregistry.Handler())
	img, _, _ := streamImage(b)
	if _, err := testregistry.Push(host+"/vendor/app:v1", img); err != nil {
		b.Fatal(err)
	}
	sc, err := scan.New()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stream", func(b *testing.B) {
		for b.Loop() {
			im, err := OpenImage(ctx, host+"/vendor/app:v1", 0, testOptions())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := sc.ScanBlobs(ctx, "vendor/app", im.Digest.Hex, im.ManifestSize, im); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("pull", func(b *testing.B) {
		var disk int64
		for b.Loop() {
			dir := b.TempDir()
			if _, err := Pull(ctx, host+"/vendor/app:v1", dir, 0, testOptions()); err != nil {
				b.Fatal(err)
			}
			if _, err := sc.ScanFile(ctx, dir); err != nil {
				b.Fatal(err)
			}
			disk = diskUse(dir)
			os.RemoveAll(dir)
		}
		b.ReportMetric(float64(disk), "disk-bytes/op")
	})
}
