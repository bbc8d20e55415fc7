package attest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
)

// BuildPredicate matches every finding of the report against the disclosure and returns the
// predicate, with the findings no entry covers. It does not refuse undisclosed findings: the
// verdict records them. The predicate is validated against the schema.
//
// Accepted entries that match no finding are not refused here: [Run] refuses them, and
// [StaleAccepted] lists them.
func BuildPredicate(d *Disclosure, rep *scan.Report, scannedAt time.Time) (*predicate.Predicate, []Uncovered, error) {
	p, uncovered, _, err := build(d, rep, scannedAt)
	return p, uncovered, err
}

// StaleAccepted returns the indexes of the disclosure's accepted entries that match no
// finding of the report (see [predicate.Accepted.Matches]), in order. A finding a
// declaration covers still counts as matched.
func StaleAccepted(d *Disclosure, rep *scan.Report) []int {
	used := make([]bool, len(d.Accepted))
	for i := range rep.Artifacts {
		markAccepted(d, &rep.Artifacts[i], used)
	}
	return unused(used)
}

func markAccepted(d *Disclosure, a *scan.Artifact, used []bool) {
	for _, f := range a.Findings {
		for i := range d.Accepted {
			if !used[i] && d.Accepted[i].Matches(f) {
				used[i] = true
			}
		}
	}
	for i := range a.Members {
		markAccepted(d, &a.Members[i], used)
	}
}

// staleLine says that accepted[i] matches nothing, with a hint when its value is a wildcard
// (matched only as a host selector).
func staleLine(d *Disclosure, i int) string {
	a := &d.Accepted[i]
	line := fmt.Sprintf("accepted[%d] (%s) matches no finding of the release", i, a.Selectors())
	if strings.HasPrefix(a.Value, "*.") && a.Host == "" {
		line += " (a value is compared as it is: a wildcard goes in host:)"
	}
	return line
}

func unused(used []bool) []int {
	var out []int
	for i, u := range used {
		if !u {
			out = append(out, i)
		}
	}
	return out
}

// staleError is the error for stale accepted entries: it names each one and its selectors.
func staleError(d *Disclosure, stale []int) error {
	lines := make([]string, 0, len(stale))
	for _, i := range stale {
		lines = append(lines, staleLine(d, i))
	}
	return fmt.Errorf("%w: %s; remove the entries, or narrow them to what the release holds (--allow-stale-accepted signs anyway)", ErrStaleAccepted, strings.Join(lines, "; "))
}

// build is BuildPredicate, also returning the stale accepted entries.
func build(d *Disclosure, rep *scan.Report, scannedAt time.Time) (*predicate.Predicate, []Uncovered, []int, error) {
	if len(rep.Artifacts) == 0 {
		return nil, nil, nil, fmt.Errorf("%w: the report has no artifacts", ErrOptions)
	}
	names := subjectNames(rep.Artifacts)
	p := &predicate.Predicate{
		Product:    d.Product,
		Security:   d.Security,
		Disclosure: d.Declarations,
		Analysis:   predicate.Analysis{Analyzer: rep.Analyzer},
		ScannedAt:  scannedAt.UTC().Truncate(time.Second),
	}
	m := matcher{d: d, used: make([]bool, len(d.Accepted))}
	for i, a := range rep.Artifacts {
		if a.SHA256 == "" {
			return nil, nil, nil, fmt.Errorf("%w: the report has no SHA-256 for %s", ErrOptions, a.Path)
		}
		p.Analysis.Artifacts = append(p.Analysis.Artifacts, m.analyse(names[i], names[i], a))
	}
	tally, uncovered := m.tally, m.uncovered
	if d.Updates.Forced() {
		tally.forced.reasons = append(tally.forced.reasons, "updates are installed automatically and the user cannot turn them off")
	}
	p.Verdict = predicate.Verdict{
		NoUndisclosedRemoteControl: tally.remote.verdict(),
		NoUndisclosedExfiltration:  tally.exfil.verdict(),
		NoForcedUpgrade:            tally.forced.verdict(),
	}
	if err := validate(p); err != nil {
		return nil, nil, nil, err
	}
	return p, uncovered, unused(m.used), nil
}

// validate checks the predicate against schemas/predicate.v1.json.
func validate(p *predicate.Predicate) error {
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	if err := schemas.ValidatePredicateJSON(b); err != nil {
		return fmt.Errorf("predicate does not match its schema (a bug, please report it): %w", err)
	}
	return nil
}

type tally struct {
	findings, disclosed, accepted, undisclosed int
	reasons                                    []string
}

func (t tally) verdict() predicate.CommitmentVerdict {
	r := t.reasons
	if t.undisclosed > 0 {
		r = append([]string{fmt.Sprintf("%d undisclosed finding(s)", t.undisclosed)}, r...)
	}
	return predicate.CommitmentVerdict{Holds: len(r) == 0, Findings: t.findings,
		Disclosed: t.disclosed, Accepted: t.accepted, Undisclosed: t.undisclosed, Reasons: r}
}

type tallies struct{ remote, exfil, forced tally }

func (ts *tallies) add(artifact string, f predicate.Finding) {
	var targets []*tally
	switch f.Commitment {
	case scan.CommitmentRemoteControl:
		targets = []*tally{&ts.remote}
	case scan.CommitmentExfiltration:
		targets = []*tally{&ts.exfil}
	case scan.CommitmentForcedUpgrade:
		targets = []*tally{&ts.forced}
	case scan.CommitmentAll:
		targets = []*tally{&ts.remote, &ts.exfil, &ts.forced}
		for _, t := range targets {
			t.reasons = append(t.reasons, fmt.Sprintf("%s cannot be analysed (%s): %s", artifact, f.Rule, f.Summary))
		}
	}
	for _, t := range targets {
		t.findings++
		switch f.Disposition {
		case predicate.Disclosed:
			t.disclosed++
		case predicate.AcceptedFinding:
			t.accepted++
		default:
			t.undisclosed++
		}
	}
}

// matcher matches the findings of artifacts and their members, keeping the tallies.
type matcher struct {
	d         *Disclosure
	tally     tallies
	uncovered []Uncovered
	// used marks the accepted entries that match at least one finding.
	used []bool
}

// analyse records artifact a under name; display names it in messages (for a member, the
// subject name and the member path joined with "!/").
func (m *matcher) analyse(name, display string, a scan.Artifact) predicate.ArtifactAnalysis {
	aa := artifactAnalysis(name, a)
	for _, f := range a.Findings {
		for i := range m.d.Accepted {
			if !m.used[i] && m.d.Accepted[i].Matches(f) {
				m.used[i] = true
			}
		}
		pf := finding(f)
		pf.CoveredBy = m.d.Cover(f)
		pf.Disposition, pf.Reason, _ = m.d.Judge(pf.CoveredBy)
		if pf.CoveredBy == "" {
			m.uncovered = append(m.uncovered, m.d.Suggest(display, f))
		}
		m.tally.add(display, pf)
		aa.Findings = append(aa.Findings, pf)
	}
	for _, mem := range a.Members {
		aa.Members = append(aa.Members, m.analyse(mem.Path, display+"!/"+mem.Path, mem))
	}
	return aa
}

// finding records f as the predicate does: with its commitment, evidence copied, and an
// evidence total no smaller than the evidence listed.
func finding(f scan.Finding) predicate.Finding {
	if f.Commitment == "" {
		f.Commitment, _ = scan.CommitmentOf(f.Capability)
	}
	f.Evidence = append(make([]scan.Evidence, 0, len(f.Evidence)), f.Evidence...)
	if f.EvidenceTotal < len(f.Evidence) {
		f.EvidenceTotal = len(f.Evidence)
	}
	return predicate.Finding{Finding: f}
}

func artifactAnalysis(name string, a scan.Artifact) predicate.ArtifactAnalysis {
	aa := predicate.ArtifactAnalysis{
		Name: name, Size: a.Size,
		Format: a.Format, OS: a.OS, Arch: a.Arch, GoVersion: a.GoVersion,
		MainModule: module(a.MainModule), Functions: a.Functions, Packages: a.Packages,
		Libraries: a.Libraries, Findings: []predicate.Finding{}, Layer: a.Layer,
	}
	if a.SHA256 != "" {
		aa.Digest = map[string]string{"sha256": a.SHA256}
		if a.SHA512 != "" {
			aa.Digest["sha512"] = a.SHA512
		}
	}
	for i := range a.Modules {
		aa.Modules = append(aa.Modules, *module(&a.Modules[i]))
	}
	aa.BuildSettings = append(aa.BuildSettings, a.BuildSettings...)
	return aa
}

// module returns a copy of m and of the modules it replaces.
func module(m *scan.Module) *scan.Module {
	if m == nil {
		return nil
	}
	return &scan.Module{Path: m.Path, Version: m.Version, Sum: m.Sum, Replace: module(m.Replace)}
}

// subjectNames names each artifact by its file name, or by its slash-separated path when two
// artifacts share a file name.
func subjectNames(as []scan.Artifact) []string {
	names := make([]string, len(as))
	count := map[string]int{}
	for i, a := range as {
		names[i] = filepath.Base(a.Path)
		count[names[i]]++
	}
	for i, a := range as {
		if count[names[i]] > 1 {
			names[i] = filepath.ToSlash(filepath.Clean(a.Path))
		}
	}
	return names
}
