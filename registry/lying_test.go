package registry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// liar is a registry in front of the honest one: when rewrite is set it gets the honest
// answer to each request and may change it.
type liar struct {
	next    http.Handler
	rewrite func(r *http.Request, status int, h http.Header, body []byte) (int, []byte, *http.Request)
}

func (l *liar) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if l.rewrite == nil || r.Method != http.MethodGet && r.Method != http.MethodHead {
		l.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	l.next.ServeHTTP(rec, r)
	status, body, other := l.rewrite(r, rec.Code, rec.Header(), rec.Body.Bytes())
	if other != nil { // answer another request instead
		rec = httptest.NewRecorder()
		l.next.ServeHTTP(rec, other)
		status, body = rec.Code, rec.Body.Bytes()
	}
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(status)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// lyingSetup pushes two images and an attestation of the first, behind a liar.
func lyingSetup(t *testing.T) (l *liar, host string, d, d2 v1.Hash, k testKey) {
	t.Helper()
	l = &liar{}
	host = referrersServer(t, func(h http.Handler) http.Handler { l.next = h; return l })
	d = fixtureImage(t, host, "vendor/app", "v1")
	d2 = fixtureImageVariant(t, host, "vendor/app", "v2")
	k = newKey(t)
	o := testOptions()
	o.Legacy = true
	if _, err := Attach(context.Background(), host+"/vendor/app:v1", attestation(t, k, host+"/vendor/app", d), o); err != nil {
		t.Fatal(err)
	}
	return l, host, d, d2, k
}

func wantErr(t *testing.T, res *Result, err error, kind error, text string) {
	t.Helper()
	if res != nil || !errors.Is(err, kind) || !strings.Contains(err.Error(), text) {
		t.Fatalf("Find = %+v, %v; want no result and a %v error saying %q", res, err, kind, text)
	}
}

func TestLyingManifestDigest(t *testing.T) {
	l, host, _, _, _ := lyingSetup(t)
	l.rewrite = func(r *http.Request, status int, h http.Header, body []byte) (int, []byte, *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/manifests/v1") {
			return status, bytes.Replace(body, []byte(`"schemaVersion":2`), []byte(`"schemaVersion": 2`), 1), nil
		}
		return status, body, nil
	}
	res, err := Find(context.Background(), host+"/vendor/app:v1", testOptions())
	wantErr(t, res, err, ErrLying, "registry says")
}

func TestLyingReferrerOfAnotherImage(t *testing.T) {
	l, host, d, d2, _ := lyingSetup(t)
	// The referrers of the second image are answered with those of the first.
	l.rewrite = func(r *http.Request, status int, h http.Header, body []byte) (int, []byte, *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/referrers/"+d2.String()) {
			o := r.Clone(r.Context())
			o.URL.Path = strings.Replace(r.URL.Path, d2.String(), d.String(), 1)
			return 0, nil, o
		}
		return status, body, nil
	}
	res, err := Find(context.Background(), host+"/vendor/app:v2", testOptions())
	wantErr(t, res, err, ErrLying, "has subject "+d.String())
}

func TestLyingBlob(t *testing.T) {
	l, host, _, _, _ := lyingSetup(t)
	l.rewrite = func(r *http.Request, status int, h http.Header, body []byte) (int, []byte, *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/") && bytes.Contains(body, []byte(`"dsseEnvelope"`)) {
			body = bytes.Replace(body, []byte(`"dsseEnvelope"`), []byte(`"dsseEnvelopf"`), 1)
		}
		return status, body, nil
	}
	res, err := Find(context.Background(), host+"/vendor/app:v1", testOptions())
	wantErr(t, res, err, ErrLying, "checksum")
}

func TestHugeManifest(t *testing.T) {
	l, host, _, _, _ := lyingSetup(t)
	l.rewrite = func(r *http.Request, status int, h http.Header, body []byte) (int, []byte, *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/manifests/v1") {
			return status, append(body, bytes.Repeat([]byte(" "), 5<<20)...), nil
		}
		return status, body, nil
	}
	res, err := Find(context.Background(), host+"/vendor/app:v1", testOptions())
	wantErr(t, res, err, ErrLimit, "larger than the limit")
	// A small limit is kept too.
	l.rewrite = nil
	o := testOptions()
	o.Limits.Manifest = 100
	res, err = Find(context.Background(), host+"/vendor/app:v1", o)
	wantErr(t, res, err, ErrLimit, "limit")
}

func TestPlatformIndex(t *testing.T) {
	l, host, d, d2, _ := lyingSetup(t)
	idx := platformIndex(t, host, d, d2)
	repo, _ := name.NewRepository(host+"/vendor/app", name.Insecure)
	idxDigest, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	o := testOptions()
	o.Platform = "linux/amd64"
	res, err := Find(context.Background(), host+"/vendor/app:multi", o)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(res.Subject, "@"+d.String()) || len(res.Found) != 2 {
		t.Fatalf("--platform linux/amd64: %+v", res)
	}
	o.Platform = "windows/amd64"
	if _, err := Find(context.Background(), host+"/vendor/app:multi", o); !errors.Is(err, ErrInput) {
		t.Fatalf("no such platform: %v", err)
	}

	// An index whose amd64 entry is answered with the index itself.
	l.rewrite = func(r *http.Request, status int, h http.Header, body []byte) (int, []byte, *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/manifests/"+d.String()) {
			o := r.Clone(r.Context())
			o.URL.Path = strings.Replace(r.URL.Path, d.String(), idxDigest.String(), 1)
			return 0, nil, o
		}
		return status, body, nil
	}
	o.Platform = "linux/amd64"
	res, err = Find(context.Background(), host+"/vendor/app:multi", o)
	wantErr(t, res, err, ErrLying, "")

	// An index of indexes.
	l.rewrite = nil
	outer := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: idx, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	if err := remote.WriteIndex(repo.Tag("nested"), outer); err != nil {
		t.Fatal(err)
	}
	res, err = Find(context.Background(), host+"/vendor/app:nested", o)
	wantErr(t, res, err, ErrLying, "another index")
}

// A registry that accepts the connection and never answers is an error, not a hang.
func TestStalledRegistry(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	t.Cleanup(func() { close(release); srv.Close() })
	o := testOptions()
	o.Timeout = 100 * time.Millisecond
	start := time.Now()
	res, err := Find(context.Background(), strings.TrimPrefix(srv.URL, "http://")+"/vendor/app:v1", o)
	if res != nil || !errors.Is(err, ErrRegistry) || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("Find = %+v, %v; want a timeout", res, err)
	}
	t.Logf("gave up after %v", time.Since(start).Round(time.Millisecond))
}

// A registry that drops the connection halfway through a blob is an error naming the
// registry, not a verdict on half an attestation.
func TestDroppedConnection(t *testing.T) {
	l, host, _, _, _ := lyingSetup(t)
	next := l.next
	l.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.Contains(r.URL.Path, "/blobs/") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		// The whole length announced, half the bytes sent, then the connection closed.
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nContent-Type: application/octet-stream\r\n\r\n", len(body))
		buf.Write(body[:len(body)/2])
		buf.Flush()
	})
	res, err := Find(context.Background(), host+"/vendor/app:v1", testOptions())
	if res != nil || err == nil || !errors.Is(err, ErrRegistry) && !errors.Is(err, ErrLying) {
		t.Fatalf("Find = %+v, %v; want no result and a registry error", res, err)
	}
	t.Logf("Find: %v", err)
}

// platformIndex tags vendor/app:multi on host as an index of the images d (linux/amd64)
// and d2 (linux/arm64), both already in vendor/app, and returns the index.
func platformIndex(t *testing.T, host string, d, d2 v1.Hash) v1.ImageIndex {
	t.Helper()
	repo, _ := name.NewRepository(host+"/vendor/app", name.Insecure)
	img, err := remote.Image(repo.Digest(d.String()))
	if err != nil {
		t.Fatal(err)
	}
	img2, err := remote.Image(repo.Digest(d2.String()))
	if err != nil {
		t.Fatal(err)
	}
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: img2, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}},
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	if err := remote.WriteIndex(repo.Tag("multi"), idx); err != nil {
		t.Fatal(err)
	}
	return idx
}
