package hygiene

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// outsideModule copies testdata/outside, a program that uses candor's public packages,
// into a fresh directory whose go.mod replaces candor with this tree, so that it builds
// as a module outside candor's would (the repository is not written to). extra files are
// added beside its main.go.
func outsideModule(t *testing.T, extra map[string]string) string {
	t.Helper()
	src := filepath.Join(root(t), "testdata", "outside")
	dir := t.TempDir()
	files := map[string]string{}
	for name, text := range extra {
		files[name] = text
	}
	for _, name := range []string{"main.go", "go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "go.mod" {
			const rel = "=> ../.."
			if !strings.Contains(string(b), rel) {
				t.Fatalf("testdata/outside/go.mod does not replace candor %s", rel)
			}
			b = []byte(strings.Replace(string(b), rel, "=> "+root(t), 1))
		}
		files[name] = string(b)
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func buildOutside(t *testing.T, dir string) (string, error) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	cmd := exec.CommandContext(t.Context(), gobin, "build", "-o", filepath.Join(dir, "outside"), ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestOutsideModule builds testdata/outside against this tree and runs it on a small
// release: it scans, makes keys, attests and verifies through the public packages alone,
// naming every type their options take. A public API that needs an internal type stops
// the build.
func TestOutsideModule(t *testing.T) {
	if testing.Short() {
		t.Skip("building a module outside candor may download modules")
	}
	t.Parallel()
	dir := outsideModule(t, nil)
	if out, err := buildOutside(t, dir); err != nil {
		t.Fatalf("testdata/outside does not build as an outside module: %v\n%s", err, out)
	}
	// It stays vetted and tidy, as the main module does.
	for _, args := range [][]string{{"vet", "."}, {"mod", "tidy", "-diff"}} {
		cmd := exec.CommandContext(t.Context(), "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("testdata/outside: go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	work := t.TempDir()
	release := filepath.Join(work, "release.zip")
	writeZip(t, release, "NOTES.txt", "release notes\n")
	cmd := exec.CommandContext(t.Context(), filepath.Join(dir, "outside"), work, release)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("outside: %v\n%s", err, out)
	}
	const want = `scanned release.zip: zip, 0 finding(s)
attested: 1 signature(s), verdict holds: true
verified: passed true, 1 verdict(s)
`
	if string(out) != want {
		t.Errorf("outside printed:\n%s\nwant:\n%s", out, want)
	}
	for _, name := range []string{"vendor.key", "vendor.pub", "release.zip.intoto.json", "again.intoto.json"} {
		if _, err := os.Stat(filepath.Join(work, name)); err != nil {
			t.Errorf("outside did not write %s: %v", name, err)
		}
	}
}

// TestOutsideModuleSeesInternal checks the harness itself: the same module importing an
// internal package of candor does not build, so TestOutsideModule really builds from
// outside.
func TestOutsideModuleSeesInternal(t *testing.T) {
	if testing.Short() {
		t.Skip("building a module outside candor may download modules")
	}
	t.Parallel()
	dir := outsideModule(t, map[string]string{"probe.go": `package main

import _ "github.com/candor-dev/candor/internal/fileio"
`})
	out, err := buildOutside(t, dir)
	if err == nil || !strings.Contains(out, "use of internal package") {
		t.Fatalf("an outside module importing candor/internal/fileio built (err %v):\n%s", err, out)
	}
}

func writeZip(t *testing.T, path, name, body string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(body)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
