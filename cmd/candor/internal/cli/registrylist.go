package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/registry"
	"github.com/candor-dev/candor/sigbundle"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/spf13/cobra"
)

const attestationsLong = `List the attestations attached to an image in an OCI registry, and with -o
save their DSSE envelopes for 'candor verify'.

REF is an image reference (registry/repo:tag or registry/repo@sha256:...). The
subject is the image's manifest digest (with --platform, that of the platform's
image in an index). Attestations are looked for where cosign and candor attach
them, in this order: the OCI 1.1 referrers API, the referrers tag sha256-HEX
when the registry has no referrers API, and cosign's legacy tag sha256-HEX.att.
Referrers and layers of other types (signatures, SBOMs) are counted, not read.

Nothing is verified here: what a registry serves is only as good as its
signature. -o FILE writes every envelope found, one per line (JSON lines), for
'candor verify --key KEY FILE ARTIFACT'. A registry that contradicts itself (a
manifest not matching its digest, a referrer of another image, an index inside
an index, a blob not matching its digest) or answers over the size limits is an
error, never an empty list.

Credentials are those of the Docker config (docker login), never printed.
--insecure-registry allows plain HTTP, to a loopback registry only.

Output: one line per attestation on standard error (its source, predicate type
and manifest); --format json writes {"subject", "referrersAPI", "ignored",
"found": [{"source", "where", "layer", "predicateType"}]} to standard output.

Exit codes: 0 listed (none found is not an error: the summary says so); 2 a
usage or input error, or a registry that is unreachable, refuses, or lies.`

const attestationsExample = `  # What is attached to an image, and the envelopes for candor verify
  candor attestations -o app.intoto.jsonl registry.example.com/vendor/app:1.4`

// AttestationsOptions are the flags of candor attestations.
type AttestationsOptions struct {
	Registry RegistryOptions
	Output   string
	Format   string
}

func newAttestationsCommand() *cobra.Command {
	o := &AttestationsOptions{}
	cmd := &cobra.Command{
		Use:     "attestations [flags] REF",
		Short:   "List (and save) the attestations attached to an image in an OCI registry",
		Long:    attestationsLong,
		Example: attestationsExample,
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return runAttestations(cmd, o, args[0])
		}),
	}
	o.Registry.AddFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "write the envelopes found to `FILE`, one per line")
	addEnumFlag(cmd, &o.Format, "format", "text", "output format: text for people, json for programs", "text", "json")
	return cmd
}

func runAttestations(cmd *cobra.Command, o *AttestationsOptions, ref string) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	res, err := registry.Find(ctx, ref, o.Registry.options())
	if err != nil {
		return err
	}
	errw := cmd.ErrOrStderr()
	var lines []byte
	for _, f := range res.Found {
		env := f.Envelope
		if env == nil {
			if env, err = bundleEnvelope(f.Where, f.Bundle); err != nil {
				return fmt.Errorf("%s: %w", termsafe.String(f.Where), err)
			}
		}
		var compact ssldsse.Envelope
		if err := json.Unmarshal(env, &compact); err != nil {
			return fmt.Errorf("%s: the layer is not a DSSE envelope: %v", termsafe.String(f.Where), err)
		}
		line, err := json.Marshal(&compact)
		if err != nil {
			return err
		}
		lines = append(append(lines, line...), '\n')
		fmt.Fprintf(errw, "%s  %s  %s\n", f.Source, termsafe.String(f.PredicateType), termsafe.String(f.Where))
	}
	fmt.Fprintf(errw, "%d attestation(s) of %s (%d other referrer(s) or layer(s) ignored)\n", len(res.Found), termsafe.String(res.Subject), res.Ignored)
	if o.Output != "" && len(lines) > 0 {
		if err := fileio.WriteFile(o.Output, lines, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(errw, "wrote %s\n", termsafe.String(o.Output))
	}
	if o.Format == "json" {
		return writeJSON(cmd.OutOrStdout(), res)
	}
	return nil
}

// bundleEnvelope is the DSSE envelope (JSON) of a Sigstore bundle.
func bundleEnvelope(where string, data []byte) ([]byte, error) {
	b, err := sigbundle.Parse(where, data)
	if err != nil {
		return nil, err
	}
	env := b.Sigstore().GetDsseEnvelope()
	if env == nil {
		return nil, fmt.Errorf("the bundle holds no DSSE envelope")
	}
	sigs := make([]ssldsse.Signature, 0, len(env.GetSignatures()))
	for _, s := range env.GetSignatures() {
		sigs = append(sigs, ssldsse.Signature{KeyID: s.GetKeyid(), Sig: base64.StdEncoding.EncodeToString(s.GetSig())})
	}
	return json.Marshal(&ssldsse.Envelope{PayloadType: env.GetPayloadType(), Payload: base64.StdEncoding.EncodeToString(env.GetPayload()), Signatures: sigs})
}
