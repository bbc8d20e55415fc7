package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
	"github.com/spf13/cobra"
)

// versionInfo is what candor version reports.
type versionInfo struct {
	// Name and Version are the analyser's, as recorded in every report and attestation.
	Name         string `json:"name"`
	Version      string `json:"version"`
	RulesVersion string `json:"rulesVersion"`
	RulesDigest  string `json:"rulesDigest"`
	// Module is the version of the candor module this executable was built from.
	Module    string `json:"module,omitempty"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

func newVersionCommand() *cobra.Command {
	o := &VersionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the analyser version, its rules version and digest, and the Go version",
		Long: `Print the analyser version, the version and digest of the built-in rules, and
the Go version candor was built with.

The rules digest is recorded in every report and attestation: two scans agree
only when they ran with the same rules.`,
		Example: `  candor version
  candor version --format json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return runVersion(o, cmd.OutOrStdout())
		}),
	}
	o.AddFlags(cmd)
	return cmd
}

func runVersion(o *VersionOptions, w io.Writer) error {
	s, err := scan.New()
	if err != nil {
		return err
	}
	a := s.Analyzer()
	v := versionInfo{
		Name:         a.Name,
		Version:      a.Version,
		RulesVersion: a.RulesVersion,
		RulesDigest:  a.RulesDigest,
		GoVersion:    runtime.Version(),
		Platform:     runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v.Module = bi.Main.Version
	}
	if o.Format == "json" {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(termsafe.JSON(append(b, '\n')))
		return err
	}
	q := termsafe.String
	_, err = fmt.Fprintf(w, "%s %s\nrules %s %s\n%s %s\n", q(v.Name), q(v.Version), q(v.RulesVersion), q(v.RulesDigest), q(v.GoVersion), q(v.Platform))
	return err
}
