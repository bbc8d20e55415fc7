package cli

import (
	"fmt"
	"os"

	"github.com/candor-dev/candor/diff"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
	"github.com/spf13/cobra"
)

const diffLong = `Compare what two releases can do: the capabilities, hosts, Go modules and
findings of an OLD and a NEW build, ranked by risk, each with its evidence.

OLD and NEW are each, detected by content (not by file name):
  an executable, archive, package or image   scanned now, with the built-in rules
  a scan report                              candor scan --format json
  a disclosure attestation                   a DSSE envelope (.intoto.json), or an
                                             in-toto bundle (.intoto.jsonl) holding
                                             one candor disclosure among others
The two may differ in kind: compare last release's attestation with a new build.
With --key (repeatable) an attestation must be signed by a trusted key; without
it, its signature is not checked, and the output says so. Bundle lines that are
not envelopes, or hold another predicate type, are skipped with a note.

Artifacts are matched by name (a single artifact on each side matches whatever
the names), executables inside archives by their path inside.

Ranking: a new remote-control capability (remote.*, process.exec, code.dynamic,
network.listen), then a new exfiltration one (network.*, telemetry.sdk), then a
new update one (update.*); then new hosts (hosts of endpoint tables too); then
new linked findings; then other additions and changes (confidence, reach,
evidence, the disclosure entry covering a finding); removals last. A finding a
new capability or new host already shows is not listed again.

Known changes: --ignore FILE is a YAML list; each entry sets one or more of
capability, rule, host (wildcards as in a disclosure: *.example.com) and module
(path, or path@version), and a reason. A change every selector of an entry
matches is listed as ignored, with the reason, and does not count:

  - {capability: network.endpoint, host: "*.amazonaws.com", reason: S3 backend since 1.2}
  - {module: golang.org/x/net, reason: routine upgrades}
  - {rule: go.exec, reason: "runs the editor the user configures"}

Exit codes:
  0  nothing new: only removals, changes, or ignored additions
  1  something new: a capability or a host was added, or a linked finding
  2  a usage or input error (a file that is missing or that candor cannot read)

Output formats:
  text      for people (default)
  json      for programs: schema ` + diff.SchemaID + `, the Go type diff.Result:
            {"schema", "old" and "new" (path, kind, analyzer, signature, signedBy,
            product, notes), "artifacts" [{name, old, new, oldVersion, newVersion,
            oldGo, newGo}], "changes" and "ignored" [{op: added|removed|changed,
            kind: capability|host|finding|module, artifact, risk, capability, host,
            rule, rules, module, oldVersion, newVersion, confidence, reach, hosts,
            table, coveredBy, disposition, fields [{field, old, new, added,
            removed}], evidence, evidenceTotal, counts, ignoredBy}], "summary" {new,
            capabilities, hosts, findings, modules: {added, changed, removed},
            ignored}}
  markdown  a pull-request comment: a table of counts, each change in a
            collapsible block, within about 60 KB (a GitHub comment holds 64 KiB;
            the changes past it are counted, the new ones come first); every
            string from the inputs is escaped, so a hostile host name cannot
            inject markup or links`

const diffExample = `  # What changed between two builds?
  candor diff ./dist-1.4.2/app ./dist-1.5.0/app

  # Last release's attestation against the new build, its signature checked
  candor diff --key vendor.pub app-1.4.2.intoto.json ./app

  # In CI: a comment for the pull request, failing when something new appears
  candor scan --format json -o new.json ./app
  candor diff --format markdown -o comment.md --ignore known-changes.yaml main.json new.json

  # For programs
  candor diff --format json old.json new.json`

// DiffOptions are the flags of candor diff.
type DiffOptions struct {
	Output OutputOptions
	// Keys are trusted public keys an attestation's signature is checked with.
	Keys []string
	// Ignore is a YAML file of known changes.
	Ignore string
	// Archive bounds the archives and images scanned.
	Archive ArchiveOptions
}

// AddFlags registers the diff flags.
func (o *DiffOptions) AddFlags(cmd *cobra.Command) {
	addEnumFlag(cmd, &o.Output.Format, "format", "text", "output format: text for people, json for programs, markdown for a pull-request comment", "text", "json", "markdown")
	cmd.Flags().StringVarP(&o.Output.Output, "output", "o", "", "write the result to `FILE` instead of standard output")
	cmd.Flags().StringArrayVar(&o.Keys, "key", nil, "check an attestation's signature with the trusted `KEY`: a PEM public key or a KMS URI; repeat for several")
	cmd.Flags().StringVar(&o.Ignore, "ignore", "", "leave out the known changes the YAML `FILE` lists, each with a reason")
	o.Archive.AddFlags(cmd)
}

// diffTrustedFlags decide what diff trusts and hides: a config file candor found by itself
// must not set them.
var diffTrustedFlags = []string{"key", "ignore"}

func newDiffCommand() *cobra.Command {
	o := &DiffOptions{}
	cmd := &cobra.Command{
		Use:     "diff [flags] OLD NEW",
		Short:   "Compare the capabilities, hosts, modules and findings of two releases",
		Long:    diffLong,
		Example: diffExample,
		Args: usageArgs(func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return fmt.Errorf("diff needs two inputs, OLD and NEW, not %d", len(args))
			}
			return nil
		}),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			return runDiff(cmd, o, args[0], args[1])
		}),
	}
	o.AddFlags(cmd)
	return cmd
}

func runDiff(cmd *cobra.Command, o *DiffOptions, oldPath, newPath string) error {
	if err := refuseFoundDiffConfig(cmd); err != nil {
		return usageError(cmd, err)
	}
	if err := o.Archive.validate(); err != nil {
		return err
	}
	ctx := cmd.Context()
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var ig *diff.Ignore
	if o.Ignore != "" {
		var err error
		if ig, err = diff.LoadIgnore(o.Ignore); err != nil {
			return err
		}
	}
	opts := []diff.LoadOption{diff.WithScanOptions(o.scanOptions()...)}
	if len(o.Keys) > 0 {
		keys, err := verify.LoadKeys(ctx, o.Keys, signing.Options{Prompt: stderr})
		if err != nil {
			return err
		}
		opts = append(opts, diff.WithKeys(keys, o.Keys...))
	}
	l, err := diff.NewLoader(opts...)
	if err != nil {
		return err
	}
	old, err := l.Load(ctx, oldPath)
	if err != nil {
		return limitHint(err)
	}
	nw, err := l.Load(ctx, newPath)
	if err != nil {
		return limitHint(err)
	}
	for _, in := range []*diff.Input{old, nw} {
		for _, n := range in.Notes {
			fmt.Fprintf(stderr, "note: %s\n", termsafe.Line(n))
		}
		if in.Kind == diff.KindAttestation && in.Signature != diff.SignatureVerified {
			fmt.Fprintf(stderr, "note: %s: signature not checked (give --key to check it)\n", termsafe.Line(in.Path))
		}
	}
	if len(o.Keys) > 0 && old.Kind != diff.KindAttestation && nw.Kind != diff.KindAttestation {
		fmt.Fprintln(stderr, "note: --key checks attestations; neither input is one")
	}
	res := diff.Compare(old, nw, diff.WithIgnore(ig))
	render := res.WriteText
	switch o.Output.Format {
	case "json":
		render = res.WriteJSON
	case "markdown":
		render = res.WriteMarkdown
	}
	if err := o.Output.write(stdout, stderr, render); err != nil {
		return err
	}
	if res.HasNew() {
		return &ExitError{Code: ExitNegative}
	}
	return nil
}

// scanOptions are the limits for inputs that are scanned.
func (o *DiffOptions) scanOptions() []scan.Option {
	return (&ScanOptions{Archive: o.Archive}).scanOptions()
}

// refuseFoundDiffConfig refuses --key and --ignore from a .candor.yaml candor found in the
// current directory by itself: a release being compared could ship one that trusts its own
// key or ignores its own new hosts. The command line, the environment and a config file
// named with --config are accepted.
func refuseFoundDiffConfig(cmd *cobra.Command) error {
	if f := cmd.Flags().Lookup(configFlag); f != nil && f.Changed || os.Getenv(configEnvVar) != "" {
		return nil
	}
	for _, name := range diffTrustedFlags {
		f := cmd.Flags().Lookup(name)
		if f == nil || f.Changed || f.Value.String() == f.DefValue {
			continue
		}
		fromEnv := false
		for _, k := range keysFor(cmd, name) {
			fromEnv = fromEnv || os.Getenv(envName(k)) != ""
		}
		if !fromEnv {
			return fmt.Errorf("--%s comes from %s, which candor found in the current directory; diff takes --%s only from the command line, %s or a config file named with --config",
				name, defaultConfigFile, name, envName("diff."+name))
		}
	}
	return nil
}
