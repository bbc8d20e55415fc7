package cli

import (
	"fmt"
	"io"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
	"github.com/spf13/cobra"
)

var discloseLong = `Draft the disclosure manifest of a release: scan the artifacts as attest
does and write ONE disclosure (YAML) with an entry for every group of findings,
<placeholders> for what only the vendor knows, and, as comments, the evidence
behind each entry (rule, confidence, evidence values, call paths).

The draft groups findings the way a disclosure declares them:
  endpoints            one entry per host; a wildcard (*.example.com) when three
                       or more hosts share a registrable domain, never directly
                       under a public suffix nor above one a found host is below
                       (us-east-1.amazonaws.com: no *.amazonaws.com)
  accepted             one entry per module (or table) for its endpoint tables,
                       the SDK's region lists that the software picks one host of;
                       declare the hosts as endpoints instead if it contacts them
  configuredEndpoints  one entry when the software connects to destinations the
                       user configures
  listeners            one entry for the listening code
  remoteControl        one entry per capability (admin, tunnel, exec, dynamic code)
  telemetry            one entry per SDK module (sdk: set)
  updates              the update mechanism

Replace every <placeholder> with what is true of the release: candor attest
refuses a disclosure that still holds one, so a draft left unedited is never
signed. Move what the software never does (a host it never contacts) to
accepted: with a reason that says why the finding is harmless.

With --disclosure EXISTING the draft starts from that disclosure: it keeps its
product, security and every entry (their YAML comments are not kept), adds
entries for the findings it does not cover, and marks each entry that no
finding matches with the comment "# candor: no finding matches this entry".
EXISTING must be a valid disclosure: attest would read it (placeholders
replaced). The same scan and disclosure always give the same draft.

An ARTIFACT may be a release directory, read as attest reads it:
` + pathsHelpText + `

With --pull each ARTIFACT is an image reference instead (registry/repo:tag or
@sha256:...), read straight from its registry as 'candor scan --pull' reads it
(--platform, --insecure-registry): the draft for an image that 'candor attest
--push' then attests.

Formats: yaml (default) writes the draft with its comments; json writes the
same disclosure as JSON, without comments. The draft goes to standard output,
or to --output FILE (written whole or not at all); messages go to standard
error.

Exit codes: 0 the draft was written; 2 a usage or input error (a bad flag, an
invalid EXISTING disclosure, an artifact that cannot be scanned).`

const discloseExample = `  # Draft a disclosure for a release, edit it, attest
  candor disclose -o disclosure.yaml ./dist/app-linux-amd64 ./dist/app-windows-amd64.exe
  $EDITOR disclosure.yaml
  candor attest --disclosure disclosure.yaml --key candor.key -o app.intoto.json ./dist/app-*

  # After a new release: keep what is disclosed, add what is new, see what is stale
  candor disclose --disclosure disclosure.yaml -o disclosure.next.yaml ./dist/app-*
  diff disclosure.yaml disclosure.next.yaml

  # An image in a registry, then attest and attach it there
  candor disclose --pull -o disclosure.yaml registry.example.com/vendor/app:1.4
  candor attest --push --disclosure disclosure.yaml --key candor.key \
    --bundle app.sigstore.json registry.example.com/vendor/app:1.4`

// DiscloseOptions are the flags of candor disclose.
type DiscloseOptions struct {
	// Disclosure is the existing disclosure to start from; "" for none.
	Disclosure string
	// Output is the draft file; "" or "-" means standard output.
	Output string
	// Format is yaml or json.
	Format string
	// Archive bounds archives, packages and images.
	Archive ArchiveOptions
	// Quiet turns the progress bar off.
	Quiet bool
	// Paths say how directories and other files among the artifacts are read.
	Paths PathOptions
	// Pull reads the artifacts as image references from their registries.
	Pull PullOptions
}

// AddFlags registers the disclose flags.
func (o *DiscloseOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Disclosure, "disclosure", "", "start from the existing disclosure `EXISTING` (YAML): keep its entries, add what is new, mark what is stale")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "write the draft to `FILE` instead of standard output")
	addEnumFlag(cmd, &o.Format, "format", "yaml", "draft format: yaml with the evidence as comments, or json without them", "yaml", "json")
	o.Archive.AddFlags(cmd)
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "no progress bar (it is shown only when standard error is a terminal)")
	o.Paths.AddFlags(cmd)
	o.Pull.AddFlags(cmd)
}

func newDiscloseCommand() *cobra.Command {
	o := &DiscloseOptions{}
	cmd := &cobra.Command{
		Use:     "disclose [--disclosure EXISTING] [-o FILE] [flags] ARTIFACT...",
		Short:   "Draft the disclosure manifest of a release from a scan",
		Long:    discloseLong,
		Example: discloseExample,
		Args:    needPaths("ARTIFACT or release directory to draft a disclosure for"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return runDisclose(cmd, o, args)
		}),
	}
	o.AddFlags(cmd)
	return cmd
}

func runDisclose(cmd *cobra.Command, o *DiscloseOptions, paths []string) error {
	if err := o.Archive.validate(); err != nil {
		return usageError(cmd, err)
	}
	var existing *attest.Disclosure
	if o.Disclosure != "" {
		d, err := attest.LoadDisclosure(o.Disclosure)
		if err != nil {
			return &ExitError{Code: ExitUsage, Err: err}
		}
		existing = d
	}
	stderr := cmd.ErrOrStderr()
	if !o.Pull.Pull {
		var err error
		if paths, err = o.Paths.expand(paths, stderr); err != nil {
			return err
		}
	}
	opts := []scan.Option{scan.WithLimits(o.Archive.limits())}
	if p := newProgress(stderr, o.Quiet); p != nil {
		opts = append(opts, scan.WithProgress(p.update))
		defer p.stop()
	}
	s, err := scan.New(opts...)
	if err != nil {
		return err
	}
	rep, err := o.Pull.run(cmd.Context(), s, paths, stderr)
	if err != nil {
		return limitHint(err)
	}
	d, err := attest.NewDraft(rep, existing)
	if err != nil {
		return err
	}
	out := OutputOptions{Format: o.Format, Output: o.Output}
	err = out.write(cmd.OutOrStdout(), stderr, func(w io.Writer) error {
		b := d.YAML()
		if o.Format == "json" {
			var err error
			if b, err = d.JSON(); err != nil {
				return err
			}
		}
		_, err := w.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "drafted %d entries for %d finding(s)", d.Kept+d.Added, d.Findings)
	if existing != nil {
		fmt.Fprintf(stderr, ": %d kept from %s (%d match no finding), %d added for the %d it does not cover",
			d.Kept, termsafe.String(o.Disclosure), d.Stale, d.Added, d.Uncovered)
	}
	fmt.Fprintf(stderr, "; replace every <placeholder>, then run candor attest\n")
	return nil
}
