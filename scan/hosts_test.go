package scan

import (
	"slices"
	"testing"
)

// endpointHosts runs the string pass and the endpoint filter of the builtin rules
// over data as if it were one read-only data section.
func endpointHosts(t *testing.T, data string) []string {
	t.Helper()
	r, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f := &facts{hits: newHits(len(r.atoms.atoms)), hosts: map[string]*hostAgg{}, urlHosts: map[string]bool{}}
	im := &image{}
	f.dataSection(im, r, &section{name: ".rodata", data: []byte(data)}, 0)
	f.judgeBare(r)
	var out []string
	for _, fd := range f.endpoints() {
		out = append(out, fd.Host)
	}
	slices.Sort(out)
	return out
}

func TestEndpointHosts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want []string
	}{
		// a native image's strings end with a NUL: one with words around the
		// host is a message
		{"help text of a C program", "\x00and/or open issues at https://bugs.vendor-fixture.net/new.\n\x00https://api.vendor-fixture.net/v1\x00", []string{"api.vendor-fixture.net"}},
		{"url run into next string", "\x00https://usage.influxdata.cominconsistent state", []string{"usage.influxdata.com"}},
		{"scheme glued to previous string", "errorhttps://api.segment.io/v1/batchfoo", []string{"api.segment.io"}},
		{"bare host with key suffix", "\x00sum.golang.org+033de0ae+Ac4zctda", []string{"sum.golang.org"}},
		{"bare host glued after a word, confirmed by a URL", "bitssum.golang.org\x00https://sum.golang.org/lookup/", []string{"sum.golang.org"}},
		{"module path is not an endpoint", "\x00github.com/spf13/cobra\x00golang.org/x/net/http2", nil},
		{"file names are not hosts", "README.md libc.so.6 main.go archive.tar.gz", nil},
		{"flag names with rare TLDs", "\x00collector.cpu.info\x00go.shape.int\x00", nil},
		{"format verb in authority", "https://%s.s3.amazonaws.com/", nil},
		{"template in authority", "https://{region}.api.example.org", nil},
		{"rfc 2606 names", "https://example.com/x https://api.example.net/ http://foo.test/", nil},
		{"loopback and documentation addresses", "http://127.0.0.1:8080/ http://[::1]:9/ http://192.0.2.10/ http://[2001:db8::1]/", nil},
		{"cloud metadata address is reported", "http://169.254.169.254/latest/meta-data/", []string{"169.254.169.254"}},
		{"public address literal", "tcp://8.8.8.8:53", []string{"8.8.8.8"}},
		{"bare address needs a port", "\x001.42.0.5\x009.9.9.9:853\x00", []string{"9.9.9.9"}},
		{"go docs link is inert", "see https://go.dev/doc/install for details", nil},
		{"go download feed is an endpoint", "https://go.dev/dl/?mode=json", []string{"go.dev"}},
		{"github issue link is inert", "https://github.com/foo/bar/issues/12", nil},
		{"github repo home is inert", "https://github.com/foo/bar", nil},
		{"github release download is an endpoint", "https://github.com/foo/bar/releases/download/v1/x.tar.gz", []string{"github.com"}},
		{"docs host is inert", "https://docs.sentry.io/product/releases/", nil},
		{"same host as docs link and as endpoint", "https://dl.vendor.io/docs/install\x00https://dl.vendor.io/latest/bin", []string{"dl.vendor.io"}},
		{"e-mail address is not an endpoint", "mailto:security@vendor-corp.com\x00", nil},
		{"userinfo is skipped", "https://user:pw@push.vendor-corp.com/x", []string{"push.vendor-corp.com"}},
		{"upper-case scheme and host", "HTTPS://API.Vendor-Corp.COM/v1", []string{"api.vendor-corp.com"}},
		{"special-use internal name", "http://metadata.google.internal/computeMetadata/v1/", []string{"metadata.google.internal"}},
		{"non-network scheme", "file:///etc/passwd unix:///var/run/docker.sock", nil},
		{"one finding per host", "https://t.vendor-corp.com/a\x00https://t.vendor-corp.com/b\x00https://t.vendor-corp.com/c\x00https://t.vendor-corp.com/d", []string{"t.vendor-corp.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := endpointHosts(t, tt.data)
			if !slices.Equal(got, tt.want) {
				t.Errorf("hosts in %q = %q, want %q", tt.data, got, tt.want)
			}
		})
	}
}

func TestEndpointEvidence(t *testing.T) {
	t.Parallel()
	r, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	f := &facts{hits: newHits(len(r.atoms.atoms)), hosts: map[string]*hostAgg{}, urlHosts: map[string]bool{}}
	data := "\x00\x00\x00\x00https://t.vendor-corp.com/a\x00https://t.vendor-corp.com/b\x00https://t.vendor-corp.com/c\x00https://t.vendor-corp.com/d"
	f.dataSection(&image{}, r, &section{name: ".rodata", off: 0x1000, data: []byte(data)}, 0)
	eps := f.endpoints()
	if len(eps) != 1 {
		t.Fatalf("got %d findings, want 1", len(eps))
	}
	fd := eps[0]
	if fd.EvidenceTotal != 4 || len(fd.Evidence) != min(4, maxHostRefs) {
		t.Errorf("evidence total %d (want 4), listed %d (want every one: %d)", fd.EvidenceTotal, len(fd.Evidence), min(4, maxHostRefs))
	}
	if fd.Evidence[0].Value != "https://t.vendor-corp.com/a" || fd.Evidence[0].Where != ".rodata+0x4 (file offset 0x1004)" {
		t.Errorf("first evidence = %+v", fd.Evidence[0])
	}
	if fd.Confidence != Referenced || fd.Capability != NetworkEndpoint || fd.Commitment != CommitmentExfiltration {
		t.Errorf("finding = %+v", fd)
	}
}

func TestPkgOf(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"net/http.(*Server).Serve":                       "net/http",
		"net.(*Dialer).DialContext":                      "net",
		"gopkg.in/yaml.v3.Unmarshal":                     "gopkg.in/yaml.v3",
		"gopkg.in/yaml.v3.(*decoder).unmarshal":          "gopkg.in/yaml.v3",
		"github.com/getsentry/sentry-go.(*Client).Flush": "github.com/getsentry/sentry-go",
		"main.main.func1":                                "main",
		"slices.Sort[go.shape.[]string,go.shape.string]": "slices",
		"pkg.F[go.shape.struct { X net/http.Header }]":   "pkg",
		"type:.eq.net/http.Header":                       "",
		"go:buildid":                                     "",
		"noDot":                                          "",
	}
	for name, want := range tests {
		if got := string(pkgOf([]byte(name))); got != want {
			t.Errorf("pkgOf(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestNormPackage(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"vendor/golang.org/x/net/http2/hpack":                         "golang.org/x/net/http2/hpack",
		"cmd/vendor/golang.org/x/telemetry/internal/upload":           "golang.org/x/telemetry/internal/upload",
		"github.com/a/b/vendor/github.com/getsentry/sentry-go":        "github.com/getsentry/sentry-go",
		"github.com/getsentry/sentry-go":                              "github.com/getsentry/sentry-go",
		"github.com/rclone/rclone/vendor/github.com/minio/selfupdate": "github.com/minio/selfupdate",
	}
	for in, want := range tests {
		if got := normPackage(in); got != want {
			t.Errorf("normPackage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestContainsFold(t *testing.T) {
	t.Parallel()
	if !containsFold([]byte("github.com/x/y.(*T).SelfUpdate"), "selfupdate") {
		t.Error("mixed case not found")
	}
	if containsFold([]byte("github.com/x/y.SelfUpd"), "selfupdate") {
		t.Error("prefix reported as match")
	}
}

func TestEndpointNoise(t *testing.T) {
	t.Parallel()
	for _, data := range []string{
		"https://example.com.Use the flag",
		"https://mysubdomain.mydomain.tld",
		"http://www.collada.org/2005/11/COLLADASchema",
		"http://www.upnp.org/schemas/av/avs.xsd",
		"http://purl.org/dc/elements/1.1/",
		"https://contoso.sharepoint.com/sites/mysite",
		"http://www.opengis.net/kml/2.2",
	} {
		if got := endpointHosts(t, data); len(got) != 0 {
			t.Errorf("%q: reported %q", data, got)
		}
	}
}

func TestEndpointGlued(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"http://169.254.169.254iam-fips.amazonaws.com": {"169.254.169.254"},
		"http://www.interest rates":                    nil,
		"https://segment.iohello":                      nil,
		"https://api.segment.iohello":                  {"api.segment.io"},
	}
	for data, want := range tests {
		if got := endpointHosts(t, data); !slices.Equal(got, want) {
			t.Errorf("%q: %q, want %q", data, got, want)
		}
	}
}

func TestTwoLabelHost(t *testing.T) {
	for _, c := range []struct {
		in, host string
		ok       bool
	}{
		{"syncthing.net", "syncthing.net", true},
		{"vendor.com:443", "vendor.com", true},
		{"vendor.com:", "", false},
		{"vendor.com:443443", "", false},
		{"vendor.com:44a", "", false},
		{"api.vendor.com", "", false}, // three labels: findHosts' own
		{"vendor", "", false},
		{"Vendor.com", "", false},   // not a lower-case literal
		{"main.go", "", false},      // no top-level domain
		{"vendor.com/x", "", false}, // a path
		{"vendor.com ", "", false},  // more than the name
		{"co.uk", "", false},        // a public suffix, no registrable domain
		{"-vendor.com", "", false},  // not a label
		{"", "", false},
	} {
		host, ok := twoLabelHost([]byte(c.in))
		if host != c.host || ok != c.ok {
			t.Errorf("twoLabelHost(%q) = %q, %v; want %q, %v", c.in, host, ok, c.host, c.ok)
		}
	}
}
