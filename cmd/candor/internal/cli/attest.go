package cli

import (
	"errors"
	"fmt"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/signing"
	"github.com/spf13/cobra"
)

const attestLong = `Scan release artifacts, check every finding against the vendor's disclosure
manifest, and sign an in-toto attestation that a buyer can verify.

Each finding must be covered by an entry of the disclosure (an endpoint host or
wildcard, a listener, a remote-control feature, telemetry, the update mechanism,
or an accepted finding with a reason). When one is not, attest writes nothing,
prints how many findings of each capability are uncovered, then ONE YAML block
that would cover them all, grouped as 'candor disclose' groups a draft (one
entry per host, per endpoint-table module, per capability, per telemetry SDK),
with <placeholders> and the evidence as comments, and exits 1. A value left
"<...>" is refused: replace each with what is true of the release. 'candor
disclose --disclosure FILE' writes the whole merged disclosure instead.
--allow-undisclosed signs anyway; the verdict in the attestation then says
false for the commitments concerned. An accepted entry
that matches no finding of the release is stale: attest refuses it (exit 2,
naming accepted[i]) unless --allow-stale-accepted makes it a warning.

The attestation is an in-toto Statement v1 (predicate type
` + predicate.PredicateType + `) with one subject per
artifact, in a DSSE envelope with one signature per --key. A file named
*.jsonl gets the envelope on one line (JSON lines); any other name, or standard
output, gets indented JSON. The file is written whole or not at all.

An ARTIFACT may be a release directory: its executables, archives, packages
and images at any level, in name order, as 'candor scan --help' says; a file
that is none of these (a README, checksums) is skipped with a note, and
--strict makes it an error (exit 2).

` + signingKeysHelp + `

` + attestExtrasHelp + `

` + attestPushHelp + `

Output: --format text (default) writes that report to standard error for
people. --format json writes it as JSON to standard output, for programs:
{"signed", "written", "artifacts", "uncovered": [{"artifact", "rule",
"capability", "confidence", "host", "hosts", "table", "module", "summary",
"note", "disclose", "accept"}], "suggestion" (the grouped YAML), "verdict"}.
Standard output then carries only the JSON, so --format json needs -o FILE for
the envelope. Messages (the error line, warnings) always go to standard error.

Exit codes: 0 signed and written; 1 undisclosed findings, nothing written;
2 a usage or input error (bad disclosure, key, password or artifact), nothing
written.`

const attestExample = `  # Make a key once, then attest a release build
  candor keygen
  candor attest --disclosure disclosure.yaml --key candor.key -o app.intoto.json ./app

  # Several artifacts and two signatures in one envelope, JSON lines output
  candor attest --disclosure disclosure.yaml --key release.key --key awskms:///alias/release \
    -o release.intoto.jsonl ./dist/app-linux-amd64 ./dist/app-windows-amd64.exe

  # In a pipeline: the uncovered findings as JSON, the envelope to a file
  candor attest --format json --disclosure disclosure.yaml --key candor.key -o app.intoto.json ./app > attest.json

  # Check the result with cosign (for a P-384 key add --signature-digest-algorithm sha384)
  cosign verify-blob-attestation --key candor.pub --insecure-ignore-tlog \
    --type ` + predicate.PredicateType + ` \
    --signature app.intoto.json ./app`

// AttestOptions are the flags of candor attest.
type AttestOptions struct {
	Keys SigningKeyOptions
	// Paths say how directories and other files among the artifacts are read.
	Paths PathOptions
	// Disclosure is the disclosure manifest.
	Disclosure string
	// Output is the envelope file; "" or "-" means standard output.
	Output string
	// SHA512 adds SHA-512 digests to the subjects.
	SHA512 bool
	// AllowUndisclosed signs even with uncovered findings.
	AllowUndisclosed bool
	// AllowStaleAccepted signs even when accepted entries match no finding.
	AllowStaleAccepted bool
	// Format is the report's format: text (to standard error) or json (to standard output).
	Format string
	// Link is a directory to record an in-toto link of the attest step in.
	Link string
	// Bundle is a file to write the attestation to as a Sigstore bundle as well.
	Bundle string
	// Push attests an image in a registry and attaches the bundle to it (registrypush.go).
	Push PushOptions
}

// AddFlags registers the attest flags.
func (o *AttestOptions) AddFlags(cmd *cobra.Command) {
	o.Keys.AddFlags(cmd)
	o.Paths.AddFlags(cmd)
	cmd.Flags().StringVar(&o.Disclosure, "disclosure", "", "the disclosure manifest `FILE` (YAML)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "write the envelope to `FILE` (.intoto.json, or .intoto.jsonl for JSON lines) instead of standard output")
	cmd.Flags().BoolVar(&o.SHA512, "sha512", false, "also record each artifact's SHA-512 in its subject")
	cmd.Flags().BoolVar(&o.AllowUndisclosed, "allow-undisclosed", false, "sign even when findings are not covered; the verdict then says false for their commitments")
	cmd.Flags().BoolVar(&o.AllowStaleAccepted, "allow-stale-accepted", false, "sign even when an accepted entry matches no finding (a warning instead of an error)")
	addEnumFlag(cmd, &o.Format, "format", string(output.FormatText),
		"report format: text for people (standard error), json for programs (standard output; needs -o for the envelope)",
		string(output.FormatText), string(output.FormatJSON))
	cmd.Flags().StringVar(&o.Link, "link", "", "also record an in-toto link of this step in `DIR` (attest.KEYID8.link, signed with each --key; needs -o)")
	cmd.Flags().StringVar(&o.Bundle, "bundle", "", "also write the attestation as a Sigstore bundle v0.3 to `FILE` (one --key)")
	o.Push.AddFlags(cmd)
}

func newAttestCommand() *cobra.Command {
	o := &AttestOptions{}
	cmd := &cobra.Command{
		Use:     "attest --disclosure FILE --key KEY [flags] ARTIFACT...",
		Short:   "Check findings against a disclosure and sign an in-toto attestation",
		Long:    attestLong,
		Example: attestExample,
		Args:    needPaths("ARTIFACT to attest"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return attestExit(runAttest(cmd, o, args))
		},
	}
	o.AddFlags(cmd)
	return cmd
}

// attestExit gives undisclosed findings exit code 1 and everything else its usual code.
func attestExit(err error) error {
	if errors.Is(err, attest.ErrUndisclosed) {
		return &ExitError{Code: ExitNegative, Err: err}
	}
	return classify(err)
}

func runAttest(cmd *cobra.Command, o *AttestOptions, paths []string) error {
	if o.Disclosure == "" {
		return usageError(cmd, errors.New("attest needs --disclosure FILE"))
	}
	if len(o.Keys.Keys) == 0 {
		return usageError(cmd, errors.New("attest needs at least one --key"))
	}
	jsonOut := o.Format == string(output.FormatJSON)
	if jsonOut && (o.Output == "" || o.Output == "-") {
		return usageError(cmd, errors.New("--format json writes the report to standard output: name the envelope's file with -o FILE"))
	}
	ko, err := o.Keys.keyOptions(cmd)
	if err != nil {
		return usageError(cmd, err)
	}
	sc, err := o.Paths.scanner(cmd.ErrOrStderr(), o.SHA512)
	if err != nil {
		return err
	}
	out := o.Output
	if out == "-" {
		out = ""
	}
	if err := o.checkExtras(out); err != nil {
		return usageError(cmd, err)
	}
	if err := o.Push.check(paths, o.Bundle, o.SHA512); err != nil {
		return usageError(cmd, err)
	}
	sc, pushed := o.Push.scanner(sc, cmd.ErrOrStderr())
	signers, err := o.loadExtraSigners(cmd.Context(), ko)
	if err != nil {
		return err
	}
	keys := o.Keys.Keys
	var envSigners []signing.EnvelopeSigner
	for _, s := range signers {
		envSigners = append(envSigners, s)
	}
	if len(envSigners) > 0 {
		keys = nil // loaded once, for the envelope and for the link or bundle
	}
	stderr := cmd.ErrOrStderr()
	res, err := attest.Run(cmd.Context(), attest.Options{
		DisclosurePath:     o.Disclosure,
		Artifacts:          paths,
		Scanner:            sc,
		SHA512:             o.SHA512,
		Keys:               keys,
		Signers:            envSigners,
		KeyOptions:         ko,
		Output:             out,
		Stdout:             cmd.OutOrStdout(),
		AllowUndisclosed:   o.AllowUndisclosed,
		AllowStaleAccepted: o.AllowStaleAccepted,
	})
	if res != nil {
		for _, w := range res.Warnings {
			fmt.Fprintf(stderr, "warning: %s\n", termsafe.Line(w))
		}
		// What attest found and, when it signed, what it signed; then the error, if any.
		format, w := output.FormatText, stderr
		if jsonOut {
			format, w = output.FormatJSON, cmd.OutOrStdout()
		}
		r, werr := output.New(format)
		if werr == nil {
			werr = r.Attest(w, &output.Attestation{Result: res, Disclosure: o.Disclosure, Signed: err == nil})
		}
		if werr != nil {
			return werr
		}
	}
	if err != nil {
		return err
	}
	if err := o.writeExtras(cmd.Context(), res, signers, stderr); err != nil {
		return err
	}
	return o.Push.attach(cmd.Context(), pushed, res, o.Bundle, stderr)
}
