package termsafe

import (
	"bytes"
	"unicode/utf8"
)

// JSON returns the JSON document b with every unsafe rune but newline and tab written as
// a JSON \u escape (a surrogate pair above U+FFFF), and every invalid byte as \ufffd.
// encoding/json already escapes C0 controls and U+2028/U+2029 but writes DEL, C1 controls
// and bidirectional or zero-width characters as they are; after JSON, none of them
// reaches a terminal, and the document decodes to exactly the same values. Raw newlines
// and tabs in a document are whitespace between tokens (inside strings, encoding/json has
// escaped them), and the escaped characters occur only inside strings, so the result is
// valid JSON whenever b is. A document that needs no escaping is returned as it is.
func JSON(b []byte) []byte {
	i := firstUnsafeBytes(b)
	if i == len(b) {
		return b
	}
	out := bytes.NewBuffer(make([]byte, 0, len(b)+32))
	out.Write(b[:i])
	for i < len(b) {
		c := b[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			out.WriteByte(c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out.WriteString(`\ufffd`)
		case Unsafe(r):
			writeJSONRune(out, r)
		default:
			out.Write(b[i : i+n])
		}
		i += n
	}
	return out.Bytes()
}

func firstUnsafeBytes(b []byte) int {
	for i := 0; i < len(b); {
		c := b[i]
		if c >= 0x20 && c < 0x7f || c == '\n' || c == '\t' {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 || Unsafe(r) {
			return i
		}
		i += n
	}
	return len(b)
}

func writeJSONRune(out *bytes.Buffer, r rune) {
	if r >= 0x10000 {
		r -= 0x10000
		writeJSONUnit(out, 0xd800+(r>>10))
		writeJSONUnit(out, 0xdc00+(r&0x3ff))
		return
	}
	writeJSONUnit(out, r)
}

func writeJSONUnit(out *bytes.Buffer, u rune) {
	out.WriteString(`\u`)
	for shift := 12; shift >= 0; shift -= 4 {
		out.WriteByte(hexDigits[u>>uint(shift)&0xf])
	}
}
