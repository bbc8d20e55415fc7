// Package testregistry starts real OCI registries on loopback ports for tests and pushes
// small images to them. It is for tests only.
//
// Two registries: go-containerregistry's in-process registry with the OCI 1.1 referrers
// API ([InProcess], [Serve] to put a handler in front of it), and Debian's docker-registry
// (distribution 2.8, no referrers API: clients fall back to the referrers tag) run as a
// child process with its storage in a temporary directory ([Distribution]). When
// docker-registry is not installed, [Distribution] skips the test, or fails it when CI=true
// (.ci/run installs it).
//
// The functions taking a [testing.TB] fail or skip it; [StartDistribution], [Handler],
// [Image] and [Push] return errors instead, for harnesses that are not a testing.TB
// (testscript).
package testregistry

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// DistributionCommand is the program [Distribution] runs.
const DistributionCommand = "docker-registry"

// ErrNoDistribution: docker-registry is not installed.
var ErrNoDistribution = errors.New(DistributionCommand + " is not installed (apt-get install docker-registry; .ci/run installs it)")

// Handler is go-containerregistry's registry with the referrers API, logging nothing.
func Handler() http.Handler {
	return ggcrregistry.New(ggcrregistry.WithReferrersSupport(true), ggcrregistry.Logger(log.New(io.Discard, "", 0)))
}

// InProcess serves [Handler] on a loopback port until the test ends and returns its
// host:port.
func InProcess(tb testing.TB) string {
	tb.Helper()
	return Serve(tb, Handler())
}

// Serve serves h (usually [Handler], perhaps wrapped) on a loopback port until the test
// ends and returns its host:port.
func Serve(tb testing.TB, h http.Handler) string {
	tb.Helper()
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Host
}

// Distribution starts docker-registry on a loopback port with its storage in a temporary
// directory, stopped when the test ends, and returns its host:port. It skips the test when
// the program is missing, or fails it when CI=true.
func Distribution(tb testing.TB) string {
	tb.Helper()
	r, err := StartDistribution(tb.TempDir())
	if errors.Is(err, ErrNoDistribution) {
		if os.Getenv("CI") == "true" {
			tb.Fatal(err)
		}
		tb.Skip(err.Error() + ": the registry without the referrers API is not tested")
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Close)
	return r.Host
}

// Process is a docker-registry [StartDistribution] started.
type Process struct {
	// Host is its host:port on loopback.
	Host string
	cmd  *exec.Cmd
}

// Close stops the registry.
func (p *Process) Close() {
	p.cmd.Process.Kill()
	p.cmd.Wait()
}

// StartDistribution starts docker-registry on a free loopback port, its configuration and
// storage under dir, and waits (at most 15s) until it answers. The caller closes it.
// ErrNoDistribution when the program is not installed.
func StartDistribution(dir string) (*Process, error) {
	bin, err := exec.LookPath(DistributionCommand)
	if err != nil {
		return nil, ErrNoDistribution
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	cfg := filepath.Join(dir, "config.yml")
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve", cfg)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Host: addr, cmd: cmd}
	client := &http.Client{Timeout: 2 * time.Second}
	for deadline := time.Now().Add(15 * time.Second); ; {
		resp, err := client.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.Close()
			return nil, fmt.Errorf("%s did not answer on %s: %v\n%s", DistributionCommand, addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// File is one regular file of an image's layer.
type File struct {
	Name string
	Mode int64
	Data []byte
}

// Image is an image of one layer holding files, in that order (the same files make the
// same digest).
func Image(files ...File) (v1.Image, error) {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.Name, Mode: f.Mode, Size: int64(len(f.Data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b.Bytes())), nil })
	if err != nil {
		return nil, err
	}
	return mutate.AppendLayers(empty.Image, layer)
}

// Push pushes img to ref (host:port/repo:tag, plain HTTP allowed) and returns its manifest
// digest.
func Push(ref string, img v1.Image) (v1.Hash, error) {
	tag, err := name.NewTag(ref, name.Insecure)
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Write(tag, img); err != nil {
		return v1.Hash{}, err
	}
	return img.Digest()
}

// PushFile pushes to ref an image of one layer holding the file at path as /app (mode
// 0755) and returns its manifest digest.
func PushFile(tb testing.TB, ref, path string) v1.Hash {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return PushFiles(tb, ref, File{Name: "app", Mode: 0o755, Data: b})
}

// PushFiles pushes to ref an image of one layer holding files and returns its manifest
// digest.
func PushFiles(tb testing.TB, ref string, files ...File) v1.Hash {
	tb.Helper()
	img, err := Image(files...)
	if err != nil {
		tb.Fatal(err)
	}
	d, err := Push(ref, img)
	if err != nil {
		tb.Fatalf("pushing %s: %v", ref, err)
	}
	return d
}

// syncBuffer is the registry's output, written by the process's copier goroutine and
// read when it does not start.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
