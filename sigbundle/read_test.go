package sigbundle

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/signing"
)

func readCase(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(conformanceDir, name, "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseVersions: every media type of v0.1 to v0.3 is read, and the version named.
func TestParseVersions(t *testing.T) {
	for name, want := range map[string]string{
		"happy-path-v0.1": "v0.1", "happy-path-v0.2": "v0.2", "happy-path-v0.3": "v0.3",
		"happy-path-v0.3-new-mediaType": "v0.3", "happy-path-intoto-in-dsse-v3": "v0.3",
	} {
		b, err := Parse(name, readCase(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if b.Version != want || !b.IsKeyless() {
			t.Errorf("%s: version %s keyless %v, want %s", name, b.Version, b.IsKeyless(), want)
		}
	}
}

// TestParseRefuses: what the reader refuses, and that each error names the source.
func TestParseRefuses(t *testing.T) {
	good := string(readCase(t, "happy-path-v0.3"))
	var entry string
	{
		i := strings.Index(good, `"tlogEntries"`)
		j := strings.Index(good[i:], "[")
		// The first entry object, found by matching braces.
		depth, start := 0, i+j+1
		for k := start; k < len(good); k++ {
			switch good[k] {
			case '{':
				depth++
			case '}':
				depth--
				if depth == 0 {
					entry = good[start : k+1]
					k = len(good)
				}
			}
		}
	}
	manyEntries := strings.Replace(good, entry, strings.TrimSuffix(strings.Repeat(entry+",", MaxTlogEntries+1), ","), 1)
	cases := []struct {
		name, data, want string
	}{
		{"empty", "  \n", "empty"},
		{"not json", "{", "invalid JSON"},
		{"array", "[]", "not a JSON object"},
		{"deep", strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100), "nest"},
		{"folded duplicate", strings.Replace(good, `{`, `{"media_type":"x",`, 1), "media_type"},
		{"unknown member", strings.Replace(good, `{`, `{"extra":1,`, 1), "extra"},
		{"other media type", strings.Replace(good, "application/vnd.dev.sigstore.bundle", "application/x-other", 1), "not a Sigstore bundle"},
		{"v0.4", `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.4+json"}`, "not"},
		{"unknown version", string(readCase(t, "bundle-unknown-version_fail")), "unsupported media type"},
		{"too many log entries", manyEntries, "transparency-log entries"},
		{"not utf-8", "{\"mediaType\":\"\xff\"}", "UTF-8"},
		{"too large", `{"mediaType":"` + strings.Repeat("a", MaxBundleSize) + `"}`, "at most"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("in.sigstore.json", []byte(c.data))
			if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), "in.sigstore.json") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want ErrParse naming the file and %q", err, c.want)
			}
		})
	}
	var se *strictjson.Error
	if _, err := Parse("x", []byte(strings.Replace(good, `{`, `{"MediaType":"x",`, 1))); !errors.As(err, &se) {
		t.Fatalf("MediaType beside mediaType: %v", err)
	}
}

// TestParseFileLines: one bundle per line in .jsonl, blank lines skipped, a bad line named
// by its number; other names hold one bundle.
func TestParseFileLines(t *testing.T) {
	a := bytes.TrimSpace(readCase(t, "happy-path-v0.1"))
	b := bytes.TrimSpace(readCase(t, "happy-path-intoto-in-dsse-v3"))
	flat := func(x []byte) []byte {
		return bytes.ReplaceAll(bytes.ReplaceAll(x, []byte("\n"), nil), []byte("\r"), nil)
	}
	data := bytes.Join([][]byte{flat(a), nil, flat(b)}, []byte("\r\n"))
	bs, err := ParseFile("bundles.jsonl", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(bs) != 2 || bs[0].Source != "bundles.jsonl#1" || bs[1].Source != "bundles.jsonl#3" || !bs[1].IsDSSE() || bs[0].IsDSSE() {
		t.Fatalf("%d bundles: %+v", len(bs), bs)
	}
	_, err = ParseFile("bundles.jsonl", append(append(flat(a), '\n'), []byte(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}`)...))
	if !errors.Is(err, ErrParse) || !strings.Contains(err.Error(), "bundles.jsonl#2") {
		t.Fatalf("bad second line: %v", err)
	}
	if _, err := ParseFile("bundles.jsonl", []byte("\n\n")); !errors.Is(err, ErrParse) {
		t.Fatalf("blank file: %v", err)
	}
	if bs, err := ParseFile("x.sigstore.json", a); err != nil || len(bs) != 1 {
		t.Fatalf("one bundle: %v", err)
	}
}

// TestReadFileRefusesSpecialFiles: a directory (or a FIFO) is not read.
func TestReadFileRefusesSpecialFiles(t *testing.T) {
	if _, err := ReadFile(t.TempDir()); !errors.Is(err, ErrParse) {
		t.Fatalf("directory: %v", err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.sigstore.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing: %v", err)
	}
}

// TestIsBundle tells bundles from DSSE envelopes and from anything else.
func TestIsBundle(t *testing.T) {
	for _, name := range []string{"happy-path-v0.1", "happy-path-v0.3-new-mediaType", "managed-key-happy-path"} {
		if !IsBundle(readCase(t, name)) {
			t.Errorf("%s: not a bundle", name)
		}
	}
	for _, s := range []string{
		`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[{"sig":"AA=="}]}`,
		`{"payload":{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}}`,
		`[]`, ``, `{"mediaType":"application/json"}`, `{"mediaType":1}`,
	} {
		if IsBundle([]byte(s)) {
			t.Errorf("%s: a bundle", s)
		}
	}
}

// TestLoadTrustedRoot: the public-good root loads; a bundle is not a root.
func TestLoadTrustedRoot(t *testing.T) {
	tr, err := LoadTrustedRoot(filepath.Join(conformanceDir, "public-good-trusted-root.json"))
	if err != nil || len(tr.FulcioCertificateAuthorities()) == 0 || len(tr.RekorLogs()) == 0 {
		t.Fatalf("%v", err)
	}
	if _, err := LoadTrustedRoot(filepath.Join(conformanceDir, "happy-path-v0.1", "bundle.sigstore.json")); !errors.Is(err, ErrOptions) {
		t.Fatalf("bundle as root: %v", err)
	}
}

// TestNewVerifierRefusesKeys: a degenerate key, a nil key, or one key twice.
func TestNewVerifierRefusesKeys(t *testing.T) {
	s := newSigner(t, "p256")
	if _, err := NewVerifier(Options{Keys: []crypto.PublicKey{s.Public(), s.Public()}}); !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "same key") {
		t.Fatalf("same key twice: %v", err)
	}
	if _, err := NewVerifier(Options{Keys: []crypto.PublicKey{nil}}); !errors.Is(err, ErrOptions) {
		t.Fatalf("nil key: %v", err)
	}
	if _, err := NewVerifier(Options{Keys: []crypto.PublicKey{make([]byte, 32)}}); !errors.Is(err, ErrOptions) {
		t.Fatalf("not a key: %v", err)
	}
	identity := make(ed25519.PublicKey, ed25519.PublicKeySize)
	identity[0] = 1 // the identity point verifies made-up signatures
	if _, err := NewVerifier(Options{Keys: []crypto.PublicKey{identity}}); !errors.Is(err, ErrOptions) || !errors.Is(err, signing.ErrWeakKey) {
		t.Fatalf("Ed25519 identity point: %v", err)
	}
}
