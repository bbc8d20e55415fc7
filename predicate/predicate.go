package predicate

import (
	"time"

	"github.com/candor-dev/candor/scan"
)

// PredicateType is the in-toto predicate type of a candor disclosure attestation.
const PredicateType = "https://candor.dev/attestation/disclosure/v1"

// PayloadType is the DSSE payload type of an in-toto statement.
const PayloadType = "application/vnd.in-toto+json"

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
	// CoveredBy references the covering disclosure entry (see [Declarations.Cover]); empty when
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
