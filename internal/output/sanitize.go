package output

import (
	"unicode/utf8"

	"github.com/candor-dev/candor/internal/termsafe"
)

// maxValue bounds how many runes of one scanned value a human-readable line shows.
const maxValue = 160

// printable makes s safe to show on a terminal. Values come from scanned binaries and
// may hold escape sequences, bidirectional overrides or invalid UTF-8; such a value is
// shown Go-quoted (ASCII only) by [termsafe.String] so every byte is visible and none is
// interpreted. Long values are cut to [maxValue] runes and marked with "…".
func printable(s string) string {
	s = termsafe.String(s)
	if utf8.RuneCountInString(s) > maxValue {
		rs := []rune(s)
		s = string(rs[:maxValue]) + "…"
	}
	return s
}
