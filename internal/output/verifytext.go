package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/verify"
)

// Verify writes a result for people: per verdict a PASS or FAIL line naming the artifact
// and the attestation, then every check with its outcome and reasons, the artifact's
// findings per commitment ("N findings: D disclosed, A accepted, U undisclosed"), the
// findings accepted by the vendor with the accepted entry and its reason, and a last line
// counting the verdicts. Every string from the attestation, the policy or a file name
// is escaped ([termsafe]): none reaches the terminal as a control sequence.
func (textRenderer) Verify(w io.Writer, res *verify.Result) error {
	if res == nil {
		return errNilResult
	}
	ew := &errWriter{w: w}
	passed := 0
	for i, vd := range res.Verdicts {
		if i > 0 {
			ew.printf("\n")
		}
		if vd.Passed {
			passed++
		}
		writeVerdict(ew, vd)
	}
	if len(res.Notes) > 0 {
		ew.printf("\n")
		for _, n := range res.Notes {
			ew.printf("note: %s\n", termsafe.Line(n))
		}
	}
	for _, s := range res.Summaries {
		ew.printf("\nwrote the verification summary %s\n", termsafe.String(s))
	}
	word := "PASS"
	if !res.Passed {
		word = "FAIL"
	}
	ew.printf("\n%s: %d of %d verdict(s) passed\n", word, passed, len(res.Verdicts))
	return ew.err
}

// checkStatus is how the text shows each check's status.
var checkStatus = map[verify.Status]string{verify.Pass: "pass", verify.Fail: "FAIL", verify.Skip: "skip"}

func writeVerdict(ew *errWriter, vd *verify.Verdict) {
	word := "PASS"
	if !vd.Passed {
		word = "FAIL"
	}
	name := termsafe.String(vd.Artifact)
	if vd.Artifact == "" {
		name = "attestation " + termsafe.String(vd.Attestation)
	}
	ew.printf("%s %s\n", word, name)
	if vd.SHA256 != "" {
		ew.printf("  artifact sha256 %s\n", termsafe.String(vd.SHA256))
	}
	for _, alg := range fileio.Algs {
		if d := vd.Digests[string(alg)]; d != "" {
			ew.printf("  artifact %s %s\n", string(alg), termsafe.String(d))
		}
	}
	if vd.Artifact != "" && vd.Attestation != "" {
		ew.printf("  attestation %s\n", termsafe.String(vd.Attestation))
	}
	var skipped []string
	for _, c := range vd.Checks {
		if c.Status == verify.Skip && !vd.Passed {
			skipped = append(skipped, termsafe.String(string(c.Step)))
			continue
		}
		label := termsafe.String(string(c.Step))
		text := termsafe.Line(c.Detail)
		if c.Rule != "" {
			label += " " + termsafe.String(c.Rule)
		}
		status := checkStatus[c.Status]
		switch len(c.Reasons) {
		case 0:
			ew.printf("  %-4s  %-20s %s\n", status, label, text)
		case 1:
			ew.printf("  %-4s  %-20s %s\n", status, label, termsafe.Line(c.Reasons[0]))
		default:
			ew.printf("  %-4s  %s:\n", status, label)
			for _, r := range c.Reasons {
				ew.printf("          - %s\n", termsafe.Line(r))
			}
		}
	}
	if len(skipped) > 0 {
		ew.printf("  skip  %s (not run: an earlier step failed)\n", strings.Join(skipped, ", "))
	}
	writeFindingCounts(ew, vd.Findings)
	writeAccepted(ew, vd)
	for _, n := range vd.Notes {
		ew.printf("  note: %s\n", termsafe.Line(n))
	}
}

// commitmentTitles name the commitments in the text, by the predicate's names.
var commitmentTitles = map[string]string{
	"noUndisclosedRemoteControl": "no undisclosed remote control",
	"noUndisclosedExfiltration":  "no undisclosed exfiltration",
	"noForcedUpgrade":            "no forced upgrade",
}

// maxTableHosts is how many hosts of an accepted endpoint table the text names.
const maxTableHosts = 5

func writeFindingCounts(ew *errWriter, counts []verify.FindingCounts) {
	if len(counts) == 0 {
		return
	}
	ew.printf("  findings:\n")
	for _, c := range counts {
		title := commitmentTitles[c.Commitment]
		if title == "" {
			title = termsafe.String(c.Commitment)
		}
		noun := "findings"
		if c.Findings == 1 {
			noun = "finding"
		}
		ew.printf("    %-30s %d %s: %d disclosed, %d accepted, %d undisclosed\n", title, c.Findings, noun, c.Disclosed, c.Accepted, c.Undisclosed)
	}
}

// writeAccepted lists the findings the vendor accepted rather than disclosed: what each
// is (capability, host, hosts or value, confidence, rule), which entry accepted it and why.
func writeAccepted(ew *errWriter, vd *verify.Verdict) {
	if len(vd.Accepted) == 0 {
		return
	}
	ew.printf("  accepted by the vendor (%d finding(s), no purpose, data or consent declared):\n", len(vd.Accepted))
	for _, a := range vd.Accepted {
		what := termsafe.String(string(a.Capability))
		switch {
		case a.Host != "":
			what += " " + termsafe.String(a.Host)
		case len(a.Hosts) > 0:
			hosts := make([]string, 0, maxTableHosts)
			for _, h := range a.Hosts[:min(len(a.Hosts), maxTableHosts)] {
				hosts = append(hosts, termsafe.String(h))
			}
			if more := len(a.Hosts) - len(hosts); more > 0 {
				hosts = append(hosts, fmt.Sprintf("and %d more", more))
			}
			what += fmt.Sprintf(" table of %d host(s): %s", len(a.Hosts), strings.Join(hosts, ", "))
		case a.Value != "":
			what += " " + termsafe.String(a.Value)
		}
		ew.printf("    - %s [%s] (rule %s)\n", what, termsafe.String(string(a.Confidence)), termsafe.String(a.Rule))
		if a.Artifact != "" && a.Artifact != vd.Subject {
			ew.printf("      in %s\n", termsafe.String(a.Artifact))
		}
		if a.Table != "" || a.Module != "" {
			var owner []string
			if a.Module != "" {
				owner = append(owner, "module "+termsafe.String(a.Module))
			}
			if a.Table != "" {
				owner = append(owner, "table "+termsafe.String(a.Table))
			}
			ew.printf("      %s\n", strings.Join(owner, ", "))
		}
		by := termsafe.String(a.AcceptedBy)
		if a.Selectors != "" {
			by += " " + termsafe.Line(a.Selectors)
		}
		ew.printf("      %s: %s\n", by, termsafe.Line(a.Reason))
	}
}
