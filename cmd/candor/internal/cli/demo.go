package cli

import (
	"github.com/candor-dev/candor/cmd/candor/internal/demo"
	"github.com/spf13/cobra"
)

const demoLong = `Take candor for a first spin: the whole workflow, vendor and buyer, on a
sample program. The demo

  1. writes a small sample program: a web service that phones home to
     ` + demo.SampleHost + ` and serves HTTP;
  2. builds it with the go command on your PATH (nothing is downloaded; without
     Go, candor scans its own executable instead and skips steps 5 to 10);
  3. scans the binary, exactly as 'candor scan' would, and prints the report;
  4. explains what the findings mean;
  5. as the vendor, makes a throwaway signing key ('candor keygen');
  6. writes a disclosure of what the sample does on the network;
  7. attests the build ('candor attest') and shows the envelope's path;
  8. shows attest refusing a disclosure that misses an endpoint, with the YAML
     that would cover it;
  9. as the buyer, verifies the release against a policy, re-scanning the bits
     ('candor verify');
 10. verifies a tampered copy of the binary, which fails.

Reports and verdicts go to standard output, the explanations to standard error.
The sample is never run. Nothing needs the network. Everything happens in a
temporary directory, removed afterwards unless you name one with --dir.`

func newDemoCommand() *cobra.Command {
	o := &DemoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Walk through scan, attest and verify on a sample program that phones home",
		Long:  demoLong,
		Example: `  # The guided tour, in a temporary directory
  candor demo

  # Keep the sample, its binary, the key, disclosure, attestation and policy
  candor demo --dir ./candor-demo
  candor verify --key candor-demo/demo.pub --policy candor-demo/policy.yaml candor-demo/candor-demo-sample`,
		Args: usageArgs(cobra.NoArgs),
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			return demo.Run(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), demo.Options{Dir: o.Dir})
		}),
	}
	o.AddFlags(cmd)
	return cmd
}
