package cli

import (
	"context"
	"io"

	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/scan"
	"github.com/spf13/cobra"
)

var scanLong = `Scan executables for capabilities that threaten the three commitments candor
attests: no undisclosed remote control, no undisclosed data exfiltration, no
forced upgrade.

candor reads ELF, PE and Mach-O executables, with the most detail for Go
programs (build info, linked functions, modules), and the executables inside
archives, packages and container images: tar (plain, gzip, bzip2, xz, zstd),
zip, Debian packages, docker save and OCI image tarballs, and OCI image layout
directories, nested in any way, detected by content. An archive is reported as
one artifact (its digest is what an attestation names) with its executables as
members, each with its path inside the archive and, for images, the layer that
added it; image layers are applied in order, deleted files are not reported.
Limits (--max-archive-bytes, --max-members, --max-depth, --max-member-bytes)
stop archive bombs; a progress bar shows on a terminal unless --quiet. Each finding names a
capability (network.listen, network.endpoint, update.self, ...), the rule that
found it, how sure it is (linked: the code is in the binary; referenced: only a
string points at it) and the evidence a person can check.

` + pathsHelpText + `

` + scanPullHelp + `

Findings are facts to disclose, not errors: scan exits 0 whenever the scan ran,
and 2 when a file is missing, unreadable or malformed (or, with --strict, not an
executable, archive, package or image).

Output formats:
  text   a readable report per file, findings grouped by commitment (default)
  json   the full report, for programs; byte-identical for the same input and rules
  sarif  SARIF 2.1.0, for code-scanning dashboards: artifact URIs relative to one
         base (originalUriBaseIds SRCROOT: the working directory, or the deepest
         directory holding every artifact), members as archive!/path, evidence
         regions as byte offsets; with --disclosure, findings it covers carry a
         suppression (kind external) with the entry's purpose or reason`

const scanExample = `  # Scan candor itself (any executable will do)
  candor scan "$(command -v candor)"

  # Scan a release build, keep the JSON report next to it
  go build -o ./app . && candor scan --format json --output app.candor.json ./app

  # Feed a code-scanning dashboard: every executable and archive of ./dist, at any
  # level (a README or checksums file in it is skipped with a note)
  candor scan --format sarif -o candor.sarif ./dist/

  # Record SHA-512 digests as well as SHA-256
  candor scan --sha512 ./app

  # A release tarball, a Debian package, an image saved with docker save
  candor scan app-1.2.3-linux-amd64.tar.gz app_1.2.3_amd64.deb
  docker save app:1.2.3 -o app.tar && candor scan app.tar

  # A large image: allow more, and no progress bar
  candor scan --max-archive-bytes 200GiB --quiet app.tar`

func newScanCommand() *cobra.Command {
	o := &ScanOptions{}
	po := &PathOptions{}
	pull := &PullOptions{}
	cmd := &cobra.Command{
		Use:     "scan [flags] PATH...",
		Short:   "Find remote-control, exfiltration and forced-update capabilities in executables",
		Long:    scanLong,
		Example: scanExample,
		Args:    needPaths("PATH to an executable, archive, image or release directory"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if pull.Pull { // image references (registryscan.go), not paths
				return runScan(cmd.Context(), o, pull, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
			}
			paths, err := po.expand(args, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			return runScan(cmd.Context(), o, pull, paths, cmd.OutOrStdout(), cmd.ErrOrStderr())
		}),
	}
	o.AddFlags(cmd)
	po.AddFlags(cmd)
	pull.AddFlags(cmd)
	return cmd
}

// runScan scans paths with the built-in rules and writes the report. The renderer is
// chosen before scanning so a bad format fails fast.
func runScan(ctx context.Context, o *ScanOptions, pull *PullOptions, paths []string, stdout, stderr io.Writer) error {
	rules, err := scan.Builtin()
	if err != nil {
		return err
	}
	ropts, err := o.reportOptions()
	if err != nil {
		return err
	}
	r, err := output.New(output.Format(o.Output.Format), append(ropts, output.WithRuleSpecs(rules.Specs()))...)
	if err != nil {
		return err
	}
	if err := o.Archive.validate(); err != nil {
		return err
	}
	opts := append(o.scanOptions(), scan.WithRules(rules))
	if p := newProgress(stderr, o.Quiet); p != nil {
		opts = append(opts, scan.WithProgress(p.update))
		defer p.stop() // a failed scan leaves no bar before its error message
	}
	s, err := scan.New(opts...)
	if err != nil {
		return err
	}
	rep, err := pull.run(ctx, s, paths, stderr)
	if err != nil {
		return limitHint(err)
	}
	return o.Output.write(stdout, stderr, func(w io.Writer) error { return r.Scan(w, rep) })
}
