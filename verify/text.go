package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/candor-dev/candor/internal/termsafe"
)

// WriteText writes a result for people: per verdict a PASS or FAIL line naming the artifact
// and the attestation, then every check with its outcome and reasons, and a last line
// counting the verdicts. Every string from the attestation, the policy or a file name
// is escaped ([termsafe]): none reaches the terminal as a control sequence.
func WriteText(w io.Writer, res *Result) error {
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

func writeVerdict(ew *errWriter, vd *Verdict) {
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
	for _, alg := range knownAlgs {
		if d := vd.Digests[alg]; d != "" {
			ew.printf("  artifact %s %s\n", alg, termsafe.String(d))
		}
	}
	if vd.Artifact != "" && vd.Attestation != "" {
		ew.printf("  attestation %s\n", termsafe.String(vd.Attestation))
	}
	var skipped []string
	for _, c := range vd.Checks {
		if c.Status == Skip && !vd.Passed {
			skipped = append(skipped, termsafe.String(string(c.Step)))
			continue
		}
		label := termsafe.String(string(c.Step))
		text := termsafe.Line(c.Detail)
		if c.Rule != "" {
			label += " " + termsafe.String(c.Rule)
		}
		status := map[Status]string{Pass: "pass", Fail: "FAIL", Skip: "skip"}[c.Status]
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

// WriteJSON writes a result as indented JSON: {"passed", "verdicts": [...], "notes",
// "summaries"}, each verdict with its checks and, when it failed, its error message.
// Characters a terminal would act on are written as JSON \u escapes ([termsafe.JSON]):
// the document decodes to exactly the strings of res.
func WriteJSON(w io.Writer, res *Result) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		return err
	}
	_, err := w.Write(termsafe.JSON(buf.Bytes()))
	return err
}

// errWriter keeps the first write error so that a sequence of prints checks it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
