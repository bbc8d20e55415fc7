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
	"github.com/candor-dev/candor/intoto"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
)

// linkStep is the step name of the in-toto link candor attest records.
const linkStep = "attest"

// attestExtrasHelp documents --link and --bundle.
const attestExtrasHelp = `In-toto layouts and Sigstore bundles: --link DIR also records an in-toto link
for this step (named "` + linkStep + `", as DIR/` + linkStep + `.KEYID8.link, one per --key),
signed with the same keys: its materials are the artifacts attested (each
file, directories read as the attestation reads them), its product the
envelope file, so candor fits as a step of a vendor's in-toto layout ('candor
verify --layout' checks one). in-toto signs Ed25519 and ECDSA keys here; an RSA
key is refused for links (in-toto wants RSASSA-PSS). --bundle FILE also writes
the attestation as a Sigstore bundle v0.3 (one --key: a bundle holds one
signature), which cosign verifies with verify-blob-attestation --bundle FILE
--key candor.pub --insecure-ignore-tlog (no transparency log entry).`

// checkExtras refuses --link and --bundle where they cannot apply, before anything is
// scanned or signed.
func (o *AttestOptions) checkExtras(out string) error {
	if o.Link != "" && out == "" {
		return errors.New("--link records the envelope file as the step's product: name it with -o FILE")
	}
	if o.Bundle != "" && len(o.Keys.Keys) != 1 {
		return fmt.Errorf("--bundle writes a Sigstore bundle, which holds exactly one signature: give one --key (got %d)", len(o.Keys.Keys))
	}
	if o.Bundle != "" && o.Bundle == out {
		return errors.New("--bundle names the envelope's own file (-o): give it another name, such as app.sigstore.json")
	}
	return nil
}

// loadExtraSigners loads the signing keys once when --link or --bundle needs them after
// attest has signed, so a password is asked for once.
// The links directory is made first, so a link that cannot be written stops attest before
// it signs.
func (o *AttestOptions) loadExtraSigners(ctx context.Context, ko signing.Options) ([]*signing.Signer, error) {
	if o.Link == "" && o.Bundle == "" {
		return nil, nil
	}
	if o.Link != "" {
		if err := os.MkdirAll(o.Link, 0o755); err != nil {
			return nil, fmt.Errorf("--link: %w", err)
		}
	}
	return signing.LoadSigners(ctx, o.Keys.Keys, ko)
}

// writeExtras records the in-toto link and writes the Sigstore bundle of a signed
// attestation, saying on stderr what it wrote.
func (o *AttestOptions) writeExtras(ctx context.Context, res *attest.Result, signers []*signing.Signer, stderr io.Writer) error {
	if res == nil || res.Envelope == nil {
		return nil
	}
	if o.Bundle != "" {
		b, err := sigbundle.FromEnvelope(ctx, res.Envelope, signers[0].Public())
		if err != nil {
			return fmt.Errorf("--bundle: %w", err)
		}
		if err := fileio.WriteFile(o.Bundle, b, 0o644); err != nil {
			return fmt.Errorf("--bundle: %w", err)
		}
		fmt.Fprintf(stderr, "wrote Sigstore bundle %s\n", termsafe.String(o.Bundle))
	}
	if o.Link != "" {
		materials := make([]string, 0, len(res.Report.Artifacts))
		for _, a := range res.Report.Artifacts {
			materials = append(materials, a.Path)
		}
		for _, s := range signers {
			p, err := intoto.RecordLink(ctx, o.Link, linkStep, materials, []string{res.Written}, s, intoto.LinkOptions{})
			if err != nil {
				return fmt.Errorf("--link: %w", err)
			}
			fmt.Fprintf(stderr, "wrote in-toto link %s\n", termsafe.String(p))
		}
	}
	return nil
}
