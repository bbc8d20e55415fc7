package output

import (
	"fmt"
	"io"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// AttestJSON is the JSON form of an attest outcome, for programs: whether it signed, the
// findings no disclosure entry covers, each with the YAML that would cover it, and the one
// grouped YAML block that covers them all.
type AttestJSON struct {
	// Signed says that the envelope was written; Written names its file.
	Signed  bool   `json:"signed"`
	Written string `json:"written,omitempty"`
	// Artifacts counts the artifacts attested.
	Artifacts int `json:"artifacts"`
	// Uncovered lists the findings no entry covers, in scan order; empty when all are covered.
	Uncovered []UncoveredJSON `json:"uncovered"`
	// Suggestion is the YAML block that would cover every uncovered finding, grouped as
	// candor disclose groups a draft, with <placeholders> and the evidence as comments.
	Suggestion string `json:"suggestion,omitempty"`
	// Verdict is the verdict of the predicate (signed or not).
	Verdict *predicate.Verdict `json:"verdict,omitempty"`
}

// UncoveredJSON is one finding no disclosure entry covers.
type UncoveredJSON struct {
	Artifact   string          `json:"artifact"`
	Rule       string          `json:"rule"`
	Capability scan.Capability `json:"capability"`
	Confidence scan.Confidence `json:"confidence"`
	Host       string          `json:"host,omitempty"`
	Hosts      []string        `json:"hosts,omitempty"`
	Table      string          `json:"table,omitempty"`
	Module     string          `json:"module,omitempty"`
	Summary    string          `json:"summary,omitempty"`
	Note       string          `json:"note,omitempty"`
	// Disclose and Accept are the YAML that would declare the finding or accept it.
	Disclose string `json:"disclose,omitempty"`
	Accept   string `json:"accept,omitempty"`
}

// Attest writes the outcome as indented JSON ([AttestJSON]). Characters a terminal would
// act on are \u escapes: the document decodes to exactly the outcome's strings.
func (jsonRenderer) Attest(w io.Writer, a *Attestation) error {
	if a == nil || a.Result == nil {
		return errNilResult
	}
	res := a.Result
	if a.Signed && (res.Predicate == nil || res.Envelope == nil) {
		return fmt.Errorf("%w: signed, but no predicate or envelope", errNilResult)
	}
	out := AttestJSON{Signed: a.Signed, Uncovered: []UncoveredJSON{}, Suggestion: attest.SuggestYAML(res.Uncovered)}
	if a.Signed {
		out.Written = res.Written
	}
	if res.Predicate != nil {
		out.Artifacts = len(res.Predicate.Analysis.Artifacts)
		v := res.Predicate.Verdict
		out.Verdict = &v
	}
	for _, u := range res.Uncovered {
		f := u.Finding
		out.Uncovered = append(out.Uncovered, UncoveredJSON{
			Artifact: u.Artifact, Rule: f.Rule, Capability: f.Capability, Confidence: f.Confidence,
			Host: f.Host, Hosts: f.Hosts, Table: f.Table, Module: f.Module, Summary: f.Summary,
			Note: u.Note, Disclose: u.Disclose, Accept: u.Accept,
		})
	}
	return writeJSON(w, out)
}
