package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeELF is the start of an ELF executable: enough for the sniff, not for a scan.
func fakeELF() []byte {
	b := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 57)...)
	b[16] = 2 // ET_EXEC
	return b
}

// TestExpandPaths: a directory stands for its executables and archives at any level, in
// name order; other files, links (in or out of it) and special files are skipped with a
// note, or refused with --strict; a directory with an OCI layout is one image; named files
// that are neither are skipped too (a named ELF file is the scanner's to judge), and a path
// that cannot be read is left to the scanner.
func TestExpandPaths(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rel := filepath.Join(dir, "release")
	for _, d := range []string{"bin", "lib/deep", "image"} {
		if err := os.MkdirAll(filepath.Join(rel, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string][]byte{
		"bin/tool":          fakeELF(),
		"agent":             fakeELF(),
		"lib/deep/plug.so":  fakeELF(),
		"README.txt":        []byte("read me\n"),
		"agent.intoto.json": []byte("{}"),
		".hidden":           fakeELF(),
		"image/oci-layout":  []byte(`{"imageLayoutVersion": "1.0.0"}`),
		"truncated":         []byte("\x7fELF"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(rel, filepath.FromSlash(name)), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outside := filepath.Join(dir, "outside")
	if err := os.WriteFile(outside, fakeELF(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(rel, "link-out")); err != nil {
		t.Fatal(err)
	}
	j := func(p string) string { return filepath.Join(rel, filepath.FromSlash(p)) }

	var notes bytes.Buffer
	got, err := (&PathOptions{}).expand([]string{rel, j("README.txt"), filepath.Join(dir, "missing")}, &notes)
	if err != nil {
		t.Fatal(err)
	}
	// The OCI layout directory inside is one image, not its files.
	want := []string{j(".hidden"), j("agent"), j("bin/tool"), j("image"), j("lib/deep/plug.so"), filepath.Join(dir, "missing")}
	if !slices.Equal(got, want) {
		t.Errorf("expanded\n%q\nwant\n%q", got, want)
	}
	for _, w := range []string{
		"note: skipped 3 files of " + rel + " that are not executables, archives, packages or images: " + j("README.txt") + ", " + j("agent.intoto.json") + ", " + j("truncated") + "\n",
		"note: skipped " + j("link-out") + ": symbolic link: not followed\n",
		"note: skipped " + j("README.txt") + ": not an executable, archive, package or image\n",
	} {
		if !strings.Contains(notes.String(), w) {
			t.Errorf("notes lack %q:\n%s", w, notes.String())
		}
	}
	if strings.Count(notes.String(), "README.txt") != 2 { // in the directory, and named
		t.Errorf("README notes:\n%s", notes.String())
	}

	// Named, an image directory is one image, and a truncated ELF file is the scanner's to judge.
	got, err = (&PathOptions{}).expand([]string{j("image"), j("truncated")}, &notes)
	if err != nil || !slices.Equal(got, []string{j("image"), j("truncated")}) {
		t.Errorf("named: %q, %v", got, err)
	}

	// Many skipped files of a directory make one note.
	docs := filepath.Join(dir, "docs")
	if err := os.MkdirAll(docs, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c", "d", "e"} {
		if err := os.WriteFile(filepath.Join(docs, n+".txt"), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(docs, "z"), fakeELF(), 0o755); err != nil {
		t.Fatal(err)
	}
	notes.Reset()
	got, err = (&PathOptions{}).expand([]string{docs}, &notes)
	d := func(n string) string { return filepath.Join(docs, n) }
	if err != nil || !slices.Equal(got, []string{d("z")}) ||
		notes.String() != "note: skipped 5 files of "+docs+" that are not executables, archives, packages or images: "+d("a.txt")+", "+d("b.txt")+", "+d("c.txt")+", and 2 more\n" {
		t.Errorf("docs: %q, %v, notes %q", got, err, notes.String())
	}

	notes.Reset()
	if _, err := (&PathOptions{Strict: true}).expand([]string{rel}, &notes); err == nil || !strings.Contains(err.Error(), "(--strict)") || notes.Len() != 0 {
		t.Errorf("strict: %v, notes %q", err, notes.String())
	}
	if _, err := (&PathOptions{}).expand([]string{j("README.txt")}, &notes); err == nil || !strings.Contains(err.Error(), "nothing to read") {
		t.Errorf("only skipped files: %v", err)
	}
}
