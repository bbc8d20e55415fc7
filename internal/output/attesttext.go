package output

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// Attestation is an attest outcome as candor reports it to whoever ran attest.
type Attestation struct {
	// Result is what [attest.Run] returned.
	Result *attest.Result
	// Disclosure names the disclosure manifest, as the user gave it, in the instructions
	// for covering the undisclosed findings.
	Disclosure string
	// Signed says that the run succeeded: after the findings comes what was signed, where
	// the envelope went, and the three verdicts.
	Signed bool
}

// Attest writes, for people, a short summary of the uncovered findings (how many of each
// capability, with their notes), then ONE YAML block that would cover them all, grouped as
// 'candor disclose' groups a draft ([attest.SuggestYAML]), with the evidence as comments, a
// blank line after it, then, when the run signed, a summary of what was signed. Every string
// from the binaries and the disclosure is escaped ([termsafe]) before it is written.
func (textRenderer) Attest(w io.Writer, a *Attestation) error {
	if a == nil || a.Result == nil {
		return errNilResult
	}
	res := a.Result
	if a.Signed && (res.Predicate == nil || res.Envelope == nil) {
		return fmt.Errorf("%w: signed, but no predicate or envelope", errNilResult)
	}
	ew := &errWriter{w: w}
	if len(res.Uncovered) > 0 {
		writeUncovered(ew, a.Disclosure, res.Uncovered)
		ew.printf("\n")
	}
	if a.Signed {
		writeSigned(ew, res)
	}
	return ew.err
}

func writeUncovered(ew *errWriter, disclosure string, us []attest.Uncovered) {
	type count struct {
		n, linked   int
		arts, hosts []string
	}
	counts := map[scan.Capability]*count{}
	var caps []scan.Capability
	var notes []string
	for _, u := range us {
		c := counts[u.Finding.Capability]
		if c == nil {
			c = &count{}
			counts[u.Finding.Capability] = c
			caps = append(caps, u.Finding.Capability)
		}
		c.n++
		if u.Finding.Confidence == scan.Linked {
			c.linked++
		}
		if !slices.Contains(c.arts, u.Artifact) {
			c.arts = append(c.arts, u.Artifact)
		}
		for _, h := range append([]string{u.Finding.Host}, u.Finding.Hosts...) {
			if h != "" && !slices.Contains(c.hosts, h) {
				c.hosts = append(c.hosts, h)
			}
		}
		if u.Note != "" && !slices.Contains(notes, u.Note) {
			notes = append(notes, u.Note)
		}
	}
	ew.printf("%d finding(s) not covered by %s:\n", len(us), termsafe.String(disclosure))
	// Capabilities in report order, any this version does not know after them.
	slices.SortStableFunc(caps, func(a, b scan.Capability) int { return capOrder(a) - capOrder(b) })
	for _, id := range caps {
		c := counts[id]
		arts := make([]string, len(c.arts))
		for i, a := range c.arts {
			arts[i] = termsafe.String(a)
		}
		if len(arts) > 3 {
			arts = append(arts[:3], fmt.Sprintf("%d more", len(c.arts)-3))
		}
		line := fmt.Sprintf("  %-18s %d finding(s), %d linked, in %s", termsafe.String(string(id)), c.n, c.linked, strings.Join(arts, ", "))
		if len(c.hosts) > 0 {
			hosts := make([]string, 0, 4)
			for _, h := range c.hosts[:min(3, len(c.hosts))] {
				hosts = append(hosts, termsafe.String(h))
			}
			if len(c.hosts) > 3 {
				hosts = append(hosts, fmt.Sprintf("%d more", len(c.hosts)-3))
			}
			line += "; hosts: " + strings.Join(hosts, ", ")
		}
		ew.printf("%s\n", line)
	}
	for _, n := range notes {
		ew.printf("  note: %s\n", termsafe.Line(n))
	}
	ew.printf("To cover them, add to %s and replace each <...> (a finding that is harmless moves\n"+
		"to accepted: with a reason; 'candor disclose --disclosure %s' writes the merged file):\n\n",
		termsafe.String(disclosure), termsafe.String(disclosure))
	ew.printf("%s", termsafe.Message(attest.SuggestYAML(us)))
}

// capOrder is the capability's place in [scan.Capabilities], or after them all.
func capOrder(c scan.Capability) int {
	for i, e := range scan.Capabilities {
		if e.ID == c {
			return i
		}
	}
	return len(scan.Capabilities)
}

// writeSigned tells what was signed, where the envelope went, and the verdict.
func writeSigned(ew *errWriter, res *attest.Result) {
	v := res.Predicate.Verdict
	where := "standard output"
	if res.Written != "" {
		where = termsafe.String(res.Written)
	}
	ew.printf("signed %d artifact(s) with %d signature(s), wrote %s\n"+
		"  no undisclosed remote control: %s\n  no undisclosed exfiltration:  %s\n  no forced upgrade:            %s\n",
		len(res.Predicate.Analysis.Artifacts), len(res.Envelope.Signatures), where,
		verdictWord(v.NoUndisclosedRemoteControl), verdictWord(v.NoUndisclosedExfiltration), verdictWord(v.NoForcedUpgrade))
}

func verdictWord(c predicate.CommitmentVerdict) string {
	if c.Holds {
		if c.Accepted > 0 {
			return fmt.Sprintf("true (%d finding(s): %d disclosed, %d accepted)", c.Findings, c.Disclosed, c.Accepted)
		}
		return fmt.Sprintf("true (%d finding(s), all disclosed)", c.Findings)
	}
	s := "false"
	for i, r := range c.Reasons {
		if i == 0 {
			s += ": "
		} else {
			s += "; "
		}
		s += termsafe.Line(r)
	}
	return s
}
