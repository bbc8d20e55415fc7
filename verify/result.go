package verify

import "github.com/candor-dev/candor/predicate"

// Step names a verification step. Steps run in the order of the constants, and the first
// that fails ends the verification of that artifact: the later steps are skipped.
type Step string

// The steps.
const (
	// StepParse reads the DSSE envelope strictly and within bounds.
	StepParse Step = "parse"
	// StepSignature checks the signatures over the DSSE pre-authentication encoding with the
	// trusted keys: at least the threshold of distinct keys must have signed.
	StepSignature Step = "signature"
	// StepPayloadType checks the signed payload type.
	StepPayloadType Step = "payload-type"
	// StepStatement parses the verified payload as an in-toto Statement v1 with candor's
	// predicate type.
	StepStatement Step = "statement"
	// StepSubject finds the subject with the artifact's digest: its SHA-256, and every other
	// digest the subject lists in an algorithm verify checks (SHA-512) must agree.
	StepSubject Step = "subject"
	// StepPredicate validates the predicate against schemas/predicate.v1.json.
	StepPredicate Step = "predicate"
	// StepPolicy applies the buyer's policy, or the defaults.
	StepPolicy Step = "policy"
	// StepRescan scans the artifact again and compares with the attested analysis.
	StepRescan Step = "rescan"
)

// Steps lists the steps in order.
var Steps = []Step{StepParse, StepSignature, StepPayloadType, StepStatement, StepSubject, StepPredicate, StepPolicy, StepRescan}

// Status is the outcome of one check.
type Status string

// Statuses.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	// Skip: the check did not run, because an earlier step failed or it was not asked for.
	Skip Status = "skip"
)

// Check is the outcome of one step, or of one rule of the policy step.
type Check struct {
	Step Step `json:"step"`
	// Rule names a policy rule (endpoints, updates...); empty for other steps.
	Rule   string `json:"rule,omitempty"`
	Status Status `json:"status"`
	// Detail says what was checked and found, for a passed or skipped check.
	Detail string `json:"detail,omitempty"`
	// Reasons say why the check failed, one problem each.
	Reasons []string `json:"reasons,omitempty"`
}

// Verdict is the outcome of verifying one artifact against one attestation. When an
// attestation fails before its subjects are known, Artifact is empty (unless the attestation
// was found beside an artifact); when no attestation names an artifact, Attestation is empty.
type Verdict struct {
	// Artifact is the artifact's path as given, or its digest when only the digest was given.
	Artifact string `json:"artifact,omitempty"`
	// SHA256 is the artifact's digest, hex.
	SHA256 string `json:"sha256,omitempty"`
	// Digests are the artifact's other digests checked against the subject (sha512), hex
	// by algorithm.
	Digests map[string]string `json:"digests,omitempty"`
	// Subject is the name of the statement subject that matched the digest.
	Subject string `json:"subject,omitempty"`
	// Attestation names the envelope: its file, with "#N" for the Nth line of a JSON lines file.
	Attestation string `json:"attestation,omitempty"`
	// AttestationSHA256 is the digest of the envelope's bytes, hex.
	AttestationSHA256 string `json:"attestationSha256,omitempty"`
	// SignedBy lists the key ids of the trusted keys whose signatures verified.
	SignedBy []string `json:"signedBy,omitempty"`
	// Product is what the attestation says it is about, once its predicate is read.
	Product *predicate.Product `json:"product,omitempty"`
	Passed  bool               `json:"passed"`
	Checks  []Check            `json:"checks"`
	// Findings counts the artifact's attested findings per commitment: disclosed, accepted
	// and undisclosed; set once the predicate is read.
	Findings []FindingCounts `json:"findings,omitempty"`
	// Accepted lists the artifact's findings that the disclosure covers only with an accepted
	// entry, each with the entry and its reason; set once the predicate is read.
	Accepted []AcceptedFinding `json:"accepted,omitempty"`
	// Summary is what a SLSA verification summary (VSA) says, when the attestation is one;
	// set once its predicate is read.
	Summary *SummaryView `json:"summary,omitempty"`
	// Notes are remarks that do not change the verdict.
	Notes []string `json:"notes,omitempty"`
	// Err is nil when the verdict passed, else the failing step's error, wrapping its
	// sentinel (such as [ErrSignature]).
	Err error `json:"-"`
	// Message is the text of Err, for JSON output.
	Message string `json:"error,omitempty"`
}

// FailedStep returns the step that failed, or "" when the verdict passed.
func (v *Verdict) FailedStep() Step {
	for _, c := range v.Checks {
		if c.Status == Fail {
			return c.Step
		}
	}
	return ""
}

// Result is the outcome of [Run]: one verdict per artifact and attestation.
type Result struct {
	// Passed is true when every verdict passed.
	Passed   bool       `json:"passed"`
	Verdicts []*Verdict `json:"verdicts"`
	// Notes are remarks about the whole run, such as attestations that name none of the
	// artifacts.
	Notes []string `json:"notes,omitempty"`
	// Unverified lists the entries of release directories that no verdict is about and that
	// were not read as attestations (files no subject names, links, special files...), with
	// the reason; each is also in Notes.
	Unverified []Unverified `json:"unverified,omitempty"`
	// Summaries are the verification summary attestation files written.
	Summaries []string `json:"summaries,omitempty"`
}
