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

// New returns the renderer for format f.
func New(f Format) (Renderer, error) {
	switch f {
	case FormatText:
		return textRenderer{}, nil
	case FormatJSON:
		return jsonRenderer{}, nil
	case FormatSARIF:
		return sarifRenderer{}, nil
	}
	return nil, fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, string(f), strings.Join(FormatNames(), ", "))
}

// errNilReport is returned when a renderer is handed no report at all.
var errNilReport = errors.New("output: nil report")
