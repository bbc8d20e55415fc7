package diff

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"strings"
)

// MaxMarkdownSize is about the most WriteMarkdown writes, in bytes: a GitHub comment holds
// at most 65,536 characters. Changes past it are counted, not shown (they are ranked: the
// new ones come first), and the comment says how many are left out.
const MaxMarkdownSize = 60_000

// maxMarkdownArtifacts bounds the artifact lines of a comment.
const maxMarkdownArtifacts = 20

// WriteMarkdown writes the result as a pull-request comment (GitHub-flavoured Markdown): a
// heading with the verdict, a table of counts, the inputs, then each section of changes with
// every change in a collapsible <details> block holding its evidence, within
// [MaxMarkdownSize].
//
// No string from an input is written as Markdown or HTML: in text it is a code span whose
// fence is longer than any run of backticks in it, and in a <summary> it is HTML-escaped
// with '.', ':', '/' and '@' as character references too, so that it can neither close a
// tag, open one, nor become a link. Strings with line breaks or control characters are
// Go-quoted first, so none can start a block of its own.
func (r *Result) WriteMarkdown(w io.Writer) error {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	verdict := "nothing new"
	if r.Summary.New {
		verdict = "something new appeared"
	}
	p("### candor diff: %s\n\n", verdict)
	s := r.Summary
	p("| | added | changed | removed |\n| --- | ---: | ---: | ---: |\n")
	for _, x := range []struct {
		name string
		c    Counts
	}{{"capabilities", s.Capabilities}, {"hosts", s.Hosts}, {"findings", s.Findings}, {"modules", s.Modules}} {
		p("| %s | %d | %d | %d |\n", x.name, x.c.Added, x.c.Changed, x.c.Removed)
	}
	if s.Ignored > 0 {
		p("\n%d known change(s) ignored (listed below).\n", s.Ignored)
	}
	p("\n- old: %s\n- new: %s\n", describeInput(r.Old, mdCode), describeInput(r.New, mdCode))
	for _, n := range r.Old.Notes {
		p("- note (old): %s\n", mdCode(n))
	}
	for _, n := range r.New.Notes {
		p("- note (new): %s\n", mdCode(n))
	}
	for i, a := range r.Artifacts {
		if i == maxMarkdownArtifacts {
			p("- and %d more artifacts\n", len(r.Artifacts)-i)
			break
		}
		p("- artifact: %s\n", describePair(a, mdCode))
	}
	many := len(r.Artifacts) > 1
	// Each change is written whole or not at all, while it fits.
	omitted := 0
	var chunk bytes.Buffer
	fits := func(render func(p func(string, ...any))) bool {
		chunk.Reset()
		render(func(format string, args ...any) { fmt.Fprintf(&chunk, format, args...) })
		if omitted > 0 || b.Len()+chunk.Len() > MaxMarkdownSize {
			omitted++
			return false
		}
		b.Write(chunk.Bytes())
		return true
	}
	for _, sec := range sections {
		var cs []*Change
		for i := range r.Changes {
			if sec.of(&r.Changes[i]) {
				cs = append(cs, &r.Changes[i])
			}
		}
		if len(cs) == 0 {
			continue
		}
		if omitted > 0 {
			omitted += len(cs)
			continue
		}
		p("\n#### %s (%d)\n\n", strings.ToUpper(sec.title[:1])+sec.title[1:], len(cs))
		for _, c := range cs {
			fits(func(p func(string, ...any)) { writeMarkdownChange(p, c, many) })
		}
	}
	if len(r.Ignored) > 0 && omitted == 0 {
		p("\n#### Ignored (%d)\n\n", len(r.Ignored))
		for i := range r.Ignored {
			c := &r.Ignored[i]
			fits(func(p func(string, ...any)) {
				p("- %s %s: ignored by %s, %s\n", opWord(c.Op), headline(c, many, mdCode), entryText(c.IgnoredBy, mdCode), mdCode(c.IgnoredBy.Reason))
			})
		}
	} else {
		omitted += len(r.Ignored)
	}
	if omitted > 0 {
		p("\n%d more change(s) not shown: a comment holds about %d bytes. `candor diff --format json` lists them all.\n", omitted, MaxMarkdownSize)
	}
	if len(r.Changes) == 0 && len(r.Ignored) == 0 {
		p("\nNo differences in capabilities, hosts, findings or modules.\n")
	}
	_, err := w.Write(b.Bytes())
	return err
}

func opWord(op Op) string { return string(op) }

func writeMarkdownChange(p func(string, ...any), c *Change, many bool) {
	if c.Kind == SubjectModule {
		// Nothing to unfold: one line.
		p("- %s %s\n\n", opWord(c.Op), headline(c, many, mdCode))
		return
	}
	p("<details><summary>%s %s</summary>\n\n", opWord(c.Op), headline(c, many, htmlText))
	if len(c.Rules) > 0 {
		p("- rules: %s\n", joinCode(c.Rules))
	}
	if c.Kind == SubjectFinding && len(c.Hosts) > 0 && c.Op != Changed {
		p("- hosts: %s\n", joinCode(c.Hosts[:min(maxListed, len(c.Hosts))]))
		if n := len(c.Hosts) - maxListed; n > 0 {
			p("  and %d more\n", n)
		}
	}
	if c.Module != "" && c.Kind != SubjectModule {
		p("- module: %s\n", mdCode(c.Module))
	}
	for _, f := range c.Fields {
		p("- %s\n", fieldText(f, mdCode))
	}
	for _, e := range c.Evidence {
		p("- %s\n", evidenceText(e, mdCode))
		if len(e.Path) > 0 {
			p("  %s: %s\n", mdCode(string(e.Reach)), mdPath(shortPath(e.Path)))
		}
	}
	if more := c.EvidenceTotal - len(c.Evidence); more > 0 && len(c.Evidence) > 0 {
		p("- … %d more evidence %s\n", more, pick(more, "item", "items"))
	}
	p("\n</details>\n\n")
}

func joinCode(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = mdCode(v)
	}
	return strings.Join(q, ", ")
}

// mdCode writes an input string as a Markdown code span: its content is never read as
// Markdown, HTML or a link. The fence is one backtick longer than the longest run in s, and
// a space pads content that starts or ends with a backtick or space.
func mdCode(s string) string { return fence(tv(s)) }

// mdPath is mdCode for a call path shortPath shortened already.
func mdPath(s string) string { return fence(tvPath(s)) }

// fence writes s, escaped for the terminal already, as a code span.
func fence(s string) string {
	if s == "" {
		return "` `"
	}
	longest, run := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if s[0] == '`' || s[len(s)-1] == '`' || s[0] == ' ' || s[len(s)-1] == ' ' {
		s = " " + s + " "
	}
	return fence + s + fence
}

// htmlRefs escapes, beyond HTML's specials, the characters links are made of: inside a
// <summary> the text is HTML, and no autolinker sees "www." or "://" in it.
var htmlRefs = strings.NewReplacer(".", "&#46;", ":", "&#58;", "/", "&#47;", "@", "&#64;", "`", "&#96;",
	"*", "&#42;", "_", "&#95;", "[", "&#91;", "]", "&#93;", "|", "&#124;", "~", "&#126;", "\\", "&#92;")

// htmlText writes an input string as HTML text.
func htmlText(s string) string {
	return htmlRefs.Replace(html.EscapeString(tv(s)))
}
