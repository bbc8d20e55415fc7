package output

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/verify"
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

// Renderer writes candor's results in one format, one method per kind of result. Each
// method writes one whole result to w and nothing anywhere else. A format that has no
// form for a kind of result returns an error wrapping [ErrUnsupported]. A new kind of
// result (inspect, diff) is a new method, written by every format.
type Renderer interface {
	// Scan writes a scan report: text, JSON and SARIF.
	Scan(w io.Writer, r *scan.Report) error
	// Attest writes what attest did: the findings the disclosure does not cover, with
	// the YAML that would cover them, then what was signed: text and JSON.
	Attest(w io.Writer, a *Attestation) error
	// Verify writes verify's verdicts: text and JSON.
	Verify(w io.Writer, r *verify.Result) error
}

// ErrUnsupported is returned by a [Renderer] asked for a result its format has no form for
// (a SARIF verification, a JSON attest outcome).
var ErrUnsupported = errors.New("output format does not apply")

// unsupported returns the error for a result of kind what that format f cannot write.
func unsupported(f Format, what string) error {
	return fmt.Errorf("%w: %s has no %s form", ErrUnsupported, what, string(f))
}

// Option configures a renderer made by [New].
type Option func(*settings)

type settings struct {
	// summaries maps rule ids to their rule-level summaries.
	summaries map[string]string
	// baseDir is the directory relative artifact paths are read from.
	baseDir string
	// cover says whether a disclosure covers a finding, and why.
	cover func(scan.Finding) (string, bool)
}

// WithBaseDir says which directory the report's relative paths are relative to (the
// working directory of the scan). SARIF then writes every artifact URI relative to one
// base, named in originalUriBaseIds: this directory, or the deepest one holding every
// artifact when some lie outside it.
func WithBaseDir(dir string) Option {
	return func(s *settings) { s.baseDir = dir }
}

// WithDisclosure evaluates findings against a disclosure: cover returns, for a finding
// the disclosure covers, the justification to show (the covering entry and its purpose or
// reason). SARIF records a covered finding as suppressed (kind external, status accepted)
// and gives every other result an empty suppressions list.
func WithDisclosure(cover func(scan.Finding) (justification string, covered bool)) Option {
	return func(s *settings) { s.cover = cover }
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

// errNilResult is returned when a renderer is handed no result at all.
var errNilResult = errors.New("output: nil result")
