package verify

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A verification summary that cannot be written is ErrOutput with the operating system's
// error still in the chain, not a message rebuilt from another error's text.
func TestSummaryErrorKeepsItsChain(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	kd := t.TempDir()
	vsaPriv, _ := testKey(t, kd, "buyer")
	bin := filepath.Join(dir, "phonehome")
	occupied := filepath.Join(kd, "occupied"+SuffixJSON)
	must(t, os.MkdirAll(filepath.Join(occupied, "full"), 0o755))
	for name, tt := range map[string]struct {
		path string
		is   error
		as   func(error) bool
	}{
		"missing directory": {filepath.Join(kd, "no", "such", "dir", "s"+SuffixJSON), fs.ErrNotExist,
			func(err error) bool { var pe *fs.PathError; return errors.As(err, &pe) }},
		"a directory in the way": {occupied, nil,
			func(err error) bool { var le *os.LinkError; return errors.As(err, &le) }},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := runWith(context.Background(), runOptions{Keys: []string{pub}, Artifacts: []string{bin},
				Summary: &summaryOptions{Path: tt.path, Key: vsaPriv}, Now: testNow})
			if !errors.Is(err, ErrOutput) || errors.Is(err, ErrVerification) {
				t.Fatalf("%v: want ErrOutput", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v: want %v in the chain", err, tt.is)
			}
			if !tt.as(err) {
				t.Errorf("%v: the operating system's error is not in the chain", err)
			}
			if !strings.HasPrefix(err.Error(), ErrOutput.Error()+": ") {
				t.Errorf("%q does not start with %q", err, ErrOutput)
			}
		})
	}
}

// A missing artifact or attestation file is ErrInput and fs.ErrNotExist, with the
// *fs.PathError behind it, and still reads "PATH: no such file or directory".
func TestMissingInputKeepsItsChain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, pub := testKey(t, dir, "vendor")
	art := filepath.Join(dir, "app.bin")
	must(t, os.WriteFile(art, []byte("not really a program"), 0o644))
	missing := filepath.Join(dir, "missing.bin")
	for name, o := range map[string]runOptions{
		"artifact":           {Keys: []string{pub}, Artifacts: []string{missing}},
		"attestation":        {Keys: []string{pub}, Artifacts: []string{art}, Attestations: []string{missing + SuffixJSON}},
		"one of several":     {Keys: []string{pub}, Artifacts: []string{art, missing}, Attestations: []string{art}},
		"in a missing place": {Keys: []string{pub}, Artifacts: []string{filepath.Join(missing, "app")}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := runWith(context.Background(), o)
			if !errors.Is(err, ErrInput) || !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("%v: want ErrInput and fs.ErrNotExist", err)
			}
			var pe *fs.PathError
			if !errors.As(err, &pe) {
				t.Errorf("%v: no *fs.PathError in the chain", err)
			}
			if !strings.HasSuffix(err.Error(), ": no such file or directory") || strings.Contains(err.Error(), "open ") {
				t.Errorf("%q: not put the way a person expects", err)
			}
		})
	}
}

// Library messages name options, not flags: they end up in verdict JSON written by any Go
// program, where no command line exists (the CLI adds the flags, cmd/candor/internal/cli/hints.go).
func TestLibraryMessagesNameNoFlags(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	lone := copyFile(t, filepath.Join(dir, "quiet"), t.TempDir(), "lone")
	ctx := context.Background()
	var msgs []string
	_, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{filepath.Join(dir, "phonehome"), lone}, Now: testNow})
	if !errors.Is(err, ErrNoAttestation) {
		t.Fatalf("no attestation beside: %v", err)
	}
	msgs = append(msgs, err.Error())
	must(t, os.WriteFile(filepath.Join(dir, "unattested"), readFile(t, lone), 0o755))
	res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	if !errors.Is(err, ErrSubject) || res == nil {
		t.Fatalf("%v, %+v", err, res)
	}
	msgs = append(msgs, err.Error())
	msgs = append(msgs, res.Notes...)
	for _, vd := range res.Verdicts {
		msgs = append(append(msgs, vd.Message), vd.Notes...)
		for _, c := range vd.Checks {
			msgs = append(append(msgs, c.Detail), c.Reasons...)
		}
	}
	for _, o := range []runOptions{
		{Keys: []string{pub}, Digests: []string{"sha256:" + strings.Repeat("0", 64)}},
		{Keys: []string{pub}, Artifacts: []string{lone}, Summary: &summaryOptions{Path: "x" + SuffixJSON}},
		{Keys: []string{pub}, Artifacts: []string{lone}, Threshold: -1},
	} {
		_, err := runWith(ctx, o)
		if !errors.Is(err, ErrOptions) {
			t.Fatalf("%+v: %v, want ErrOptions", o, err)
		}
		msgs = append(msgs, err.Error())
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{"not asked (WithRescan)", "(or name it in Inputs.Attestations)", "(Inputs.Attestations)", "(SummaryOptions.Signer)", "(Inputs.AllowUnattested)"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no message says %q", want)
		}
	}
	for _, m := range msgs {
		if strings.Contains(m, "--") {
			t.Errorf("names a flag: %s", m)
		}
	}
}
