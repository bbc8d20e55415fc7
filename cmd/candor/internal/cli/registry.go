package cli

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/registry"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/spf13/cobra"
)

const attachLong = `Store a signed attestation in an OCI registry, next to the image it is about,
where cosign, Kyverno and other admission tools look for it.

REF is an image reference (registry/repo:tag or registry/repo@sha256:...).
ATTESTATION is what 'candor attest' wrote: a Sigstore bundle (attest --bundle
FILE, one signature) or a DSSE envelope with one signature. An envelope is
turned into a Sigstore bundle v0.3 with the public key --key, and both are
checked with --key before anything is pushed: a bundle is never pushed that the
key does not verify. A bundle without --key is pushed as it is.

The attestation becomes an OCI 1.1 referrer of the image's manifest, in the
shape cosign v3 writes: a manifest whose artifactType is
application/vnd.dev.sigstore.bundle.v0.3+json, with the bundle as its one layer,
the image as its subject, and the annotations dev.sigstore.bundle.content
(dsse-envelope) and dev.sigstore.bundle.predicateType. A registry without the
referrers API gets the referrers tag scheme instead: the index tagged
sha256-HEX (HEX the image's manifest digest) lists the referrer, and attach
updates it. --legacy-att also appends the DSSE envelope as a layer of the image
tagged sha256-HEX.att, cosign's older form, which most deployed cosign and
Kyverno versions read.

The statement should name the image's manifest digest as a subject; attach
warns when it does not (verifiers by reference will refuse it).

--platform OS/ARCH[/VARIANT] attaches to that image of an index instead of the
index itself. Credentials are those of the Docker config (docker login), never
printed. --insecure-registry allows plain HTTP, to a loopback registry only.

Output: a line on standard error saying where the attestation went; --format
json writes {"subject", "referrer", "referrersAPI", "fallbackTag",
"legacyTag"} to standard output.

Exit codes: 0 attached; 2 a usage or input error, an unreachable or refusing
registry, or a key that does not verify the attestation (nothing pushed then).`

const attachExample = `  # Attest an image's release, then attach the bundle to the image
  candor attest --disclosure disclosure.yaml --key candor.key \
    --bundle app.sigstore.json -o app.intoto.json image.tar
  candor attach --key candor.pub registry.example.com/vendor/app:1.4 app.sigstore.json

  # An envelope, also in cosign's legacy .att form
  candor attach --key candor.pub --legacy-att registry.example.com/vendor/app@sha256:... app.intoto.json

  # What is attached to an image
  candor attestations registry.example.com/vendor/app:1.4`

// RegistryOptions are the flags shared by the commands that talk to a registry.
type RegistryOptions struct {
	Insecure bool
	Platform string
}

// AddFlags registers the registry flags.
func (o *RegistryOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Insecure, "insecure-registry", false, "allow plain HTTP, to a loopback registry (localhost, 127.0.0.1, [::1]) only")
	cmd.Flags().StringVar(&o.Platform, "platform", "", "the image of an index for `OS/ARCH[/VARIANT]` (linux/amd64)")
}

func (o *RegistryOptions) options() registry.Options {
	return registry.Options{Insecure: o.Insecure, Platform: o.Platform}
}

// AttachOptions are the flags of candor attach.
type AttachOptions struct {
	Registry RegistryOptions
	Key      string
	Legacy   bool
	Format   string
}

func newAttachCommand() *cobra.Command {
	o := &AttachOptions{}
	cmd := &cobra.Command{
		Use:     "attach [flags] REF ATTESTATION",
		Short:   "Attach a signed attestation to an image in an OCI registry (cosign's shape)",
		Long:    attachLong,
		Example: attachExample,
		Args:    usageArgs(cobra.ExactArgs(2)),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return runAttach(cmd, o, args[0], args[1])
		}),
	}
	o.Registry.AddFlags(cmd)
	cmd.Flags().StringVar(&o.Key, "key", "", "the public key `FILE` that verifies the attestation (needed for an envelope)")
	cmd.Flags().BoolVar(&o.Legacy, "legacy-att", false, "also write cosign's legacy sha256-HEX.att image (DSSE layers)")
	addEnumFlag(cmd, &o.Format, "format", "text", "output format: text for people, json for programs", "text", "json")
	return cmd
}

// maxAttestation bounds an attestation file read by attach.
const maxAttestation = 16 << 20

func runAttach(cmd *cobra.Command, o *AttachOptions, ref, path string) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	data, err := fileio.ReadFile(path, maxAttestation)
	if err != nil {
		return fmt.Errorf("reading %s: %w", termsafe.String(path), err)
	}
	var pub crypto.PublicKey
	if o.Key != "" {
		if pub, err = signing.LoadPublicKey(o.Key); err != nil {
			return err
		}
	}
	a, err := attachment(ctx, path, data, pub)
	if err != nil {
		return usageError(cmd, err)
	}
	if !o.Legacy {
		a.Envelope = nil
	}
	ro := o.Registry.options()
	ro.Legacy = o.Legacy
	got, err := registry.Attach(ctx, ref, a, ro)
	if err != nil {
		return err
	}
	errw := cmd.ErrOrStderr()
	if !statementNames(a.Envelope, a.Bundle, got.Subject) {
		fmt.Fprintf(errw, "warning: the statement in %s names no subject with digest %s: a verifier by image reference will refuse it\n", termsafe.String(path), termsafe.String(got.Subject))
	}
	how := "through the referrers API"
	if !got.ReferrersAPI {
		how = "in the referrers tag " + got.FallbackTag
	}
	fmt.Fprintf(errw, "attached %s to %s as referrer %s, %s\n", termsafe.String(path), termsafe.String(got.Subject), termsafe.String(got.Referrer), termsafe.String(how))
	if got.LegacyTag != "" {
		fmt.Fprintf(errw, "and as a layer of %s (cosign's legacy form)\n", termsafe.String(got.LegacyTag))
	}
	if o.Format == "json" {
		return writeJSON(cmd.OutOrStdout(), got)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// attachment reads an attestation file: a Sigstore bundle, or a DSSE envelope (one line
// of JSON or indented JSON). With pub both are checked with the key; an envelope needs it.
func attachment(ctx context.Context, path string, data []byte, pub crypto.PublicKey) (registry.Attachment, error) {
	name := termsafe.String(path)
	if sigbundle.IsBundle(data) {
		b, err := sigbundle.Parse(path, data)
		if err != nil {
			return registry.Attachment{}, err
		}
		env := b.Sigstore().GetDsseEnvelope()
		if env == nil {
			return registry.Attachment{}, fmt.Errorf("%s: the bundle holds a message signature, not a DSSE envelope: only attestations are attached", name)
		}
		if pub != nil {
			v, err := sigbundle.NewVerifier(sigbundle.Options{Keys: []crypto.PublicKey{pub}})
			if err != nil {
				return registry.Attachment{}, err
			}
			digest, err := firstSubjectDigest(env.GetPayload())
			if err != nil {
				return registry.Attachment{}, fmt.Errorf("%s: %w", name, err)
			}
			if _, err := v.Verify(b, sigbundle.ArtifactDigest("sha256", digest)); err != nil {
				return registry.Attachment{}, fmt.Errorf("%s does not verify with the key given: %w", name, err)
			}
		}
		envJSON, err := bundleEnvelope(path, data)
		if err != nil {
			return registry.Attachment{}, err
		}
		pt, err := predicateTypeOf(env.GetPayload())
		if err != nil {
			return registry.Attachment{}, fmt.Errorf("%s: %w", name, err)
		}
		return registry.Attachment{Bundle: data, Envelope: envJSON, PredicateType: pt}, nil
	}
	var env ssldsse.Envelope
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&env); err != nil {
		return registry.Attachment{}, fmt.Errorf("%s is neither a Sigstore bundle nor a DSSE envelope: %v", name, err)
	}
	if dec.More() {
		return registry.Attachment{}, fmt.Errorf("%s holds more than one envelope: attach one at a time", name)
	}
	if pub == nil {
		return registry.Attachment{}, errors.New("an envelope is attached as a Sigstore bundle, which names its key: give the public key with --key")
	}
	bundle, err := sigbundle.FromEnvelope(ctx, &env, pub)
	if err != nil {
		return registry.Attachment{}, fmt.Errorf("%s: %w", name, err)
	}
	payload, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		return registry.Attachment{}, fmt.Errorf("%s: payload: %v", name, err)
	}
	pt, err := predicateTypeOf(payload)
	if err != nil {
		return registry.Attachment{}, fmt.Errorf("%s: %w", name, err)
	}
	compact, err := json.Marshal(&env)
	if err != nil {
		return registry.Attachment{}, err
	}
	return registry.Attachment{Bundle: bundle, Envelope: compact, PredicateType: pt}, nil
}

type statementHead struct {
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
}

func predicateTypeOf(payload []byte) (string, error) {
	var st statementHead
	if err := json.Unmarshal(payload, &st); err != nil || st.PredicateType == "" {
		return "", errors.New("the payload is not an in-toto statement with a predicate type")
	}
	return st.PredicateType, nil
}

func firstSubjectDigest(payload []byte) ([]byte, error) {
	var st statementHead
	if err := json.Unmarshal(payload, &st); err != nil || len(st.Subject) == 0 {
		return nil, errors.New("the payload is not an in-toto statement with a subject")
	}
	var raw []byte
	if _, err := fmt.Sscanf(st.Subject[0].Digest["sha256"], "%x", &raw); err != nil || len(raw) != 32 {
		return nil, errors.New("the statement's first subject has no sha256 digest")
	}
	return raw, nil
}

// statementNames says whether the statement of the envelope (or bundle) names the subject
// digest (repository@sha256:HEX or sha256:HEX).
func statementNames(envJSON, bundle []byte, subject string) bool {
	var payload []byte
	if envJSON != nil {
		var env ssldsse.Envelope
		if json.Unmarshal(envJSON, &env) == nil {
			payload, _ = base64.StdEncoding.DecodeString(env.Payload)
		}
	} else if b, err := sigbundle.Parse("bundle", bundle); err == nil && b.Sigstore().GetDsseEnvelope() != nil {
		payload = b.Sigstore().GetDsseEnvelope().GetPayload()
	}
	_, hex, _ := strings.Cut(subject[strings.LastIndex(subject, "@")+1:], "sha256:")
	var st statementHead
	if json.Unmarshal(payload, &st) != nil {
		return false
	}
	for _, s := range st.Subject {
		if s.Digest["sha256"] == hex {
			return true
		}
	}
	return false
}
