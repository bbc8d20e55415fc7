package output

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"path/filepath"
	"slices"
	"strconv"
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
		Tool               sarifTool                        `json:"tool"`
		OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
		Artifacts          []sarifArtifact                  `json:"artifacts"`
		Results            []sarifResult                    `json:"results"`
		Properties         map[string]any                   `json:"properties,omitempty"`
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
		Location    sarifArtifactLocation `json:"location"`
		ParentIndex *int                  `json:"parentIndex,omitempty"`
		Length      int64                 `json:"length"`
		Hashes      map[string]string     `json:"hashes,omitempty"`
	}
	sarifArtifactLocation struct {
		URI       string `json:"uri"`
		URIBaseID string `json:"uriBaseId,omitempty"`
		Index     *int   `json:"index,omitempty"`
	}
	sarifResult struct {
		RuleID           string          `json:"ruleId"`
		RuleIndex        int             `json:"ruleIndex"`
		Level            string          `json:"level"`
		Message          sarifMessage    `json:"message"`
		Locations        []sarifLocation `json:"locations"`
		RelatedLocations []sarifLocation `json:"relatedLocations,omitempty"`
		// Suppressions is set when findings were evaluated against a disclosure: empty
		// (not absent) for a result no entry covers.
		Suppressions        *[]sarifSuppression `json:"suppressions,omitempty"`
		PartialFingerprints map[string]string   `json:"partialFingerprints,omitempty"`
		Properties          map[string]any      `json:"properties,omitempty"`
	}
	sarifSuppression struct {
		Kind          string `json:"kind"`
		Status        string `json:"status,omitempty"`
		Justification string `json:"justification,omitempty"`
	}
	sarifLocation struct {
		ID               *int                   `json:"id,omitempty"`
		PhysicalLocation sarifPhysical          `json:"physicalLocation"`
		LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
		Message          *sarifMessage          `json:"message,omitempty"`
		Properties       map[string]any         `json:"properties,omitempty"`
	}
	sarifPhysical struct {
		ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
		Region           *sarifRegion          `json:"region,omitempty"`
	}
	// sarifRegion locates evidence by byte offset into the artifact (SARIF §3.30.13).
	sarifRegion struct {
		ByteOffset int64  `json:"byteOffset"`
		ByteLength *int64 `json:"byteLength,omitempty"`
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
	// baseDir, from [WithBaseDir], is the directory relative paths are read from.
	baseDir string
	// cover, from [WithDisclosure], says which findings a disclosure covers.
	cover func(scan.Finding) (string, bool)
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

// srcRoot is the uriBaseId every artifact URI is relative to when the renderer knows
// the directory paths are read from ([WithBaseDir]).
const srcRoot = "SRCROOT"

// flatArtifact is an artifact of the report, members listed after their archive.
type flatArtifact struct {
	a      *scan.Artifact
	parent int    // index of the archive holding it, or -1
	uri    string // relative to the base (or as given), members as archive!/path
}

func (s sarifRenderer) build(r *scan.Report) *sarifLog {
	var flat []flatArtifact
	var add func(parent int, a *scan.Artifact)
	add = func(parent int, a *scan.Artifact) {
		flat = append(flat, flatArtifact{a: a, parent: parent})
		me := len(flat) - 1
		for i := range a.Members {
			add(me, &a.Members[i])
		}
	}
	for i := range r.Artifacts {
		add(-1, &r.Artifacts[i])
	}
	base := s.locate(flat)

	// Rules: one per rule id present, described by its spec when known, else by its
	// findings' summary when they all agree, else by its capability.
	first := map[string]*scan.Finding{}
	summary := map[string]string{}
	var ids []string
	for _, fa := range flat {
		for j := range fa.a.Findings {
			f := &fa.a.Findings[j]
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
		Artifacts: make([]sarifArtifact, len(flat)),
		Results:   []sarifResult{},
		Properties: map[string]any{
			"rulesVersion": r.Analyzer.RulesVersion,
			"rulesDigest":  r.Analyzer.RulesDigest,
		},
	}
	baseID := ""
	if base != "" {
		baseID = srcRoot
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{srcRoot: {URI: base}}
	}
	for i, fa := range flat {
		a := fa.a
		hashes := map[string]string{}
		if a.SHA256 != "" {
			hashes["sha-256"] = a.SHA256
		}
		if a.SHA512 != "" {
			hashes["sha-512"] = a.SHA512
		}
		art := sarifArtifact{Location: sarifArtifactLocation{URI: fa.uri, URIBaseID: baseID}, Length: a.Size, Hashes: hashes}
		if fa.parent >= 0 {
			art.ParentIndex = &flat[i].parent
		}
		run.Artifacts[i] = art
		for j := range a.Findings {
			f := &a.Findings[j]
			res := sarifResultFor(f, sarifArtifactLocation{URI: fa.uri, URIBaseID: baseID}, i, index[f.Rule])
			if s.cover != nil {
				// Evaluated against a disclosure: an empty list says none applies.
				sup := []sarifSuppression{}
				if why, ok := s.cover(*f); ok {
					sup = append(sup, sarifSuppression{Kind: "external", Status: "accepted", Justification: printable(why)})
				}
				res.Suppressions = &sup
			}
			run.Results = append(run.Results, res)
		}
	}
	return &sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
}

// locate sets every artifact's URI and returns the base URI they are relative to, or ""
// when the renderer has no base directory (relative paths then stay as given, absolute
// ones become file URIs). The base is the base directory when every artifact lies inside
// it, else the deepest directory holding them all, so no URI climbs out with "..".
// A member's URI is its archive's followed by "!/" and its path inside the archive.
func (s sarifRenderer) locate(flat []flatArtifact) string {
	if s.baseDir == "" {
		for i := range flat {
			if p := flat[i].parent; p >= 0 {
				flat[i].uri = flat[p].uri + memberSep + escapePath(strings.TrimPrefix(flat[i].a.Path, "/"))
				continue
			}
			flat[i].uri = artifactURI(flat[i].a.Path)
		}
		return ""
	}
	base := filepath.Clean(s.baseDir)
	abs := make([]string, len(flat))
	root := ""
	for i, fa := range flat {
		if fa.parent >= 0 {
			continue
		}
		p := fa.a.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(base, p)
		}
		abs[i] = filepath.Clean(p)
		dir := filepath.Dir(abs[i])
		if root == "" {
			root = base
		}
		for !within(root, dir) {
			up := filepath.Dir(root)
			if up == root {
				break
			}
			root = up
		}
	}
	if root == "" {
		root = base
	}
	for i := range flat {
		if p := flat[i].parent; p >= 0 {
			flat[i].uri = flat[p].uri + memberSep + escapePath(strings.TrimPrefix(flat[i].a.Path, "/"))
			continue
		}
		rel, err := filepath.Rel(root, abs[i])
		if err != nil {
			rel = abs[i]
		}
		flat[i].uri = relativeURI(filepath.ToSlash(rel))
	}
	return dirURI(root)
}

// within reports whether path p is dir or lies below it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// dirURI is the file URI of directory dir, ending in "/" as a base URI must.
func dirURI(dir string) string {
	slash := filepath.ToSlash(dir)
	if !strings.HasPrefix(slash, "/") {
		slash = "/" + slash // a Windows drive path
	}
	if !strings.HasSuffix(slash, "/") {
		slash += "/"
	}
	return "file://" + escapePath(slash)
}

// relativeURI escapes a slash-separated relative path as a URI reference; a first segment
// with a colon gets "./" so it is not read as a scheme.
func relativeURI(p string) string {
	u := escapePath(p)
	if first, _, _ := strings.Cut(u, "/"); strings.Contains(first, ":") {
		u = "./" + u
	}
	return u
}

// escapePath percent-encodes what RFC 3986 does not allow in a path; unreserved
// characters, sub-delimiters ("!" of archive!/member among them), ":", "@" and "/" stay.
func escapePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~!$&'()*+,;=:@/", c) >= 0:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// fileOffset reads the file offset in an evidence location ("... (file offset 0x1a2b)").
func fileOffset(where string) (int64, bool) {
	const key = "file offset 0x"
	i := strings.LastIndex(where, key)
	if i < 0 {
		return 0, false
	}
	rest := where[i+len(key):]
	j := strings.IndexFunc(rest, func(r rune) bool { return !strings.ContainsRune("0123456789abcdefABCDEF", r) })
	if j < 0 {
		j = len(rest)
	}
	n, err := strconv.ParseInt(rest[:j], 16, 64)
	return n, err == nil && j > 0 && n >= 0
}

// evidenceRegion is the byte region of an evidence item: its file offset and, for text the
// file holds as it is (strings, function names), its length.
func evidenceRegion(e scan.Evidence) *sarifRegion {
	off, ok := fileOffset(e.Where)
	if !ok {
		return nil
	}
	r := &sarifRegion{ByteOffset: off}
	if e.Kind == scan.EvidenceString || e.Kind == scan.EvidenceFunction {
		n := int64(len(e.Value))
		r.ByteLength = &n
	}
	return r
}

func sarifResultFor(f *scan.Finding, loc sarifArtifactLocation, artifactIndex, ruleIndex int) sarifResult {
	level := "warning"
	if f.Confidence == scan.Referenced {
		level = "note"
	}
	logical := make([]sarifLogicalLocation, 0, len(f.Evidence))
	evidence := make([]map[string]string, 0, len(f.Evidence))
	var region *sarifRegion
	var related []sarifLocation
	for _, e := range f.Evidence {
		logical = append(logical, sarifLogicalLocation{Name: e.Value, Kind: logicalKind(e.Kind)})
		evidence = append(evidence, map[string]string{"kind": string(e.Kind), "value": e.Value, "where": e.Where})
		r := evidenceRegion(e)
		if r == nil {
			continue
		}
		if region == nil {
			region = r
			continue
		}
		id := len(related) + 1
		rl := loc
		rl.Index = &artifactIndex
		related = append(related, sarifLocation{
			ID:               &id,
			PhysicalLocation: sarifPhysical{ArtifactLocation: rl, Region: r},
			Message:          &sarifMessage{Text: printable(string(e.Kind)) + " " + printable(e.Value)},
		})
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
	if len(f.Hosts) > 0 {
		props["hosts"] = f.Hosts
	}
	loc.Index = &artifactIndex
	return sarifResult{
		RuleID:    f.Rule,
		RuleIndex: ruleIndex,
		Level:     level,
		Message:   sarifMessage{Text: resultMessage(f)},
		Locations: []sarifLocation{{
			PhysicalLocation: sarifPhysical{ArtifactLocation: loc, Region: region},
			LogicalLocations: logical,
			Properties:       map[string]any{"evidence": evidence},
		}},
		RelatedLocations:    related,
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

// artifactURI turns a file path into a SARIF URI reference when no base directory is
// known: relative paths stay relative (with forward slashes), absolute paths become
// file:// URIs.
func artifactURI(p string) string {
	if filepath.IsAbs(p) {
		slash := filepath.ToSlash(p)
		if !strings.HasPrefix(slash, "/") {
			slash = "/" + slash // a Windows drive path
		}
		return "file://" + escapePath(slash)
	}
	return relativeURI(filepath.ToSlash(p))
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
