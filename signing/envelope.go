package signing

import (
	"bytes"
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// EnvelopeSigner signs the pre-authentication encoding of a DSSE envelope. It has the method
// set of go-securesystemslib's dsse.Signer; keys loaded by candor's key loader ([*Signer])
// implement it, and a keyless signer can later.
type EnvelopeSigner interface {
	Sign(ctx context.Context, data []byte) ([]byte, error)
	// KeyID is written in the signature's keyid; empty is allowed.
	KeyID() (string, error)
	Public() crypto.PublicKey
}

// SignEnvelope wraps a payload (an in-toto statement, of payload type
// "application/vnd.in-toto+json") in a DSSE envelope of the given payload type, signed by
// every signer: one envelope, one signature per signer.
func SignEnvelope(ctx context.Context, payloadType string, payload []byte, signers ...EnvelopeSigner) (*dsse.Envelope, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("%w: no signing key", ErrKey)
	}
	ds := make([]dsse.Signer, len(signers))
	for i, s := range signers {
		ds[i] = s
	}
	es, err := dsse.NewEnvelopeSigner(ds...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	env, err := es.SignPayload(ctx, payloadType, payload)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return env, nil
}

var _ EnvelopeSigner = (*Signer)(nil)

// ErrFormat: [MarshalEnvelope] was asked for a format other than [FormatJSON] and
// [FormatJSONL]. Unlike the key errors, it does not wrap [ErrKey].
var ErrFormat = errors.New("unknown envelope format")

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

// MarshalEnvelope encodes an envelope in the given format, ending with a newline. Its
// errors do not wrap [ErrKey]: an unknown format gives [ErrFormat].
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
		return nil, fmt.Errorf("%w %q (use json or jsonl)", ErrFormat, f)
	}
	return append(b, '\n'), err
}
