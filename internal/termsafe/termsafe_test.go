package termsafe

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"net.(*Dialer).DialContext", "net.(*Dialer).DialContext"},
		{"with space", "with space"},
		{"héllo wörld ✓", "héllo wörld ✓"},
		{`C:\dist\app.exe`, `C:\dist\app.exe`},
		{"tab\there", `"tab\there"`},
		{"two\nlines", `"two\nlines"`},
		{"\x1b[2J\x1b[HPASS: 1 of 1 verdict(s) passed\x1b[8m", `"\x1b[2J\x1b[HPASS: 1 of 1 verdict(s) passed\x1b[8m"`},
		{"\x1b]0;title\x07", `"\x1b]0;title\a"`},
		{"csi\u009b2J", `"csi\u009b2J"`},
		{"rtl\u202eoverride", `"rtl\u202eoverride"`},
		{"isolate\u2066x\u2069", `"isolate\u2066x\u2069"`},
		{"zero\u200bwidth", `"zero\u200bwidth"`},
		{"bom\ufeff", `"bom\ufeff"`},
		{"tag\U000e0041", `"tag\U000e0041"`},
		{"sep\u2028line", `"sep\u2028line"`},
		{"filler\u3164", `"filler\u3164"`},
		{"cr\rPASS", `"cr\rPASS"`},
		{"bs\b\b\bPASS", `"bs\b\b\bPASS"`},
		{"del\x7f", `"del\x7f"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"nbsp\u00a0", `"nbsp\u00a0"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := String(tt.in); got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMessageAndLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, message, line string }{
		{"", "", ""},
		{"open dist/app: no such file", "open dist/app: no such file", "open dist/app: no such file"},
		{"first\n\tsecond …", "first\n\tsecond …", `first\n` + "\tsecond …"},
		{"app\x1b[2J.intoto.json", `app\x1b[2J.intoto.json`, `app\x1b[2J.intoto.json`},
		{"x\x1b]0;title\x07y", `x\x1b]0;title\ay`, `x\x1b]0;title\ay`},
		{"csi \u009b2J", `csi \u009b2J`, `csi \u009b2J`},
		{"a\u202eb\u2066c\u2069", `a\u202eb\u2066c\u2069`, `a\u202eb\u2066c\u2069`},
		{"over\rPASS\b", `over\rPASS\b`, `over\rPASS\b`},
		{"bad \xff\xfe", `bad \xff\xfe`, `bad \xff\xfe`},
		{"cut \xe2\x80", `cut \xe2\x80`, `cut \xe2\x80`},
		{"zw\u200d\u2060\u00ad", `zw\u200d\u2060\u00ad`, `zw\u200d\u2060\u00ad`},
		{"sep\u2028\u2029", `sep\u2028\u2029`, `sep\u2028\u2029`},
		{"tag\U000e0001", `tag\U000e0001`, `tag\U000e0001`},
		{"private\ue000", `private\ue000`, `private\ue000`},
		{"del\x7f nul\x00", `del\x7f nul\x00`, `del\x7f nul\x00`},
		{"\ufffd is fine", "\ufffd is fine", "\ufffd is fine"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			if got := Message(tt.in); got != tt.message {
				t.Errorf("Message(%q) = %q, want %q", tt.in, got, tt.message)
			}
			if got := Line(tt.in); got != tt.line {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.line)
			}
		})
	}
}

func TestPlainTextIsNotCopied(t *testing.T) {
	s := strings.Repeat("plain text, ünïcödé and all ✓ ", 20)
	if n := testing.AllocsPerRun(100, func() { _ = String(s); _ = Message(s); _ = Line(s) }); n != 0 {
		t.Errorf("escaping plain text allocates %v times, want 0", n)
	}
}

func TestJSONKeepsValues(t *testing.T) {
	t.Parallel()
	values := []string{
		"plain",
		"\x1b[2J\x1b[HPASS: 1 of 1 verdict(s) passed\x1b[8m",
		"csi\u009b2J del\x7f",
		"rtl\u202e isolate\u2066 zero\u200b bom\ufeff sep\u2028",
		"tag\U000e0041 private\U000f0000",
		"tab\tnew\nline \\ \"quoted\" <html>",
	}
	b, err := json.MarshalIndent(map[string]any{"values": values, "rtl\u202ekey": 1}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got := JSON(b)
	for i := 0; i < len(got); {
		r, n := utf8.DecodeRune(got[i:])
		if r == utf8.RuneError && n == 1 || r != '\n' && r != '\t' && Unsafe(r) {
			t.Fatalf("JSON output holds %q at %d: %s", r, i, got)
		}
		i += n
	}
	var back struct {
		Values []string `json:"values"`
		Key    int      `json:"rtl\u202ekey"`
	}
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("escaped JSON is not valid: %v\n%s", err, got)
	}
	if strings.Join(back.Values, "|") != strings.Join(values, "|") || back.Key != 1 {
		t.Errorf("escaped JSON decodes to %q, want %q", back.Values, values)
	}
	plain := []byte("{\n  \"a\": \"héllo\"\n}\n")
	if got := JSON(plain); &got[0] != &plain[0] {
		t.Errorf("JSON copied a document that needs no escaping")
	}
}
