package verify

import (
	"bytes"
	"encoding/base64"
	"encoding/json/v2"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/predicate"
)

// Limits on attestation input. Envelopes come from whoever published the release: they are
// parsed before anything is trusted, so they must never exhaust memory or time.
const (
	// MaxEnvelopeSize is the largest envelope accepted, in bytes (a JSON file, or one line of
	// a JSON lines file).
	MaxEnvelopeSize = 16 << 20
	// MaxBundleSize is the largest JSON lines file of envelopes accepted, in bytes.
	MaxBundleSize = 256 << 20
	// MaxBundleEnvelopes is the most envelopes one JSON lines file may hold.
	MaxBundleEnvelopes = 100_000
	// MaxSignatures is the most signatures one envelope may carry.
	MaxSignatures = 64
)

// Envelope is a parsed DSSE envelope: the payload decoded, each signature decoded, nothing
// verified yet.
type Envelope struct {
	PayloadType string
	Payload     []byte
	Signatures  []Signature
}

// Signature is one signature of an envelope. KeyID is a hint chosen by the signer; it is
// never trusted to say which key signed.
type Signature struct {
	KeyID string
	Sig   []byte
}

// wireEnvelope is the JSON form of a DSSE envelope (the DSSE specification's field names).
type wireEnvelope struct {
	PayloadType *string         `json:"payloadType"`
	Payload     *string         `json:"payload"`
	Signatures  []wireSignature `json:"signatures"`
}

type wireSignature struct {
	KeyID string  `json:"keyid"`
	Sig   *string `json:"sig"`
}

// envelopeSchema names the members of an envelope for [strictjson.Check].
var envelopeSchema = sync.OnceValue(strictjson.For[wireEnvelope])

// ParseEnvelope parses one DSSE envelope strictly: at most [MaxEnvelopeSize] bytes; valid
// UTF-8 JSON holding exactly one object and nothing after it, nested at most
// [strictjson.MaxDepth] levels; no two member names of one object that differ only in case,
// '_' or '-' (nor exact duplicates), at any depth; no member other than payloadType, payload
// and signatures (and keyid, sig in a signature), names matched case-sensitively, and none
// that folds onto one of those (such as "Payload" or "payload_type"), which other JSON
// parsers would read as that field; a non-empty payload type, payload and at most
// [MaxSignatures] signatures, the payload and each signature in base64 (standard or URL-safe
// alphabet, padded or not, without line breaks). Errors wrap [ErrParse].
func ParseEnvelope(data []byte) (*Envelope, error) {
	if len(data) > MaxEnvelopeSize {
		return nil, fmt.Errorf("%w: envelope is %d bytes; at most %d are accepted", ErrParse, len(data), MaxEnvelopeSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: empty file: no envelope", ErrParse)
	}
	// Names another parser would read as one, or as a known field, are refused first: what
	// candor reads must be what every parser reads.
	if err := strictjson.Check(data, envelopeSchema()); err != nil {
		return nil, fmt.Errorf("%w: not a DSSE envelope: %w", ErrParse, err)
	}
	var w wireEnvelope
	// encoding/json/v2 rejects duplicate names, invalid UTF-8 and trailing data by default.
	if err := json.Unmarshal(data, &w, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("%w: not a DSSE envelope: %s", ErrParse, jsonMessage(err))
	}
	var missing []string
	if w.PayloadType == nil || *w.PayloadType == "" {
		missing = append(missing, "payloadType")
	}
	if w.Payload == nil || *w.Payload == "" {
		missing = append(missing, "payload")
	}
	if len(w.Signatures) == 0 {
		missing = append(missing, "signatures")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: the envelope has no %s", ErrParse, strings.Join(missing, ", no "))
	}
	if len(w.Signatures) > MaxSignatures {
		return nil, fmt.Errorf("%w: %d signatures; at most %d are accepted", ErrParse, len(w.Signatures), MaxSignatures)
	}
	payload, err := decodeBase64(*w.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %w", ErrParse, err)
	}
	env := &Envelope{PayloadType: *w.PayloadType, Payload: payload, Signatures: make([]Signature, 0, len(w.Signatures))}
	for i, s := range w.Signatures {
		if s.Sig == nil || *s.Sig == "" {
			return nil, fmt.Errorf("%w: signature %d is empty", ErrParse, i+1)
		}
		sig, err := decodeBase64(*s.Sig)
		if err != nil {
			return nil, fmt.Errorf("%w: signature %d: %w", ErrParse, i+1, err)
		}
		env.Signatures = append(env.Signatures, Signature{KeyID: s.KeyID, Sig: sig})
	}
	return env, nil
}

// decodeBase64 accepts what the DSSE specification allows: the standard or URL-safe
// alphabet, with or without padding. Line breaks, which Go's decoder would skip, are refused.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("base64 with line breaks")
	}
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") && len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("not base64 (%w)", err)
	}
	return b, nil
}

// jsonMessage shortens encoding/json/v2 messages, which name Go types, to what a person
// needs: the problem and where it is.
func jsonMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"jsontext: ", "json: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	if i := strings.Index(msg, "Go verify."); i >= 0 {
		// "cannot unmarshal JSON string into Go verify.wireEnvelope: unknown object member name "x""
		if j := strings.Index(msg[i:], ": "); j >= 0 {
			msg = msg[i+j+2:]
		}
	}
	return msg
}

// SplitBundle splits a JSON lines file into its envelopes, one per non-blank line, refusing
// a file over [MaxBundleSize] or with more than [MaxBundleEnvelopes] lines. Each element is
// the line without its line ending; lines keeps its 1-based line number.
func SplitBundle(data []byte) (envelopes [][]byte, lines []int, err error) {
	if len(data) > MaxBundleSize {
		return nil, nil, fmt.Errorf("%w: file is %d bytes; at most %d are accepted", ErrParse, len(data), MaxBundleSize)
	}
	n := 0
	for len(data) > 0 {
		n++
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(envelopes) == MaxBundleEnvelopes {
			return nil, nil, fmt.Errorf("%w: more than %d envelopes in one file", ErrParse, MaxBundleEnvelopes)
		}
		envelopes = append(envelopes, line)
		lines = append(lines, n)
	}
	if len(envelopes) == 0 {
		return nil, nil, fmt.Errorf("%w: empty file: no envelope", ErrParse)
	}
	return envelopes, lines, nil
}

// statementTypes are the _type values of the in-toto statements verify reads: candor's own
// and those whose predicate type it reads to skip statements that are not candor's.
var statementTypes = []string{StatementType, StatementTypeV01}

// maxTypeShown bounds how much of another predicate type a message quotes.
const maxTypeShown = 200

// otherPredicateType returns the predicate type, quoted for messages, of an envelope that
// holds an in-toto statement about something else than candor's disclosure (such as an
// SLSA provenance beside it in a .intoto.jsonl file); "" for anything else. It is read
// before any signature is checked, and so decides only that the envelope is skipped: an
// envelope skipped for what its unsigned payload claims counts for no artifact, and an
// artifact only it names has no attestation. A payload that is not strict JSON, not an
// in-toto statement, or whose predicate type folds onto candor's ("HTTPS://CANDOR.DEV/...")
// is not skipped: it goes through every step and fails where it must.
func otherPredicateType(env *Envelope) string {
	if env == nil || env.PayloadType != predicate.PayloadType {
		return ""
	}
	var st struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
	}
	if err := json.Unmarshal(env.Payload, &st); err != nil {
		return ""
	}
	pt := strings.TrimSpace(st.PredicateType)
	if pt == "" || strings.EqualFold(pt, predicate.PredicateType) || strings.EqualFold(pt, SummaryPredicateType) || !slices.Contains(statementTypes, st.Type) {
		return ""
	}
	if len(pt) > maxTypeShown {
		return fmt.Sprintf("%q...", pt[:maxTypeShown])
	}
	return fmt.Sprintf("%q", pt)
}
