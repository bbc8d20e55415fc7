package prehash

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// bigFile writes a file of MinSize bytes of b and returns its path and SHA-256.
func bigFile(t *testing.T, dir, name string, b byte) (string, string) {
	t.Helper()
	data := make([]byte, MinSize)
	for i := range data {
		data[i] = b + byte(i)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return p, hex.EncodeToString(sum[:])
}

func TestStartGuessesArtifacts(t *testing.T) {
	dir := t.TempDir()
	key, _ := bigFile(t, dir, "key", 1)
	art, artSum := bigFile(t, dir, "art", 2)
	dashed, dashedSum := bigFile(t, dir, "-art", 3)
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("small"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := Start([]string{"candor", "verify", "--key", key, "--rescan", "--format=json", art, small, dir, "--", dashed})
	for _, tt := range []struct {
		path, sum string
	}{
		{key, ""}, {art, artSum}, {small, ""}, {dir, ""}, {dashed, dashedSum}, {filepath.Join(dir, "other"), ""},
	} {
		sum, ok := s.SHA256(tt.path)
		if ok != (tt.sum != "") || sum != tt.sum {
			t.Errorf("%s: got %q, %v; want %q", tt.path, sum, ok, tt.sum)
		}
	}
	if s := Start([]string{"candor", "scan", art}); len(s.files) != 0 {
		t.Error("a scan's file was hashed")
	}
	var many []string
	for i := range MaxFiles + 2 {
		p, _ := bigFile(t, dir, "many"+string(rune('a'+i)), byte(i))
		many = append(many, p)
	}
	if s := Start(append([]string{"candor", "verify"}, many...)); len(s.files) != MaxFiles {
		t.Errorf("%d files hashed ahead, want %d", len(s.files), MaxFiles)
	}
}

// A file changed, or another file put in its place, after it was hashed has no digest.
func TestSHA256RefusesChangedFile(t *testing.T) {
	dir := t.TempDir()
	for name, change := range map[string]func(p string) error{
		"appended": func(p string) error {
			f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			_, err = f.Write([]byte{0})
			return err
		},
		"touched": func(p string) error {
			later := time.Now().Add(time.Hour)
			return os.Chtimes(p, later, later)
		},
		"replaced": func(p string) error {
			other, _ := bigFile(t, dir, "other", 9)
			return os.Rename(other, p)
		},
		"removed": os.Remove,
	} {
		p, _ := bigFile(t, dir, name, 4)
		s := Start([]string{"candor", "verify", p})
		<-s.files[p].done
		if err := change(p); err != nil {
			t.Fatal(err)
		}
		if sum, ok := s.SHA256(p); ok {
			t.Errorf("%s: got %s for a changed file", name, sum)
		}
	}
}
