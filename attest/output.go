package attest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// Format is how an envelope is written.
type Format string

// Output formats.
const (
	// FormatJSON writes one indented envelope, conventionally to NAME.intoto.json.
	FormatJSON Format = "json"
	// FormatJSONL writes the envelope on one line (JSON lines), conventionally to
	// NAME.intoto.jsonl, the in-toto bundle layout.
	FormatJSONL Format = "jsonl"
)

// FormatFor picks the format from a file name: .jsonl gives [FormatJSONL], anything else
// [FormatJSON].
func FormatFor(path string) Format {
	if strings.HasSuffix(strings.ToLower(path), ".jsonl") {
		return FormatJSONL
	}
	return FormatJSON
}

// MarshalEnvelope encodes an envelope in the given format, ending with a newline.
func MarshalEnvelope(env *dsse.Envelope, f Format) ([]byte, error) {
	var (
		b   []byte
		err error
	)
	switch f {
	case FormatJSON, "":
		b, err = json.MarshalIndent(env, "", "  ")
	case FormatJSONL:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		err = enc.Encode(env)
		return buf.Bytes(), err
	default:
		return nil, fmt.Errorf("%w: unknown output format %q (use json or jsonl)", ErrOptions, f)
	}
	return append(b, '\n'), err
}

// writeOutput writes an envelope to path, replacing any file there atomically and durably
// (see [fileio.WriteFile]): path holds its old content or the whole envelope, never a part.
// Errors wrap [ErrOutput] and the operating system's error.
func writeOutput(path string, b []byte) error {
	if err := fileio.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	return nil
}
