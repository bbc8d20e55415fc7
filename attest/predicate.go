package attest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
)

// PredicateType is the in-toto predicate type of a candor disclosure attestation.
const PredicateType = "https://candor.dev/attestation/disclosure/v1"

// Predicate is the predicate of a disclosure attestation, as defined by
// schemas/predicate.v1.json.
type Predicate struct {
	Product  Product  `json:"product"`
	Security Security `json:"security"`
	// Disclosure is what the vendor declared, hosts normalised.
	Disclosure Declarations `json:"disclosure"`
	Analysis   Analysis     `json:"analysis"`
	Verdict    Verdict      `json:"verdict"`
	// ScannedAt is when the analysis ran, in UTC.
	ScannedAt time.Time `json:"scannedAt"`
}

// Analysis records the analyser and what it found in each subject.
type Analysis struct {
	Analyzer  Analyzer           `json:"analyzer"`
	Artifacts []ArtifactAnalysis `json:"artifacts"`
}

// Analyzer names the analyser and its rules.
type Analyzer struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	RulesVersion string `json:"rulesVersion"`
	// RulesDigest is "sha256:<hex>" over the rule files.
	RulesDigest string `json:"rulesDigest"`
}

// ArtifactAnalysis is the facts and findings of one subject, or of an executable inside one.
type ArtifactAnalysis struct {
	// Name is the subject name in the statement; for a member, its path inside the container.
	Name string `json:"name"`
	// Digest is set for every subject, and for members the analyser hashed.
	Digest        map[string]string `json:"digest,omitempty"`
	Size          int64             `json:"size"`
	Format        string            `json:"format"`
	OS            string            `json:"os,omitempty"`
	Arch          string            `json:"arch"`
	GoVersion     string            `json:"goVersion,omitempty"`
	MainModule    *Module           `json:"mainModule,omitempty"`
	Modules       []Module          `json:"modules,omitempty"`
	BuildSettings []Setting         `json:"buildSettings,omitempty"`
	Functions     int               `json:"functions"`
	Packages      int               `json:"packages"`
	Libraries     []string          `json:"libraries,omitempty"`
	Findings      []Finding         `json:"findings"`
	// Layer names the image layer that added a member.
	Layer string `json:"layer,omitempty"`
	// Members are the executables inside an archive, package or image.
	Members []ArtifactAnalysis `json:"members,omitempty"`
}

// Module is a Go module from the build info.
type Module struct {
	Path    string  `json:"path"`
	Version string  `json:"version,omitempty"`
	Sum     string  `json:"sum,omitempty"`
	Replace *Module `json:"replace,omitempty"`
}

// Setting is a Go build setting.
type Setting struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Finding is an analyser finding and the disclosure entry that covers it.
type Finding struct {
	Rule          string          `json:"rule"`
	Capability    scan.Capability `json:"capability"`
	Commitment    scan.Commitment `json:"commitment"`
	Confidence    scan.Confidence `json:"confidence"`
	Host          string          `json:"host,omitempty"`
	Evidence      []Evidence      `json:"evidence"`
	EvidenceTotal int             `json:"evidenceTotal"`
	Summary       string          `json:"summary"`
	// CoveredBy references the covering disclosure entry (see [Disclosure.Cover]); empty when
	// the finding is undisclosed.
	CoveredBy string `json:"coveredBy,omitempty"`
}

// Evidence is one checkable fact behind a finding.
type Evidence struct {
	Kind  scan.EvidenceKind `json:"kind"`
	Value string            `json:"value"`
	Where string            `json:"where"`
}

// Verdict says, per commitment, whether it holds for every subject.
type Verdict struct {
	NoUndisclosedRemoteControl CommitmentVerdict `json:"noUndisclosedRemoteControl"`
	NoUndisclosedExfiltration  CommitmentVerdict `json:"noUndisclosedExfiltration"`
	NoForcedUpgrade            CommitmentVerdict `json:"noForcedUpgrade"`
}

// Holds reports whether all three commitments hold.
func (v Verdict) Holds() bool {
	return v.NoUndisclosedRemoteControl.Holds && v.NoUndisclosedExfiltration.Holds && v.NoForcedUpgrade.Holds
}

// CommitmentVerdict is the verdict on one commitment.
type CommitmentVerdict struct {
	Holds bool `json:"holds"`
	// Findings counts the findings bearing on the commitment, Undisclosed those not covered.
	Findings    int `json:"findings"`
	Undisclosed int `json:"undisclosed"`
	// Reasons say why the commitment does not hold.
	Reasons []string `json:"reasons,omitempty"`
}

// BuildPredicate matches every finding of the report against the disclosure and returns the
// predicate, with the findings no entry covers. It does not refuse undisclosed findings: the
// verdict records them. The predicate is validated against the schema.
func BuildPredicate(d *Disclosure, rep *scan.Report, scannedAt time.Time) (*Predicate, []Uncovered, error) {
	if len(rep.Artifacts) == 0 {
		return nil, nil, fmt.Errorf("%w: the report has no artifacts", ErrOptions)
	}
	names := subjectNames(rep.Artifacts)
	p := &Predicate{
		Product:    d.Product,
		Security:   d.Security,
		Disclosure: d.Declarations,
		Analysis: Analysis{Analyzer: Analyzer{
			Name: rep.Analyzer.Name, Version: rep.Analyzer.Version,
			RulesVersion: rep.Analyzer.RulesVersion, RulesDigest: rep.Analyzer.RulesDigest,
		}},
		ScannedAt: scannedAt.UTC().Truncate(time.Second),
	}
	m := matcher{d: d}
	for i, a := range rep.Artifacts {
		if a.SHA256 == "" {
			return nil, nil, fmt.Errorf("%w: the report has no SHA-256 for %s", ErrOptions, a.Path)
		}
		p.Analysis.Artifacts = append(p.Analysis.Artifacts, m.analyse(names[i], names[i], a))
	}
	tally, uncovered := m.tally, m.uncovered
	if d.Updates.Forced() {
		tally.forced.reasons = append(tally.forced.reasons, "updates are installed automatically and the user cannot turn them off")
	}
	p.Verdict = Verdict{
		NoUndisclosedRemoteControl: tally.remote.verdict(),
		NoUndisclosedExfiltration:  tally.exfil.verdict(),
		NoForcedUpgrade:            tally.forced.verdict(),
	}
	if err := p.validate(); err != nil {
		return nil, nil, err
	}
	return p, uncovered, nil
}

// validate checks the predicate against schemas/predicate.v1.json.
func (p *Predicate) validate() error {
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
	findings, undisclosed int
	reasons               []string
}

func (t tally) verdict() CommitmentVerdict {
	r := t.reasons
	if t.undisclosed > 0 {
		r = append([]string{fmt.Sprintf("%d undisclosed finding(s)", t.undisclosed)}, r...)
	}
	return CommitmentVerdict{Holds: len(r) == 0, Findings: t.findings, Undisclosed: t.undisclosed, Reasons: r}
}

type tallies struct{ remote, exfil, forced tally }

func (ts *tallies) add(artifact string, f Finding) {
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
		if f.CoveredBy == "" {
			t.undisclosed++
		}
	}
}

// matcher matches the findings of artifacts and their members, keeping the tallies.
type matcher struct {
	d         *Disclosure
	tally     tallies
	uncovered []Uncovered
}

// analyse records artifact a under name; display names it in messages (for a member, the
// subject name and the member path joined with "!/").
func (m *matcher) analyse(name, display string, a scan.Artifact) ArtifactAnalysis {
	aa := artifactAnalysis(name, a)
	for _, f := range a.Findings {
		pf := finding(f)
		pf.CoveredBy = m.d.Cover(f)
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

func finding(f scan.Finding) Finding {
	c := f.Commitment
	if c == "" {
		c, _ = scan.CommitmentOf(f.Capability)
	}
	ev := make([]Evidence, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		ev = append(ev, Evidence{Kind: e.Kind, Value: e.Value, Where: e.Where})
	}
	total := f.EvidenceTotal
	if total < len(ev) {
		total = len(ev)
	}
	return Finding{
		Rule: f.Rule, Capability: f.Capability, Commitment: c, Confidence: f.Confidence,
		Host: f.Host, Evidence: ev, EvidenceTotal: total, Summary: f.Summary,
	}
}

func artifactAnalysis(name string, a scan.Artifact) ArtifactAnalysis {
	aa := ArtifactAnalysis{
		Name: name, Size: a.Size,
		Format: a.Format, OS: a.OS, Arch: a.Arch, GoVersion: a.GoVersion,
		MainModule: module(a.MainModule), Functions: a.Functions, Packages: a.Packages,
		Libraries: a.Libraries, Findings: []Finding{}, Layer: a.Layer,
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
	for _, s := range a.BuildSettings {
		aa.BuildSettings = append(aa.BuildSettings, Setting{Key: s.Key, Value: s.Value})
	}
	return aa
}

func module(m *scan.Module) *Module {
	if m == nil {
		return nil
	}
	return &Module{Path: m.Path, Version: m.Version, Sum: m.Sum, Replace: module(m.Replace)}
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
