package intoto

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	in_toto "github.com/in-toto/in-toto-golang/in_toto"

	"github.com/candor-dev/candor/internal/fileio"
)

// LinkOptions configures [RecordLink]. The zero value records paths as given (cleaned, with
// forward slashes) and no command.
type LinkOptions struct {
	// StripPrefixes are removed from the front of recorded paths (the first that matches),
	// as in-toto-run's --lstrip-paths does, so that a layout's rules can name "app" for
	// "dist/app".
	StripPrefixes []string
	// Command is recorded as the link's command (in-toto verifiers only warn when it
	// differs from the layout's expected command).
	Command []string
}

// stepNameRE is what a step name may be so that STEP.KEYID8.link stays one file name in
// the directory: no separator, no leading dot.
var stepNameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// RecordLink records an in-toto link for the step named step: the SHA-256 of each file of
// materials (the artifacts candor attested) and of products (the attestation file), signed
// with s, written to dir as STEP.KEYID8.link (KEYID8: the first 8 hex digits of the in-toto
// key id of s's public key), replacing a link of the same name atomically. It returns the
// path written. The signature is checked with in-toto-golang before the file is written:
// a signer whose signatures in-toto would not accept (an RSA key signing PKCS #1 v1.5) fails
// with [ErrKey] and writes nothing. Materials and products must be regular files.
func RecordLink(ctx context.Context, dir, step string, materials, products []string, s Signer, opts LinkOptions) (string, error) {
	if !stepNameRE.MatchString(step) {
		return "", fmt.Errorf("%w: step name %q: use letters, digits, '_', '-' and '.' (not first)", ErrInput, step)
	}
	key, err := KeyFromPublic(s.Public())
	if err != nil {
		return "", err
	}
	mats, err := recordArtifacts(materials, opts.StripPrefixes)
	if err != nil {
		return "", err
	}
	prods, err := recordArtifacts(products, opts.StripPrefixes)
	if err != nil {
		return "", err
	}
	cmd := opts.Command
	if cmd == nil {
		cmd = []string{}
	}
	link := in_toto.Link{
		Type:        "link",
		Name:        step,
		Materials:   mats,
		Products:    prods,
		ByProducts:  map[string]any{},
		Command:     cmd,
		Environment: map[string]any{},
	}
	mb, err := sign(ctx, link, key, s)
	if err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(mb, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf(in_toto.LinkNameFormat, step, key.KeyID))
	if err := fileio.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// sign signs payload (a Link or Layout) into a Metablock with s, whose in-toto key is key,
// and checks the signature with in-toto-golang's verifier for that key.
func sign(ctx context.Context, payload any, key in_toto.Key, s Signer) (*in_toto.Metablock, error) {
	mb := &in_toto.Metablock{Signed: payload, Signatures: []in_toto.Signature{}}
	data, err := mb.GetSignableRepresentation()
	if err != nil {
		return nil, fmt.Errorf("%w: canonical JSON: %w", ErrInput, err)
	}
	sig, err := s.Sign(ctx, data)
	if err != nil {
		return nil, err
	}
	mb.Signatures = append(mb.Signatures, in_toto.Signature{KeyID: key.KeyID, Sig: hex.EncodeToString(sig)})
	if err := mb.VerifySignature(key); err != nil {
		return nil, fmt.Errorf("%w: the signer's %s signature does not verify as in-toto's %s scheme (%v): in-toto needs Ed25519, ECDSA P-256/P-384, or RSA with RSASSA-PSS", ErrKey, key.KeyType, key.Scheme, err)
	}
	return mb, nil
}

func recordArtifacts(paths, strip []string) (map[string]in_toto.HashObj, error) {
	out := make(map[string]in_toto.HashObj, len(paths))
	for _, p := range paths {
		d, err := fileio.HashFile(p, fileio.SHA256)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		name := artifactName(p, strip)
		if name == "" {
			return nil, fmt.Errorf("%w: %s: nothing left of the path once stripped", ErrInput, p)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%w: %s: recorded twice as %q", ErrInput, p, name)
		}
		out[name] = in_toto.HashObj{"sha256": d[fileio.SHA256]}
	}
	return out, nil
}

// artifactName is the name a path is recorded under: cleaned, with forward slashes, without
// a leading "./", and without the first of strip that prefixes it.
func artifactName(p string, strip []string) string {
	name := filepath.ToSlash(filepath.Clean(p))
	for _, s := range strip {
		if s != "" && strings.HasPrefix(name, s) {
			name = strings.TrimPrefix(name, s)
			break
		}
	}
	return name
}

// SignLayout signs layout with each of signers (its owners) and returns the signed layout,
// to write with [WriteMetablock]. The layout is validated as in-toto-golang validates it
// (steps, keys, expiry format) before it is signed.
func SignLayout(ctx context.Context, layout in_toto.Layout, signers ...Signer) (*in_toto.Metablock, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("%w: a layout needs at least one signer", ErrKey)
	}
	if layout.Type == "" {
		layout.Type = "layout"
	}
	if err := in_toto.ValidateMetablock(in_toto.Metablock{Signed: layout}); err != nil {
		return nil, fmt.Errorf("%w: layout: %w", ErrInput, err)
	}
	var out *in_toto.Metablock
	for _, s := range signers {
		key, err := KeyFromPublic(s.Public())
		if err != nil {
			return nil, err
		}
		mb, err := sign(ctx, layout, key, s)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = mb
		} else {
			out.Signatures = append(out.Signatures, mb.Signatures...)
		}
	}
	return out, nil
}

// WriteMetablock writes a signed link or layout to path atomically, as in-toto-golang's
// Dump formats it.
func WriteMetablock(path string, mb *in_toto.Metablock) error {
	b, err := json.MarshalIndent(mb, "", "  ")
	if err != nil {
		return err
	}
	return fileio.WriteFile(path, append(b, '\n'), 0o644)
}

// Expires formats t as a layout's expiry (ISO 8601, UTC, seconds).
func Expires(t time.Time) string { return t.UTC().Format(in_toto.ISO8601DateSchema) }

// writeTemp is os.WriteFile for the private copies VerifyLayout makes.
func writeTemp(path string, b []byte) error { return os.WriteFile(path, b, 0o600) }
