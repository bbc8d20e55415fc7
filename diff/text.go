package diff

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/candor-dev/candor/internal/callpath"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
)

// WriteJSON writes the result as indented JSON ending in a newline (schema [SchemaID]; the
// Go types of this package are its definition). Characters a terminal would act on are
// written as JSON \u escapes: the document decodes to exactly the inputs' strings.
func (r *Result) WriteJSON(w io.Writer) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil {
		return err
	}
	_, err := w.Write(termsafe.JSON(buf.Bytes()))
	return err
}

// maxValue bounds how many runes of one input string a line shows.
const maxValue = 160

// tv makes s safe for a terminal: Go-quoted when it holds anything unsafe, cut to maxValue
// runes.
func tv(s string) string { return cut(termsafe.String(s), maxValue) }

// tvPath is tv for a call path that shortPath shortened already: it may be longer.
func tvPath(s string) string { return cut(termsafe.String(s), maxPath+maxValue) }

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// section names the three parts of a result, in order.
type section struct {
	title string
	of    func(*Change) bool
}

var sections = []section{
	{"new", func(c *Change) bool { return c.Counts }},
	{"other additions and changes", func(c *Change) bool { return !c.Counts && c.Op != Removed }},
	{"removed", func(c *Change) bool { return c.Op == Removed }},
}

// WriteText writes the result for people: the inputs, the new changes, the other changes,
// the removals, what was ignored, and a summary line. Every string from an input is escaped
// for the terminal.
func (r *Result) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("candor diff\n")
	p("  old  %s\n", describeInput(r.Old, tv))
	p("  new  %s\n", describeInput(r.New, tv))
	for _, n := range r.Old.Notes {
		p("  note (old) %s\n", tv(n))
	}
	for _, n := range r.New.Notes {
		p("  note (new) %s\n", tv(n))
	}
	for _, a := range r.Artifacts {
		p("  artifact %s\n", describePair(a, tv))
	}
	many := len(r.Artifacts) > 1
	for _, s := range sections {
		var cs []*Change
		for i := range r.Changes {
			if s.of(&r.Changes[i]) {
				cs = append(cs, &r.Changes[i])
			}
		}
		if len(cs) == 0 {
			continue
		}
		p("\n%s (%d):\n", s.title, len(cs))
		for _, c := range cs {
			writeTextChange(p, c, many)
		}
	}
	if len(r.Ignored) > 0 {
		p("\nignored (%d):\n", len(r.Ignored))
		for i := range r.Ignored {
			c := &r.Ignored[i]
			p("  %s %s\n", opMark(c.Op), headline(c, many, tv))
			p("      by %s: %s\n", entryText(c.IgnoredBy, tv), tv(c.IgnoredBy.Reason))
		}
	}
	if len(r.Changes) == 0 && len(r.Ignored) == 0 {
		p("\nno differences in capabilities, hosts, findings or modules\n")
	}
	p("\nsummary: %s\n", summaryLine(r))
	return bw.Flush()
}

func opMark(op Op) string {
	switch op {
	case Added:
		return "+"
	case Removed:
		return "-"
	}
	return "~"
}

// describeInput says what an input is: its path, its kind, the analyser and, for an
// attestation, the product and whether its signature was checked.
func describeInput(in *Input, esc func(string) string) string {
	s := esc(in.Path) + ": "
	switch in.Kind {
	case KindScan:
		s += "scanned now"
	case KindReport:
		s += "scan report"
	case KindAttestation:
		s += "attestation"
		if pr := in.Product; pr != nil && pr.Name != "" {
			s += " of " + esc(strings.TrimSpace(pr.Name+" "+pr.Version))
		}
	}
	a := in.Analyzer
	s += fmt.Sprintf(", %s, rules %s", esc(a.Name+" "+a.Version), esc(a.RulesVersion))
	if in.Kind == KindAttestation {
		if in.Signature == SignatureVerified {
			s += ", signature verified (" + esc(strings.Join(in.SignedBy, ", ")) + ")"
		} else {
			s += ", signature not checked (no --key)"
		}
	}
	return s
}

// describePair says how an artifact was matched, and how its version and Go changed.
func describePair(a ArtifactPair, esc func(string) string) string {
	var s string
	switch {
	case a.Old == "":
		s = esc(a.New) + " (only in new)"
	case a.New == "":
		s = esc(a.Old) + " (only in old)"
	case a.Old == a.New:
		s = esc(a.New)
	default:
		s = esc(a.Old) + " → " + esc(a.New)
	}
	var facts []string
	if a.Old != "" && a.New != "" {
		if a.OldVersion != a.NewVersion {
			facts = append(facts, "version "+esc(orNone(a.OldVersion))+" → "+esc(orNone(a.NewVersion)))
		}
		if a.OldGo != a.NewGo {
			facts = append(facts, esc(orNone(a.OldGo))+" → "+esc(orNone(a.NewGo)))
		}
	}
	if len(facts) > 0 {
		s += " (" + strings.Join(facts, ", ") + ")"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// headline is a change's one-line description.
func headline(c *Change, many bool, esc func(string) string) string {
	var s string
	switch c.Kind {
	case SubjectCapability:
		s = fmt.Sprintf("capability %s  [%s, %s]", esc(string(c.Capability)), esc(string(c.Risk)), esc(string(c.Confidence)))
	case SubjectHost:
		s = fmt.Sprintf("host %s  [%s, %s]  rule %s", esc(c.Host), esc(string(c.Capability)), esc(string(c.Confidence)), esc(c.Rule))
	case SubjectFinding:
		s = fmt.Sprintf("finding %s", esc(string(c.Capability)))
		if c.Host != "" {
			s += " " + esc(c.Host)
		}
		s += fmt.Sprintf("  [%s]  rule %s", esc(string(c.Confidence)), esc(c.Rule))
	case SubjectModule:
		switch c.Op {
		case Added:
			s = "module " + esc(c.Module) + " " + esc(c.NewVersion)
		case Removed:
			s = "module " + esc(c.Module) + " " + esc(c.OldVersion)
		default:
			s = "module " + esc(c.Module) + " " + esc(c.OldVersion) + " → " + esc(c.NewVersion)
		}
	}
	if c.Disposition != "" {
		s += "  " + esc(string(c.Disposition))
		if c.CoveredBy != "" {
			s += " by " + esc(c.CoveredBy)
		}
	}
	if many {
		s += "  in " + esc(c.Artifact)
	}
	return s
}

// entryText names an ignore entry by its selectors.
func entryText(e *IgnoreEntry, esc func(string) string) string {
	var parts []string
	for _, kv := range [][2]string{{"capability", string(e.Capability)}, {"rule", e.Rule}, {"host", e.Host}, {"module", e.Module}} {
		if kv[1] != "" {
			parts = append(parts, kv[0]+" "+esc(kv[1]))
		}
	}
	return strings.Join(parts, ", ")
}

func writeTextChange(p func(string, ...any), c *Change, many bool) {
	p("  %s %s\n", opMark(c.Op), headline(c, many, tv))
	if len(c.Rules) > 0 {
		p("      rules %s\n", tv(strings.Join(c.Rules, ", ")))
	}
	if c.Kind == SubjectFinding && len(c.Hosts) > 0 && c.Op != Changed {
		p("      hosts: %s\n", tv(strings.Join(c.Hosts, ", ")))
	}
	for _, f := range c.Fields {
		p("      %s\n", fieldText(f, tv))
	}
	for _, e := range c.Evidence {
		p("      - %s\n", evidenceText(e, tv))
		if len(e.Path) > 0 {
			p("        %s: %s\n", tv(string(e.Reach)), tvPath(shortPath(e.Path)))
		}
	}
	if more := c.EvidenceTotal - len(c.Evidence); more > 0 && len(c.Evidence) > 0 {
		p("      - … %d more evidence %s\n", more, pick(more, "item", "items"))
	}
}

func evidenceText(e scan.Evidence, esc func(string) string) string {
	s := esc(string(e.Kind)) + " " + esc(e.Value)
	if e.Where != "" {
		s += " (" + esc(e.Where) + ")"
	}
	return s
}

// maxListed bounds the values a field change lists.
const maxListed = 5

func fieldText(f FieldChange, esc func(string) string) string {
	if f.Added == nil && f.Removed == nil {
		return fmt.Sprintf("%s: %s → %s", f.Field, esc(orNone(f.Old)), esc(orNone(f.New)))
	}
	var parts []string
	for _, x := range []struct {
		mark string
		vs   []string
	}{{"+", f.Added}, {"-", f.Removed}} {
		if len(x.vs) == 0 {
			continue
		}
		shown := x.vs[:min(maxListed, len(x.vs))]
		q := make([]string, len(shown))
		for i, v := range shown {
			q[i] = esc(v)
		}
		s := x.mark + strings.Join(q, ", "+x.mark)
		if n := len(x.vs) - len(shown); n > 0 {
			s += fmt.Sprintf(" (and %d more)", n)
		}
		parts = append(parts, s)
	}
	return f.Field + ": " + strings.Join(parts, "; ")
}

// summaryLine counts the changes and gives the verdict.
func summaryLine(r *Result) string {
	s := r.Summary
	var parts []string
	for _, x := range []struct {
		name string
		c    Counts
	}{{"capabilities", s.Capabilities}, {"hosts", s.Hosts}, {"findings", s.Findings}, {"modules", s.Modules}} {
		parts = append(parts, fmt.Sprintf("%s +%d ~%d -%d", x.name, x.c.Added, x.c.Changed, x.c.Removed))
	}
	line := strings.Join(parts, ", ")
	if s.Ignored > 0 {
		line += fmt.Sprintf(", %d ignored", s.Ignored)
	}
	if s.New {
		return line + ": something new appeared"
	}
	return line + ": nothing new"
}

// shortPath renders a call path as the scan text report does (see [callpath.Short]).
func shortPath(path []string) string { return callpath.Short(path, maxFrames, maxPath) }

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

const (
	maxPath   = 180
	maxFrames = 6
)
