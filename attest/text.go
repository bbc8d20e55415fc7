package attest

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/internal/termsafe"
)

// WriteUncovered writes, for people, each uncovered finding with its evidence and the YAML
// that would cover it. disclosure names the manifest in the instructions. Every string
// from the binaries and the disclosure is escaped ([termsafe]) before it is written.
func WriteUncovered(w io.Writer, disclosure string, us []Uncovered) error {
	ew := &errWriter{w: w}
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
		for _, e := range f.Evidence {
			ew.printf("  evidence: %s %s at %s\n", termsafe.String(string(e.Kind)), quoted(e.Value), termsafe.String(e.Where))
		}
		if more := f.EvidenceTotal - len(f.Evidence); more > 0 {
			ew.printf("  and %d more evidence item(s)\n", more)
		}
		if u.Note != "" {
			ew.printf("  note: %s\n", termsafe.Line(u.Note))
		}
		if u.Disclose != "" {
			ew.printf("  to disclose it, add to %s (replace each <...>):\n%s", termsafe.String(disclosure), indent(termsafe.Message(u.Disclose), "    "))
		}
		if u.Accept != "" {
			lead := "or, if it is harmless, accept it"
			if u.Disclose == "" {
				lead = "to accept it"
			}
			ew.printf("  %s with a reason:\n%s", lead, indent(termsafe.Message(u.Accept), "    "))
		}
	}
	return ew.err
}

// quoted returns v in double quotes, Go-quoted in ASCII when it is not plain text.
func quoted(v string) string {
	if s := termsafe.String(v); s != v {
		return s
	}
	return strconv.Quote(v)
}

func indent(s, prefix string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString(prefix + l)
		}
	}
	return b.String()
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
