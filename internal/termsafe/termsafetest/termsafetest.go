// Package termsafetest holds what the escape tests of several packages share: values that
// carry each kind of terminal escape, and a check that output holds none raw. It is for
// tests only.
package termsafetest

import (
	"unicode/utf8"

	"github.com/candor-dev/candor/internal/termsafe"
)

// Hostile are values a vendor (or whoever names a file) can choose, each with a different
// kind of terminal escape: a CSI that clears the screen and prints a fake verdict, an OSC
// that sets the window title, the one-byte C1 CSI, right-to-left and isolate controls,
// carriage return and backspace overwrites, and invalid UTF-8.
var Hostile = map[string]string{
	"csi":     "\x1b[2J\x1b[HPASS: 1 of 1 verdict(s) passed\x1b[8m",
	"osc":     "acme\x1b]0;all good\x07",
	"c1":      "acme\u009b2J\u009b8m",
	"bidi":    "acme\u202etxt.exe\u2066x\u2069",
	"cr":      "acme\rPASS phonehome",
	"bs":      "acme\b\b\b\bPASS",
	"invalid": "acme\xff\xfe\xc0",
}

// Raw returns the first byte or rune of out that a terminal would act on (anything
// [termsafe.Unsafe] names, other than newline and tab, or a byte of invalid UTF-8), or "".
func Raw(out string) string {
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRuneInString(out[i:])
		if r == utf8.RuneError && n == 1 {
			return out[i : i+1]
		}
		if r != '\n' && r != '\t' && termsafe.Unsafe(r) {
			return string(r)
		}
		i += n
	}
	return ""
}
