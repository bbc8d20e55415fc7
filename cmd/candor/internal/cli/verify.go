package cli

import (
	"errors"
	"fmt"
	"os"

	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
	"github.com/spf13/cobra"
)

const verifyLong = `Check a vendor's disclosure attestation as a buyer: is it genuine, is it about
these exact bytes, does it meet your policy, and (with --rescan) does the
vendor's analysis hold when candor scans the bits itself.

Each artifact goes through these steps, and the first that fails ends its check:
  parse         the DSSE envelope is read strictly (size-bounded, no duplicate
                or unknown fields, no trailing data, valid base64)
  signature     signed by --threshold distinct trusted keys (--key); a key
                given twice counts once, signatures by other keys are ignored
  payload-type  application/vnd.in-toto+json
  statement     the signed payload, and only it, is an in-toto Statement v1
                with predicate type ` + predicate.PredicateType + `
  subject       the artifact's sha256 is a subject's digest, and the other
                digest that subject lists (sha512, from attest --sha512)
                is the artifact's too; digests in other algorithms are
                not checked, so a subject with only those cannot match
  predicate     the predicate matches the schema and analyses that subject
  policy        your --policy, or the defaults: no undisclosed finding and no
                forced upgrade (automatic updates the user cannot turn off, or
                a linked self-update the vendor only accepted)
  rescan        with --rescan: every finding of a fresh scan is in the
                attested analysis and covered by the disclosure

Which attestation: for an ARTIFACT file, ARTIFACT.intoto.json (or .jsonl)
beside it. A directory is a release: every *.intoto.json and *.intoto.jsonl at
its top level is verified, and each subject it names must be a regular file in
the directory (at any level) with that digest: the file at the subject's path,
or, for a subject named by file name (as attest names them), the one file of
the release with that name (two with it fail). An executable of the release
(ELF, PE or Mach-O, at any level, dotfiles too) that no attestation names FAILS
verification: the release holds something its vendor did not attest.
--allow-unattested lists such executables instead (a note, and "unverified"
in JSON). Symbolic links are never followed; every other entry (files no
subject names, links, FIFOs) is listed as not verified, with the reason. Only
regular files are read. --attestation FILE or DIR (repeatable) gives the
attestations instead: each ARTIFACT is matched against all of them by digest
(in a release directory, files none names are listed, executables fail), and
--digest sha256:<hex> (or sha512:<hex>) verifies an artifact you do not
have at hand. There is one verdict per artifact and attestation.

Verification summaries: ARTIFACT.vsa.intoto.json beside it (as --vsa writes
it), or a SLSA VSA (https://slsa.dev/verification_summary/v1) in a .jsonl,
bundle or --attestation directory, is read too: its signature must verify with
a --key (give your own public key, the one whose private key signed it with
--vsa-key, beside the vendor's), its subject must be the artifact's digest and
its resourceUri name the artifact (its file URL, file name or digest). Its
verdict reports the summary's result, verifier, policy and time, and fails
when it says FAILED. A VSA and a disclosure beside the same artifact give a
verdict each; the run fails when either does.

Sigstore bundles (v0.1 to v0.3): ARTIFACT.sigstore.json beside it (as attest
--bundle writes it), *.sigstore.json in --attestation directories, and bundle
lines in .jsonl files are verified with sigstore-go. A key-signed bundle
verifies with --key. A keyless one (a Fulcio certificate) is verified offline
with --trusted-root FILE (a Sigstore trusted_root.json: its CT logs, Rekor
logs and timestamp authorities are checked) and an identity policy naming both
the identity (--certificate-identity or --certificate-identity-regexp) and the
issuer (--certificate-oidc-issuer or --certificate-oidc-issuer-regexp), as
cosign names them; a keyless bundle without one is refused, exit 2. The
signed in-toto statement of a DSSE bundle then goes through the same steps as
an envelope's; the signature step names the signer (key, or certificate
identity and issuer) and whether a transparency log was checked. A bundle with
a message signature (no statement) is listed as not an attestation, skipped.

No attestation at all for an ARTIFACT (none beside it, or an --attestation
file that is not there) is an input error, exit 2: "no attestation for ...".
Attestations of other predicate types (an SLSA provenance in the same
.intoto.jsonl, or beside the disclosure in a release) are listed as skipped
and checked no further: they neither pass nor fail a verdict.

A signature that no trusted key made names the key id written in the envelope
and, for each trusted key tried, its fingerprint (the hex SHA-256 of the DER
public key: openssl pkey -pubin -in KEY.pub -outform DER | sha256sum) and its
key id (SHA256:..., the SSH-style fingerprint that candor, cosign and
go-securesystemslib write in signatures). 'candor key fingerprint KEY' prints
both for a key file.

Trusted keys: the vendor's PEM public key (from 'candor keygen' or cosign), or
a KMS URI (awskms://, gcpkms://, azurekms://, hashivault://). --key, --policy,
--threshold, --allow-unattested, the summary flags (--vsa, --vsa-key,
--resource-uri), --trusted-root and the --certificate-* flags are never taken from a .candor.yaml that candor finds by itself
in the current directory:
a release you unpack could ship one. Give them on the command line, as
CANDOR_VERIFY_* variables, or in a file named with --config.

The policy is YAML (schema https://candor.dev/schemas/policy/v1.json):

  apiVersion: candor.dev/policy/v1
  product: {name: acme-agent, version: "1.4.2"}
  analyzer: {minVersion: v1.0.0}
  maxAge: 90d                  # days (30d) or hours, minutes (720h, 90m)
  security: {maxNotificationDays: 30, requireContact: true}
  findings:
    maxUndisclosed: 0
    accepted:                  # findings the vendor only accepted, with a reason
      allow: [network.endpoint]
      maxLinked: {update.self: 0}
  updates: {allowedMechanisms: [none, notify, user-approved]}
  telemetry: {allowedConsent: [opt-in, user-initiated]}
  listeners: {allowedBinds: [loopback]}
  remoteControl: {allowed: [process.exec], allowedConsent: [user-initiated]}
  endpoints:
    allow: ["*.acme.example"]
    deny: ["*.tracking.example"]
    acceptedHosts: deny        # or allowAndDeny

A topic the policy leaves out allows nothing weaker than the defaults: no
undisclosed finding, no forced upgrade, and no accepted linked update.self or
update.fetch-exec finding. A topic it names judges the declarations and every
finding of its capabilities (updates: update.*; telemetry: telemetry.sdk;
listeners: network.listen; remoteControl: remote.admin, remote.tunnel,
process.exec, code.dynamic):
  disclosed     by the declaration covering it: the update mechanism, the
                telemetry entry's consent, the listeners' binds, the
                remoteControl entry's capability and consent
  undisclosed   as the worst it could be: update mechanism automatic
                (notify for update.check), consent always, bind all
  accepted      covered only by an accepted entry (a reason, no purpose or
                consent): fails the topic unless findings.accepted.allow lists
                its capability; findings.accepted.maxLinked caps the accepted
                findings of confidence linked per capability
The endpoint allow list judges the hosts the disclosure says are contacted
and found hosts nothing covers; hosts of accepted findings (endpoint tables
among them) meet the deny list only, unless acceptedHosts: allowAndDeny. A
reason names the policy's pattern, as endpoints.deny[2].

` + verifyLayoutHelp + `

` + verifyPullHelp + `

--vsa FILE --vsa-key KEY writes a SLSA verification summary attestation
(https://slsa.dev/verification_summary/v1), signed with your key, PASSED or
FAILED: one envelope, or one line per artifact for several (name it *.jsonl).

Limits: attestations come from whoever published the release, so the work of
one run is bounded: --max-signatures per envelope (an envelope with more fails
unchecked), --max-envelopes per .intoto.jsonl file, --max-signature-checks for
the run (counted before any is made: a run over it stops with exit 2), and
--max-attestation-bytes of attestation files read. Raise one only for
attestations you trust; like --key, they are never taken from a found
.candor.yaml.

Results go to standard output (--format text or json); messages to standard
error. Exit codes: 0 every verdict passed; 1 a verdict failed (an unattested
executable in a release too); 2 a usage or input error (bad flag, key or
policy, missing file or attestation), with no verdict.`

const verifyExample = `  # The artifact and app.intoto.json beside it, checked with the vendor's key
  candor verify --key vendor.pub ./app

  # A whole release directory against your policy, re-scanning every binary
  candor verify --key vendor.pub --policy buyer-policy.yaml --rescan ./release/

  # Two of the vendor's keys must have signed; attestations kept elsewhere
  candor verify --key release-a.pub --key release-b.pub --threshold 2 \
    --attestation attestations/ ./dist/app-linux-amd64 ./dist/app-darwin-arm64

  # An image in a registry, by the attestations attached to it, re-scanned
  candor verify --key vendor.pub --pull --rescan registry.example.com/vendor/app:1.4

  # A signed verification summary for your deployment pipeline, as JSON
  candor verify --key vendor.pub --policy buyer-policy.yaml --format json \
    --vsa app.vsa.intoto.json --vsa-key buyer.key ./app`

// VerifyOptions are the flags of candor verify.
type VerifyOptions struct {
	// Keys are trusted public keys (PEM files or KMS URIs).
	Keys []string
	// Threshold is how many distinct trusted keys must have signed.
	Threshold int
	// Policy is the buyer's policy file.
	Policy string
	// Attestations are attestation files or directories.
	Attestations []string
	// Digests are artifacts given by digest.
	Digests []string
	// Rescan scans each artifact again.
	Rescan bool
	// AllowUnattested lists the executables of a release no attestation names, instead of
	// failing them.
	AllowUnattested bool
	// Format is text or json.
	Format string
	// VSA is the verification summary file, VSAKey its signing key, ResourceURI its resourceUri.
	VSA, VSAKey, ResourceURI string
	// AllowKMSPluginsUnsafe lets key URIs with other schemes run sigstore-kms-<scheme>.
	AllowKMSPluginsUnsafe bool
	// Limits bound the work of one run (see verify.Limits).
	Limits verify.Limits
	// Layout verifies an in-toto layout and its links first.
	Layout LayoutOptions
	// TrustedRoot is the Sigstore trusted_root.json of keyless bundles, and Identity the
	// identity policy their certificates must meet (cosign's flags).
	TrustedRoot string
	Identity    sigbundle.Identity
	// Pull verifies images in a registry, by reference.
	Pull VerifyPullOptions
}

// verifyLimitFlags name the flag that sets each of verify.Limits, for messages.
var verifyLimitFlags = map[string]string{
	verify.LimitSignatures:      "max-signatures",
	verify.LimitEnvelopes:       "max-envelopes",
	verify.LimitSignatureChecks: "max-signature-checks",
	verify.LimitBytes:           "max-attestation-bytes",
}

// AddFlags registers the verify flags.
func (o *VerifyOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.Keys, "key", nil, "trust `KEY`: the vendor's PEM public key or a KMS URI; repeat for several")
	f.IntVar(&o.Threshold, "threshold", 1, "how many distinct trusted keys must have signed")
	f.StringVar(&o.Policy, "policy", "", "check against the buyer's policy `FILE` (YAML); without it the defaults apply")
	f.StringArrayVar(&o.Attestations, "attestation", nil, "read attestations from `PATH`, a .intoto.json, .intoto.jsonl or .sigstore.json file or a directory of them (repeatable); default: beside each artifact")
	f.StringArrayVar(&o.Digests, "digest", nil, "also verify the artifact with this `DIGEST`, sha256:HEX or sha512:HEX (needs --attestation; repeatable)")
	f.BoolVar(&o.Rescan, "rescan", false, "scan each artifact again and compare with the attested analysis")
	f.BoolVar(&o.AllowUnattested, "allow-unattested", false, "list the executables of a release directory that no attestation names instead of failing them")
	addEnumFlag(cmd, &o.Format, "format", "text", "output format: text for people, json for programs", "text", "json")
	f.StringVar(&o.VSA, "vsa", "", "write a signed SLSA verification summary attestation to `FILE`")
	f.StringVar(&o.VSAKey, "vsa-key", "", "sign the verification summary with `KEY`: a private key file or KMS URI")
	f.StringVar(&o.ResourceURI, "resource-uri", "", "the resourceUri of the verification summary (one artifact; default: its file:// URL)")
	f.BoolVar(&o.AllowKMSPluginsUnsafe, allowPluginFlag, false, "let a key URI with another scheme run the program sigstore-kms-<scheme> from PATH (command line only)")
	d := verify.DefaultLimits
	f.IntVar(&o.Limits.MaxSignatures, verifyLimitFlags[verify.LimitSignatures], d.MaxSignatures, fmt.Sprintf("check at most `N` signatures per envelope (at most %d); an envelope with more fails", verify.MaxSignatures))
	f.IntVar(&o.Limits.MaxEnvelopes, verifyLimitFlags[verify.LimitEnvelopes], d.MaxEnvelopes, fmt.Sprintf("read at most `N` envelopes from one .intoto.jsonl file (at most %d)", verify.MaxBundleEnvelopes))
	f.IntVar(&o.Limits.MaxSignatureChecks, verifyLimitFlags[verify.LimitSignatureChecks], d.MaxSignatureChecks, "make at most `N` signature verifications in one run (envelopes x signatures x trusted keys)")
	o.Limits.MaxBytes = d.MaxBytes
	f.Var((*byteSize)(&o.Limits.MaxBytes), verifyLimitFlags[verify.LimitBytes], "read at most `SIZE` of attestation files in one run (suffixes KiB, MiB, GiB)")
	f.StringVar(&o.TrustedRoot, "trusted-root", "", "verify keyless Sigstore bundles offline with this Sigstore trusted_root.json `FILE` (needs an identity policy)")
	f.StringVar(&o.Identity.Identity, "certificate-identity", "", "a keyless bundle's certificate must name this `IDENTITY` (SAN: email or URI)")
	f.StringVar(&o.Identity.IdentityRegexp, "certificate-identity-regexp", "", "a keyless bundle's certificate identity must match this `REGEXP`")
	f.StringVar(&o.Identity.Issuer, "certificate-oidc-issuer", "", "a keyless bundle's certificate must be issued for this OIDC `ISSUER`")
	f.StringVar(&o.Identity.IssuerRegexp, "certificate-oidc-issuer-regexp", "", "a keyless bundle's OIDC issuer must match this `REGEXP`")
	o.Layout.AddFlags(cmd)
	o.Pull.AddFlags(cmd)
}

// trustedFlags decide what verify trusts, and where it writes and with which key it signs:
// a config file candor found by itself must not set them.
// The limits are among them: a release could otherwise raise them for itself.
var trustedFlags = []string{"key", "policy", "threshold", "allow-unattested", "vsa", "vsa-key", "resource-uri",
	"layout", "layout-key", "links",
	"trusted-root", "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer", "certificate-oidc-issuer-regexp",
	"max-signatures", "max-envelopes", "max-signature-checks", "max-attestation-bytes"}

func newVerifyCommand() *cobra.Command {
	o := &VerifyOptions{}
	cmd := &cobra.Command{
		Use:     "verify --key PUBKEY [flags] ARTIFACT|DIR... | --pull REF...",
		Short:   "Verify an attestation against the artifact, trusted keys and your policy",
		Long:    verifyLong,
		Example: verifyExample,
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && len(o.Digests) == 0 {
				if o.Pull.Pull {
					return errors.New("verify --pull needs at least one image reference")
				}
				return errors.New("verify needs at least one ARTIFACT or directory, or --digest")
			}
			return nil
		}),
		RunE: func(cmd *cobra.Command, args []string) error {
			return verifyExit(runVerify(cmd, o, args))
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// verifyExit gives a negative verdict exit code 1 and everything else its usual code.
func verifyExit(err error) error {
	if errors.Is(err, verify.ErrVerification) {
		return &ExitError{Code: ExitNegative, Err: err}
	}
	return classify(err)
}

func runVerify(cmd *cobra.Command, o *VerifyOptions, args []string) error {
	if err := refuseFoundConfig(cmd); err != nil {
		return usageError(cmd, err)
	}
	if len(o.Keys) == 0 && o.TrustedRoot == "" {
		return usageError(cmd, errors.New("verify needs at least one --key: the vendor's public key"))
	}
	if !o.Identity.IsZero() && o.TrustedRoot == "" {
		return usageError(cmd, errors.New("the --certificate-* identity flags need --trusted-root: keyless bundles are verified offline against the trusted root given"))
	}
	if o.Threshold < 1 {
		return usageError(cmd, fmt.Errorf("--threshold must be 1 or more, not %d: it is how many distinct trusted keys must have signed", o.Threshold))
	}
	for _, l := range []struct {
		name string
		n    int64
	}{{verify.LimitSignatures, int64(o.Limits.MaxSignatures)}, {verify.LimitEnvelopes, int64(o.Limits.MaxEnvelopes)},
		{verify.LimitSignatureChecks, int64(o.Limits.MaxSignatureChecks)}, {verify.LimitBytes, o.Limits.MaxBytes}} {
		if l.n < 1 {
			return usageError(cmd, fmt.Errorf("--%s must be 1 or more, not %d", verifyLimitFlags[l.name], l.n))
		}
	}
	if o.AllowKMSPluginsUnsafe && !cmd.Flags().Changed(allowPluginFlag) {
		return usageError(cmd, fmt.Errorf("--%s is honoured only on the command line, not from a config file or the environment", allowPluginFlag))
	}
	if (o.VSA == "") != (o.VSAKey == "") {
		return usageError(cmd, errors.New("--vsa and --vsa-key go together: the summary file and the key that signs it"))
	}
	if o.ResourceURI != "" && o.VSA == "" {
		return usageError(cmd, errors.New("--resource-uri names the artifact in the verification summary: give --vsa too"))
	}
	if err := o.Layout.check(cmd); err != nil {
		return usageError(cmd, err)
	}
	if o.Layout.Layout != "" && o.VSA != "" {
		return usageError(cmd, errors.New("--vsa with --layout is not supported yet: the summary would not record the layout's steps"))
	}
	if err := o.Pull.check(o); err != nil {
		return usageError(cmd, err)
	}
	in := verify.Inputs{Artifacts: args, Digests: o.Digests, Attestations: o.Attestations, AllowUnattested: o.AllowUnattested}
	if o.Pull.Pull {
		var err error
		in.Artifacts = nil
		if in.Targets, in.Blobs, err = o.Pull.inputs(cmd.Context(), args, cmd.ErrOrStderr()); err != nil {
			return err
		}
	}
	if o.VSA != "" {
		in.Summary = &verify.SummaryOptions{Path: o.VSA, ResourceURI: o.ResourceURI}
	}
	v, err := loadVerifier(cmd, o, &in)
	if err != nil {
		return verifyErrorHints(err)
	}
	lr, err := o.Layout.verifyLayout()
	if err != nil {
		return err
	}
	res, err := verify.Run(cmd.Context(), v, in)
	if lerr := o.Layout.applyLayout(res, lr); err == nil {
		err = lerr
	}
	flagHints(res)
	err = verifyErrorHints(err)
	if res != nil {
		r, ferr := output.New(output.Format(o.Format))
		if ferr != nil {
			return ferr
		}
		if werr := r.Verify(cmd.OutOrStdout(), res); werr != nil {
			return werr
		}
	}
	return err
}

// loadVerifier checks the inputs, then loads what the flags name, in this order: the trusted
// keys, the policy, the scanner, and the summary's signing key into in.Summary. It returns
// the verifier that checks them.
func loadVerifier(cmd *cobra.Command, o *VerifyOptions, in *verify.Inputs) (*verify.Verifier, error) {
	if err := in.Check(); err != nil {
		return nil, err
	}
	ctx := cmd.Context()
	stdin, _ := cmd.InOrStdin().(*os.File)
	keyOpts := signing.Options{Stdin: stdin, Prompt: cmd.ErrOrStderr(), AllowKMSPluginsUnsafe: o.AllowKMSPluginsUnsafe}
	keys, err := verify.LoadKeys(ctx, o.Keys, keyOpts)
	if err != nil {
		return nil, err
	}
	opts := []verify.VerifierOption{verify.WithKeyNames(o.Keys...), verify.WithThreshold(o.Threshold), verify.WithLimits(o.Limits)}
	if o.TrustedRoot != "" {
		tr, err := sigbundle.LoadTrustedRoot(o.TrustedRoot)
		if err != nil {
			return nil, fmt.Errorf("%w: --trusted-root: %w", verify.ErrOptions, err)
		}
		opts = append(opts, verify.WithSigstore(tr, o.Identity))
	}
	if o.Policy != "" {
		pol, err := verify.LoadPolicy(o.Policy)
		if err != nil {
			return nil, err
		}
		opts = append(opts, verify.WithPolicy(pol))
	}
	if o.Rescan {
		sc, err := scan.New()
		if err != nil {
			return nil, fmt.Errorf("%w: loading the analyser's rules: %w", verify.ErrOptions, err)
		}
		var rs verify.Scanner = sc
		if o.Pull.Pull {
			rs = o.Pull.rescanner(sc, cmd.ErrOrStderr())
		}
		opts = append(opts, verify.WithRescan(rs))
	}
	v, err := verify.NewVerifier(keys, opts...)
	if err != nil {
		return nil, err
	}
	if in.Summary != nil {
		if in.Summary.Signer, err = signing.LoadSigner(ctx, o.VSAKey, keyOpts); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// refuseFoundConfig refuses the trusted flags (keys, policy, threshold, and the summary's
// file and key) from a .candor.yaml candor found in the current directory by itself:
// whoever made the directory (the vendor whose release is being checked) would choose what
// verify trusts, which file it overwrites and which key signs the summary. Values from the
// command line, the environment, or a config file named with --config or CANDOR_CONFIG are
// accepted.
func refuseFoundConfig(cmd *cobra.Command) error {
	if f := cmd.Flags().Lookup(configFlag); f != nil && f.Changed {
		return nil
	}
	if os.Getenv(configEnvVar) != "" {
		return nil
	}
	for _, name := range trustedFlags {
		f := cmd.Flags().Lookup(name)
		if f == nil || f.Changed || f.Value.String() == f.DefValue {
			continue
		}
		fromEnv := false
		for _, k := range keysFor(cmd, name) {
			fromEnv = fromEnv || os.Getenv(envName(k)) != ""
		}
		if fromEnv {
			continue
		}
		return fmt.Errorf("--%s comes from %s, which candor found in the current directory; verify takes --%s only from the command line, %s or a config file named with --config, because a release being checked could ship its own %s",
			name, defaultConfigFile, name, envName("verify."+name), defaultConfigFile)
	}
	return nil
}
