package verify

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/sigbundle"
)

// The same signed attestation is often found in two forms: candor attest --bundle writes a
// Sigstore bundle beside the envelope, and attest --push attaches both to an image (the
// referrer bundle and cosign's legacy .att layer). With attestations given (Inputs.Attestations
// or Inputs.Blobs), a key-signed bundle holding the same DSSE envelope as an envelope read
// (the same payload type, payload and signature bytes, compared after both parsed, and the
// payload sigstore-go verified) is checked once: the envelope gets the verdict, with a note
// naming the bundle. The bundle's own signature is still verified, with sigstore-go, and it
// is dropped only when that and the envelope's signature step both passed: every later step
// (payload type, statement, subject, predicate, policy, re-scan) reads only the payload type
// and payload, so its verdict would be the envelope's. A bundle that fails its signature, or
// whose envelope failed its own, is verified on its own, and so is any other copy (another
// signature, another payload, a keyless bundle, whose certificate may verify where no key
// does). This is the rule candor inspect lists such a bundle once by.

// signedContent is what a DSSE envelope's signatures cover, and the signatures: the payload
// type, the payload and each signature's bytes (a key id is a hint, never checked).
type signedContent struct {
	payloadType string
	payload     []byte
	sigs        [][]byte
}

// envelopeContent is the signed content of a parsed envelope.
func envelopeContent(env *Envelope) *signedContent {
	c := &signedContent{payloadType: env.PayloadType, payload: env.Payload}
	for _, s := range env.Signatures {
		c.sigs = append(c.sigs, s.Sig)
	}
	return c
}

// bundleContent is the signed content of a parsed key-signed bundle of a DSSE envelope, nil
// for a keyless bundle or a message signature.
func bundleContent(b *sigbundle.Bundle) *signedContent {
	if b == nil || b.IsKeyless() || !b.IsDSSE() {
		return nil
	}
	denv := b.Sigstore().GetDsseEnvelope()
	c := &signedContent{payloadType: denv.GetPayloadType(), payload: denv.GetPayload()}
	for _, s := range denv.GetSignatures() {
		c.sigs = append(c.sigs, s.GetSig())
	}
	return c
}

// key groups contents that may be equal (equal ones have the same key); equal says whether
// they are.
func (c *signedContent) key() string {
	var b strings.Builder
	b.WriteString(strconv.Quote(c.payloadType))
	b.WriteString(strconv.Itoa(len(c.payload)))
	for _, s := range c.sigs {
		b.WriteString(":")
		b.Write(s)
	}
	return b.String()
}

// equal reports whether two contents are byte-identical: payload type, payload, and the
// same signatures in the same order. A content without a signature equals nothing.
func (c *signedContent) equal(o *signedContent) bool {
	if len(c.sigs) == 0 || c.payloadType != o.payloadType || len(c.sigs) != len(o.sigs) || !bytes.Equal(c.payload, o.payload) {
		return false
	}
	for i := range c.sigs {
		if !bytes.Equal(c.sigs[i], o.sigs[i]) {
			return false
		}
	}
	return true
}

// signaturePassed reports whether the attestation's signature step passed.
func (a *Attestation) signaturePassed() bool {
	for _, c := range a.checks {
		if c.Step == StepSignature {
			return c.Status == Pass
		}
	}
	return false
}

// markDuplicate records that a, a bundle whose signature step passed, is the same signed
// attestation as kept: it gives no verdict of its own, and kept's verdicts name it. Its err
// is set, so that any use of it as an attestation fails closed.
func markDuplicate(a, kept *Attestation) {
	a.dupOf = kept
	a.err = fmt.Errorf("%w: the same signed attestation as %s, in another form: checked once, as that", ErrStatement, kept.Source)
	a.checks = append(a.checks, Check{Step: StepStatement, Status: Fail, Reasons: []string{reason(a.err, StepStatement)}})
	kept.alsoAt = append(kept.alsoAt, a.Source)
}

// duplicateNote is the note of a verdict about an attestation also found at source.
func duplicateNote(source string) string {
	return fmt.Sprintf("also found at %s, as a Sigstore bundle of the same signed envelope (payload type, payload and signature): its signature verified, it was checked once, here", source)
}
