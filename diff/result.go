package diff

import (
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// SchemaID identifies the JSON form of a [Result]; it changes only when a field changes
// meaning or goes away (fields may be added).
const SchemaID = "https://candor.dev/diff/v1"

// Op says how something changed.
type Op string

// Ops.
const (
	Added   Op = "added"
	Removed Op = "removed"
	Changed Op = "changed"
)

// Subject says what changed.
type Subject string

// Subjects.
const (
	// SubjectCapability: a capability (network.listen, update.self...) that one side has and
	// the other does not.
	SubjectCapability Subject = "capability"
	// SubjectHost: a remote host (from an endpoint finding, or an endpoint table's hosts).
	SubjectHost Subject = "host"
	// SubjectFinding: a finding, matched by rule, capability, host and table.
	SubjectFinding Subject = "finding"
	// SubjectModule: a Go module of the build info, matched by path.
	SubjectModule Subject = "module"
)

// Risk is the class of risk a capability belongs to, for ranking.
type Risk string

// Risks, in rank order.
const (
	// RiskRemoteControl: remote.*, process.exec, code.dynamic, network.listen.
	RiskRemoteControl Risk = "remote-control"
	// RiskExfiltration: network.connect, network.endpoint, telemetry.sdk.
	RiskExfiltration Risk = "exfiltration"
	// RiskUpdate: update.*.
	RiskUpdate Risk = "update"
	// RiskObfuscation: analysis.* (the binary cannot be attested clean).
	RiskObfuscation Risk = "obfuscation"
	// RiskOther: anything else (modules, unknown capabilities).
	RiskOther Risk = "other"
)

// Result is the comparison of two inputs. Its JSON form is the machine contract of
// candor diff --format json (schema [SchemaID]).
type Result struct {
	Schema string `json:"schema"`
	Old    *Input `json:"old"`
	New    *Input `json:"new"`
	// Artifacts lists how the artifacts of the two sides were matched.
	Artifacts []ArtifactPair `json:"artifacts"`
	// Changes are ranked: new remote-control, exfiltration and update capabilities first,
	// then new hosts, new linked findings, the other additions and changes; removals last.
	Changes []Change `json:"changes"`
	// Ignored are the changes an ignore entry matched, in the same order, each with the
	// entry and its reason. They do not count.
	Ignored []Change `json:"ignored"`
	Summary Summary  `json:"summary"`
}

// ArtifactPair is an artifact (or an executable inside an archive) on the old side, the new
// side, or both.
type ArtifactPair struct {
	// Name is how changes name the artifact: its new name, or its old one when removed.
	Name string `json:"name"`
	// Old and New are its names on each side; empty on the side that does not have it.
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// OldVersion and NewVersion are the main module's version (Go programs).
	OldVersion string `json:"oldVersion,omitempty"`
	NewVersion string `json:"newVersion,omitempty"`
	// OldGo and NewGo are the Go versions the programs were built with.
	OldGo string `json:"oldGo,omitempty"`
	NewGo string `json:"newGo,omitempty"`
}

// Change is one difference between the two sides.
type Change struct {
	Op   Op      `json:"op"`
	Kind Subject `json:"kind"`
	// Artifact is the [ArtifactPair.Name] of the artifact it concerns.
	Artifact string `json:"artifact"`
	// Risk ranks the change by its capability.
	Risk       Risk            `json:"risk"`
	Capability scan.Capability `json:"capability,omitempty"`
	// Host is the host of a host change, or of an endpoint finding.
	Host string `json:"host,omitempty"`
	// Rule is the rule of a finding, or of the finding a host comes from.
	Rule string `json:"rule,omitempty"`
	// Rules lists the rules of a capability's findings.
	Rules []string `json:"rules,omitempty"`
	// Module is a module change's path, or the module (path@version) that owns a finding's
	// code.
	Module string `json:"module,omitempty"`
	// OldVersion and NewVersion are a module's versions (with its replacement, if any).
	OldVersion string `json:"oldVersion,omitempty"`
	NewVersion string `json:"newVersion,omitempty"`
	// Confidence and Reach are the finding's (for a capability or host: its best finding's),
	// on the new side (the old side for a removal).
	Confidence scan.Confidence `json:"confidence,omitempty"`
	Reach      scan.Reach      `json:"reach,omitempty"`
	// Hosts and Table are an endpoint table's.
	Hosts []string `json:"hosts,omitempty"`
	Table string   `json:"table,omitempty"`
	// CoveredBy and Disposition say how an attestation's disclosure treats the finding.
	CoveredBy   string                `json:"coveredBy,omitempty"`
	Disposition predicate.Disposition `json:"disposition,omitempty"`
	// Fields say what changed in a changed finding.
	Fields []FieldChange `json:"fields,omitempty"`
	// Evidence is a few items of the evidence (EvidenceTotal counts them all).
	Evidence      []scan.Evidence `json:"evidence,omitempty"`
	EvidenceTotal int             `json:"evidenceTotal,omitempty"`
	// Counts says the change is new: a capability or host added, or a linked finding added.
	// A result with a counting change is [Result.HasNew].
	Counts bool `json:"counts"`
	// IgnoredBy is the ignore entry that matched the change (in [Result.Ignored] only).
	IgnoredBy *IgnoreEntry `json:"ignoredBy,omitempty"`

	tier  int // rank tier; see rank
	order int // artifact order
}

// FieldChange is one field of a changed finding: its old and new value, or for a list (the
// evidence, an endpoint table's hosts) what was added and removed.
type FieldChange struct {
	Field   string   `json:"field"`
	Old     string   `json:"old,omitempty"`
	New     string   `json:"new,omitempty"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// Summary counts the changes.
type Summary struct {
	// New is true when a capability or host, or a linked finding, was added (and not
	// ignored): candor diff exits 1.
	New          bool   `json:"new"`
	Capabilities Counts `json:"capabilities"`
	Hosts        Counts `json:"hosts"`
	Findings     Counts `json:"findings"`
	Modules      Counts `json:"modules"`
	Ignored      int    `json:"ignored"`
}

// Counts counts the changes of one subject.
type Counts struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

// HasNew reports whether anything new appeared: a capability or host added, or a linked
// finding added, that no ignore entry matched.
func (r *Result) HasNew() bool { return r.Summary.New }
