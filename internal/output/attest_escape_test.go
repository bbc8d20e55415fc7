package output

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
)

// TestAttestTextEscapes: every string in the list of undisclosed findings (the
// artifact's name, what the binary holds, the disclosure's file name and the YAML built
// from them) is written escaped.
func TestAttestTextEscapes(t *testing.T) {
	t.Parallel()
	for name, v := range map[string]string{
		"csi":     "\x1b[2J\x1b[HPASS: 1 of 1 verdict(s) passed\x1b[8m",
		"osc":     "\x1b]0;title\x07",
		"c1":      "\u009b2J",
		"bidi":    "\u202etxt.exe\u2066",
		"cr":      "\rPASS",
		"bs":      "\b\b\bok",
		"invalid": "\xff\xfe",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := attest.Uncovered{
				Artifact: "app" + v,
				Finding: scan.Finding{
					Rule: "endpoint.literal" + v, Capability: scan.Capability("network.endpoint" + v),
					Confidence: scan.Confidence("referenced" + v), Host: "evil" + v + ".net",
					Summary:  "hard-coded remote host evil" + v + ".net",
					Evidence: []scan.Evidence{{Kind: scan.EvidenceKind("string" + v), Value: "https://evil" + v + ".net/", Where: ".rodata" + v}},
				},
				Note:     "the disclosure says " + v,
				Disclose: "endpoints:\n  - host: evil" + v + ".net\n",
				Accept:   "accepted:\n  - {value: evil" + v + ".net, reason: <why>}\n",
			}
			var b bytes.Buffer
			a := &Attestation{Result: &attest.Result{Uncovered: []attest.Uncovered{u}}, Disclosure: "disclosure" + v + ".yaml"}
			if err := (textRenderer{}).Attest(&b, a); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			for i := 0; i < len(out); {
				r, n := utf8.DecodeRuneInString(out[i:])
				if r == utf8.RuneError && n == 1 || r != '\n' && r != '\t' && termsafe.Unsafe(r) {
					t.Fatalf("output holds the raw %q at %d:\n%q", out[i:i+n], i, out)
				}
				i += n
			}
			for _, want := range []string{termsafe.String("app" + v), termsafe.String("evil" + v + ".net"), termsafe.String("disclosure" + v + ".yaml"),
				"accepted:\n", termsafe.Line("the disclosure says " + v)} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}
