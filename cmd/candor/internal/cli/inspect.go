package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/registry"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
	"github.com/spf13/cobra"
)

const inspectLong = `Read every attestation about an artifact, as a security team would: who
signed each one, what it says, and whether the chain they form hangs together.

Where attestations are found:
  ARTIFACT        ARTIFACT.intoto.json (one DSSE envelope),
                  ARTIFACT.intoto.jsonl (an in-toto bundle: JSON Lines, one
                  envelope a line) and ARTIFACT.sigstore.json (a Sigstore
                  bundle) beside it
  DIR             every *.intoto.json, *.intoto.jsonl and *.sigstore.json
                  below it (8 levels at most; names starting with "." and
                  symbolic links are skipped); each is matched to the files of
                  DIR by the sha256 its subjects list
  FILE.json(l)    an attestation file named explicitly, matched to the artifacts
                  given by digest; given alone, its attestations form one chain
  --pull REF      the attestations attached to the image REF in its registry
                  (registry/repo:tag or @sha256:...): OCI referrers of Sigstore
                  bundles (referrers API or referrers tag) and cosign's
                  legacy sha256-HEX.att layers; each is named by where it was
                  found, and the image's manifest digest is the sha256 they
                  must name
Sigstore bundles (v0.1 to v0.3, as attest --bundle, cosign and gh attestation
write them) mix with envelopes, in a .jsonl too. A line that is neither, or a
bundle of a message signature (no in-toto statement), is skipped and listed
under problems, and so is a key-signed bundle holding the same signed envelope
as an envelope read (attest --bundle and attach --legacy-att write both): it
is listed once, as the envelope.
Attestations are matched by digest, never by their order in a file.

--pull: every argument is an image reference; --platform OS/ARCH chooses the
image of an index, --insecure-registry allows plain HTTP to a loopback
registry. Credentials are those of the Docker config. A registry that cannot
be reached, refuses, or contradicts itself is an error (exit 2).

Signatures: each envelope's signatures are checked over the DSSE pre-
authentication encoding of its exact payload with every --key (PEM public
keys, such as candor.pub or cosign.pub, or KMS URIs). An attestation names the
keys that signed it by fingerprint ("SHA256:" and the unpadded base64 of the
SHA-256 of the DER public key), or is UNVERIFIED: what it says is still shown,
never trusted, and the chain fails its signatures check. A Sigstore bundle is
verified by sigstore-go: signed with a key, with the --key keys; keyless (a
Fulcio certificate), only with --trusted-root FILE (a Sigstore
trusted_root.json, used offline) and an identity policy, cosign's flags: the
identity (--certificate-identity or --certificate-identity-regexp) and the
issuer (--certificate-oidc-issuer or --certificate-oidc-issuer-regexp). Without
them a keyless bundle is UNVERIFIED, and says why: a certificate alone proves
nothing. A verified bundle's statement is read from the exact payload its
signature covers. With --trusted-root, a key-signed bundle needs a verified
transparency-log entry of its Rekor logs.

Predicates read: candor's disclosure (the three commitments, hosts with
purpose, data and consent, listeners, updates, accepted findings with reasons,
the security contact and notification window, findings with evidence and call
paths), SLSA provenance v0.2 and v1 (builder, build type, source repository
and commit, resolved dependencies), SPDX 2.3 and CycloneDX 1.4-1.6 JSON SBOMs
(components, Go modules with versions), SLSA verification summaries v1
(verifier, result, policy, input attestations), OpenVEX and in-toto links
v0.3 (step, command, materials). Any other predicate type is listed as
present and not evaluated.

Cross-checks of each artifact's chain, each pass, FAIL or n/a (not possible,
with the reason):
  attestations  at least one attestation is about the artifact
  signatures    every attestation is signed by a trusted key (a keyless
                bundle: by a certificate that meets the identity policy)
  subjects      every attestation names the artifact's sha256
  predicates    every statement and predicate could be read
  provenance    the SLSA provenance names the artifact
  vsa-inputs    a verification summary's input attestations resolve, by
                sha256 of the envelope, to verified attestations present
  modules       the Go modules of the disclosure's analysis and the SBOM's
                agree: none missing, none extra, the same versions
  analyser      the analyser version and rules digest of the disclosures

Output: --format text (a tree per artifact), json, or html: one self-contained
page (no script, no font or style loaded from anywhere) to open in a browser
and forward; -o FILE writes it to a file instead of standard output. In JSON,
each attestation says "verified" and, when not, why ("unverified"); a Sigstore
bundle's has "bundle": its mediaType, version, signedWith (key or
certificate), the certificate's identity and issuer, and tlogChecked.

Limits: at most 100000 attestation files and artifacts, 1 GiB of attestation
files, 16 MiB per envelope, 256 MiB per bundle, and 100000 signature checks
(signatures times trusted keys, counted before any is made). --key,
--trusted-root and the --certificate-* flags are never taken from a
.candor.yaml candor finds in the current directory (a release being inspected
could ship one): give them on the command line, as CANDOR_INSPECT_KEY and so
on, or in a file named with --config.

Exit codes: 0 every chain passed its checks; 1 a check failed (an unverified
attestation, a subject of another artifact, modules that differ...); 2 a usage
or input error (bad flag or key, a missing file, a limit reached, a registry
that cannot be reached or refuses).`

const inspectExample = `  # The artifact and the attestations beside it, checked with the vendor's key
  candor inspect --key vendor.pub ./app

  # A release directory, with the vendor's and the build system's keys, as HTML
  candor inspect --key vendor.pub --key builder.pub --format html -o report.html ./release/

  # Attestation bundles alone, for a program
  candor inspect --key vendor.pub --format json app.intoto.jsonl sbom.intoto.json

  # What is attached to an image in its registry
  candor inspect --key vendor.pub --pull registry.example.com/vendor/app:1.4

  # A keyless bundle from GitHub Actions, offline against a trusted root
  candor inspect --trusted-root trusted_root.json \
    --certificate-identity-regexp '^https://github.com/acme/app/' \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com app`

// InspectOptions are the flags of candor inspect.
type InspectOptions struct {
	// Keys are trusted public keys (PEM files or KMS URIs).
	Keys []string
	// Format is text, json or html.
	Format string
	// Output is the file the report is written to; empty for standard output.
	Output string
	// AllowKMSPluginsUnsafe lets key URIs with other schemes run sigstore-kms-<scheme>.
	AllowKMSPluginsUnsafe bool
	// TrustedRoot is the Sigstore trusted_root.json of keyless bundles, and Identity the
	// identity policy their certificates must meet (cosign's flags).
	TrustedRoot string
	Identity    sigbundle.Identity
	// Pull: the arguments are image references, their attestations found in the registry.
	Pull     bool
	Registry RegistryOptions
}

// AddFlags registers the inspect flags.
func (o *InspectOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.Keys, "key", nil, "trust `KEY`: a PEM public key or a KMS URI; repeat for several (the vendor's, the builder's...)")
	addEnumFlag(cmd, &o.Format, "format", "text", "report format", output.InspectFormats()...)
	f.StringVarP(&o.Output, "output", "o", "", "write the report to `FILE` (replaced whole) instead of standard output")
	f.BoolVar(&o.AllowKMSPluginsUnsafe, allowPluginFlag, false,
		"let a key URI with another scheme run the program sigstore-kms-<scheme> from PATH (command line only)")
	f.StringVar(&o.TrustedRoot, "trusted-root", "", "verify keyless Sigstore bundles offline with this Sigstore trusted_root.json `FILE` (needs an identity policy)")
	f.StringVar(&o.Identity.Identity, "certificate-identity", "", "a keyless bundle's certificate must name this `IDENTITY` (SAN: email or URI)")
	f.StringVar(&o.Identity.IdentityRegexp, "certificate-identity-regexp", "", "a keyless bundle's certificate identity must match this `REGEXP`")
	f.StringVar(&o.Identity.Issuer, "certificate-oidc-issuer", "", "a keyless bundle's certificate must be issued for this OIDC `ISSUER`")
	f.StringVar(&o.Identity.IssuerRegexp, "certificate-oidc-issuer-regexp", "", "a keyless bundle's OIDC issuer must match this `REGEXP`")
	f.BoolVar(&o.Pull, "pull", false, "each argument is an image reference: inspect the attestations attached to it in its registry")
	o.Registry.AddFlags(cmd)
}

// inspectTrustedFlags decide what inspect trusts: a config file candor found by itself
// must not set them.
var inspectTrustedFlags = []string{"key", "trusted-root", "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer", "certificate-oidc-issuer-regexp"}

func newInspectCommand() *cobra.Command {
	o := &InspectOptions{}
	cmd := &cobra.Command{
		Use:     "inspect [--key PUBKEY]... [flags] ARTIFACT|DIR|FILE... | --pull REF...",
		Short:   "Read and cross-check every attestation about an artifact (provenance, SBOM, disclosure, VSA)",
		Long:    inspectLong,
		Example: inspectExample,
		Args:    needPaths("inspect needs at least one ARTIFACT, directory or attestation file"),
		RunE:    runE(func(cmd *cobra.Command, args []string) error { return runInspect(cmd, o, args) }),
	}
	o.AddFlags(cmd)
	return cmd
}

func runInspect(cmd *cobra.Command, o *InspectOptions, args []string) error {
	if err := refuseFoundKey(cmd); err != nil {
		return usageError(cmd, err)
	}
	if o.AllowKMSPluginsUnsafe && !cmd.Flags().Changed(allowPluginFlag) {
		return usageError(cmd, fmt.Errorf("--%s is honoured only on the command line, not from a config file or the environment", allowPluginFlag))
	}
	if !o.Identity.IsZero() && o.TrustedRoot == "" {
		return usageError(cmd, errors.New("the --certificate-* identity flags need --trusted-root: keyless bundles are verified offline against the trusted root given"))
	}
	if !o.Pull && (o.Registry.Insecure || o.Registry.Platform != "") {
		return usageError(cmd, errors.New("--insecure-registry and --platform go with --pull"))
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	stdin, _ := cmd.InOrStdin().(*os.File)
	keys, err := verify.LoadKeys(ctx, o.Keys, signing.Options{Stdin: stdin, Prompt: cmd.ErrOrStderr(), AllowKMSPluginsUnsafe: o.AllowKMSPluginsUnsafe})
	if err != nil {
		return err
	}
	var opts []inspect.Option
	if o.TrustedRoot != "" {
		tr, err := sigbundle.LoadTrustedRoot(o.TrustedRoot)
		if err != nil {
			return fmt.Errorf("--trusted-root: %w", err)
		}
		opts = append(opts, inspect.WithSigstore(tr, o.Identity))
	}
	in, err := inspect.New(keys, o.Keys, opts...)
	if err != nil {
		return err
	}
	inputs := inspect.Inputs{Paths: args}
	if o.Pull {
		inputs = inspect.Inputs{}
		for _, ref := range args {
			f, err := fetchAttestations(ctx, ref, o.Registry)
			if err != nil {
				return err
			}
			inputs.Fetched = append(inputs.Fetched, f)
		}
	}
	rep, err := inspect.Run(ctx, in, inputs)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := output.Inspect(&buf, output.Format(o.Format), rep); err != nil {
		return err
	}
	if o.Output != "" {
		if err := fileio.WriteFile(o.Output, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("writing the report: %w", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s\n", termsafe.String(o.Output))
	} else if _, err := cmd.OutOrStdout().Write(buf.Bytes()); err != nil {
		return err
	}
	if !rep.Passed {
		failed := 0
		for _, ch := range rep.Chains {
			if !ch.Passed {
				failed++
			}
		}
		msg := fmt.Sprintf("%d of %d chain(s) fail their checks", failed, len(rep.Chains))
		switch {
		case len(rep.Chains) == 0 && len(rep.Unmatched) > 0:
			msg = fmt.Sprintf("no attestation is about a file given: %d attestation(s) name other artifacts", len(rep.Unmatched))
		case len(rep.Chains) == 0:
			msg = "no attestation found in " + termsafe.String(strings.Join(args, " "))
		}
		return &ExitError{Code: ExitNegative, Err: errors.New(msg)}
	}
	return nil
}

// refuseFoundKey refuses --key, --trusted-root and the --certificate-* flags from a
// .candor.yaml candor found in the current directory by itself (see refuseFoundConfig,
// which does this for verify): whoever made the directory would choose what inspect trusts.
func refuseFoundKey(cmd *cobra.Command) error {
	if f := cmd.Flags().Lookup(configFlag); f != nil && f.Changed {
		return nil
	}
	if os.Getenv(configEnvVar) != "" {
		return nil
	}
next:
	for _, name := range inspectTrustedFlags {
		f := cmd.Flags().Lookup(name)
		if f == nil || f.Changed || f.Value.String() == f.DefValue {
			continue
		}
		for _, k := range keysFor(cmd, name) {
			if os.Getenv(envName(k)) != "" {
				continue next
			}
		}
		return fmt.Errorf("--%s comes from %s, which candor found in the current directory; inspect takes --%s only from the command line, %s or a config file named with --config, because a release being inspected could ship its own %s",
			name, defaultConfigFile, name, envName("inspect."+name), defaultConfigFile)
	}
	return nil
}

// fetchAttestations finds the attestations attached to the image ref in its registry
// (registry.Find): the image's manifest digest is the artifact's sha256, and each
// attestation is named by where it was found.
func fetchAttestations(ctx context.Context, ref string, ro RegistryOptions) (inspect.Fetched, error) {
	res, err := registry.Find(ctx, ref, ro.options())
	if err != nil {
		return inspect.Fetched{}, fmt.Errorf("finding the attestations of %s in its registry: %w", termsafe.String(ref), err)
	}
	_, hex, ok := strings.Cut(res.Subject, "@sha256:")
	if !ok {
		return inspect.Fetched{}, fmt.Errorf("finding the attestations of %s: the registry named the image %s, not REPOSITORY@sha256:HEX", termsafe.String(ref), termsafe.String(res.Subject))
	}
	f := inspect.Fetched{Name: res.Subject, SHA256: hex}
	for _, found := range res.Found {
		where, data := found.Where, found.Bundle
		if found.Bundle == nil {
			where, data = found.Where+" layer "+found.Layer, found.Envelope
		}
		f.Attestations = append(f.Attestations, inspect.FetchedAttestation{Source: fmt.Sprintf("%s (%s)", where, found.Source), Data: data})
	}
	return f, nil
}
