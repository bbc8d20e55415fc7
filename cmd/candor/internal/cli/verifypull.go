package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/registry"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/verify"
	"github.com/spf13/cobra"
)

// verifyPullHelp is the part of candor verify's help about --pull.
const verifyPullHelp = `Images in a registry: with --pull, each argument is an image reference
(registry/repo:tag or registry/repo@sha256:...). The artifact is the image's
manifest digest (with --platform OS/ARCH, that of the platform's image in an
index), and its attestations are those attached to it, found where 'candor
attestations' looks: the OCI 1.1 referrers API, else the referrers tag
sha256-HEX, and cosign's legacy tag sha256-HEX.att. Each goes through the steps
above; the subject step requires the statement to name the manifest digest, so
an attestation of another image attached to this one fails. A referrer bundle
and a legacy layer holding the same signed envelope (attest --push --legacy-att
attaches both) give one verdict, noting the other place, once the signatures of
both verify; any other copy has its own verdict. An image with
nothing attached is an input error, exit 2, and so is a registry that cannot be
reached, refuses, lies (a manifest or blob not matching its digest, a referrer
of another image) or answers over the size limits: no verdict. --rescan reads
the image by its digest, straight from the registry, and scans it as 'candor
scan --pull' does (at most 8 GiB of layers, nothing copied to disk beyond the
scanner's bounded spools). --pull takes no --attestation, --digest
or files; --vsa needs --resource-uri. Credentials are those of the Docker
config, never printed; --insecure-registry allows plain HTTP, to a loopback
registry only.`

// VerifyPullOptions are candor verify's flags for images in a registry.
type VerifyPullOptions struct {
	Pull     bool
	Registry RegistryOptions
}

// AddFlags registers the pull flags.
func (o *VerifyPullOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Pull, "pull", false, "each argument is an image reference: verify the attestations attached to it in its registry")
	o.Registry.AddFlags(cmd)
}

// check refuses what --pull does not mix with.
func (o *VerifyPullOptions) check(v *VerifyOptions) error {
	if !o.Pull {
		if o.Registry.Insecure || o.Registry.Platform != "" {
			return errors.New("--insecure-registry and --platform go with --pull")
		}
		return nil
	}
	switch {
	case len(v.Attestations) > 0:
		return errors.New("--pull verifies the attestations attached to each image in its registry: --attestation cannot be given with it")
	case len(v.Digests) > 0:
		return errors.New("--pull verifies each image by the manifest digest its reference names: --digest cannot be given with it")
	case v.Layout.Layout != "":
		return errors.New("--pull with --layout is not supported: the layout's links name files, not images")
	case v.VSA != "" && v.ResourceURI == "":
		return errors.New("--vsa with --pull needs --resource-uri: the summary's name for the image")
	case v.AllowUnattested:
		return errors.New("--allow-unattested is about release directories, not images: it cannot be given with --pull")
	}
	return nil
}

// inputs finds the attestations of each image: a target by its manifest digest, and the
// attestations as blobs. An image with none is an error wrapping verify.ErrNoAttestation.
func (o *VerifyPullOptions) inputs(ctx context.Context, refs []string, stderr io.Writer) ([]verify.Target, []verify.Blob, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	var targets []verify.Target
	var blobs []verify.Blob
	for _, ref := range refs {
		res, err := registry.Find(ctx, ref, o.Registry.options())
		if err != nil {
			return nil, nil, err
		}
		repo, digest, _ := cutLast(res.Subject, "@")
		hex, ok := strings.CutPrefix(digest, "sha256:")
		if !ok {
			return nil, nil, fmt.Errorf("%w: %s: the manifest digest %s is not sha256", registry.ErrInput, termsafe.String(ref), termsafe.String(digest))
		}
		if len(res.Found) == 0 {
			return nil, nil, fmt.Errorf("%w for %s (%s): looked in %s and the legacy tag %s:sha256-%s.att", verify.ErrNoAttestation,
				termsafe.String(ref), termsafe.String(res.Subject), lookedIn(res, repo, hex), termsafe.String(repo), hex)
		}
		fmt.Fprintf(stderr, "found %d attestation(s) of %s (%s)\n", len(res.Found), termsafe.String(ref), termsafe.String(res.Subject))
		// The rescan pulls the image by the digest verified, never the tag again.
		targets = append(targets, verify.Target{Name: res.Subject, SHA256: hex, Path: res.Subject})
		for _, f := range res.Found {
			data := f.Bundle
			if data == nil {
				data = f.Envelope
			}
			blobs = append(blobs, verify.Blob{Name: blobName(f), Data: data})
		}
	}
	return targets, blobs, nil
}

// lookedIn says where Find looked for referrers.
func lookedIn(res *registry.Result, repo, hex string) string {
	if res.ReferrersAPI {
		return "the referrers API"
	}
	return fmt.Sprintf("the referrers tag %s:sha256-%s (the registry has no referrers API)", termsafe.String(repo), hex)
}

// blobName says where an attestation was found: the referrer manifest, or the legacy
// image and its layer, and the source.
func blobName(f *registry.Found) string {
	if f.Source == registry.SourceLegacyAtt {
		return fmt.Sprintf("%s layer %s (%s)", f.Where, f.Layer, f.Source)
	}
	return fmt.Sprintf("%s (%s)", f.Where, f.Source)
}

// rescanner re-scans the image a target of --pull names (its Path, repository@sha256:HEX):
// pulled through imageScanner, the one artifact it gives has the manifest digest as its
// sha256. Each image is pulled and scanned once, however many attestations it has, and one
// at a time, as scan --pull reads them.
func (o *VerifyPullOptions) rescanner(sc *scan.Scanner, stderr io.Writer) verify.Scanner {
	ro := o.Registry.options()
	ro.Platform = "" // the reference is the platform's image, by digest
	return &pullRescanner{sc: sc, opts: ro, stderr: stderr, done: map[string]*pullScan{}}
}

type pullRescanner struct {
	sc     *scan.Scanner
	opts   registry.Options
	stderr io.Writer
	mu     sync.Mutex
	done   map[string]*pullScan
	// pulling is held while an image is pulled and scanned.
	pulling sync.Mutex
}

type pullScan struct {
	once sync.Once
	art  *scan.Artifact
	err  error
}

func (p *pullRescanner) ScanFile(ctx context.Context, ref string) (*scan.Artifact, error) {
	p.mu.Lock()
	ps := p.done[ref]
	if ps == nil {
		ps = &pullScan{}
		p.done[ref] = ps
	}
	p.mu.Unlock()
	ps.once.Do(func() {
		p.pulling.Lock()
		defer p.pulling.Unlock()
		is := &imageScanner{inner: p.sc, opts: p.opts, stderr: p.stderr}
		rep, err := is.Run(ctx, []string{ref})
		switch {
		case err != nil:
			ps.err = err
		case len(rep.Artifacts) != 1:
			ps.err = fmt.Errorf("scanning %s gave %d artifacts", termsafe.String(ref), len(rep.Artifacts))
		default:
			ps.art = &rep.Artifacts[0]
		}
	})
	return ps.art, ps.err
}

func (p *pullRescanner) Analyzer() scan.Analyzer { return p.sc.Analyzer() }
