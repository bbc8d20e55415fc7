package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// Verifier checks attestations with a fixed set of trusted keys, threshold and policy. It is
// safe for concurrent use. Obtain one from [NewVerifier].
type Verifier struct {
	keys      []*trustedKey
	refs      []string
	listed    int
	threshold int
	policy    *Policy
	scanner   Scanner
	now       func() time.Time
	limits    Limits
	// trustedRoot and identity verify keyless Sigstore bundles (WithSigstore); bundles
	// verifies every bundle.
	trustedRoot root.TrustedMaterial
	identity    sigbundle.Identity
	bundles     *sigbundle.Verifier
	// sigChecks counts the signature verifications made, for tests of the work bounds.
	sigChecks atomic.Int64
}

// VerifierOption configures a [Verifier].
type VerifierOption func(*Verifier) error

// WithKeyNames names the trusted keys in messages, in the order [NewVerifier] was given
// them: their files or KMS URIs, as given to [LoadKeys]. There may be fewer names than
// keys; a key without one is "key N".
func WithKeyNames(refs ...string) VerifierOption {
	return func(v *Verifier) error {
		v.refs = refs
		return nil
	}
}

// WithThreshold sets how many distinct trusted keys must have signed (default 1).
func WithThreshold(n int) VerifierOption {
	return func(v *Verifier) error {
		if n < 1 {
			return fmt.Errorf("%w: the threshold must be 1 or more, not %d", ErrOptions, n)
		}
		v.threshold = n
		return nil
	}
}

// WithPolicy sets the buyer's policy. Without it the defaults apply (see [Policy]).
func WithPolicy(p *Policy) VerifierOption {
	return func(v *Verifier) error {
		if p == nil {
			return nil
		}
		if err := p.check(); err != nil {
			return err
		}
		v.policy = p
		return nil
	}
}

// WithRescan re-scans each artifact file with s and compares with the attested analysis
// ([StepRescan]). candor verify --rescan uses candor's own analyser, scan.New().
func WithRescan(s Scanner) VerifierOption {
	return func(v *Verifier) error {
		if s == nil {
			return fmt.Errorf("%w: WithRescan: nil scanner", ErrOptions)
		}
		v.scanner = s
		return nil
	}
}

// WithClock sets the clock the age check reads (default time.Now).
func WithClock(now func() time.Time) VerifierOption {
	return func(v *Verifier) error {
		if now == nil {
			return fmt.Errorf("%w: WithClock: nil clock", ErrOptions)
		}
		v.now = now
		return nil
	}
}

// NewVerifier returns a verifier that trusts keys (such as those [LoadKeys] returns). The
// same public key given twice counts once. At least one trusted key is needed, and the
// threshold cannot require more than the number of keys given.
func NewVerifier(keys []Key, opts ...VerifierOption) (*Verifier, error) {
	v := &Verifier{threshold: 1, now: time.Now, limits: DefaultLimits}
	for _, o := range opts {
		if err := o(v); err != nil {
			return nil, err
		}
	}
	if len(v.refs) > len(keys) {
		return nil, fmt.Errorf("%w: WithKeyNames: %d names for %d trusted keys", ErrOptions, len(v.refs), len(keys))
	}
	if len(keys) == 0 && v.trustedRoot == nil {
		return nil, fmt.Errorf("%w: no trusted key: give the vendor's public key", ErrOptions)
	}
	d, err := distinctKeys(keys, v.refs)
	if err != nil {
		return nil, err
	}
	v.keys, v.listed = d, len(keys)
	if v.threshold > v.listed && len(keys) > 0 {
		return nil, fmt.Errorf("%w: a threshold of %d needs at least %d trusted keys; %d given", ErrOptions, v.threshold, v.threshold, v.listed)
	}
	if err := v.newBundleVerifier(); err != nil {
		return nil, err
	}
	return v, nil
}

// Policy returns the policy in force, nil for the defaults.
func (v *Verifier) Policy() *Policy { return v.policy }

// Rescans reports whether the verifier re-scans artifacts.
func (v *Verifier) Rescans() bool { return v.scanner != nil }

// Target is an artifact to verify: its digests and, to re-scan it, its file.
//
// The subject that names the artifact must agree with it in every algorithm both have a
// digest in (sha256, sha512). With Path set, the file is hashed in the algorithms a subject
// lists and the target has no digest in yet, so a subject's sha512 is checked too.
type Target struct {
	// Name identifies the artifact in the verdict: its path, or its digest.
	Name string
	// SHA256 is the artifact's digest, lower-case hex; it may be empty when the artifact is
	// known by another digest only.
	SHA256 string
	// Digests are the artifact's other digests by in-toto algorithm name ("sha512"),
	// lower-case hex.
	Digests map[string]string
	// Path is the artifact's file; empty when only the digest is known (no re-scan). For a
	// target of Inputs.Targets, it is what the verifier's [Scanner] re-scans, never hashed.
	Path string

	// vouched marks a target of Inputs.Targets: its digests are the caller's, and Path is
	// not a file to hash.
	vouched bool
}

// Attestation is an envelope that passed the steps that do not depend on the artifact:
// parse, signature, payload type and statement. Obtain one from [Verifier.Open].
type Attestation struct {
	// Source names the envelope: its file, with "#N" for a line of a JSON lines file.
	Source string
	// SHA256 is the digest of the envelope's bytes, hex.
	SHA256 string
	// SignedBy lists the key ids of the trusted keys that signed.
	SignedBy  []string
	Statement *Statement

	checks []Check // the passed steps
	err    error   // set when a step failed; checks then end with it
	// other is the quoted predicate type of a statement that is not candor's: the envelope
	// is skipped (see otherPredicateType), and err says so.
	other string
	// skip, when set, says why the attestation was skipped (in place of the predicate type).
	skip string
	// dupOf is set on a bundle holding the same signed envelope as dupOf, checked once as
	// that (see duplicate.go); alsoAt lists the sources of such copies of this one.
	dupOf  *Attestation
	alsoAt []string

	predOnce sync.Once
	pred     *predicate.Predicate
	predErr  error
}

// Err returns nil when the envelope passed the first steps, else the error of the step that
// failed, wrapping its sentinel.
func (a *Attestation) Err() error { return a.err }

// Checks returns the outcome of the steps run so far.
func (a *Attestation) Checks() []Check { return a.checks }

// Open runs the steps that do not depend on the artifact: parse, signature, payload type and
// statement. It always returns an Attestation; its Err says whether they passed. source
// names the envelope in messages.
func (v *Verifier) Open(ctx context.Context, source string, envelope []byte) *Attestation {
	env, err := ParseEnvelope(envelope)
	return v.openParsed(ctx, source, envelopeDigest(envelope), env, err)
}

// envelopeDigest is the hex SHA-256 of an envelope's bytes.
func envelopeDigest(envelope []byte) string {
	sum := sha256.Sum256(envelope)
	return hex.EncodeToString(sum[:])
}

// openParsed is [Verifier.Open] on an envelope parsed already (env, or parseErr), whose bytes
// have the digest sha.
func (v *Verifier) openParsed(ctx context.Context, source, sha string, env *Envelope, parseErr error) *Attestation {
	a := &Attestation{Source: source, SHA256: sha}
	fail := func(s Step, err error) *Attestation {
		a.checks = append(a.checks, Check{Step: s, Status: Fail, Reasons: []string{reason(err, s)}})
		a.err = err
		return a
	}
	if parseErr != nil {
		return fail(StepParse, parseErr)
	}
	a.checks = append(a.checks, Check{Step: StepParse, Status: Pass,
		Detail: fmt.Sprintf("DSSE envelope, %d-byte payload, %d signature(s)", len(env.Payload), len(env.Signatures))})
	if n := len(env.Signatures); n > v.limits.MaxSignatures {
		le := &LimitError{Limit: LimitSignatures, Max: int64(v.limits.MaxSignatures), Need: int64(n), What: "signatures in the envelope"}
		return fail(StepSignature, fmt.Errorf("%w: none checked: %w", ErrSignature, le))
	}
	signed, detail, reasons := checkSignatures(ctx, env, v.keys, v.threshold, &v.sigChecks)
	if len(reasons) > 0 {
		a.checks = append(a.checks, Check{Step: StepSignature, Status: Fail, Reasons: reasons})
		a.err = stepErr(StepSignature, reasons)
		return a
	}
	for _, t := range signed {
		a.SignedBy = append(a.SignedBy, t.id)
	}
	a.checks = append(a.checks, Check{Step: StepSignature, Status: Pass, Detail: detail})
	return v.statementSteps(a, env)
}

// statementSteps runs the payload-type and statement steps on the payload that the
// signature step verified.
func (v *Verifier) statementSteps(a *Attestation, env *Envelope) *Attestation {
	fail := func(s Step, err error) *Attestation {
		a.checks = append(a.checks, Check{Step: s, Status: Fail, Reasons: []string{reason(err, s)}})
		a.err = err
		return a
	}
	if env.PayloadType != predicate.PayloadType {
		return fail(StepPayloadType, fmt.Errorf("%w: the signed payload type is %q; want %q", ErrPayloadType, env.PayloadType, predicate.PayloadType))
	}
	a.checks = append(a.checks, Check{Step: StepPayloadType, Status: Pass, Detail: env.PayloadType})
	// Only the payload the signatures cover is read from here on.
	st, err := parseStatement(env.Payload, predicate.PredicateType, SummaryPredicateType)
	if err != nil {
		return fail(StepStatement, err)
	}
	a.Statement = st
	a.checks = append(a.checks, Check{Step: StepStatement, Status: Pass,
		Detail: fmt.Sprintf("in-toto Statement v1, predicate type %s, %d subject(s)", st.PredicateType, len(st.Subject))})
	return a
}

// signatureChecks is the most signature verifications opening env may make.
func (v *Verifier) signatureChecks(env *Envelope) int64 {
	if env == nil {
		return 0
	}
	return int64(min(len(env.Signatures), v.limits.MaxSignatures)) * int64(len(v.keys))
}

// predicate parses and validates the predicate once per attestation.
func (a *Attestation) predicate() (*predicate.Predicate, error) {
	a.predOnce.Do(func() { a.pred, a.predErr = parsePredicate(a.Statement.Predicate) })
	return a.pred, a.predErr
}

// Check runs the steps that depend on the artifact (subject, predicate, policy and, when
// the verifier re-scans and the target has a file, rescan) on an attestation that [Open]
// passed, and returns the verdict. An attestation that failed Open gives its failing verdict.
func (v *Verifier) Check(ctx context.Context, a *Attestation, t Target) *Verdict {
	vd := &Verdict{Artifact: t.Name, SHA256: t.SHA256, Digests: t.Digests, Attestation: a.Source, AttestationSHA256: a.SHA256, SignedBy: a.SignedBy}
	vd.Checks = append(vd.Checks, a.checks...)
	for _, src := range a.alsoAt {
		vd.Notes = append(vd.Notes, duplicateNote(src))
	}
	if a.err != nil {
		return vd.finish(a.err)
	}
	fail := func(s Step, err error) *Verdict {
		vd.Checks = append(vd.Checks, Check{Step: s, Status: Fail, Reasons: []string{reason(err, s)}})
		return vd.finish(err)
	}
	if need := a.Statement.needs(&t, nil); len(need) > 0 && t.Path != "" && !t.vouched {
		// Run hashed the file in these already; a caller of Check may not have.
		d, err := fileDigests(t.Path, need...)
		if err != nil {
			return fail(StepSubject, fmt.Errorf("%w: the artifact cannot be hashed in %s, which a subject lists: %w", ErrSubject, strings.Join(need, " and "), err))
		}
		t = t.withDigests(d)
		vd.SHA256, vd.Digests = t.SHA256, t.Digests
	}
	sub, detail, err := a.Statement.matchTarget(&t)
	if err != nil {
		return fail(StepSubject, err)
	}
	vd.Subject = sub.Name
	vd.Checks = append(vd.Checks, Check{Step: StepSubject, Status: Pass, Detail: detail})
	if a.Statement.PredicateType == SummaryPredicateType {
		return v.checkSummary(vd, a, &t)
	}

	pred, err := a.predicate()
	if err != nil {
		return fail(StepPredicate, err)
	}
	analysis := analysisOf(pred, sub, &t)
	if analysis == nil {
		return fail(StepPredicate, fmt.Errorf("%w: the predicate's analysis has no entry with the digest of subject %q", ErrPredicate, sub.Name))
	}
	vd.Product = &pred.Product
	vd.Findings, vd.Accepted = acceptedView(sub.Name, pred, analysis)
	vd.Checks = append(vd.Checks, Check{Step: StepPredicate, Status: Pass,
		Detail: fmt.Sprintf("valid %s predicate: %s %s by %s, %d finding(s) in this artifact", predicate.PredicateType, pred.Product.Name, pred.Product.Version, pred.Product.Vendor, countFindings(analysis))})

	pcs := applyPolicy(v.policy, policyInput{pred: pred, analysis: analysis, name: sub.Name, now: v.now()})
	vd.Checks = append(vd.Checks, pcs...)
	var preasons []string
	for _, c := range pcs {
		for _, r := range c.Reasons {
			preasons = append(preasons, c.Rule+": "+r)
		}
	}
	if len(preasons) > 0 {
		return vd.finish(stepErr(StepPolicy, preasons))
	}

	if v.scanner == nil || t.Path == "" {
		detail := "not asked (WithRescan)"
		if v.scanner != nil {
			detail = "no file to re-scan: only the digest was given"
		}
		vd.Checks = append(vd.Checks, Check{Step: StepRescan, Status: Skip, Detail: detail})
		return vd.finish(nil)
	}
	fresh, err := v.scanner.ScanFile(ctx, t.Path)
	if err != nil {
		return fail(StepRescan, fmt.Errorf("%w: the artifact cannot be scanned: %w", ErrRescan, err))
	}
	res := compareRescan(sub.Name, t.SHA256, fresh, v.scanner.Analyzer(), pred, analysis, v.policy.maxUndisclosed())
	vd.Notes = append(vd.Notes, res.notes...)
	if len(res.reasons) > 0 {
		vd.Checks = append(vd.Checks, Check{Step: StepRescan, Status: Fail, Reasons: res.reasons})
		return vd.finish(stepErr(StepRescan, res.reasons))
	}
	vd.Checks = append(vd.Checks, Check{Step: StepRescan, Status: Pass, Detail: res.detail})
	return vd.finish(nil)
}

// Verify runs every step on one envelope for one artifact. source names the envelope in the
// verdict, such as its file name.
func (v *Verifier) Verify(ctx context.Context, source string, envelope []byte, t Target) *Verdict {
	return v.Check(ctx, v.Open(ctx, source, envelope), t)
}

// finish records the outcome and marks the steps that did not run as skipped.
func (vd *Verdict) finish(err error) *Verdict {
	vd.Err = err
	vd.Passed = err == nil
	if err != nil {
		vd.Message = err.Error()
	}
	ran := map[Step]bool{}
	for _, c := range vd.Checks {
		ran[c.Step] = true
	}
	if err != nil {
		for _, s := range Steps {
			if !ran[s] {
				vd.Checks = append(vd.Checks, Check{Step: s, Status: Skip, Detail: "not run: an earlier step failed"})
			}
		}
	}
	return vd
}

// reason is the message of a step's error without the sentinel's prefix.
func reason(err error, s Step) string {
	msg := err.Error()
	var se *stepError
	if errors.As(err, &se) {
		msg = strings.TrimPrefix(msg, sentinel(s).Error()+": ")
	}
	return msg
}

func countFindings(a *predicate.ArtifactAnalysis) int {
	n := 0
	walkFindings("", a, func(string, *predicate.Finding) { n++ })
	return n
}
