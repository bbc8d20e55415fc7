package output

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/verify"
)

// jsonRenderer writes the report as indented JSON. The encoding is deterministic:
// the same report gives the same bytes, ending in a newline. Characters a terminal would
// act on are written as JSON \u escapes ([termsafe.JSON]): the document decodes to
// exactly the report's strings.
type jsonRenderer struct{}

func (jsonRenderer) Scan(w io.Writer, r *scan.Report) error {
	if r == nil {
		return errNilResult
	}
	return writeJSON(w, normalize(r))
}

// Verify writes the result as indented JSON: {"passed", "verdicts": [...], "notes",
// "summaries"}, each verdict with its checks, its findings counted per commitment
// ("findings": disclosed, accepted, undisclosed), the findings the vendor accepted with the
// entry and its reason ("accepted"), and, when it failed, its error message.
// Characters a terminal would act on are written as JSON \u escapes ([termsafe.JSON]):
// the document decodes to exactly the strings of res.
func (jsonRenderer) Verify(w io.Writer, res *verify.Result) error {
	if res == nil {
		return errNilResult
	}
	return writeJSON(w, res)
}

// writeJSON writes v as indented JSON ending in a newline, HTML characters as they are,
// and characters a terminal would act on as \u escapes ([termsafe.JSON]).
func writeJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(termsafe.JSON(buf.Bytes()))
	return err
}

// normalize returns a copy of r whose list fields are empty rather than nil, so
// consumers always see arrays where the schema promises them.
func normalize(r *scan.Report) *scan.Report {
	out := *r
	out.Artifacts = make([]scan.Artifact, len(r.Artifacts))
	for i, a := range r.Artifacts {
		if a.Modules == nil {
			a.Modules = []scan.Module{}
		}
		fs := make([]scan.Finding, len(a.Findings))
		for j, f := range a.Findings {
			if f.Evidence == nil {
				f.Evidence = []scan.Evidence{}
			}
			fs[j] = f
		}
		a.Findings = fs
		out.Artifacts[i] = a
	}
	return &out
}
