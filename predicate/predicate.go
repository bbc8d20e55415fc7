package predicate

import (
	"strings"
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
	// Analyzer names the analyser and its rules, as in its report.
	Analyzer  scan.Analyzer      `json:"analyzer"`
	Artifacts []ArtifactAnalysis `json:"artifacts"`
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
	MainModule    *scan.Module      `json:"mainModule,omitempty"`
	Modules       []scan.Module     `json:"modules,omitempty"`
	BuildSettings []scan.Setting    `json:"buildSettings,omitempty"`
	Functions     int               `json:"functions"`
	Packages      int               `json:"packages"`
	Libraries     []string          `json:"libraries,omitempty"`
	Findings      []Finding         `json:"findings"`
	// Layer names the image layer that added a member.
	Layer string `json:"layer,omitempty"`
	// Members are the executables inside an archive, package or image.
	Members []ArtifactAnalysis `json:"members,omitempty"`
}

// Finding is an analyser finding, as the analyser reports it, and the disclosure entry that
// covers it. Its JSON is the analyser's with coveredBy, disposition and reason added. In a
// predicate made by candor, Commitment is always set, EvidenceTotal counts at least the
// Evidence listed, and Disposition and Reason are what [Declarations.Judge] gives for
// CoveredBy.
type Finding struct {
	scan.Finding
	// CoveredBy references the covering disclosure entry (see [Declarations.Cover]); empty when
	// the finding is undisclosed.
	CoveredBy string `json:"coveredBy,omitempty"`
	// Disposition says whether a declaration discloses the finding, an accepted entry accepts
	// it, or nothing covers it: [DispositionOf] CoveredBy.
	Disposition Disposition `json:"disposition"`
	// Reason is the accepted entry's reason, for an accepted finding; empty otherwise.
	Reason string `json:"reason,omitempty"`
}

// Record returns f as a predicate records it: with the entry that covers it
// ([Declarations.Cover]), its disposition and, when accepted, the accepted entry's reason.
func (d *Declarations) Record(f scan.Finding) Finding {
	pf := Finding{Finding: f, CoveredBy: d.Cover(f)}
	pf.Disposition, pf.Reason, _ = d.Judge(pf.CoveredBy)
	return pf
}

// Judge returns the disposition and reason a coveredBy reference gives with these
// declarations: disclosed with no reason for a declaration, accepted with the entry's reason
// for accepted[i], undisclosed for "". ok is false when the reference names an accepted entry
// that d does not have.
func (d *Declarations) Judge(coveredBy string) (disp Disposition, reason string, ok bool) {
	disp = DispositionOf(coveredBy)
	if disp != AcceptedFinding {
		return disp, "", true
	}
	a := d.AcceptedEntry(coveredBy)
	if a == nil {
		return disp, "", false
	}
	return disp, a.Reason, true
}

// Disposition says how a disclosure treats a finding.
type Disposition string

// Dispositions.
const (
	// Disclosed: a declaration (an endpoint, listener, telemetry entry...) covers the finding,
	// with its purpose, data and consent.
	Disclosed Disposition = "disclosed"
	// AcceptedFinding: an accepted entry covers the finding, with its reason.
	AcceptedFinding Disposition = "accepted"
	// Undisclosed: nothing covers the finding.
	Undisclosed Disposition = "undisclosed"
)

// DispositionOf returns the disposition a coveredBy reference gives: accepted for accepted[i],
// undisclosed for "", disclosed otherwise.
func DispositionOf(coveredBy string) Disposition {
	switch {
	case coveredBy == "":
		return Undisclosed
	case strings.HasPrefix(coveredBy, "accepted["):
		return AcceptedFinding
	}
	return Disclosed
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
	// Findings counts the findings bearing on the commitment: Disclosed those a declaration
	// covers, Accepted those an accepted entry covers, Undisclosed those nothing covers
	// (Findings = Disclosed + Accepted + Undisclosed).
	Findings    int `json:"findings"`
	Disclosed   int `json:"disclosed"`
	Accepted    int `json:"accepted"`
	Undisclosed int `json:"undisclosed"`
	// Reasons say why the commitment does not hold.
	Reasons []string `json:"reasons,omitempty"`
}
