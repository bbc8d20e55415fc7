package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/registry"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/scan/archive"
	"github.com/spf13/cobra"
)

// attestPushHelp is the part of candor attest's help about --push.
const attestPushHelp = `--push: the one ARTIFACT is an image reference (registry/repo:tag or @sha256:...).
The image is read straight from the registry (its layers stream into the scan,
each blob checked against its digest, nothing copied to disk beyond the
scanner's bounded spools; at most 8 GiB of layers), and the statement's
subject is the image's manifest digest, named by the repository. The Sigstore
bundle (--bundle FILE, one --key) is then attached to the image as 'candor
attach' does (--legacy-att also in cosign's legacy .att form);
--insecure-registry and --platform as for attach.`

// PushOptions are candor attest's flags for attesting and attaching an image in a registry.
type PushOptions struct {
	Push     bool
	Legacy   bool
	Registry RegistryOptions
}

// AddFlags registers the push flags.
func (o *PushOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Push, "push", false, "the ARTIFACT is an image reference: attest the image's manifest digest and attach the --bundle to it")
	cmd.Flags().BoolVar(&o.Legacy, "legacy-att", false, "with --push, also write cosign's legacy sha256-HEX.att image")
	o.Registry.AddFlags(cmd)
}

// maxPulledImage bounds the layers of an image attest --push pulls.
const maxPulledImage = 8 << 30

// check refuses what --push cannot do.
func (o *PushOptions) check(paths []string, bundle string, sha512 bool) error {
	if !o.Push {
		if o.Legacy || o.Registry.Insecure || o.Registry.Platform != "" {
			return errors.New("--legacy-att, --insecure-registry and --platform go with --push")
		}
		return nil
	}
	switch {
	case len(paths) != 1:
		return fmt.Errorf("--push attests one image reference, not %d arguments", len(paths))
	case bundle == "":
		return errors.New("--push attaches the Sigstore bundle: name it with --bundle FILE")
	case sha512:
		return errors.New("--push: an image's subject is its manifest's sha256 digest; --sha512 cannot be given")
	}
	return nil
}

// imageScanner scans an image in a registry and makes its manifest the subject.
type imageScanner struct {
	inner  attest.Scanner
	opts   registry.Options
	stderr io.Writer
	pulled *registry.Pulled
}

// blobScanner scans an image given as blobs: *scan.Scanner.
type blobScanner interface {
	ScanBlobs(ctx context.Context, name, sha256 string, size int64, src archive.BlobSource) (*scan.Artifact, error)
	Analyzer() scan.Analyzer
}

// streamer returns the scanner that reads an image straight from the registry behind
// inner, or nil when inner is another kind of scanner (which only scans paths).
func streamer(inner attest.Scanner) blobScanner {
	switch v := inner.(type) {
	case blobScanner:
		return v
	case *expandingScanner:
		return v.s
	}
	return nil
}

// Run scans the image paths[0] names: one artifact, named by the repository, whose
// sha256 is the manifest digest. The layers stream from the registry into the scan (see
// registry.OpenImage and scan.Scanner.ScanBlobs); nothing is copied to disk but the
// scanner's bounded spools. A scanner that reads only paths gets a temporary OCI layout.
func (s *imageScanner) Run(ctx context.Context, paths []string) (*scan.Report, error) {
	bs := streamer(s.inner)
	if bs == nil {
		return s.runLayout(ctx, paths)
	}
	im, err := registry.OpenImage(ctx, paths[0], maxPulledImage, s.opts)
	if err != nil {
		return nil, err
	}
	s.pulled = &im.Pulled
	repo, _, _ := cutLast(im.Subject, "@")
	a, err := bs.ScanBlobs(ctx, repo, im.Digest.Hex, im.ManifestSize, im)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(s.stderr, "pulled %s (%d bytes of layers)\n", termsafe.String(im.Subject), im.Size)
	return &scan.Report{Analyzer: bs.Analyzer(), Artifacts: []scan.Artifact{*a}}, nil
}

// runLayout pulls the image to a temporary OCI layout and scans that with inner.
func (s *imageScanner) runLayout(ctx context.Context, paths []string) (*scan.Report, error) {
	dir, err := os.MkdirTemp("", "candor-image-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	p, err := registry.Pull(ctx, paths[0], dir, maxPulledImage, s.opts)
	if err != nil {
		return nil, err
	}
	s.pulled = p
	fmt.Fprintf(s.stderr, "pulled %s (%d bytes of layers)\n", termsafe.String(p.Subject), p.Size)
	rep, err := s.inner.Run(ctx, []string{dir})
	if err != nil {
		return nil, err
	}
	if len(rep.Artifacts) != 1 || rep.Artifacts[0].Path != dir {
		return nil, fmt.Errorf("%w: scanning %s gave %d artifacts", scan.ErrInput, p.Subject, len(rep.Artifacts))
	}
	a := &rep.Artifacts[0]
	repo, _, _ := cutLast(p.Subject, "@")
	a.Path, a.SHA256, a.SHA512 = repo, p.Digest.Hex, ""
	return rep, nil
}

func cutLast(s, sep string) (string, string, bool) {
	for i := len(s) - len(sep); i >= 0; i-- {
		if s[i:i+len(sep)] == sep {
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}

// scanner wraps the scanner of attest for --push.
func (o *PushOptions) scanner(inner attest.Scanner, stderr io.Writer) (attest.Scanner, *imageScanner) {
	if !o.Push {
		return inner, nil
	}
	is := &imageScanner{inner: inner, opts: o.Registry.options(), stderr: stderr}
	return is, is
}

// attach pushes the bundle attest wrote to the image it attested.
func (o *PushOptions) attach(ctx context.Context, is *imageScanner, res *attest.Result, bundle string, stderr io.Writer) error {
	if is == nil || is.pulled == nil || res == nil || res.Envelope == nil {
		return nil
	}
	b, err := fileio.ReadFile(bundle, maxAttestation)
	if err != nil {
		return err
	}
	a, err := attachment(ctx, bundle, b, nil)
	if err != nil {
		return err
	}
	if !o.Legacy {
		a.Envelope = nil
	}
	ro := o.Registry.options()
	ro.Legacy = o.Legacy
	ro.Platform = "" // the pulled image's digest is the reference now
	got, err := registry.Attach(ctx, is.pulled.Subject, a, ro)
	if err != nil {
		return err
	}
	how := "through the referrers API"
	if !got.ReferrersAPI {
		how = "in the referrers tag " + got.FallbackTag
	}
	fmt.Fprintf(stderr, "attached %s to %s as referrer %s, %s\n", termsafe.String(bundle), termsafe.String(got.Subject), termsafe.String(got.Referrer), termsafe.String(how))
	if got.LegacyTag != "" {
		fmt.Fprintf(stderr, "and as a layer of %s (cosign's legacy form)\n", termsafe.String(got.LegacyTag))
	}
	return nil
}
