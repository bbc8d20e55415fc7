package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// edSigner is an EnvelopeSigner of a test's own, as a library user may bring one.
type edSigner struct{ key ed25519.PrivateKey }

func (s edSigner) Sign(_ context.Context, data []byte) ([]byte, error) {
	return ed25519.Sign(s.key, data), nil
}
func (s edSigner) KeyID() (string, error)   { return "test", nil }
func (s edSigner) Public() crypto.PublicKey { return s.key.Public() }

// TestSignEnvelope: one signature per signer over the payload type given, verifiable with
// the DSSE pre-authentication encoding; no signer is a key error.
func TestSignEnvelope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var signers []EnvelopeSigner
	for range 2 {
		_, k, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		signers = append(signers, edSigner{k})
	}
	env, err := SignEnvelope(ctx, "application/vnd.in-toto+json", []byte(`{"a":1}`), signers...)
	if err != nil {
		t.Fatal(err)
	}
	if env.PayloadType != "application/vnd.in-toto+json" || len(env.Signatures) != 2 {
		t.Fatalf("envelope %+v", env)
	}
	pae := dsse.PAE(env.PayloadType, []byte(`{"a":1}`))
	for i, s := range env.Signatures {
		sig, err := base64.StdEncoding.DecodeString(s.Sig)
		if err != nil || !ed25519.Verify(signers[i].Public().(ed25519.PublicKey), pae, sig) || s.KeyID != "test" {
			t.Errorf("signature %d does not verify: %+v %v", i, s, err)
		}
	}
	if _, err := SignEnvelope(ctx, "x", []byte("{}")); !errors.Is(err, ErrKey) {
		t.Errorf("no signer: %v, want ErrKey", err)
	}
}

// TestMarshalEnvelope: indented JSON or one line, each ending with a newline, picked from a
// file name; an unknown format is ErrFormat and not a key error.
func TestMarshalEnvelope(t *testing.T) {
	t.Parallel()
	env := &dsse.Envelope{PayloadType: "t", Payload: "e30=", Signatures: []dsse.Signature{{KeyID: "<k>", Sig: "c2ln"}}}
	for _, tt := range []struct {
		path  string
		want  Format
		lines int
	}{{"a.intoto.json", FormatJSON, 10}, {"a.intoto.jsonl", FormatJSONL, 1}, {"A.JSONL", FormatJSONL, 1}, {"a", FormatJSON, 10}} {
		f := FormatFor(tt.path)
		if f != tt.want {
			t.Errorf("FormatFor(%s) = %s, want %s", tt.path, f, tt.want)
		}
		b, err := MarshalEnvelope(env, f)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(b, []byte("\n")); n != tt.lines || b[len(b)-1] != '\n' {
			t.Errorf("%s: %d line(s), want %d:\n%s", f, n, tt.lines, b)
		}
		if f == FormatJSONL && !bytes.Contains(b, []byte(`"<k>"`)) {
			t.Errorf("JSON lines escape HTML characters: %s", b)
		}
	}
	_, err := MarshalEnvelope(env, "yaml")
	if !errors.Is(err, ErrFormat) || errors.Is(err, ErrKey) {
		t.Errorf("unknown format: %v, want ErrFormat only", err)
	}
}
