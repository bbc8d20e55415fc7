package cli

import (
	"github.com/candor-dev/candor/internal/demo"
	"github.com/spf13/cobra"
)

const demoLong = `Take candor for a first spin. The demo

  1. writes a small sample program: a web service that phones home to
     ` + demo.SampleHost + ` and serves HTTP;
  2. builds it with the go command on your PATH (nothing is downloaded; without
     Go, candor scans its own executable instead);
  3. scans the binary, exactly as 'candor scan' would, and prints the report;
  4. explains what the findings mean and what to try next.

The report goes to standard output, the explanations to standard error. The
sample is never run. Nothing needs the network.`

func newDemoCommand() *cobra.Command {
	o := &DemoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a sample program that phones home, scan it, and explain the findings",
		Long:  demoLong,
		Example: `  # The guided tour, in a temporary directory
  candor demo

  # Keep the sample and its binary to experiment with
  candor demo --dir ./candor-demo && candor scan --format json ./candor-demo/candor-demo-sample`,
		Args: usageArgs(cobra.NoArgs),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return demo.Run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), demo.Options{Dir: o.Dir})
		}),
	}
	o.AddFlags(cmd)
	return cmd
}
