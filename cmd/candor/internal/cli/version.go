package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

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
	// Module is the main module's version in the build information: v1.2.3 for go install
	// at a tag, a pseudo-version for a build in a checkout, "(devel)" when there is none.
	Module string `json:"module,omitempty"`
	// Revision, RevisionTime and Modified are the version-control stamp of the build, when
	// it was built in a checkout (vcs.revision, vcs.time, vcs.modified).
	Revision     string `json:"revision,omitempty"`
	RevisionTime string `json:"revisionTime,omitempty"`
	Modified     bool   `json:"modified,omitempty"`
	GoVersion    string `json:"goVersion"`
	Platform     string `json:"platform"`
}

func newVersionCommand() *cobra.Command {
	o := &VersionOptions{}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the analyser version, its rules version and digest, and the Go version",
		Long: `Print the analyser version, the version and digest of the built-in rules, and
the Go version candor was built with.

The analyser version is recorded in every report and attestation, and is what a
policy's analyzer minVersion is compared with. It is the candor module version
the executable was built from: v1.2.3 for
'go install github.com/candor-dev/candor/cmd/candor@v1.2.3', a pseudo-version
for a build in a checkout, and "devel" (with the revision when it was stamped)
for a build without a module version, which never meets a minVersion.

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
		for _, st := range bi.Settings {
			switch st.Key {
			case "vcs.revision":
				v.Revision = st.Value
			case "vcs.time":
				v.RevisionTime = st.Value
			case "vcs.modified":
				v.Modified = st.Value == "true"
			}
		}
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
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\nrules %s %s\n", q(v.Name), q(v.Version), q(v.RulesVersion), q(v.RulesDigest))
	if v.Revision != "" {
		fmt.Fprintf(&b, "revision %s", q(v.Revision))
		if v.RevisionTime != "" {
			fmt.Fprintf(&b, " %s", q(v.RevisionTime))
		}
		if v.Modified {
			b.WriteString(" modified")
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%s %s\n", q(v.GoVersion), q(v.Platform))
	_, err = io.WriteString(w, b.String())
	return err
}
