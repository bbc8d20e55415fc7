package cli

import (
	"bytes"
	"fmt"
	"io"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
	"github.com/spf13/cobra"
)

// RootOptions are the flags every command has.
type RootOptions struct {
	// Config is the config file; "" with the flag given means no config file.
	Config string
}

// AddFlags registers --config as a persistent flag of cmd.
func (o *RootOptions) AddFlags(cmd *cobra.Command) {
	cmd.PersistentFlags().StringVar(&o.Config, configFlag, "",
		"read settings from `FILE` (default "+defaultConfigFile+" in the current directory, if present; '' for none)")
}

// OutputOptions say in which format a command writes its result, and where.
type OutputOptions struct {
	// Format is one of [output.FormatNames].
	Format string
	// Output is a file to write to; "" or "-" means standard output.
	Output string
}

// AddFlags registers --format and --output.
func (o *OutputOptions) AddFlags(cmd *cobra.Command) {
	addEnumFlag(cmd, &o.Format, "format", string(output.FormatText),
		"output format: text for people, json for programs, sarif for code-scanning dashboards",
		output.FormatNames()...)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "write the result to `FILE` instead of standard output")
}

// write renders with render and writes the result to o.Output, or to stdout when no
// file is named. A file is replaced atomically, and only once rendering succeeded, so a
// failed command never leaves a half-written report behind.
func (o *OutputOptions) write(stdout, stderr io.Writer, render func(io.Writer) error) error {
	if o.Output == "" || o.Output == "-" {
		return render(stdout)
	}
	var buf bytes.Buffer
	if err := render(&buf); err != nil {
		return err
	}
	if err := fileio.WriteFile(o.Output, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	fmt.Fprintf(stderr, "wrote %s\n", termsafe.String(o.Output))
	return nil
}

// ScanOptions are the flags of candor scan.
type ScanOptions struct {
	Output OutputOptions
	// SHA512 also computes each artifact's SHA-512.
	SHA512 bool
	// Archive bounds archives, packages and images.
	Archive ArchiveOptions
	// Quiet turns the progress bar off.
	Quiet bool
	// Disclosure is a disclosure manifest: SARIF marks the findings it covers as suppressed.
	Disclosure string
}

// AddFlags registers the scan flags.
func (o *ScanOptions) AddFlags(cmd *cobra.Command) {
	o.Output.AddFlags(cmd)
	cmd.Flags().BoolVar(&o.SHA512, "sha512", false, "also compute each artifact's SHA-512 (SHA-256 is always computed)")
	o.Archive.AddFlags(cmd)
	cmd.Flags().BoolVarP(&o.Quiet, "quiet", "q", false, "no progress bar (it is shown only when standard error is a terminal)")
	cmd.Flags().StringVar(&o.Disclosure, "disclosure", "", "with --format sarif: mark the findings the disclosure `FILE` covers as suppressed (kind external), with the covering entry's purpose or reason")
}

// scanOptions turns the flags into scanner options.
func (o *ScanOptions) scanOptions() []scan.Option {
	opts := []scan.Option{scan.WithLimits(o.Archive.limits())}
	if o.SHA512 {
		opts = append(opts, scan.WithSHA512())
	}
	return opts
}

// VersionOptions are the flags of candor version.
type VersionOptions struct {
	// Format is text or json.
	Format string
}

// AddFlags registers the version flags.
func (o *VersionOptions) AddFlags(cmd *cobra.Command) {
	addEnumFlag(cmd, &o.Format, "format", "text", "output format: text or json", "text", "json")
}

// DemoOptions are the flags of candor demo.
type DemoOptions struct {
	// Dir is the working directory; "" means a temporary one, removed afterwards.
	Dir string
}

// AddFlags registers the demo flags.
func (o *DemoOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.Dir, "dir", "", "work in `DIR` and keep the sample and its binary there (default: a temporary directory, removed afterwards)")
}
