package cli_test

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
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	ggcrregistry "github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestRegistryScript runs the scripts of testdata/registry: candor attach and candor
// attestations against real registries. Besides TestScript's commands:
//
//	registry inproc|distribution  start a registry on a loopback port, its host:port in
//	                              $REGISTRY, stopped when the script ends: inproc is
//	                              go-containerregistry's (referrers API), distribution
//	                              Debian's docker-registry (no referrers API)
//	[distribution]                docker-registry is installed (with CI=true, its
//	                              absence is an error, not a skip)
//	pushimage FILE REF TARBALL     push an image of one layer holding FILE as /app to
//	                              REF, write it as a docker-save TARBALL too, and set
//	                              $DIGEST to its manifest digest (sha256:HEX),
//	                              $DIGEST_HEX to HEX
func TestRegistryScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:   "testdata/registry",
		Setup: setupGoEnvRegistry,
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "go":
				_, err := exec.LookPath("go")
				return err == nil, nil
			case "distribution":
				_, err := exec.LookPath("docker-registry")
				if err != nil && os.Getenv("CI") == "true" {
					return false, errors.New("docker-registry is not installed (.ci/run installs it)")
				}
				return err == nil, nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode":  cmdExitCode,
			"registry":  cmdRegistry,
			"pushimage": cmdPushImage,
		},
	})
}

func setupGoEnvRegistry(env *testscript.Env) error {
	for k, v := range goEnv() {
		env.Setenv(k, v)
	}
	// No Docker config of the person running the tests.
	env.Setenv("DOCKER_CONFIG", filepath.Join(env.WorkDir, ".docker"))
	return nil
}

func cmdRegistry(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: registry inproc|distribution")
	}
	switch args[0] {
	case "inproc":
		srv := httptest.NewServer(ggcrregistry.New(ggcrregistry.WithReferrersSupport(true), ggcrregistry.Logger(log.New(io.Discard, "", 0))))
		ts.Defer(srv.Close)
		u, _ := url.Parse(srv.URL)
		ts.Setenv("REGISTRY", u.Host)
	case "distribution":
		bin, err := exec.LookPath("docker-registry")
		if err != nil {
			ts.Fatalf("docker-registry is not installed: guard the script with [!distribution] skip")
		}
		l, err := net.Listen("tcp", "127.0.0.1:0")
		ts.Check(err)
		addr := l.Addr().String()
		l.Close()
		dir := ts.MkAbs(".registry")
		ts.Check(os.MkdirAll(dir, 0o700))
		cfg := filepath.Join(dir, "config.yml")
		ts.Check(os.WriteFile(cfg, fmt.Appendf(nil, "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr), 0o600))
		cmd := exec.Command(bin, "serve", cfg)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		ts.Check(cmd.Start())
		ts.Defer(func() { cmd.Process.Kill(); cmd.Wait() })
		for deadline := time.Now().Add(15 * time.Second); ; {
			resp, err := http.Get("http://" + addr + "/v2/")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				ts.Fatalf("docker-registry did not answer on %s: %v\n%s", addr, err, out.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		ts.Setenv("REGISTRY", addr)
	default:
		ts.Fatalf("registry: unknown kind %q", args[0])
	}
}

func cmdPushImage(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: pushimage FILE REF TARBALL")
	}
	bin, err := os.ReadFile(ts.MkAbs(args[0]))
	ts.Check(err)
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	ts.Check(tw.WriteHeader(&tar.Header{Name: "app", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}))
	_, err = tw.Write(bin)
	ts.Check(err)
	ts.Check(tw.Close())
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(tb.Bytes())), nil })
	ts.Check(err)
	img, err := mutate.AppendLayers(empty.Image, layer)
	ts.Check(err)
	ref, err := name.NewTag(args[1], name.Insecure)
	ts.Check(err)
	ts.Check(remote.Write(ref, img))
	ts.Check(tarball.WriteToFile(ts.MkAbs(args[2]), ref, img))
	d, err := img.Digest()
	ts.Check(err)
	ts.Setenv("DIGEST", d.String())
	ts.Setenv("DIGEST_HEX", d.Hex)
	ts.Logf("pushed %s@%s", args[1], strings.TrimSpace(d.String()))
}
