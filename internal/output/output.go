package output

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/candor-dev/candor/scan"
)

// Format names an output format, as given to --format.
type Format string

// The formats [New] knows.
const (
	FormatText  Format = "text"
	FormatJSON  Format = "json"
	FormatSARIF Format = "sarif"
)

// ErrUnknownFormat is returned by [New] for a format it does not know.
var ErrUnknownFormat = errors.New("unknown output format")

// Formats lists the formats [New] accepts, the default first.
func Formats() []Format { return []Format{FormatText, FormatJSON, FormatSARIF} }

// FormatNames lists [Formats] as strings, the default first.
func FormatNames() []string {
	fs := Formats()
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = string(f)
	}
	return names
}

// Renderer writes a whole scan report to w in one format.
type Renderer interface {
	Render(w io.Writer, r *scan.Report) error
}

// Option configures a renderer made by [New].
type Option func(*settings)

type settings struct {
	// summaries maps rule ids to their rule-level summaries.
	summaries map[string]string
}

// WithRuleSpecs describes the rules that produced the report. Formats that list rules
// (SARIF) take each rule's description from its spec; without one they fall back to
// the findings' summaries, which may name a particular host.
func WithRuleSpecs(specs []scan.RuleSpec) Option {
	return func(s *settings) {
		if s.summaries == nil {
			s.summaries = map[string]string{}
		}
		for _, sp := range specs {
			s.summaries[sp.ID] = sp.Summary
		}
	}
}

// New returns the renderer for format f.
func New(f Format, opts ...Option) (Renderer, error) {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	switch f {
	case FormatText:
		return textRenderer{}, nil
	case FormatJSON:
		return jsonRenderer{}, nil
	case FormatSARIF:
		return sarifRenderer(s), nil
	}
	return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, string(f), strings.Join(FormatNames(), ", "))
}

// errNilReport is returned when a renderer is handed no report at all.
var errNilReport = errors.New("output: nil report")
