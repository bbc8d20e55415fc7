package verify

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"fmt"
	"maps"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// SLSA verification summary attestation (VSA) constants.
const (
	// SummaryPredicateType is the predicate type of a SLSA verification summary.
	SummaryPredicateType = "https://slsa.dev/verification_summary/v1"
	// VerifierID identifies candor verify as the verifier of a summary.
	VerifierID = "https://candor.dev/verify/v1"
	// DefaultPolicyURI names candor's default policy in a summary made without a policy file.
	DefaultPolicyURI = "https://candor.dev/policy/default/v1"
	// LevelDisclosure is the verified level of a summary whose disclosure attestation passed
	// every step; LevelRescanned is added when the re-scan ran and passed. A failed summary
	// says "FAILED", as the SLSA specification asks.
	LevelDisclosure = "CANDOR_DISCLOSURE_VERIFIED"
	LevelRescanned  = "CANDOR_DISCLOSURE_RESCANNED"
	levelFailed     = "FAILED"
)

// SummaryOptions ask [Run] for a signed verification summary attestation: one in-toto
// statement per artifact, each in a DSSE envelope. One artifact gives one envelope (indented
// JSON, or one line when Path ends in .jsonl); several need a Path ending in .intoto.jsonl
// and get one envelope per line.
type SummaryOptions struct {
	// Path is the file written, atomically.
	Path string
	// Signer signs the summaries: a key loaded with signing.LoadSigner (a private key file
	// or KMS URI), or any other [signing.EnvelopeSigner].
	Signer signing.EnvelopeSigner
	// ResourceURI names the artifact in the summary (one artifact only). The default is the
	// artifact file's file:// URL, or the subject name for an artifact given by digest.
	ResourceURI string
}

// VerificationSummary is the predicate of a SLSA verification summary attestation
// (https://slsa.dev/verification_summary/v1).
type VerificationSummary struct {
	Verifier           SummaryVerifier `json:"verifier"`
	TimeVerified       time.Time       `json:"timeVerified"`
	ResourceURI        string          `json:"resourceUri"`
	Policy             ResourceRef     `json:"policy"`
	InputAttestations  []ResourceRef   `json:"inputAttestations,omitempty"`
	VerificationResult string          `json:"verificationResult"`
	VerifiedLevels     []string        `json:"verifiedLevels"`
}

// SummaryVerifier identifies the verifier and its version.
type SummaryVerifier struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

// ResourceRef is an in-toto resource descriptor reduced to a URI and digests.
type ResourceRef struct {
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

type summaryWriter struct {
	opts   SummaryOptions
	signer signing.EnvelopeSigner
	now    func() time.Time
	policy ResourceRef
}

// newSummaryWriter prepares the summaries of a run: their signer and clock, and the policy
// they name (its file when [LoadPolicy] read it, none for one made in Go, else candor's
// defaults).
func newSummaryWriter(v *Verifier, in *Inputs) (*summaryWriter, error) {
	s := in.Summary
	if s.Signer == nil {
		return nil, fmt.Errorf("%w: a verification summary needs a signing key (SummaryOptions.Signer)", ErrOptions)
	}
	w := &summaryWriter{opts: *s, signer: s.Signer, now: v.now}
	w.policy = ResourceRef{URI: DefaultPolicyURI}
	switch pol := v.policy; {
	case pol != nil && pol.file != "":
		w.policy = ResourceRef{URI: fileURI(pol.file)}
	case pol != nil:
		w.policy = ResourceRef{}
	}
	return w, nil
}

// write signs one summary per artifact and writes them all, or nothing.
func (w *summaryWriter) write(ctx context.Context, r *runner, res *Result) ([]string, error) {
	if pol := r.v.policy; pol != nil {
		w.policy.Digest = map[string]string{"sha256": pol.Digest()}
	}
	byArtifact := map[string][]*Verdict{}
	var order []string
	for _, vd := range res.Verdicts {
		if vd.Artifact == "" || vd.SHA256 == "" && len(vd.Digests) == 0 {
			continue // an attestation that failed before naming an artifact
		}
		if _, ok := byArtifact[vd.Artifact]; !ok {
			order = append(order, vd.Artifact)
		}
		byArtifact[vd.Artifact] = append(byArtifact[vd.Artifact], vd)
	}
	if len(order) == 0 {
		return nil, nil
	}
	var out bytes.Buffer
	format := signing.FormatFor(w.opts.Path)
	if len(order) > 1 {
		format = signing.FormatJSONL
	}
	for _, name := range order {
		st, err := w.statement(r, byArtifact[name])
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOutput, err)
		}
		env, err := signing.SignEnvelope(ctx, predicate.PayloadType, st, w.signer)
		if err != nil {
			return nil, err
		}
		b, err := signing.MarshalEnvelope(env, format)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrOutput, err)
		}
		out.Write(b)
	}
	if err := fileio.WriteFile(w.opts.Path, out.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOutput, err)
	}
	return []string{w.opts.Path}, nil
}

// statement builds the summary statement of one artifact from its verdicts.
func (w *summaryWriter) statement(r *runner, vds []*Verdict) ([]byte, error) {
	first := vds[0]
	passed, rescanned := true, true
	var inputs []ResourceRef
	for _, vd := range vds {
		passed = passed && vd.Passed
		rescanned = rescanned && stepPassed(vd, StepRescan)
		if vd.Attestation != "" {
			inputs = append(inputs, ResourceRef{URI: fileURI(strings.SplitN(vd.Attestation, "#", 2)[0]) + fragment(vd.Attestation),
				Digest: map[string]string{"sha256": vd.AttestationSHA256}})
		}
	}
	sum := VerificationSummary{
		Verifier:           SummaryVerifier{ID: VerifierID, Version: map[string]string{"candor": scan.Version()}},
		TimeVerified:       w.now().UTC().Truncate(time.Second),
		ResourceURI:        w.resourceURI(first),
		Policy:             w.policy,
		InputAttestations:  inputs,
		VerificationResult: "FAILED",
		VerifiedLevels:     []string{levelFailed},
	}
	if passed {
		sum.VerificationResult = "PASSED"
		sum.VerifiedLevels = []string{LevelDisclosure}
		if rescanned {
			sum.VerifiedLevels = append(sum.VerifiedLevels, LevelRescanned)
		}
	}
	name := first.Subject
	if name == "" {
		name = filepath.Base(first.Artifact)
	}
	digests := maps.Clone(first.Digests)
	if digests == nil {
		digests = map[string]string{}
	}
	if first.SHA256 != "" {
		digests["sha256"] = first.SHA256
	}
	return summaryStatement(name, digests, &sum)
}

func (w *summaryWriter) resourceURI(vd *Verdict) string {
	switch {
	case w.opts.ResourceURI != "":
		return w.opts.ResourceURI
	case isDigestName(vd.Artifact) && vd.Subject != "":
		return vd.Subject
	case isDigestName(vd.Artifact):
		return vd.Artifact
	}
	return fileURI(vd.Artifact)
}

func stepPassed(vd *Verdict, s Step) bool {
	for _, c := range vd.Checks {
		if c.Step == s {
			return c.Status == Pass
		}
	}
	return false
}

// fragment keeps the "#N" line number of an envelope in a JSON lines file.
func fragment(source string) string {
	if _, n, ok := strings.Cut(source, "#"); ok {
		return "#" + n
	}
	return ""
}

// fileURI returns the file:// URL of a path, absolute.
func fileURI(p string) string {
	abs, err := filepath.Abs(p)
	if err != nil {
		abs = p
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
}

// summaryStatement wraps a summary in an in-toto Statement v1 about one artifact, with its
// digests by algorithm, compacted.
func summaryStatement(name string, digests map[string]string, sum *VerificationSummary) ([]byte, error) {
	raw, err := stdjson.Marshal(sum)
	if err != nil {
		return nil, err
	}
	pred := new(structpb.Struct)
	if err := protojson.Unmarshal(raw, pred); err != nil {
		return nil, err
	}
	st := &intoto.Statement{
		Type:          intoto.StatementTypeUri,
		Subject:       []*intoto.ResourceDescriptor{{Name: name, Digest: digests}},
		PredicateType: SummaryPredicateType,
		Predicate:     pred,
	}
	if err := st.Validate(); err != nil {
		return nil, err
	}
	b, err := protojson.Marshal(st)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := stdjson.Compact(&out, b); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
