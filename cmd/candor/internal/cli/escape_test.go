package cli_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/internal/termsafe/termsafetest"
	"github.com/candor-dev/candor/internal/testbuild"
)

// checkClean fails when stdout or stderr holds a raw escape.
func checkClean(t *testing.T, stdout, stderr string) {
	t.Helper()
	if bad := termsafetest.Raw(stdout); bad != "" {
		t.Errorf("stdout holds the raw %q:\n%q", bad, stdout)
	}
	if bad := termsafetest.Raw(stderr); bad != "" {
		t.Errorf("stderr holds the raw %q:\n%q", bad, stderr)
	}
}

// yamlQuoted writes v as a YAML double-quoted scalar (YAML takes Go's escapes); invalid
// UTF-8 cannot be written in YAML and is replaced.
func yamlQuoted(v string) string { return strconv.QuoteToASCII(strings.ToValidUTF8(v, "?")) }

// writeKey writes an unencrypted ECDSA key pair (no password needed) into dir.
func writeKey(t *testing.T, dir string) (priv, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub = filepath.Join(dir, "vendor.key"), filepath.Join(dir, "vendor.pub")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

// phonehome copies the phonehome fixture (one request to collect.phonehome-fixture.net)
// into dir under name.
func phonehome(t *testing.T, dir, name string) string {
	t.Helper()
	for _, b := range testbuild.Build(t, "", testbuild.Target{GOOS: "linux", GOARCH: "amd64"}) {
		if b.Program != "phonehome" {
			continue
		}
		data, err := os.ReadFile(b.Path)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o755); err != nil {
			t.Skipf("the file system refuses the name %q: %v", name, err)
		}
		return p
	}
	t.Fatal("no phonehome fixture")
	return ""
}

func write(t *testing.T, path, text string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// hostileDisclosure covers phonehome, with v in the product name and vendor, the
// endpoint's purpose and an accepted finding's reason.
func hostileDisclosure(v string) string {
	q := yamlQuoted
	return `apiVersion: candor.dev/disclosure/v1
product: {name: ` + q("phonehome "+v) + `, version: "1.0.0", vendor: ` + q(v) + `}
security: {contact: security@acme.example, policy: "https://acme.example/security", notificationDays: 30}
endpoints:
  - host: collect.phonehome-fixture.net
    purpose: ` + q(v) + `
    data: [host name]
    consent: opt-in
accepted:
  - {capability: network.endpoint, host: collect.phonehome-fixture.net, reason: ` + q("because "+v) + `}
`
}

// TestCLIEscapesSignedValues: the vendor signs a disclosure whose product, vendor, purpose
// and accepted reason hold escapes; the buyer's failing verify prints them escaped on
// stdout and stderr, and its JSON decodes to exactly the signed strings.
func TestCLIEscapesSignedValues(t *testing.T) {
	for name, v := range termsafetest.Hostile {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			bin := phonehome(t, dir, "phonehome")
			priv, pub := writeKey(t, dir)
			disc := write(t, filepath.Join(dir, "disclosure.yaml"), hostileDisclosure(v))
			att := filepath.Join(dir, "phonehome.intoto.json")
			code, stdout, stderr := candor("attest", "--disclosure", disc, "--key", priv, "-o", att, bin)
			checkClean(t, stdout, stderr)
			if code != 0 {
				t.Fatalf("attest exited %d: %s", code, stderr)
			}
			pol := write(t, filepath.Join(dir, "policy.yaml"), "apiVersion: candor.dev/policy/v1\nproduct: {version: \"9.9.9\"}\nendpoints: {deny: [\"*.net\"]}\n")

			code, stdout, stderr = candor("verify", "--key", pub, "--policy", pol, bin)
			if code != 1 {
				t.Fatalf("verify exited %d, want 1:\n%s\n%s", code, stdout, stderr)
			}
			checkClean(t, stdout, stderr)
			want := strings.ToValidUTF8(v, "?")
			if !strings.Contains(stdout, termsafe.Line(want)) {
				t.Errorf("stdout does not show the vendor escaped as %s:\n%s", termsafe.Line(want), stdout)
			}
			if !strings.HasSuffix(stdout, "\nFAIL: 0 of 1 verdict(s) passed\n") {
				t.Errorf("stdout does not end with the FAIL line:\n%s", stdout)
			}
			if !strings.HasPrefix(stderr, "candor: verification failed") {
				t.Errorf("stderr = %q, want the failure", stderr)
			}

			code, stdout, _ = candor("verify", "--key", pub, "--policy", pol, "--format", "json", bin)
			if code != 1 {
				t.Fatalf("verify --format json exited %d, want 1", code)
			}
			checkClean(t, stdout, "")
			var res struct {
				Verdicts []struct {
					Product struct{ Name, Vendor string }
				}
			}
			if err := json.Unmarshal([]byte(stdout), &res); err != nil {
				t.Fatalf("JSON output is not valid: %v\n%s", err, stdout)
			}
			if len(res.Verdicts) != 1 || res.Verdicts[0].Product.Vendor != want || res.Verdicts[0].Product.Name != "phonehome "+want {
				t.Errorf("JSON product = %+v, want exactly %q", res.Verdicts, want)
			}
		})
	}
}

// TestCLIEscapesFileNames: with no key of the vendor's, anyone who names the files of a
// release can reach the buyer's terminal; the names are escaped, on stdout and in the
// error line, for verify, scan and attest alike.
func TestCLIEscapesFileNames(t *testing.T) {
	for name, v := range termsafetest.Hostile {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			rel := filepath.Join(dir, "release")
			if err := os.Mkdir(rel, 0o755); err != nil {
				t.Fatal(err)
			}
			bin := phonehome(t, rel, "app"+v)
			write(t, bin+".intoto.json", "garbage "+v)
			write(t, filepath.Join(rel, "README"+v), "hello")
			_, pub := writeKey(t, dir)

			code, stdout, stderr := candor("verify", "--key", pub, rel)
			if code == 0 {
				t.Fatalf("a garbage attestation verified:\n%s", stdout)
			}
			checkClean(t, stdout, stderr)
			if !strings.Contains(stdout, termsafe.Line("app"+v)) {
				t.Errorf("stdout does not name the file escaped:\n%s", stdout)
			}

			code, stdout, stderr = candor("scan", bin, filepath.Join(rel, "missing"+v))
			if code != 2 {
				t.Errorf("scan of a missing file exited %d, want 2", code)
			}
			checkClean(t, stdout, stderr)
			if !strings.Contains(stderr, termsafe.Line("missing"+v)) {
				t.Errorf("stderr does not name the missing file escaped: %q", stderr)
			}

			code, stdout, stderr = candor("scan", "--format", "json", bin)
			if code != 0 {
				t.Fatalf("scan --format json exited %d: %s", code, stderr)
			}
			checkClean(t, stdout, stderr)
			var rep struct{ Artifacts []struct{ Path string } }
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil || len(rep.Artifacts) != 1 {
				t.Fatalf("scan JSON: %v\n%s", err, stdout)
			}
			if got := rep.Artifacts[0].Path; got != strings.ToValidUTF8(bin, "\ufffd") && got != string([]rune(bin)) {
				t.Errorf("scan JSON path = %q, want %q", got, bin)
			}

			priv, _ := writeKey(t, t.TempDir())
			disc := write(t, filepath.Join(dir, "bare"+v+".yaml"), "apiVersion: candor.dev/disclosure/v1\nproduct: {name: app, version: \"1.0.0\", vendor: ACME}\nsecurity: {contact: security@acme.example, policy: \"https://acme.example/security\", notificationDays: 30}\n")
			code, stdout, stderr = candor("attest", "--disclosure", disc, "--key", priv, "-o", filepath.Join(dir, "out.json"), bin)
			if code != 1 {
				t.Fatalf("attest of an undisclosed finding exited %d, want 1: %s", code, stderr)
			}
			checkClean(t, stdout, stderr)
			if !strings.Contains(stderr, termsafe.String("app"+v)) {
				t.Errorf("attest does not name the artifact escaped:\n%s", stderr)
			}
		})
	}
}

// TestCLIEscapesErrors: values that only ever reach an error message (a flag, a
// disclosure's field) are escaped in the "candor: ..." line.
func TestCLIEscapesErrors(t *testing.T) {
	for name, v := range termsafetest.Hostile {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := candor("scan", "--"+v)
			if code != 2 {
				t.Errorf("an unknown flag exited %d, want 2", code)
			}
			checkClean(t, stdout, stderr)

			code, stdout, stderr = candor("version", "--format", v)
			if code != 2 {
				t.Errorf("a bad format exited %d, want 2", code)
			}
			checkClean(t, stdout, stderr)

			dir := t.TempDir()
			bin := phonehome(t, dir, "app")
			priv, _ := writeKey(t, dir)
			disc := write(t, filepath.Join(dir, "disclosure.yaml"), "apiVersion: candor.dev/disclosure/v1\nproduct: {name: "+yamlQuoted(v)+", version: "+yamlQuoted(v)+"}\nbogus"+yamlQuoted(v)+": 1\n")
			code, stdout, stderr = candor("attest", "--disclosure", disc, "--key", priv, "-o", filepath.Join(dir, "out.json"), bin)
			if code != 2 {
				t.Errorf("attest of an invalid disclosure exited %d, want 2: %s", code, stderr)
			}
			checkClean(t, stdout, stderr)
			if !strings.HasPrefix(stderr, "candor: ") {
				t.Errorf("stderr = %q, want the error line", stderr)
			}
		})
	}
}

// TestCLIEscapesScannedStrings: strings read from a binary (here its build information,
// edited in place as anyone shipping a binary can) are escaped in scan's text and carried
// exactly in scan's JSON and SARIF.
func TestCLIEscapesScannedStrings(t *testing.T) {
	built := buildProgram(t, progNothing)
	data, err := os.ReadFile(built)
	if err != nil {
		t.Fatal(err)
	}
	// Same-length replacements of the main module's version "(devel)" in the build info.
	for name, v := range map[string]string{"csi": "\x1b[2J\x1b[H", "c1-bidi": "\u009b\u202e\rx", "osc": "\x1b]0;t\a\b"} {
		t.Run(name, func(t *testing.T) {
			const mod = "\texample.com/prog\t(devel)"
			if len(v) != len("(devel)") || !strings.Contains(string(data), mod) {
				t.Fatalf("cannot patch the build info: %d bytes, found %v", len(v), strings.Contains(string(data), mod))
			}
			bin := filepath.Join(t.TempDir(), "prog")
			patched := strings.ReplaceAll(string(data), mod, "\texample.com/prog\t"+v)
			if err := os.WriteFile(bin, []byte(patched), 0o755); err != nil {
				t.Fatal(err)
			}

			code, stdout, stderr := candor("scan", bin)
			if code != 0 {
				t.Fatalf("scan exited %d: %s", code, stderr)
			}
			checkClean(t, stdout, stderr)
			if want := strconv.QuoteToASCII("example.com/prog " + v); !strings.Contains(stdout, want) {
				t.Errorf("scan text does not show the module escaped as %s:\n%s", want, stdout)
			}
			for _, format := range []string{"json", "sarif"} {
				code, stdout, stderr = candor("scan", "--format", format, bin)
				if code != 0 {
					t.Fatalf("scan --format %s exited %d: %s", format, code, stderr)
				}
				checkClean(t, stdout, stderr)
				var doc any
				if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
					t.Fatalf("scan --format %s is not valid JSON: %v", format, err)
				}
				if format == "json" && !containsString(doc, v) {
					t.Errorf("scan --format json does not carry the version %q exactly", v)
				}
			}
		})
	}
}

// containsString reports whether the decoded JSON value v holds the string s anywhere.
func containsString(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return v == s
	case []any:
		for _, e := range v {
			if containsString(e, s) {
				return true
			}
		}
	case map[string]any:
		for _, e := range v {
			if containsString(e, s) {
				return true
			}
		}
	}
	return false
}
