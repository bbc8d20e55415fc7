package scan_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp/syntax"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/scan/archive"
	"go.yaml.in/yaml/v3"
)

// The scanner's errors keep their cause in the chain: a missing artifact is both
// scan.ErrInput and fs.ErrNotExist, with the *fs.PathError behind it, and still reads
// the way a person expects.
func TestErrorChainMissingFile(t *testing.T) {
	t.Parallel()
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx := context.Background()
	for name, path := range map[string]string{
		"missing file":           filepath.Join(dir, "missing.bin"),
		"missing directory":      filepath.Join(dir, "no", "such", "dir", "app"),
		"trailing slash on file": filepath.Join(dir, "missing.bin") + string(filepath.Separator),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for via, scanIt := range map[string]func() error{
				"ScanFile": func() error { _, err := s.ScanFile(ctx, path); return err },
				"Run":      func() error { _, err := s.Run(ctx, []string{path}); return err },
			} {
				err := scanIt()
				if !errors.Is(err, scan.ErrInput) || !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s: %v: want scan.ErrInput and fs.ErrNotExist", via, err)
				}
				var pe *fs.PathError
				if !errors.As(err, &pe) {
					t.Errorf("%s: %v: no *fs.PathError in the chain", via, err)
				}
				if errors.Is(err, scan.ErrMalformed) || errors.Is(err, scan.ErrOptions) {
					t.Errorf("%s: %v: in the wrong family", via, err)
				}
			}
		})
	}
}

// A file the scanner may not read is scan.ErrInput and fs.ErrPermission.
func TestErrorChainUnreadableFile(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	p := filepath.Join(t.TempDir(), "secret.bin")
	if err := os.WriteFile(p, []byte("\x7fELF"), 0o000); err != nil {
		t.Fatal(err)
	}
	s, _ := scan.New()
	_, err := s.ScanFile(context.Background(), p)
	if !errors.Is(err, scan.ErrInput) || !errors.Is(err, fs.ErrPermission) {
		t.Errorf("%v: want scan.ErrInput and fs.ErrPermission", err)
	}
}

// An archive that ends early is scan.ErrMalformed and archive.ErrMalformed, and says why
// with the reader's own error (io.ErrUnexpectedEOF), which errors.Is finds.
func TestErrorChainTruncatedArchive(t *testing.T) {
	t.Parallel()
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	body := bytes.Repeat([]byte("not an executable, just bytes "), 4000)
	if err := tw.WriteHeader(&tar.Header{Name: "a.txt", Mode: 0o644, Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(tb.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	s, _ := scan.New()
	for name, b := range map[string][]byte{
		"tar cut in a member": tb.Bytes()[:512+1000],
		"tar.gz cut short":    gz.Bytes()[:gz.Len()/2],
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := s.ScanFile(context.Background(), p)
		if !errors.Is(err, scan.ErrMalformed) || !errors.Is(err, archive.ErrMalformed) || !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("%s: %v: want scan.ErrMalformed, archive.ErrMalformed and io.ErrUnexpectedEOF", name, err)
		}
	}
}

// Rule files that do not load keep the parser's error: a YAML type error, a regexp
// syntax error.
func TestErrorChainRules(t *testing.T) {
	t.Parallel()
	const version = "version: \"1\"\n"
	tests := []struct {
		name string
		file string
		as   func(error) bool
	}{
		{"unknown field", version + "rules:\n  - id: x\n    bogus: 1\n",
			func(err error) bool { var te *yaml.TypeError; return errors.As(err, &te) }},
		{"bad url pattern", version + "rules:\n  - id: net.x\n    capability: network.listen\n    summary: s\n    any: {urls: ['(']}\n",
			func(err error) bool { var se *syntax.Error; return errors.As(err, &se) }},
		{"bad inert url pattern", version + "endpoints:\n  inertURLs: ['(']\n",
			func(err error) bool { var se *syntax.Error; return errors.As(err, &se) }},
		{"bad reserved prefix", version + "endpoints:\n  reservedIPs: ['127.0.0.0/33']\n",
			func(err error) bool { return err != nil && strings.Contains(err.Error(), "reservedIPs") }},
		{"bad identifier url pattern", version + "endpoints:\n  identifierURLs: ['[']\n",
			func(err error) bool { var se *syntax.Error; return errors.As(err, &se) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := scan.LoadRules(fstest.MapFS{"r.yaml": {Data: []byte(tt.file)}})
			if err == nil || !tt.as(err) {
				t.Errorf("%v: the parser's error is not in the chain", err)
			}
		})
	}
}

// An invalid option is scan.ErrOptions, and nothing else of the scanner's families.
func TestErrorOptions(t *testing.T) {
	t.Parallel()
	tests := map[string]scan.Option{
		"no workers":            scan.WithWorkers(0),
		"negative workers":      scan.WithWorkers(-3),
		"nil rules":             scan.WithRules(nil),
		"negative total bytes":  scan.WithLimits(archive.Limits{MaxTotalBytes: -1}),
		"negative members":      scan.WithLimits(archive.Limits{MaxMembers: -1}),
		"negative depth":        scan.WithLimits(archive.Limits{MaxDepth: -1}),
		"negative member bytes": scan.WithLimits(archive.Limits{MaxMemberBytes: -1}),
	}
	for name, opt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s, err := scan.New(scan.WithSHA512(), opt)
			if s != nil || !errors.Is(err, scan.ErrOptions) {
				t.Fatalf("New: %v, %v: want scan.ErrOptions", s, err)
			}
			if errors.Is(err, scan.ErrInput) || errors.Is(err, scan.ErrMalformed) || errors.Is(err, scan.ErrUnsupported) {
				t.Errorf("%v: in another family too", err)
			}
		})
	}
	if _, err := scan.New(scan.WithWorkers(1), scan.WithLimits(archive.Limits{})); err != nil {
		t.Errorf("valid options: %v", err)
	}
}
