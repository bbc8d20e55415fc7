package hygiene

import (
	"bytes"
	"go/format"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// root is the module root, two levels above this package.
func root(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("no go.mod at %s: %v", dir, err)
	}
	return dir
}

func goCommand(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.CommandContext(t.Context(), gobin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestGofmt(t *testing.T) {
	t.Parallel()
	dir := root(t)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && p != dir) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		got, err := format.Source(src)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if !bytes.Equal(got, src) {
			t.Errorf("%s is not gofmt-formatted: run gofmt -w %s", p, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestGoVet(t *testing.T) {
	if testing.Short() {
		t.Skip("go vet of the whole module is slow")
	}
	t.Parallel()
	for _, dir := range []string{root(t), filepath.Join(root(t), "testdata", "fixtures")} {
		if out, err := goCommand(t, dir, "vet", "./..."); err != nil {
			t.Errorf("go vet ./... in %s: %v\n%s", dir, err, out)
		}
	}
}

func TestGoModTidy(t *testing.T) {
	if testing.Short() {
		t.Skip("go mod tidy may download modules")
	}
	t.Parallel()
	for _, dir := range []string{root(t), filepath.Join(root(t), "testdata", "fixtures")} {
		if out, err := goCommand(t, dir, "mod", "tidy", "-diff"); err != nil {
			t.Errorf("go mod tidy would change %s (run go mod tidy there):\n%s", dir, out)
		}
	}
}
