package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/candor-dev/candor/internal/callpath"
	"github.com/candor-dev/candor/scan"
)

// textRenderer writes a report for people: one block per artifact, findings grouped by
// commitment, then a summary line.
type textRenderer struct{}

// commitmentGroups is the order commitments appear in, with their readable labels.
// The first three are always listed (with "none found" when empty) because a buyer reads
// the report commitment by commitment; "all" appears only when something defeats all three.
var commitmentGroups = []struct {
	id     scan.Commitment
	label  string
	always bool
}{
	{scan.CommitmentRemoteControl, "remote control", true},
	{scan.CommitmentExfiltration, "exfiltration", true},
	{scan.CommitmentForcedUpgrade, "forced upgrade", true},
	{scan.CommitmentAll, "all commitments", false},
}

func (textRenderer) Scan(w io.Writer, r *scan.Report) error {
	if r == nil {
		return errNilResult
	}
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }

	a := r.Analyzer
	p("%s %s, rules %s (%s)\n", printable(a.Name), printable(a.Version), printable(a.RulesVersion), printable(a.RulesDigest))

	total := map[scan.Commitment]int{}
	findings := 0
	for i := range r.Artifacts {
		art := &r.Artifacts[i]
		p("\n")
		writeArtifact(p, art, a.RulesVersion)
	}
	for _, art := range flatten(r).Artifacts {
		for _, f := range art.Findings {
			total[f.Commitment]++
			findings++
		}
	}

	p("\nsummary: %s", plural(len(r.Artifacts), "artifact"))
	if n := len(flatten(r).Artifacts) - len(r.Artifacts); n > 0 {
		p(" (%s inside)", plural(n, "executable"))
	}
	p(", %s", plural(findings, "finding"))
	var parts []string
	for _, g := range commitmentGroups {
		if g.always || total[g.id] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", g.label, total[g.id]))
		}
	}
	for _, c := range otherCommitments(r) {
		parts = append(parts, fmt.Sprintf("%s %d", printable(string(c)), total[c]))
	}
	p(" (%s)\n", strings.Join(parts, ", "))
	return bw.Flush()
}

// writeArtifact writes one artifact's block.
func writeArtifact(p func(string, ...any), a *scan.Artifact, rulesVersion string) {
	p("%s\n", printable(a.Path))
	p("  %-9s %s\n", "sha256", printable(a.SHA256))
	if a.SHA512 != "" {
		p("  %-9s %s\n", "sha512", printable(a.SHA512))
	}
	platform := a.Arch
	if a.OS != "" {
		platform = a.OS + "/" + a.Arch
	}
	if isContainer(a) {
		writeContainer(p, a, rulesVersion)
		return
	}
	p("  %-9s %s %s, %d bytes\n", "format", printable(a.Format), printable(platform), a.Size)
	if a.Layer != "" {
		p("  %-9s %s\n", "layer", printable(a.Layer))
	}
	if a.GoVersion != "" {
		p("  %-9s %s\n", "go", printable(a.GoVersion))
	} else {
		p("  %-9s %s\n", "go", "none (not a Go program, or its build info is missing)")
	}
	if m := a.MainModule; m != nil {
		p("  %-9s %s\n", "module", printable(strings.TrimSpace(m.Path+" "+m.Version)))
	}

	if len(a.Findings) == 0 {
		p("\n  no findings: no rule in rules version %s matched this artifact\n", printable(rulesVersion))
		return
	}
	groups := map[scan.Commitment][]*scan.Finding{}
	for i := range a.Findings {
		f := &a.Findings[i]
		groups[f.Commitment] = append(groups[f.Commitment], f)
	}
	for _, g := range commitmentGroups {
		writeGroup(p, g.label, groups[g.id], g.always)
	}
	for _, c := range otherCommitmentsOf(a.Findings) {
		writeGroup(p, string(c), groups[c], false)
	}
}

// writeContainer writes an archive's block: its own facts, then each member
// indented under it, named by its path inside the archive.
func writeContainer(p func(string, ...any), a *scan.Artifact, rulesVersion string) {
	p("  %-9s %s, %d bytes\n", "format", printable(a.Format), a.Size)
	if len(a.Members) == 0 {
		p("\n  no executables inside\n")
		return
	}
	p("  %-9s %s\n", "members", plural(len(a.Members), "executable"))
	indent := func(format string, args ...any) {
		if rest, ok := strings.CutPrefix(format, "\n"); ok {
			p("\n  "+rest, args...)
			return
		}
		p("  "+format, args...)
	}
	for i := range a.Members {
		m := a.Members[i]
		m.Path = a.Path + memberSep + m.Path
		p("\n")
		writeArtifact(indent, &m, rulesVersion)
	}
}

// shortPath renders a call path for the text report (see [callpath.Short]); JSON has
// every frame.
func shortPath(path []string) string { return callpath.Short(path, maxTextFrames, maxTextPath) }

// maxTextPath is the longest path line the text report writes whole.
const maxTextPath = 180

const maxTextFrames = 6

// maxTextEvidence bounds the evidence items the text report lists per finding;
// JSON carries every one.
const maxTextEvidence = 6

// writeGroup writes the findings of one commitment.
func writeGroup(p func(string, ...any), label string, fs []*scan.Finding, always bool) {
	if len(fs) == 0 {
		if always {
			p("\n  %s: none found\n", printable(label))
		}
		return
	}
	p("\n  %s: %s\n", printable(label), plural(len(fs), "finding"))
	for _, f := range fs {
		head := printable(string(f.Capability))
		if f.Host != "" {
			head += " " + printable(f.Host)
		}
		p("    %s  [%s]  rule %s\n", head, printable(string(f.Confidence)), printable(f.Rule))
		if f.Summary != "" {
			p("      %s\n", printable(f.Summary))
		}
		if len(f.Hosts) > 0 {
			p("      hosts: %s\n", printable(strings.Join(f.Hosts, ", ")))
		}
		shown := f.Evidence
		if len(shown) > maxTextEvidence {
			shown = shown[:maxTextEvidence]
		}
		for _, e := range shown {
			line := printable(string(e.Kind)) + " " + printable(e.Value)
			if e.Where != "" {
				line += " (" + printable(e.Where) + ")"
			}
			p("      - %s\n", line)
			if len(e.Path) > 0 {
				p("        %s: %s\n", printable(string(e.Reach)), printable(shortPath(e.Path)))
			} else if e.Reach != "" {
				p("        %s\n", printable(string(e.Reach)))
			}
		}
		if more := max(f.EvidenceTotal, len(f.Evidence)) - len(shown); more > 0 {
			p("      - … %d more evidence %s (all of them in --format json)\n", more, pick(more, "item", "items"))
		}
	}
}

// otherCommitments lists, in order of first appearance, commitments in r that
// [commitmentGroups] does not name, so a newer scanner's findings are never hidden.
func otherCommitments(r *scan.Report) []scan.Commitment {
	var all []scan.Finding
	for _, a := range r.Artifacts {
		all = append(all, a.Findings...)
	}
	return otherCommitmentsOf(all)
}

func otherCommitmentsOf(fs []scan.Finding) []scan.Commitment {
	var out []scan.Commitment
	seen := map[scan.Commitment]bool{}
	for _, g := range commitmentGroups {
		seen[g.id] = true
	}
	for _, f := range fs {
		if !seen[f.Commitment] {
			seen[f.Commitment] = true
			out = append(out, f.Commitment)
		}
	}
	return out
}

func plural(n int, word string) string { return fmt.Sprintf("%d %s", n, pick(n, word, word+"s")) }

func pick(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
