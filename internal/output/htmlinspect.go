package output

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
)

// htmlInspectPage is the template of the HTML report: styles inline, no script, no
// resource loaded from anywhere.
//
//go:embed htmlinspect.html
var htmlInspectPage string

var htmlInspect = template.Must(template.New("inspect").Funcs(template.FuncMap{
	"status": func(s inspect.Status) string { return strings.ReplaceAll(string(s), " ", "-") },
}).Parse(htmlInspectPage))

// maxEvidenceShown is how many evidence items of one finding the HTML report shows.
const maxEvidenceShown = 6

// htmlReport is what the template shows: the report, arranged for the page.
type htmlReport struct {
	Passed    bool
	Chains    []htmlChain
	Unmatched []htmlAtt
	Problems  []string
	Keys      []inspect.KeyRef
	// IdentityPolicy is the keyless bundles' identity policy ("" when none was given).
	IdentityPolicy string
	Counts         struct{ Chains, Passed, Attestations, Unverified int }
}

type htmlChain struct {
	ID, Artifact, SHA256 string
	Passed               bool
	Atts                 []htmlAtt
	Checks               []inspect.Check
	Disclosures          []htmlDisclosure
}

type htmlAtt struct {
	ID string
	*inspect.Attestation
	Signer string
	Checks []htmlCheck
	// Inputs are the attestations a VSA names, by id, or their digest when not present.
	Inputs []htmlLink
}

type htmlCheck struct {
	Name   string
	Status inspect.Status
}

type htmlLink struct{ ID, Text string }

type htmlDisclosure struct {
	Source   string
	P        *predicate.Predicate
	Commits  []htmlCommitment
	Findings []htmlFinding
}

type htmlCommitment struct {
	Name                                       string
	Holds                                      bool
	Findings, Disclosed, Accepted, Undisclosed int
	Reasons                                    []string
}

type htmlFinding struct {
	Artifact string
	predicate.Finding
	Shown []htmlEvidence
	More  int
}

type htmlEvidence struct {
	Kind, Value, Where, Reach, Module, Path string
}

func inspectHTML(w io.Writer, r *inspect.Report) error {
	v := htmlReport{Passed: r.Passed, Problems: r.Problems, Keys: r.Keys, IdentityPolicy: r.IdentityPolicy}
	v.Counts.Chains = len(r.Chains)
	for i, ch := range r.Chains {
		hc := htmlChain{ID: fmt.Sprintf("chain-%d", i+1), Artifact: ch.Artifact, SHA256: ch.SHA256, Passed: ch.Passed, Checks: ch.Checks}
		if ch.Passed {
			v.Counts.Passed++
		}
		ids := map[string]string{}
		for j, a := range ch.Attestations {
			ids[a.SHA256] = fmt.Sprintf("%s-att-%d", hc.ID, j+1)
		}
		for j, a := range ch.Attestations {
			v.Counts.Attestations++
			if !a.Verified {
				v.Counts.Unverified++
			}
			hc.Atts = append(hc.Atts, newHTMLAtt(fmt.Sprintf("%s-att-%d", hc.ID, j+1), a, ch.SHA256, ids))
			if a.Disclosure != nil {
				hc.Disclosures = append(hc.Disclosures, newHTMLDisclosure(a))
			}
		}
		v.Chains = append(v.Chains, hc)
	}
	for j, a := range r.Unmatched {
		v.Unmatched = append(v.Unmatched, newHTMLAtt(fmt.Sprintf("unmatched-%d", j+1), a, "", nil))
	}
	var buf strings.Builder
	if err := htmlInspect.Execute(&buf, v); err != nil {
		return err
	}
	// html/template escapes markup, not control or bidirectional characters: those are
	// written as visible Go escapes (\x1b, \u202e), as on a terminal, so a value can
	// neither reorder the page's text nor reach a terminal that shows the file.
	_, err := io.WriteString(w, termsafe.Message(buf.String()))
	return err
}

func newHTMLAtt(id string, a *inspect.Attestation, artifact string, ids map[string]string) htmlAtt {
	h := htmlAtt{ID: id, Attestation: a, Signer: a.Signer()}
	sig := inspect.Fail
	if a.Verified {
		sig = inspect.Pass
	}
	h.Checks = append(h.Checks, htmlCheck{"signature", sig})
	subj := inspect.NotPossible
	if artifact != "" {
		subj = inspect.Fail
		for _, s := range a.Subjects {
			if s.Digest["sha256"] == artifact {
				subj = inspect.Pass
			}
		}
	}
	h.Checks = append(h.Checks, htmlCheck{"subject", subj})
	read := inspect.Pass
	switch {
	case a.Error != "":
		read = inspect.Fail
	case a.Kind == inspect.KindUnknown:
		read = inspect.NotPossible
	}
	h.Checks = append(h.Checks, htmlCheck{"predicate", read})
	if a.VSA != nil {
		for _, in := range a.VSA.Inputs {
			d := in.Digest["sha256"]
			h.Inputs = append(h.Inputs, htmlLink{ID: ids[d], Text: firstNonEmpty(in.URI, "sha256:"+d)})
		}
	}
	return h
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func newHTMLDisclosure(a *inspect.Attestation) htmlDisclosure {
	p := a.Disclosure
	d := htmlDisclosure{Source: a.Source, P: p}
	for _, c := range []struct {
		name string
		v    predicate.CommitmentVerdict
	}{
		{"No undisclosed remote control", p.Verdict.NoUndisclosedRemoteControl},
		{"No undisclosed exfiltration", p.Verdict.NoUndisclosedExfiltration},
		{"No forced upgrade", p.Verdict.NoForcedUpgrade},
	} {
		d.Commits = append(d.Commits, htmlCommitment{Name: c.name, Holds: c.v.Holds, Findings: c.v.Findings,
			Disclosed: c.v.Disclosed, Accepted: c.v.Accepted, Undisclosed: c.v.Undisclosed, Reasons: c.v.Reasons})
	}
	var walk func(prefix string, arts []predicate.ArtifactAnalysis)
	walk = func(prefix string, arts []predicate.ArtifactAnalysis) {
		for _, art := range arts {
			name := prefix + art.Name
			for _, f := range art.Findings {
				hf := htmlFinding{Artifact: name, Finding: f}
				for i, e := range f.Evidence {
					if i == maxEvidenceShown {
						break
					}
					hf.Shown = append(hf.Shown, htmlEvidence{Kind: string(e.Kind), Value: e.Value, Where: e.Where,
						Reach: string(e.Reach), Module: e.Module, Path: strings.Join(e.Path, " → ")})
				}
				hf.More = max(len(f.Evidence), f.EvidenceTotal) - len(hf.Shown)
				d.Findings = append(d.Findings, hf)
			}
			walk(name+"!", art.Members)
		}
	}
	walk("", p.Analysis.Artifacts)
	return d
}
