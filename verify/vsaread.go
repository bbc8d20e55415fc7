package verify

import (
	"encoding/json/v2"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// SummaryView is what a verified SLSA verification summary (a VSA, such as one candor verify
// --vsa wrote) says about the artifact: set on the verdict of a VSA.
type SummaryView struct {
	// Result is the summary's verificationResult: PASSED or FAILED.
	Result string `json:"result"`
	// Verifier is the verifier's id; Policy the policy's URI.
	Verifier string `json:"verifier"`
	Policy   string `json:"policy,omitempty"`
	// TimeVerified is when the verifier checked the artifact.
	TimeVerified time.Time `json:"timeVerified"`
	// ResourceURI names the artifact the summary is about.
	ResourceURI string `json:"resourceUri"`
	// Levels are the summary's verifiedLevels.
	Levels []string `json:"levels,omitempty"`
}

// maxSummaryShown bounds the length of a summary's strings in messages.
const maxSummaryShown = 200

// checkSummary runs the steps of a verification summary after its subject matched: the
// predicate step reads the summary (its resource must name the artifact, its result must be
// PASSED), the policy step does not apply (the summary records the policy its verifier
// applied), nor does the re-scan.
func (v *Verifier) checkSummary(vd *Verdict, a *Attestation, t *Target) *Verdict {
	fail := func(s Step, err error) *Verdict {
		vd.Checks = append(vd.Checks, Check{Step: s, Status: Fail, Reasons: []string{reason(err, s)}})
		return vd.finish(err)
	}
	var sum VerificationSummary
	if err := json.Unmarshal(a.Statement.Predicate, &sum); err != nil {
		return fail(StepPredicate, fmt.Errorf("%w: not a SLSA verification summary: %s", ErrPredicate, jsonMessage(err)))
	}
	var missing []string
	if sum.Verifier.ID == "" {
		missing = append(missing, "verifier.id")
	}
	if sum.ResourceURI == "" {
		missing = append(missing, "resourceUri")
	}
	if sum.VerificationResult == "" {
		missing = append(missing, "verificationResult")
	}
	if len(missing) > 0 {
		return fail(StepPredicate, fmt.Errorf("%w: the verification summary has no %s", ErrPredicate, strings.Join(missing, ", no ")))
	}
	view := &SummaryView{Result: sum.VerificationResult, Verifier: sum.Verifier.ID, Policy: sum.Policy.URI,
		TimeVerified: sum.TimeVerified, ResourceURI: sum.ResourceURI, Levels: sum.VerifiedLevels}
	vd.Summary = view
	if !resourceNames(sum.ResourceURI, vd.Subject, t) {
		return fail(StepPredicate, fmt.Errorf("%w: the verification summary's resourceUri %s does not name the artifact %s (its file URL, file name or digest)",
			ErrPredicate, shown(sum.ResourceURI), shown(t.Name)))
	}
	policy := "no policy named"
	if view.Policy != "" {
		policy = "policy " + shown(view.Policy)
	}
	detail := fmt.Sprintf("SLSA verification summary: %s by verifier %s, %s, verified %s, resource %s",
		shown(view.Result), shown(view.Verifier), policy, view.TimeVerified.UTC().Format(time.RFC3339), shown(view.ResourceURI))
	if len(view.Levels) > 0 {
		detail += ", levels " + shown(strings.Join(view.Levels, " "))
	}
	switch view.Result {
	case "PASSED":
	case "FAILED":
		return fail(StepPredicate, fmt.Errorf("%w: the verification summary says FAILED: %s", ErrPredicate, detail))
	default:
		return fail(StepPredicate, fmt.Errorf("%w: the verification summary's verificationResult is %s; want PASSED or FAILED", ErrPredicate, shown(view.Result)))
	}
	vd.Checks = append(vd.Checks, Check{Step: StepPredicate, Status: Pass, Detail: detail})
	vd.Checks = append(vd.Checks, Check{Step: StepPolicy, Status: Skip, Detail: "a verification summary: it records the policy its verifier applied"})
	vd.Checks = append(vd.Checks, Check{Step: StepRescan, Status: Skip, Detail: "a verification summary: nothing to re-scan against"})
	return vd.finish(nil)
}

// resourceNames reports whether a summary's resourceUri names the artifact: its file:// URL,
// a URI whose last path segment is the artifact's file name or the subject's name, or a URI
// holding the artifact's SHA-256 (such as a package URL or image reference by digest).
func resourceNames(uri, subject string, t *Target) bool {
	if t.SHA256 != "" && strings.Contains(strings.ToLower(uri), t.SHA256) {
		return true
	}
	if uri == subject && subject != "" {
		return true
	}
	if t.Path != "" && uri == fileURI(t.Path) {
		return true
	}
	u, err := url.Parse(uri)
	if err != nil || u.Path == "" {
		return false
	}
	last := path.Base(u.Path)
	return last != "" && last != "/" && (t.Path != "" && last == filepath.Base(t.Path) || subject != "" && last == path.Base(subject))
}

// shown quotes a string from an attestation for a message, bounded and safe for a terminal.
func shown(s string) string {
	if len(s) > maxSummaryShown {
		s = s[:maxSummaryShown] + "..."
	}
	return fmt.Sprintf("%q", s)
}
