package sigbundle

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json/jsontext"
	"fmt"
	"strings"

	"github.com/candor-dev/candor/signing"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"google.golang.org/protobuf/encoding/protojson"
)

// MediaTypeV03 is the media type of the bundles [FromEnvelope] writes.
const MediaTypeV03 = "application/vnd.dev.sigstore.bundle.v0.3+json"

// FromEnvelope turns a DSSE envelope with exactly one signature, made by the key pub (what
// candor attest signs with one key), into a Sigstore bundle v0.3: the envelope as the
// bundle's dsseEnvelope, and as verification material the public key hint cosign writes
// ([KeyHint]). There is no transparency-log entry and no timestamp: the bundle verifies
// with the key alone (cosign: verify-blob-attestation --key KEY --bundle FILE
// --insecure-ignore-tlog). The signature is checked with pub first, so that a bundle is
// never written that the key does not verify. The result is one line of JSON ending with a
// newline, usable as a .sigstore.json file or a line of a .jsonl file. Errors wrap
// signing.ErrKey for the key, [ErrParse] for the envelope.
func FromEnvelope(ctx context.Context, env *ssldsse.Envelope, pub crypto.PublicKey) ([]byte, error) {
	if env == nil {
		return nil, fmt.Errorf("%w: no envelope", ErrParse)
	}
	if len(env.Signatures) != 1 {
		return nil, fmt.Errorf("%w: the envelope has %d signatures; a Sigstore bundle holds exactly one: sign with one key", ErrParse, len(env.Signatures))
	}
	if env.PayloadType == "" {
		return nil, fmt.Errorf("%w: the envelope has no payload type", ErrParse)
	}
	payload, err := decodeB64(env.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: envelope payload: %w", ErrParse, err)
	}
	sig, err := decodeB64(env.Signatures[0].Sig)
	if err != nil || len(sig) == 0 {
		return nil, fmt.Errorf("%w: envelope signature: not base64 (%v)", ErrParse, err)
	}
	ver, err := signing.NewVerifier(pub)
	if err != nil {
		return nil, err
	}
	if err := ver.Verify(ctx, ssldsse.PAE(env.PayloadType, payload), sig); err != nil {
		return nil, fmt.Errorf("%w: the envelope's signature does not verify with the key given (%w)", signing.ErrKey, err)
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", signing.ErrKey, err)
	}
	pb := &protobundle.Bundle{
		MediaType: MediaTypeV03,
		VerificationMaterial: &protobundle.VerificationMaterial{
			Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: hint}},
		},
		Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: &protodsse.Envelope{
			Payload:     payload,
			PayloadType: env.PayloadType,
			Signatures:  []*protodsse.Signature{{Sig: sig, Keyid: env.Signatures[0].KeyID}},
		}},
	}
	out, err := protojson.Marshal(pb)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	// protojson varies its whitespace on purpose; the file is written the same every time.
	v := jsontext.Value(out)
	if err := v.Compact(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	return append(v, '\n'), nil
}

// decodeB64 reads the base64 of a DSSE envelope: standard or URL-safe alphabet, padded or
// not.
func decodeB64(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	return enc.Strict().DecodeString(s)
}
