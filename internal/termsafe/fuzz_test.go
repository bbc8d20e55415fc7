package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// checkSafe fails unless out is valid UTF-8 without any unsafe rune but the ones kept.
func checkSafe(t *testing.T, fn, in, out string, kept string) {
	t.Helper()
	for i := 0; i < len(out); {
		r, n := utf8.DecodeRuneInString(out[i:])
		if r == utf8.RuneError && n == 1 {
			t.Fatalf("%s(%q) = %q holds the invalid byte %#x", fn, in, out, out[i])
		}
		if Unsafe(r) && !strings.ContainsRune(kept, r) {
			t.Fatalf("%s(%q) = %q holds %U", fn, in, out, r)
		}
		i += n
	}
}

// plainMessage reports whether s holds only what Message keeps.
func plainMessage(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || Unsafe(r) && r != '\n' && r != '\t' {
			return false
		}
	}
	return utf8.ValidString(s)
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{
		"", "plain", "héllo wörld ✓", "first\n\tsecond",
		"\x1b[2J\x1b[HPASS: 1 of 1 verdict(s) passed\x1b[8m",
		"\x1b]0;title\x07", "\u009b2J", "a\u202eb\u2066c\u2069", "\rPASS\b\b",
		"bad\xff\xfe\xe2\x80", "\u200b\u200d\ufeff\u2028\u2029\U000e0041\ue000\x7f\x00",
		"\ufffd", "\u3164\u115f", `"quoted" \x1b`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		str, line, msg := String(s), Line(s), Message(s)
		checkSafe(t, "String", s, str, "")
		checkSafe(t, "Line", s, line, "\t")
		checkSafe(t, "Message", s, msg, "\n\t")
		if strings.ContainsAny(str, "\n\t") || strings.Contains(line, "\n") {
			t.Fatalf("a value or a line spans lines: %q, %q", str, line)
		}
		if plainValue(s) && str != s {
			t.Fatalf("String(%q) = %q changed a plain value", s, str)
		}
		if plainMessage(s) && msg != s {
			t.Fatalf("Message(%q) = %q changed plain text", s, msg)
		}
		if plainMessage(s) && !strings.Contains(s, "\n") && line != s {
			t.Fatalf("Line(%q) = %q changed plain text", s, line)
		}
		if !plainValue(s) && (!strings.HasPrefix(str, `"`) || !strings.HasSuffix(str, `"`) || len(str) < 2) {
			t.Fatalf("String(%q) = %q is escaped but not quoted", s, str)
		}
		checkSafe(t, "JSON", s, string(JSON([]byte(s))), "\n\t")
	})
}
