package sigbundle

import (
	"bytes"
	"encoding/json/jsontext"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/strictjson"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"google.golang.org/protobuf/encoding/protojson"
)

// Errors. Every error of this package wraps one of them.
var (
	// ErrParse: the input is not a Sigstore bundle this package reads.
	ErrParse = errors.New("not a readable Sigstore bundle")
	// ErrOptions: what is trusted cannot give a verdict on this bundle (no key for a
	// key-signed bundle, no trusted root or identity policy for a keyless one, an invalid
	// regular expression).
	ErrOptions = errors.New("Sigstore bundle verification options")
	// ErrVerify: the bundle does not verify.
	ErrVerify = errors.New("Sigstore bundle does not verify")
)

// Limits on input.
const (
	// MaxBundleSize is the largest bundle accepted, in bytes (a file, or one line of a
	// .jsonl file).
	MaxBundleSize = 16 << 20
	// MaxFileSize is the largest .jsonl file of bundles accepted, in bytes.
	MaxFileSize = 256 << 20
	// MaxBundlesPerFile is the most bundles one .jsonl file may hold.
	MaxBundlesPerFile = 100_000
	// MaxTlogEntries is the most transparency-log entries one bundle may carry; each costs
	// signature checks.
	MaxTlogEntries = 32
	// MaxTimestamps is the most RFC 3161 timestamps one bundle may carry.
	MaxTimestamps = 32
	// MaxTrustedRootSize is the largest trusted root file accepted, in bytes.
	MaxTrustedRootSize = 16 << 20
)

// mediaTypeBase begins the media type of every Sigstore bundle version.
const mediaTypeBase = "application/vnd.dev.sigstore.bundle"

// Bundle is one parsed Sigstore bundle, its structure checked by sigstore-go, nothing
// verified.
type Bundle struct {
	// Source names the bundle in messages: the file, and "#LINE" for a line of a .jsonl file.
	Source string
	// MediaType is the bundle's media type as written.
	MediaType string
	// Version is the bundle version ("v0.1", "v0.2", "v0.3").
	Version string
	b       *bundle.Bundle
}

// Sigstore returns the sigstore-go bundle.
func (b *Bundle) Sigstore() *bundle.Bundle { return b.b }

// IsDSSE reports whether the bundle holds a DSSE envelope (else a message signature).
func (b *Bundle) IsDSSE() bool { return b.b.GetDsseEnvelope() != nil }

// IsKeyless reports whether the bundle is signed with a certificate (else a public key).
func (b *Bundle) IsKeyless() bool { return b.b.VerificationMaterial.GetPublicKey() == nil }

// KeyHint is the public key hint of a key-signed bundle: who signed, as the signer says
// (never trusted).
func (b *Bundle) KeyHint() string { return b.b.VerificationMaterial.GetPublicKey().GetHint() }

// IsBundle reports whether data looks like a Sigstore bundle rather than a DSSE envelope:
// a JSON object whose first mediaType member (at the top level, within its first 64 KiB)
// begins with application/vnd.dev.sigstore.bundle. It reads at most that much and never
// fails: what it says only chooses the parser, which then decides.
func IsBundle(data []byte) bool {
	const sniff = 64 << 10
	if len(data) > sniff {
		data = data[:sniff]
	}
	dec := jsontext.NewDecoder(bytes.NewReader(data), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return false
	}
	for {
		tok, err := dec.ReadToken()
		if err != nil || tok.Kind() != '"' {
			return false
		}
		if tok.String() != "mediaType" && tok.String() != "media_type" {
			if dec.SkipValue() != nil {
				return false
			}
			continue
		}
		v, err := dec.ReadToken()
		return err == nil && v.Kind() == '"' && strings.HasPrefix(v.String(), mediaTypeBase)
	}
}

// Parse reads one bundle strictly (see the package documentation). source names it in
// errors. Errors wrap [ErrParse].
func Parse(source string, data []byte) (*Bundle, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("%w: %s: bundle is %d bytes; at most %d are accepted", ErrParse, source, len(data), MaxBundleSize)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("%w: %s: empty: no bundle", ErrParse, source)
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w: %s: not UTF-8", ErrParse, source)
	}
	// Depth, duplicate and folded names first: what protojson reads as one field must not
	// be two to another reader.
	if err := strictjson.Check(data, nil); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrParse, source, err)
	}
	if bytes.TrimSpace(data)[0] != '{' {
		return nil, fmt.Errorf("%w: %s: not a JSON object", ErrParse, source)
	}
	pb := new(protobundle.Bundle)
	if err := (protojson.UnmarshalOptions{RecursionLimit: strictjson.MaxDepth}).Unmarshal(data, pb); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrParse, source, shortProto(err))
	}
	if vm := pb.GetVerificationMaterial(); vm != nil {
		if n := len(vm.GetTlogEntries()); n > MaxTlogEntries {
			return nil, fmt.Errorf("%w: %s: %d transparency-log entries; at most %d are accepted", ErrParse, source, n, MaxTlogEntries)
		}
		if n := len(vm.GetTimestampVerificationData().GetRfc3161Timestamps()); n > MaxTimestamps {
			return nil, fmt.Errorf("%w: %s: %d signed timestamps; at most %d are accepted", ErrParse, source, n, MaxTimestamps)
		}
	}
	if !strings.HasPrefix(pb.GetMediaType(), mediaTypeBase) {
		return nil, fmt.Errorf("%w: %s: media type %s is not a Sigstore bundle's (%s...)", ErrParse, source, quote(pb.GetMediaType()), mediaTypeBase)
	}
	b, err := bundle.NewBundle(pb)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrParse, source, err)
	}
	version, err := b.Version()
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrParse, source, err)
	}
	if env := pb.GetDsseEnvelope(); env != nil && len(env.GetSignatures()) != 1 {
		// The bundle format allows exactly one; sigstore-go refuses others at verification.
		return nil, fmt.Errorf("%w: %s: the DSSE envelope has %d signatures; a Sigstore bundle holds exactly one", ErrParse, source, len(env.GetSignatures()))
	}
	return &Bundle{Source: source, MediaType: pb.GetMediaType(), Version: version, b: b}, nil
}

// ParseFile reads the bundles of a file's contents: one per non-blank line when name ends
// in .jsonl (each named "name#LINE"), else one. Errors wrap [ErrParse] and name the file
// and line.
func ParseFile(name string, data []byte) ([]*Bundle, error) {
	if !strings.HasSuffix(strings.ToLower(name), ".jsonl") {
		b, err := Parse(name, data)
		if err != nil {
			return nil, err
		}
		return []*Bundle{b}, nil
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w: %s: file is %d bytes; at most %d are accepted", ErrParse, name, len(data), MaxFileSize)
	}
	var out []*Bundle
	for n := 1; len(data) > 0; n++ {
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
		if len(out) == MaxBundlesPerFile {
			return nil, fmt.Errorf("%w: %s: more than %d bundles in one file", ErrParse, name, MaxBundlesPerFile)
		}
		b, err := Parse(fmt.Sprintf("%s#%d", name, n), line)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: empty file: no bundle", ErrParse, name)
	}
	return out, nil
}

// ReadFile reads the bundles of a regular file (see [ParseFile]): at most [MaxBundleSize]
// bytes, or [MaxFileSize] for .jsonl. A FIFO or a device is refused without being read.
func ReadFile(path string) ([]*Bundle, error) {
	limit := int64(MaxBundleSize)
	if strings.HasSuffix(strings.ToLower(path), ".jsonl") {
		limit = MaxFileSize
	}
	data, err := fileio.ReadFile(path, limit)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	return ParseFile(path, data)
}

// maxShown bounds how much of a value from the input a message quotes.
const maxShown = 120

// quote quotes a value from the input for a message, shortened.
func quote(s string) string {
	if len(s) > maxShown {
		s = s[:maxShown] + "..."
	}
	return fmt.Sprintf("%q", s)
}

// shortProto drops protojson's package prefix from its messages, and bounds them.
func shortProto(err error) string {
	msg := strings.TrimPrefix(err.Error(), "proto: ")
	msg = strings.ReplaceAll(msg, "\u00a0", " ") // protojson randomises its spaces
	if len(msg) > 400 {
		msg = msg[:400] + "..."
	}
	return msg
}
