package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// hostile strings an attacker controls: hosts, rules, evidence, paths and file names.
var hostile = []string{
	"evil.example\x1b]8;;https://phish.example\x07click\x1b]8;;\x07",
	"a.example\n</details>\n# injected heading\n<img src=x onerror=alert(1)>",
	"x.example](https://phish.example) [link](javascript:alert(1))",
	"www.phish.example",
	"https://phish.example/login",
	"``` `code` ```",
	"<script>alert(1)</script>",
	"name|with|pipes **bold** _em_ \\",
	"rtl\u202eexample.com",
}

func hostileResult() *Result {
	var old, new []predicate.Finding
	for i, h := range hostile {
		f := endpoint(h)
		f.Rule = "rule-" + h
		f.Evidence = append(f.Evidence, scan.Evidence{Kind: scan.EvidenceString, Value: h, Where: h, Reach: "direct", Path: []string{"main.main", h}})
		f.Module = h + "@v1"
		if i%2 == 0 {
			new = append(new, f)
		} else {
			old = append(old, f)
		}
	}
	new = append(new, table(hostile[1], hostile...))
	oa, na := withModules(art(hostile[0], old...), hostile[2]+"@v1"), withModules(art(hostile[3], new...), hostile[2]+"@v2", hostile[5]+"@v0")
	in := func(p string, a predicate.ArtifactAnalysis) *Input {
		return &Input{Path: p, Kind: KindAttestation, Analyzer: scan.Analyzer{Name: hostile[6], Version: hostile[7]},
			Product: &predicate.Product{Name: hostile[4]}, Notes: []string{hostile[1]}, Artifacts: []predicate.ArtifactAnalysis{a}}
	}
	ig := &Ignore{Entries: []IgnoreEntry{{Module: hostile[2], Reason: hostile[1]}}}
	return Compare(in(hostile[8], oa), in(hostile[1], na), WithIgnore(ig))
}

func TestTextEscapesHostileStrings(t *testing.T) {
	res := hostileResult()
	var b bytes.Buffer
	if err := res.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		for _, r := range line {
			if termsafe.Unsafe(r) && r != '\t' {
				t.Fatalf("unsafe rune %U reaches the terminal in %q", r, line)
			}
		}
		if strings.HasPrefix(line, "# injected") || strings.HasPrefix(line, "</details>") {
			t.Errorf("a value broke the line: %q", line)
		}
	}
	if !strings.Contains(out, `"evil.example\x1b]8;;https://phish.example\aclick\x1b]8;;\a"`) {
		t.Errorf("the escape sequence is not shown quoted:\n%s", out)
	}
}

func TestMarkdownEscapesHostileStrings(t *testing.T) {
	res := hostileResult()
	var b bytes.Buffer
	if err := res.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	// Outside code spans, no input string may leave markup, a link, or an autolink.
	prose := stripCodeSpans(t, out)
	for _, bad := range []string{"<img", "<script", "](", "javascript:", "https://phish", "www.phish", "\x1b", "\u202e", "\n# injected", "**bold**"} {
		if strings.Contains(prose, bad) {
			t.Errorf("%q outside a code span:\n%s", bad, prose)
		}
	}
	// The only tags are the ones the renderer writes.
	for _, tag := range regexp.MustCompile(`</?[a-zA-Z][^>]*>`).FindAllString(prose, -1) {
		switch tag {
		case "<details>", "</details>", "<summary>", "</summary>":
		default:
			t.Errorf("unexpected tag %q", tag)
		}
	}
	if o, c := strings.Count(prose, "<details>"), strings.Count(prose, "</details>"); o != c || o == 0 {
		t.Errorf("%d <details> and %d </details>", o, c)
	}
	// Every line that starts a block is one the renderer writes.
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "### candor diff") && !strings.HasPrefix(line, "#### ") {
			t.Errorf("a heading from an input: %q", line)
		}
	}
}

// stripCodeSpans removes the code spans mdCode writes (fence, content, same fence), and
// fails on an unclosed one.
func stripCodeSpans(t *testing.T, s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '`' {
			b.WriteByte(s[i])
			i++
			continue
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		fence := s[i : i+n]
		rest := s[i+n:]
		// The closing fence is a run of exactly n backticks.
		j := 0
		for {
			k := strings.Index(rest[j:], fence)
			if k < 0 {
				t.Fatalf("unclosed code span at %q", s[i:min(len(s), i+40)])
			}
			k += j
			if (k+n >= len(rest) || rest[k+n] != '`') && (k == 0 || rest[k-1] != '`') {
				if strings.Contains(rest[:k], "\n") {
					t.Fatalf("code span spans lines: %q", rest[:k])
				}
				i += n + k + n
				break
			}
			j = k + 1
		}
		b.WriteString("CODE")
	}
	return b.String()
}

func TestMdCode(t *testing.T) {
	for in, want := range map[string]string{
		"plain":  "`plain`",
		"a`b":    "``a`b``",
		"`x":     "`` `x ``",
		"a``b`c": "```a``b`c```",
		"":       "` `",
	} {
		if got := mdCode(in); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := htmlText("<b>a.example</b>"); got != "&lt;b&gt;a&#46;example&lt;&#47;b&gt;" {
		t.Errorf("htmlText: %q", got)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	res := hostileResult()
	var b bytes.Buffer
	if err := res.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	for _, r := range b.String() {
		if termsafe.Unsafe(r) && r != '\n' {
			t.Fatalf("unsafe rune %U in the JSON", r)
		}
	}
	var back Result
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if back.Schema != SchemaID || len(back.Changes) != len(res.Changes) || back.Changes[0].Host != res.Changes[0].Host ||
		back.Old.Path != hostile[8] || len(back.Ignored) != len(res.Ignored) || back.Summary != res.Summary {
		t.Errorf("JSON does not decode to the result")
	}
	// Lists are arrays, never null, so consumers need no special case.
	var raw map[string]any
	_ = json.Unmarshal(b.Bytes(), &raw)
	empty := Compare(report("o", art("a")), report("n", art("a")))
	b.Reset()
	_ = empty.WriteJSON(&b)
	if !strings.Contains(b.String(), `"changes": []`) || !strings.Contains(b.String(), `"ignored": []`) {
		t.Errorf("empty lists:\n%s", b.String())
	}
}

func TestMarkdownSizeBound(t *testing.T) {
	var fs []predicate.Finding
	for i := range 5000 {
		fs = append(fs, endpoint(fmt.Sprintf("host%d.example.com", i)))
	}
	fs = append(fs, fnd("go.net.listen", scan.NetworkListen, scan.Linked, "", "net.Listen"))
	res := Compare(report("o", art("app", endpoint("kept.example.com"))), report("n", art("app", fs...)))
	var b bytes.Buffer
	if err := res.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if b.Len() > MaxMarkdownSize+500 {
		t.Errorf("%d bytes", b.Len())
	}
	shown := strings.Count(out, "<details>")
	if shown == 0 || shown != strings.Count(out, "</details>") {
		t.Fatalf("%d details blocks, %d closed", shown, strings.Count(out, "</details>"))
	}
	// The new capability comes first; every change is either shown or counted.
	if !strings.Contains(out, "#### New (5001)\n\n<details><summary>added capability network&#46;listen") {
		t.Errorf("the listener is not first:\n%s", out[:min(len(out), 2000)])
	}
	want := fmt.Sprintf("\n%d more change(s) not shown: ", len(res.Changes)-shown)
	if !strings.Contains(out, want) {
		t.Errorf("no %q at the end:\n%s", want, out[len(out)-300:])
	}
}
