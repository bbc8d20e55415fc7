package cli_test

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/internal/testregistry"
	"github.com/google/go-containerregistry/pkg/name"
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
		srv := httptest.NewServer(testregistry.Handler())
		ts.Defer(srv.Close)
		u, _ := url.Parse(srv.URL)
		ts.Setenv("REGISTRY", u.Host)
	case "distribution":
		dir := ts.MkAbs(".registry")
		ts.Check(os.MkdirAll(dir, 0o700))
		p, err := testregistry.StartDistribution(dir)
		if errors.Is(err, testregistry.ErrNoDistribution) {
			ts.Fatalf("docker-registry is not installed: guard the script with [!distribution] skip")
		}
		ts.Check(err)
		ts.Defer(p.Close)
		ts.Setenv("REGISTRY", p.Host)
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
	img, err := testregistry.Image(testregistry.File{Name: "app", Mode: 0o755, Data: bin})
	ts.Check(err)
	d, err := testregistry.Push(args[1], img)
	ts.Check(err)
	ref, err := name.NewTag(args[1], name.Insecure)
	ts.Check(err)
	ts.Check(tarball.WriteToFile(ts.MkAbs(args[2]), ref, img))
	ts.Setenv("DIGEST", d.String())
	ts.Setenv("DIGEST_HEX", d.Hex)
	ts.Logf("pushed %s@%s", args[1], d.String())
}
