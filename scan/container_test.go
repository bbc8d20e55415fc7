package scan_test

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/scan/archive"
)

// writeTar writes a tar of name -> content (a content starting with "->" is a symlink).
func writeTar(t *testing.T, files [][2]string) string {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		h := &tar.Header{Name: f[0], Mode: 0o755, Typeflag: tar.TypeReg, Size: int64(len(f[1]))}
		body := f[1]
		if target, ok := strings.CutPrefix(f[1], "->"); ok {
			h.Typeflag, h.Linkname, h.Size, body = tar.TypeSymlink, target, 0, ""
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "a.tar")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func self(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestContainerErrors: non-archives stay unsupported, limits and broken
// executables are reported as they should be.
func TestContainerErrors(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(text, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScanFile(t.Context(), text); !errors.Is(err, scan.ErrUnsupported) {
		t.Errorf("text file: %v, want ErrUnsupported", err)
	}
	if _, err := s.ScanFile(t.Context(), dir); !errors.Is(err, scan.ErrInput) {
		t.Errorf("plain directory: %v, want ErrInput", err)
	}
	many := writeTar(t, [][2]string{{"a", "x"}, {"b", "x"}, {"c", "x"}})
	small, err := scan.New(scan.WithLimits(archive.Limits{MaxMembers: 2}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = small.ScanFile(t.Context(), many)
	if !errors.Is(err, scan.ErrMalformed) || !errors.Is(err, archive.ErrLimit) {
		t.Errorf("over the member limit: %v, want ErrMalformed and archive.ErrLimit", err)
	}
	// A member that looks like an executable but is not one is reported, not fatal.
	broken := writeTar(t, [][2]string{{"bin/broken", "\x7fELF\x02\x01\x01" + strings.Repeat("\x00", 9) + "\x02\x00" + strings.Repeat("\xff", 100)}})
	a, err := s.ScanFile(t.Context(), broken)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Members) != 1 || len(a.Members[0].Findings) != 1 || a.Members[0].Findings[0].Rule != "analysis.unreadable" {
		t.Fatalf("broken member: %+v", a.Members)
	}
}

// TestContainerDeterministic: the same archive gives the same report, members
// in path order, whatever order the parallel workers finish in; Run keeps the
// order of its paths and reports progress.
func TestContainerDeterministic(t *testing.T) {
	exe := self(t)
	var files [][2]string
	for _, n := range []string{"z/last", "a/first", "m/middle", "b/second"} {
		files = append(files, [2]string{n, exe})
	}
	files = append(files, [2]string{"lib/link", "->../a/first"})
	p := writeTar(t, files)
	var mu sync.Mutex
	var calls []scan.Progress
	s, err := scan.New(scan.WithWorkers(3), scan.WithProgress(func(p scan.Progress) {
		mu.Lock()
		calls = append(calls, p)
		mu.Unlock()
	}))
	if err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := 0; i < 3; i++ {
		rep, err := s.Run(t.Context(), []string{p, os.Args[0], p})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Artifacts) != 3 || rep.Artifacts[1].Path != os.Args[0] || rep.Artifacts[0].Format != "tar" {
			t.Fatalf("artifacts out of order: %s %s", rep.Artifacts[0].Path, rep.Artifacts[1].Path)
		}
		var names []string
		for _, m := range rep.Artifacts[0].Members {
			names = append(names, m.Path)
			if m.SHA256 != rep.Artifacts[1].SHA256 {
				t.Errorf("member %s digest %s, want the file's %s", m.Path, m.SHA256, rep.Artifacts[1].SHA256)
			}
		}
		if want := []string{"a/first", "b/second", "m/middle", "z/last"}; !slices.Equal(names, want) {
			t.Errorf("members %v, want %v", names, want)
		}
		b, _ := json.Marshal(rep)
		if first == nil {
			first = b
		} else if !bytes.Equal(b, first) {
			t.Fatal("report differs between runs")
		}
	}
	if len(calls) == 0 || !calls[len(calls)-1].Finished || calls[len(calls)-1].Members != 9 {
		t.Errorf("progress: %d calls, last %+v", len(calls), calls[len(calls)-1])
	}
}

// TestCorpusCurlWithLibcurl: curl shipped together with libcurl (as the two
// Debian packages are installed) gets libcurl's capabilities through its
// needed-library list; alone it keeps only what its own imports say.
func TestCorpusCurlWithLibcurl(t *testing.T) {
	root := os.Getenv("CANDOR_CORPUS")
	if root == "" {
		t.Skip("set CANDOR_CORPUS to run the corpus tests")
	}
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	p := writeTar(t, [][2]string{
		{"usr/bin/curl", read("curl/usr/bin/curl")},
		{"usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0", read("libcurl4/usr/lib/x86_64-linux-gnu/libcurl.so.4.8.0")},
		{"usr/lib/x86_64-linux-gnu/libcurl.so.4", "->libcurl.so.4.8.0"},
	})
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.ScanFile(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	curl := a.Members[0]
	if curl.Path != "usr/bin/curl" {
		t.Fatalf("first member %s", curl.Path)
	}
	got := capSet(&curl)
	for _, want := range []string{"network.connect", "network.listen"} {
		if !slices.Contains(got, want) {
			t.Errorf("curl with libcurl: %v lacks %s (libcurl imports connect, and listen/accept for active FTP)", got, want)
		}
	}
	viaLib := false
	for _, f := range curl.Findings {
		for _, e := range f.Evidence {
			if e.Value == "libcurl.so.4" && strings.Contains(e.Where, "libcurl.so.4.8.0") {
				viaLib = true
			}
		}
	}
	if !viaLib {
		t.Error("no finding attributed through libcurl.so.4")
	}
}

// TestImageLayoutDirectory scans an OCI layout directory: the artifact is the
// layout (digest of its index.json), members carry the layer that added them.
func TestImageLayoutDirectory(t *testing.T) {
	exe := self(t)
	layer := func(files [][2]string) []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, f := range files {
			if err := tw.WriteHeader(&tar.Header{Name: f[0], Mode: 0o755, Typeflag: tar.TypeReg, Size: int64(len(f[1]))}); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write([]byte(f[1])); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	l1 := layer([][2]string{{"usr/bin/app", exe}, {"usr/bin/old", exe}})
	l2 := layer([][2]string{{"usr/bin/.wh.old", ""}})
	dir := t.TempDir()
	put := func(b []byte) string {
		d := sha256hex(b)
		if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "blobs", "sha256", d), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return "sha256:" + d
	}
	cfg := []byte(`{"os":"linux","architecture":"amd64"}`)
	m, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": put(cfg), "size": len(cfg)},
		"layers": []any{
			map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": put(l1), "size": len(l1)},
			map[string]any{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": put(l2), "size": len(l2)},
		}})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []any{map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": put(m), "size": len(m)}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), idx, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.ScanFile(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Format != "oci-image" || a.SHA256 != sha256hex(idx) {
		t.Errorf("format %s sha256 %s, want oci-image and the index's digest", a.Format, a.SHA256)
	}
	if len(a.Members) != 1 || a.Members[0].Path != "usr/bin/app" || a.Members[0].Layer != "sha256:"+sha256hex(l1) {
		t.Fatalf("members %+v, want usr/bin/app from the first layer (usr/bin/old is whited out)", a.Members)
	}
}

func sha256hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
