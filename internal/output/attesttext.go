package output

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
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

// Attest writes, for people, each uncovered finding with its evidence and the YAML that
// would cover it, a blank line after them, then, when the run signed, a summary of what
// was signed. Every string from the binaries and the disclosure is escaped ([termsafe])
// before it is written.
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
	for i, u := range us {
		if i > 0 {
			ew.printf("\n")
		}
		f := u.Finding
		what := termsafe.String(string(f.Capability))
		if f.Host != "" {
			what += " " + termsafe.String(f.Host)
		}
		ew.printf("%s: undisclosed %s [%s] (rule %s)\n", termsafe.String(u.Artifact), what,
			termsafe.String(string(f.Confidence)), termsafe.String(f.Rule))
		if f.Summary != "" {
			ew.printf("  %s\n", termsafe.Line(f.Summary))
		}
		shown := f.Evidence
		if len(shown) > 6 {
			shown = shown[:6]
		}
		for _, e := range shown {
			ew.printf("  evidence: %s %s at %s\n", termsafe.String(string(e.Kind)), quoted(e.Value), termsafe.String(e.Where))
			if len(e.Path) > 0 {
				ew.printf("    call path: %s\n", termsafe.String(shortPath(e.Path)))
			}
		}
		if more := max(f.EvidenceTotal, len(f.Evidence)) - len(shown); more > 0 {
			ew.printf("  and %d more evidence item(s)\n", more)
		}
		if u.Note != "" {
			ew.printf("  note: %s\n", termsafe.Line(u.Note))
		}
		if u.Disclose != "" {
			ew.printf("  to disclose it, add to %s (replace each <...>):\n%s", termsafe.String(disclosure), indentLines(termsafe.Message(u.Disclose), "    "))
		}
		if u.Accept != "" {
			lead := "or, if it is harmless, accept it"
			if u.Disclose == "" {
				lead = "to accept it"
			}
			ew.printf("  %s with a reason:\n%s", lead, indentLines(termsafe.Message(u.Accept), "    "))
		}
	}
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

// quoted returns v in double quotes, Go-quoted in ASCII when it is not plain text.
func quoted(v string) string {
	if s := termsafe.String(v); s != v {
		return s
	}
	return strconv.Quote(v)
}

// indentLines puts prefix before every line of s.
func indentLines(s, prefix string) string {
	var b strings.Builder
	for l := range strings.SplitAfterSeq(s, "\n") {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
}
