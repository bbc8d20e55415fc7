package attest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
)

const validHead = `apiVersion: candor.dev/disclosure/v1
product: {name: agent, version: "1.0", vendor: ACME}
security: {contact: security@acme.example, policy: "https://acme.example/sec", notificationDays: 30}
`

func TestLoadDisclosure(t *testing.T) {
	t.Parallel()
	d, err := LoadDisclosure(filepath.Join("testdata", "disclosure.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Endpoints[0].Host; got != "*.acme.example" {
		t.Errorf("wildcard host normalised to %q", got)
	}
	if got := d.Endpoints[1].Host; got != "xn--bcher-kva.example" {
		t.Errorf("IDNA host normalised to %q", got)
	}
	if got := *d.Listeners[1].Port; got != (predicate.PortRange{Low: 8000, High: 8010}) {
		t.Errorf("port range %v", got)
	}
	if d.Product.Version != "1.4.2" || d.Security.NotificationDays != 30 {
		t.Errorf("product/security: %+v %+v", d.Product, d.Security)
	}
	if d.Updates.Forced() {
		t.Error("user-approved updates reported as forced")
	}
	// JSON is YAML: the same document as JSON loads too, and Normalize is idempotent.
	again := *d
	if err := again.Normalize(); err != nil {
		t.Fatal(err)
	}
}

// TestBadDisclosure checks that each kind of bad input gives ErrDisclosure with the right
// line and field.
func TestBadDisclosure(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		yaml  string
		line  int
		field string
		msg   string
		isErr error
	}{
		{"malformed YAML", validHead + "endpoints: [\n", 4, "", "invalid YAML", nil},
		{"tab indentation", validHead + "endpoints:\n\t- host: x\n", 5, "", "invalid YAML", nil},
		{"empty", "", 0, "", "empty document", nil},
		{"comment only", "# nothing\n", 0, "", "empty document", nil},
		{"two documents", validHead + "---\n" + validHead, 4, "", "more than one YAML document", nil},
		{"unknown field (typo)", validHead + "endpionts: []\n", 4, "endpionts", "unknown field", schemas.ErrInvalid},
		{"unknown nested field", validHead + "updates: {mechanism: none, autoUpdate: true}\n", 4, "updates.autoUpdate", "unknown field", schemas.ErrInvalid},
		{"wrong type", validHead + "listeners:\n  - port: [80]\n    bind: all\n    purpose: web\n    authentication: none\n", 5, "listeners[0].port", "want", schemas.ErrInvalid},
		{"number for string", strings.Replace(validHead, `"1.0"`, `1.10`, 1), 2, "product.version", `write it in quotes: "1.10"`, schemas.ErrInvalid},
		{"missing required field", "apiVersion: candor.dev/disclosure/v1\nproduct: {name: a, version: b}\nsecurity: {contact: s@a.example, policy: \"https://a.example/p\", notificationDays: 1}\n", 2, "product.vendor", "missing required field", schemas.ErrInvalid},
		{"missing section", "apiVersion: candor.dev/disclosure/v1\nproduct: {name: a, version: b, vendor: c}\n", 1, "security", "missing required field", schemas.ErrInvalid},
		{"wrong apiVersion", strings.Replace(validHead, "disclosure/v1", "disclosure/v2", 1), 1, "apiVersion", "", schemas.ErrInvalid},
		{"bad consent", validHead + "endpoints:\n  - host: a.acme.example\n    purpose: p\n    data: []\n    consent: sometimes\n", 8, "endpoints[0].consent", "", schemas.ErrInvalid},
		{"wildcard alone", validHead + "endpoints:\n  - host: \"*\"\n    purpose: p\n    data: []\n    consent: always\n", 5, "endpoints[0].host", "would match every host", schemas.ErrInvalid},
		{"wildcard inside", validHead + "endpoints:\n  - host: a.*.b\n    purpose: p\n    data: []\n    consent: always\n", 5, "endpoints[0].host", "whole first label", schemas.ErrInvalid},
		{"wildcard glued", validHead + "endpoints:\n  - host: \"*a.b\"\n    purpose: p\n    data: []\n    consent: always\n", 5, "endpoints[0].host", "whole first label", schemas.ErrInvalid},
		{"wildcard in label", validHead + "endpoints:\n  - host: ex*.com\n    purpose: p\n    data: []\n    consent: always\n", 5, "endpoints[0].host", "whole first label", schemas.ErrInvalid},
		{"wildcard on public suffix", validHead + "endpoints:\n  - host: \"*.co.uk\"\n    purpose: p\n    data: []\n    consent: always\n", 5, "endpoints[0].host", "public suffix", nil},
		{"bad telemetry host", validHead + "telemetry:\n  - name: x\n    endpoints: [a.*.b]\n    data: []\n    consent: opt-in\n", 6, "telemetry[0].endpoints[0]", "whole first label", schemas.ErrInvalid},
		{"bad port range", validHead + "listeners:\n  - port: \"9000-8000\"\n    bind: all\n    purpose: web\n    authentication: none\n", 5, "listeners[0].port", "low first", nil},
		{"duplicate key", validHead + "updates:\n  mechanism: none\n  mechanism: automatic\n", 6, "updates.mechanism", "duplicate key", nil},
		{"non-string key", validHead + "updates:\n  1: none\n", 5, "updates", "keys must be strings", nil},
		{"anchor", validHead + "endpoints: &e []\n", 4, "endpoints", "anchors and aliases", nil},
		{"alias", validHead + "x: &a [1]\ny: *a\n", 4, "x", "anchors and aliases", nil},
		{"merge key", validHead + "updates:\n  <<: {mechanism: none}\n", 5, "updates", "merge keys", nil},
		{"custom tag", validHead + "updates: {mechanism: !shell none}\n", 4, "updates.mechanism", "unsupported YAML tag", nil},
		{"automatic without userCanDisable", validHead + "updates: {mechanism: automatic, endpoints: [u.acme.example], signed: true}\n", 4, "updates.userCanDisable", "missing required field", schemas.ErrInvalid},
		{"accepted with only a rule", validHead + "accepted:\n  - rule: endpoint.url\n    reason: never contacted\n", 5, "accepted[0]", "value", schemas.ErrInvalid},
		{"too deep", validHead + "x: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n", 4, "*", "nested more than", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseDisclosure("d.yaml", []byte(tt.yaml))
			if !errors.Is(err, ErrDisclosure) {
				t.Fatalf("got %v, want ErrDisclosure", err)
			}
			if tt.isErr != nil && !errors.Is(err, tt.isErr) {
				t.Errorf("%v does not wrap %v", err, tt.isErr)
			}
			var de *DisclosureError
			if !errors.As(err, &de) {
				t.Fatalf("got %T, want *DisclosureError", err)
			}
			for _, p := range de.Problems {
				if p.Line == tt.line && (p.Field == tt.field || tt.field == "*") && strings.Contains(p.Message, tt.msg) {
					if !strings.HasPrefix(err.Error(), "d.yaml:") {
						t.Errorf("message does not start with the file name: %s", err)
					}
					return
				}
			}
			t.Errorf("no problem at line %d field %q containing %q in:\n%v", tt.line, tt.field, tt.msg, err)
		})
	}
}

func TestDisclosureLimits(t *testing.T) {
	t.Parallel()
	big := validHead + "# " + strings.Repeat("x", MaxDisclosureSize) + "\n"
	if _, err := ParseDisclosure("d.yaml", []byte(big)); !errors.Is(err, ErrDisclosure) {
		t.Errorf("oversized input: %v", err)
	}
	p := filepath.Join(t.TempDir(), "big.yaml")
	if err := os.WriteFile(p, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadDisclosure(p); !errors.Is(err, ErrDisclosure) {
		t.Errorf("oversized file: %v", err)
	}
	if _, err := LoadDisclosure(filepath.Join(t.TempDir(), "absent.yaml")); !errors.Is(err, ErrDisclosure) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	// The classic alias bomb is refused at the first anchor, before any expansion.
	bomb := validHead + "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	if _, err := ParseDisclosure("d.yaml", []byte(bomb)); !errors.Is(err, ErrDisclosure) {
		t.Errorf("alias bomb: %v", err)
	}
}

func FuzzParseDisclosure(f *testing.F) {
	seed, err := os.ReadFile(filepath.Join("testdata", "disclosure.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(validHead))
	f.Add([]byte(validHead + "x: &a [1]\ny: *a\n"))
	f.Add([]byte("{\"apiVersion\": \"candor.dev/disclosure/v1\"}"))
	f.Add([]byte("- [a, {b: c}]\n---\nz"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseDisclosure("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, ErrDisclosure) {
				t.Fatalf("error does not wrap ErrDisclosure: %v", err)
			}
			return
		}
		// Whatever loads must survive a round trip and match findings without panicking.
		again := *d
		if err := again.Normalize(); err != nil {
			t.Fatalf("a loaded disclosure does not load again: %v", err)
		}
		for _, f := range []scan.Finding{{Capability: scan.NetworkEndpoint, Host: "a.b"}, {Capability: scan.TelemetrySDK}} {
			d.Cover(f)
			d.Suggest("a", f)
		}
	})
}
