package attest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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

// WriteFileAtomic writes b to path through a temporary file in the same directory, synced and
// renamed over path, so that path holds either its old content or all of b, never a part.
func WriteFileAtomic(path string, b []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	if _, err := io.Copy(tmp, bytes.NewReader(b)); err != nil {
		return fmt.Errorf("%w: writing %s: %w", ErrOutput, path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("%w: writing %s: %w", ErrOutput, path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("%w: writing %s: %w", ErrOutput, path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	return nil
}
