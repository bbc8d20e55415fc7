package attest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/strictjson"
)

// TestCaseVariantDisclosures: disclosure keys that differ only in case, '_' or '-', or that
// fold onto a field of the disclosure without being it, are refused at every level with
// their line: another parser would read them as the field, and the vendor would sign what
// it did not review.
func TestCaseVariantDisclosures(t *testing.T) {
	t.Parallel()
	const endpoint = "endpoints:\n  - host: collect.acme.example\n    purpose: usage\n    data: [OS]\n    consent: opt-in\n"
	tests := []struct {
		name, yaml string
		kind       error
		line       int
		field      string
	}{
		{"product then Product", validHead + "Product: {name: other, version: \"6\", vendor: EVIL}\n", strictjson.ErrDuplicate, 4, "Product"},
		{"name then Name", "apiVersion: candor.dev/disclosure/v1\nproduct: {name: agent, Name: other, version: \"1.0\", vendor: ACME}\nsecurity: {contact: s@acme.example, policy: \"https://acme.example/p\", notificationDays: 30}\n", strictjson.ErrDuplicate, 2, "product.Name"},
		{"host then Host in an endpoint", validHead + endpoint + "    Host: evil.example\n", strictjson.ErrDuplicate, 9, "endpoints[0].Host"},
		{"consent then CONSENT", validHead + endpoint + "    CONSENT: always\n", strictjson.ErrDuplicate, 9, "endpoints[0].CONSENT"},
		{"notification_days alone", "apiVersion: candor.dev/disclosure/v1\nproduct: {name: a, version: b, vendor: c}\nsecurity: {contact: s@a.example, policy: \"https://a.example/p\", notification_days: 30}\n", strictjson.ErrFoldedName, 3, "security.notification_days"},
		{"Endpoints alone", validHead + "Endpoints: []\n", strictjson.ErrFoldedName, 4, "Endpoints"},
		{"remote-control alone", validHead + "remote-control: []\n", strictjson.ErrFoldedName, 4, "remote-control"},
		{"deep in updates", validHead + "updates:\n  mechanism: automatic\n  userCanDisable: false\n  user_can_disable: true\n  endpoints: [u.acme.example]\n  signed: true\n", strictjson.ErrDuplicate, 7, "updates.user_can_disable"},
		{"JSON with a long s", `{"apiVersion":"candor.dev/disclosure/v1","product":{"name":"a","version":"b","vendor":"c"},"security":{"contact":"s@a.example","policy":"https://a.example/p","notificationDays":30},"\u017Fecurity":{}}`, strictjson.ErrDuplicate, 1, "\u017Fecurity"},
		{"nested too deep", validHead + "x: " + strings.Repeat("[", 40) + strings.Repeat("]", 40) + "\n", strictjson.ErrDepth, 4, ""},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			t.Parallel()
			_, err := ParseDisclosure("d.yaml", []byte(tt.yaml))
			var de *DisclosureError
			if !errors.Is(err, ErrDisclosure) || !errors.Is(err, tt.kind) || !errors.As(err, &de) {
				t.Fatalf("got %v; want ErrDisclosure and %v", err, tt.kind)
			}
			for _, p := range de.Problems {
				if p.Line == tt.line && (p.Field == tt.field || tt.field == "") && errors.Is(p.Err, tt.kind) {
					return
				}
			}
			t.Errorf("no %v problem at line %d, field %q: %v", tt.kind, tt.line, tt.field, err)
		})
	}
	// The fixture disclosure, which uses every section, still loads.
	if _, err := LoadDisclosure(filepath.Join("testdata", "disclosure.yaml")); err != nil {
		t.Fatal(err)
	}
}
