package output

import (
	"io"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/verify"
)

// Verify writes a result for people: per verdict a PASS or FAIL line naming the artifact
// and the attestation, then every check with its outcome and reasons, and a last line
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
	for _, n := range vd.Notes {
		ew.printf("  note: %s\n", termsafe.Line(n))
	}
}
