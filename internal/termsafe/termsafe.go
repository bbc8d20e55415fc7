package termsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// invisible are graphic runes (by Unicode's categories) that show nothing: fillers and
// joiners that can hide text or make two different names look alike.
var invisible = map[rune]bool{
	0x034f: true, // combining grapheme joiner
	0x115f: true, // Hangul choseong filler
	0x1160: true, // Hangul jungseong filler
	0x17b4: true, // Khmer vowel inherent aq
	0x17b5: true, // Khmer vowel inherent aa
	0x3164: true, // Hangul filler
	0xffa0: true, // halfwidth Hangul filler
}

// Unsafe reports whether r must not reach a terminal as it is. Newline and tab are
// unsafe too; [Message] and [Line] keep them where a message may hold them.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f:
		return true
	case r < 0x7f:
		return false
	case r <= 0x9f: // C1 controls
		return true
	case r == utf8.RuneError:
		return false // the character itself; invalid bytes are caught by the decoders
	case unicode.Is(unicode.Cf, r), r == 0x2028, r == 0x2029, invisible[r]:
		return true
	}
	return !unicode.IsGraphic(r) // private use, surrogates, unassigned
}

// plainValue reports whether s can be shown as a value as it is: valid UTF-8, no unsafe
// rune, and no space but U+0020 (a tab or a no-break space would hide what the value is).
func plainValue(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || Unsafe(r) || unicode.IsSpace(r) {
			return false
		}
		i += n
	}
	return true
}

// String returns s ready to print as one value: s itself when it is plain (printable
// characters and U+0020 spaces only), and otherwise s Go-quoted in ASCII
// ([strconv.QuoteToASCII]), so every byte of it is visible and none is interpreted.
func String(s string) string {
	if plainValue(s) {
		return s
	}
	return strconv.QuoteToASCII(s)
}

// Line returns the one-line message s with every unsafe rune, newline included, and
// every invalid byte written as a Go escape (\x1b, \r, \n, \u202e). Tabs stay. Text
// that needs no escaping is returned as it is.
func Line(s string) string { return escape(s, false) }

// Message returns the message s, which may span lines, with every unsafe rune but
// newline and tab, and every invalid byte, written as a Go escape (\x1b, \r, \u009b,
// \u202e). Text that needs no escaping is returned as it is.
func Message(s string) string { return escape(s, true) }

// keep reports whether escape leaves the control c as it is.
func keep(c byte, newlines bool) bool { return c == '\t' || c == '\n' && newlines }

func escape(s string, newlines bool) string {
	i := firstUnsafe(s, newlines)
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c < 0x20 && keep(c, newlines) {
			b.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			writeHex(&b, `\x`, uint32(c), 2)
		case Unsafe(r):
			writeRune(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte of s that escape must rewrite, or len(s).
func firstUnsafe(s string, newlines bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f || c < 0x20 && keep(c, newlines) {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || Unsafe(r) {
			return i
		}
		i += n
	}
	return len(s)
}

// writeRune writes the Go escape of the unsafe rune r.
func writeRune(b *strings.Builder, r rune) {
	switch r {
	case '\a':
		b.WriteString(`\a`)
	case '\b':
		b.WriteString(`\b`)
	case '\f':
		b.WriteString(`\f`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	case '\v':
		b.WriteString(`\v`)
	default:
		switch {
		case r < 0x80:
			writeHex(b, `\x`, uint32(r), 2)
		case r < 0x10000:
			writeHex(b, `\u`, uint32(r), 4)
		default:
			writeHex(b, `\U`, uint32(r), 8)
		}
	}
}

const hexDigits = "0123456789abcdef"

func writeHex(b *strings.Builder, prefix string, v uint32, digits int) {
	b.WriteString(prefix)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[v>>uint(shift)&0xf])
	}
}
