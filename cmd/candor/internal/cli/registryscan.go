package cli

import (
	"context"
	"fmt"
	"io"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/scan"
	"github.com/spf13/cobra"
)

// scanPullHelp is the part of candor scan's help about --pull.
const scanPullHelp = `--pull: each PATH is an image reference (registry/repo:tag or @sha256:...)
instead. The image is read straight from the registry: its layers stream into
the scan, each blob checked against its digest, with nothing copied to disk
beyond the scanner's bounded spools (at most 8 GiB of layers). It is reported
under the repository's name with the manifest's digest as its sha256;
--platform chooses the image of an index, --insecure-registry allows plain
HTTP to a loopback registry. Credentials are those of the Docker config.`

// PullOptions are candor scan's flags for scanning images in a registry.
type PullOptions struct {
	Pull     bool
	Registry RegistryOptions
}

// AddFlags registers the pull flags.
func (o *PullOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Pull, "pull", false, "each PATH is an image reference: pull it from its registry and scan it")
	o.Registry.AddFlags(cmd)
}

// run scans paths with s, or with --pull the images they name, one after the other.
func (o *PullOptions) run(ctx context.Context, s attest.Scanner, paths []string, stderr io.Writer) (*scan.Report, error) {
	if o == nil || !o.Pull {
		if o != nil && (o.Registry.Insecure || o.Registry.Platform != "") {
			return nil, fmt.Errorf("%w: --insecure-registry and --platform go with --pull", scan.ErrInput)
		}
		return s.Run(ctx, paths)
	}
	var out *scan.Report
	for _, ref := range paths {
		is := &imageScanner{inner: s, opts: o.Registry.options(), stderr: stderr}
		rep, err := is.Run(ctx, []string{ref})
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = rep
		} else {
			out.Artifacts = append(out.Artifacts, rep.Artifacts...)
		}
	}
	return out, nil
}
