package verify

import (
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// AcceptedFinding is a finding of the artifact that the vendor does not disclose (no purpose,
// data or consent) but accepts, with a reason: the buyer sees what was accepted and why.
type AcceptedFinding struct {
	// Artifact is the subject, or "subject!/member" for an executable inside one.
	Artifact   string          `json:"artifact"`
	Rule       string          `json:"rule"`
	Capability scan.Capability `json:"capability"`
	// Confidence is linked (the code is in the binary) or referenced (only named).
	Confidence scan.Confidence `json:"confidence"`
	// Host is the finding's host; Hosts every host of an endpoint table.
	Host  string   `json:"host,omitempty"`
	Hosts []string `json:"hosts,omitempty"`
	// Table and Module are the endpoint table's owner and the module of the finding's code.
	Table  string `json:"table,omitempty"`
	Module string `json:"module,omitempty"`
	// Value is the first evidence value of a finding without a host.
	Value string `json:"value,omitempty"`
	// AcceptedBy is the accepted entry (accepted[i]) and Selectors what it selects by, as
	// rule="..." host="...".
	AcceptedBy string `json:"acceptedBy"`
	Selectors  string `json:"selectors"`
	// Reason is the accepted entry's reason.
	Reason string `json:"reason"`
}

// FindingCounts counts one commitment's findings in the artifact by disposition.
type FindingCounts struct {
	// Commitment is the predicate's name for it: noUndisclosedRemoteControl,
	// noUndisclosedExfiltration or noForcedUpgrade.
	Commitment  string `json:"commitment"`
	Findings    int    `json:"findings"`
	Disclosed   int    `json:"disclosed"`
	Accepted    int    `json:"accepted"`
	Undisclosed int    `json:"undisclosed"`
}

// acceptedView counts the findings of an artifact's analysis by commitment and disposition
// and lists those an accepted entry covers. The dispositions were checked against coveredBy
// and the disclosure when the predicate was read ([checkSigned]).
func acceptedView(name string, pred *predicate.Predicate, a *predicate.ArtifactAnalysis) ([]FindingCounts, []AcceptedFinding) {
	counts := make([]FindingCounts, len(commitmentNames))
	for k := range counts {
		counts[k].Commitment = commitmentNames[k]
	}
	var accepted []AcceptedFinding
	walkFindings(name, a, func(where string, f *predicate.Finding) {
		for _, k := range commitmentIndexes(f.Commitment) {
			c := &counts[k]
			c.Findings++
			switch f.Disposition {
			case predicate.Disclosed:
				c.Disclosed++
			case predicate.AcceptedFinding:
				c.Accepted++
			default:
				c.Undisclosed++
			}
		}
		if f.Disposition != predicate.AcceptedFinding {
			return
		}
		af := AcceptedFinding{Artifact: where, Rule: f.Rule, Capability: f.Capability, Confidence: f.Confidence,
			Host: f.Host, Hosts: f.Hosts, Table: f.Table, Module: f.Module, AcceptedBy: f.CoveredBy, Reason: f.Reason}
		if f.Host == "" && len(f.Hosts) == 0 && len(f.Evidence) > 0 {
			af.Value = f.Evidence[0].Value
		}
		if e := pred.Disclosure.AcceptedEntry(f.CoveredBy); e != nil {
			af.Selectors = e.Selectors()
		}
		accepted = append(accepted, af)
	})
	return counts, accepted
}
