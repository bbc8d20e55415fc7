package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/candor-dev/candor/cmd/candor/internal/cli"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets testscript run this test binary as the candor command: the CLI runs
// through cli.Main exactly as cmd/candor runs it, without building anything.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"candor": func() {
			os.Exit(cli.Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
		},
	})
}

// TestScript runs the end-to-end scripts in testdata/script. Each runs in its own
// directory with HOME isolated. Extra commands and conditions:
//
//	exitcode N CMD ARGS...  run CMD and check that it exits with status N;
//	                        stdout and stderr are kept for the next commands
//	scrub SRC DST           write SRC (a file, or stdout or stderr) to DST with the
//	                        fields that change from run to run replaced (see [scrub]),
//	                        for a whole-output 'cmp DST golden'
//	mklayout OWNER.key VENDOR.pub ARTIFACT OUT [EXPIRES]
//	                        write a signed one-step in-toto layout (see [cmdMkLayout])
//	[go]                    a go command is on PATH
//
// go test -run TestScript -update rewrites the goldens that 'cmp' compares against
// inside the txtar files; read the diff before committing it.
func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: false,
		UpdateScripts:       *update,
		Setup:               setupGoEnv,
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "go":
				_, err := exec.LookPath("go")
				return err == nil, nil
			}
			return false, errors.New("unknown condition " + strconv.Quote(cond))
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitCode,
			"scrub":    cmdScrub,
			"mklayout": cmdMkLayout,
		},
	})
}

func cmdExitCode(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exitcode N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// goEnv are the go command's locations, passed into scripts so that the demo and
// 'exec go build' work with HOME isolated and without the network.
var goEnv = sync.OnceValue(func() map[string]string {
	vars := map[string]string{}
	for _, k := range []string{"GOTOOLCHAIN", "GOPROXY", "GOFLAGS", "GONOSUMDB", "GOSUMDB"} {
		if v, ok := os.LookupEnv(k); ok {
			vars[k] = v
		}
	}
	out, err := exec.Command("go", "env", "-json", "GOCACHE", "GOMODCACHE", "GOPATH").Output()
	if err == nil {
		var m map[string]string
		if json.Unmarshal(out, &m) == nil {
			for k, v := range m {
				vars[k] = v
			}
		}
	}
	return vars
})

func setupGoEnv(env *testscript.Env) error {
	for k, v := range goEnv() {
		env.Setenv(k, v)
	}
	// $CONFORMANCE: the Sigstore conformance cases (bundles, trusted roots), read-only.
	if dir, err := filepath.Abs(filepath.Join("..", "..", "..", "..", "testdata", "conformance", "sigstore-bundle-verify")); err == nil {
		env.Setenv("CONFORMANCE", dir)
	}
	return nil
}
