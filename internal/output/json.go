package output

import (
	"encoding/json"
	"io"

	"github.com/candor-dev/candor/scan"
)

// jsonRenderer writes the report as indented JSON. The encoding is deterministic:
// the same report gives the same bytes, ending in a newline.
type jsonRenderer struct{}

func (jsonRenderer) Render(w io.Writer, r *scan.Report) error {
	if r == nil {
		return errNilReport
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(normalize(r))
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
