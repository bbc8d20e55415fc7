package output

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/verify"
)

// SARIF constants written into every log.
const (
	sarifVersion = "2.1.0"
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	// InformationURI is where the SARIF log points people to learn about the tool.
	InformationURI = "https://github.com/candor-dev/candor"
	// fingerprintKey names candor's partial fingerprint: rule and host, independent of
	// where the artifact lies, so dashboards can follow a finding across releases.
	fingerprintKey = "candorFinding/v1"
)

// The subset of SARIF 2.1.0 candor writes. Field order follows the specification.
type (
	sarifLog struct {
		Schema  string     `json:"$schema"`
		Version string     `json:"version"`
		Runs    []sarifRun `json:"runs"`
	}
	sarifRun struct {
		Tool       sarifTool       `json:"tool"`
		Artifacts  []sarifArtifact `json:"artifacts"`
		Results    []sarifResult   `json:"results"`
		Properties map[string]any  `json:"properties,omitempty"`
	}
	sarifTool struct {
		Driver sarifDriver `json:"driver"`
	}
	sarifDriver struct {
		Name           string      `json:"name"`
		Version        string      `json:"version,omitempty"`
		InformationURI string      `json:"informationUri"`
		Rules          []sarifRule `json:"rules"`
	}
	sarifRule struct {
		ID                   string         `json:"id"`
		ShortDescription     sarifMessage   `json:"shortDescription"`
		DefaultConfiguration sarifConfig    `json:"defaultConfiguration"`
		Properties           map[string]any `json:"properties,omitempty"`
	}
	sarifConfig struct {
		Level string `json:"level"`
	}
	sarifMessage struct {
		Text string `json:"text"`
	}
	sarifArtifact struct {
		Location sarifArtifactLocation `json:"location"`
		Length   int64                 `json:"length"`
		Hashes   map[string]string     `json:"hashes,omitempty"`
	}
	sarifArtifactLocation struct {
		URI   string `json:"uri"`
		Index *int   `json:"index,omitempty"`
	}
	sarifResult struct {
		RuleID              string            `json:"ruleId"`
		RuleIndex           int               `json:"ruleIndex"`
		Level               string            `json:"level"`
		Message             sarifMessage      `json:"message"`
		Locations           []sarifLocation   `json:"locations"`
		PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
		Properties          map[string]any    `json:"properties,omitempty"`
	}
	sarifLocation struct {
		PhysicalLocation sarifPhysical          `json:"physicalLocation"`
		LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
		Properties       map[string]any         `json:"properties,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	}
	sarifLogicalLocation struct {
		Name string `json:"name"`
		Kind string `json:"kind,omitempty"`
	}
)

// sarifRenderer writes a SARIF 2.1.0 log with one run. Output is deterministic:
// rules are sorted by id, results follow the report's order, and maps are encoded with
// sorted keys.
type sarifRenderer struct {
	// summaries are rule-level descriptions by rule id, from [WithRuleSpecs].
	summaries map[string]string
}

func (s sarifRenderer) Scan(w io.Writer, r *scan.Report) error {
	if r == nil {
		return errNilResult
	}
	return writeJSON(w, s.build(r))
}

// Attest has no SARIF form: a code-scanning dashboard takes scan reports.
func (sarifRenderer) Attest(io.Writer, *Attestation) error {
	return unsupported(FormatSARIF, "an attest outcome")
}

// Verify has no SARIF form: a code-scanning dashboard takes scan reports.
func (sarifRenderer) Verify(io.Writer, *verify.Result) error {
	return unsupported(FormatSARIF, "a verification result")
}

func (s sarifRenderer) build(r *scan.Report) *sarifLog {
	r = flatten(r)
	// Rules: one per rule id present, described by its spec when known, else by its
	// findings' summary when they all agree, else by its capability.
	first := map[string]*scan.Finding{}
	summary := map[string]string{}
	var ids []string
	for i := range r.Artifacts {
		for j := range r.Artifacts[i].Findings {
			f := &r.Artifacts[i].Findings[j]
			prev, seen := first[f.Rule]
			switch {
			case !seen:
				first[f.Rule] = f
				ids = append(ids, f.Rule)
				summary[f.Rule] = f.Summary
			case prev.Summary != f.Summary:
				summary[f.Rule] = ""
			}
		}
	}
	slices.Sort(ids)
	rules := make([]sarifRule, len(ids))
	index := map[string]int{}
	for i, id := range ids {
		f := first[id]
		index[id] = i
		rules[i] = sarifRule{
			ID:                   id,
			ShortDescription:     sarifMessage{Text: orDefault(s.summaries[id], orDefault(summary[id], string(f.Capability)))},
			DefaultConfiguration: sarifConfig{Level: "warning"},
			Properties: map[string]any{
				"capability": string(f.Capability),
				"commitment": string(f.Commitment),
			},
		}
	}

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           orDefault(r.Analyzer.Name, "candor"),
			Version:        r.Analyzer.Version,
			InformationURI: InformationURI,
			Rules:          rules,
		}},
		Artifacts: make([]sarifArtifact, len(r.Artifacts)),
		Results:   []sarifResult{},
		Properties: map[string]any{
			"rulesVersion": r.Analyzer.RulesVersion,
			"rulesDigest":  r.Analyzer.RulesDigest,
		},
	}
	for i := range r.Artifacts {
		a := &r.Artifacts[i]
		uri := artifactURI(a.Path)
		hashes := map[string]string{"sha-256": a.SHA256}
		if a.SHA512 != "" {
			hashes["sha-512"] = a.SHA512
		}
		run.Artifacts[i] = sarifArtifact{Location: sarifArtifactLocation{URI: uri}, Length: a.Size, Hashes: hashes}
		for j := range a.Findings {
			run.Results = append(run.Results, sarifResultFor(&a.Findings[j], uri, i, index[a.Findings[j].Rule]))
		}
	}
	return &sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
}

func sarifResultFor(f *scan.Finding, uri string, artifactIndex, ruleIndex int) sarifResult {
	level := "warning"
	if f.Confidence == scan.Referenced {
		level = "note"
	}
	logical := make([]sarifLogicalLocation, 0, len(f.Evidence))
	evidence := make([]map[string]string, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		logical = append(logical, sarifLogicalLocation{Name: e.Value, Kind: logicalKind(e.Kind)})
		evidence = append(evidence, map[string]string{"kind": string(e.Kind), "value": e.Value, "where": e.Where})
	}
	props := map[string]any{
		"capability":    string(f.Capability),
		"commitment":    string(f.Commitment),
		"confidence":    string(f.Confidence),
		"evidenceTotal": f.EvidenceTotal,
	}
	if f.Host != "" {
		props["host"] = f.Host
	}
	idx := artifactIndex
	return sarifResult{
		RuleID:    f.Rule,
		RuleIndex: ruleIndex,
		Level:     level,
		Message:   sarifMessage{Text: resultMessage(f)},
		Locations: []sarifLocation{{
			PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifactLocation{URI: uri, Index: &idx}},
			LogicalLocations: logical,
			Properties:       map[string]any{"evidence": evidence},
		}},
		PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f)},
		Properties:          props,
	}
}

// resultMessage says what was found in one sentence a dashboard can show.
func resultMessage(f *scan.Finding) string {
	var b strings.Builder
	b.WriteString(printable(string(f.Capability)))
	if f.Host != "" {
		b.WriteString(" " + printable(f.Host))
	}
	if f.Summary != "" {
		b.WriteString(": " + printable(f.Summary))
	}
	b.WriteString(" (" + printable(string(f.Confidence)) + ")")
	if len(f.Evidence) > 0 {
		e := f.Evidence[0]
		b.WriteString("; evidence: " + printable(string(e.Kind)) + " " + printable(e.Value))
		if e.Where != "" {
			b.WriteString(" in " + printable(e.Where))
		}
		if more := max(f.EvidenceTotal, len(f.Evidence)) - 1; more > 0 {
			b.WriteString(" and " + plural(more, "more item"))
		}
	}
	return b.String()
}

// logicalKind maps an evidence kind to a SARIF logical location kind.
func logicalKind(k scan.EvidenceKind) string {
	switch k {
	case scan.EvidenceFunction:
		return "function"
	case scan.EvidencePackage:
		return "namespace"
	case scan.EvidenceModule:
		return "module"
	case scan.EvidenceImport:
		return "member"
	default:
		return "value"
	}
}

// fingerprint identifies a finding independently of where the artifact is stored.
func fingerprint(f *scan.Finding) string {
	sum := sha256.Sum256([]byte(f.Rule + "\x00" + string(f.Capability) + "\x00" + f.Host))
	return hex.EncodeToString(sum[:16])
}

// artifactURI turns a file path into a SARIF URI reference: relative paths stay
// relative (with forward slashes), absolute paths become file:// URIs.
func artifactURI(p string) string {
	if filepath.IsAbs(p) {
		slash := filepath.ToSlash(p)
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash // a Windows drive path
		}
		return (&url.URL{Scheme: "file", Path: slash}).String()
	}
	return (&url.URL{Path: filepath.ToSlash(p)}).String()
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
