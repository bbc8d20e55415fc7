package scan

import (
	"strings"
	"testing"
)

// TestStringShapes: the judgements made on exact literals — prose around a
// URL, a markup identifier, and text against binary data.
func TestStringShapes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s      string
		url    string
		prose  bool
		markup bool
	}{
		{"https://api.vendor.example/v1", "https://api.vendor.example/v1", false, false},
		{"More info: https://docs.vendor.example/x", "https://docs.vendor.example/x", true, false},
		{"https://beacon.vendor.example/ is contacted", "https://beacon.vendor.example/", true, false},
		{`xmlns="http://earth.google.com/kml/2.2"`, "http://earth.google.com/kml/2.2", false, true},
		{`<kml xmlns:gx="http://www.google.com/kml/ext/2.2">`, "http://www.google.com/kml/ext/2.2", true, true},
		{`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/TR/xhtml1/DTD/x.dtd">`, "http://www.w3.org/TR/xhtml1/DTD/x.dtd", true, true},
		{`url="https://api.vendor.example/"`, "https://api.vendor.example/", false, false},
		// values of a JSON document are data, whatever surrounds them
		{"{\n\t\"products\": [{\"region\": \"eu-1\", \"endpoint\": \"kms.eu-1.vendor.example\"}]}", "kms.eu-1.vendor.example", false, false},
		{" [\"a.vendor.example\",\n \"b.vendor.example\"]", "b.vendor.example", false, false},
		// a quoted example in help text, a quoted mention, a markup attribute
		// or a quoted key are not
		{"Site URL\nExample: \"https://contoso.vendor.example/sites/mysite\"", "https://contoso.vendor.example/sites/mysite", true, false},
		{"use \"api.vendor.example\" only when told", "api.vendor.example", true, false},
		{"{\"api.vendor.example\": 1, \"b\": 2}", "api.vendor.example", true, false},
		{`<a href="https://docs.vendor.example/">the docs</a>`, "https://docs.vendor.example/", true, false},
	} {
		off := int64(strings.Index(tt.s, tt.url))
		if got := inProse([]byte(tt.s), off, len(tt.url)); got != tt.prose {
			t.Errorf("inProse(%q) = %v, want %v", tt.s, got, tt.prose)
		}
		if got := inMarkup([]byte(tt.s), off); got != tt.markup {
			t.Errorf("inMarkup(%q) = %v, want %v", tt.s, got, tt.markup)
		}
	}
	for s, want := range map[string]bool{"https://a.example/\tx\n": true, "plain": true, "\x01\x00\x00y": false, "text\x7f": false} {
		if got := looksText([]byte(s)); got != want {
			t.Errorf("looksText(%q) = %v, want %v", s, got, want)
		}
	}
}
