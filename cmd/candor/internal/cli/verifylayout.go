package cli

import (
	"crypto"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/intoto"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
	"github.com/spf13/cobra"
)

// stepLayout is the step of a verdict's in-toto layout checks.
const stepLayout verify.Step = "layout"

// allowInspectionsFlag is the flag that lets a layout's inspections run commands.
const allowInspectionsFlag = "allow-inspections-unsafe"

// verifyLayoutHelp documents --layout.
const verifyLayoutHelp = `In-toto layouts: --layout root.layout --layout-key OWNER.pub --links DIR
first verifies the vendor's in-toto supply chain with in-toto-golang: the
layout's signatures (every --layout-key) and expiry, each step's threshold of
links signed by its functionaries, the artifact rules, sublayouts; then the
disclosure attestation, which must be one of the chain's final products (as
'candor attest --link DIR' records it). Each step is a line of the verdict
(step "layout"); a link file that does not parse is an input error naming it.
A layout with inspections (commands it runs on this machine) is refused unless
--` + allowInspectionsFlag + ` is given on the command line.`

// LayoutOptions are the in-toto layout flags of candor verify.
type LayoutOptions struct {
	Layout           string
	LayoutKeys       []string
	Links            string
	AllowInspections bool
}

// AddFlags registers the layout flags.
func (o *LayoutOptions) AddFlags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.Layout, "layout", "", "verify the in-toto layout `FILE` and its links before the disclosure, which must be its final product")
	f.StringArrayVar(&o.LayoutKeys, "layout-key", nil, "the public `KEY` of the layout's owner (repeatable: every one must have signed)")
	f.StringVar(&o.Links, "links", "", "the `DIR` of the layout's link files (default: the layout's directory)")
	f.BoolVar(&o.AllowInspections, allowInspectionsFlag, false, "run the layout's inspections, commands it names, on this machine (command line only)")
}

// check refuses incomplete or untrusted layout flags before anything is read.
func (o *LayoutOptions) check(cmd *cobra.Command) error {
	if o.Layout == "" {
		if len(o.LayoutKeys) > 0 || o.Links != "" || o.AllowInspections {
			return errors.New("--layout-key, --links and --" + allowInspectionsFlag + " go with --layout FILE")
		}
		return nil
	}
	if len(o.LayoutKeys) == 0 {
		return errors.New("--layout needs --layout-key: the public key of the layout's owner")
	}
	if o.AllowInspections && !cmd.Flags().Changed(allowInspectionsFlag) {
		return fmt.Errorf("--%s is honoured only on the command line, not from a config file or the environment", allowInspectionsFlag)
	}
	return nil
}

// verifyLayout verifies the layout, or returns nil when none is given.
func (o *LayoutOptions) verifyLayout() (*intoto.Result, error) {
	if o.Layout == "" {
		return nil, nil
	}
	var keys []crypto.PublicKey
	for _, k := range o.LayoutKeys {
		pub, err := signing.LoadPublicKey(k)
		if err != nil {
			return nil, fmt.Errorf("%w: --layout-key %s: %w", verify.ErrOptions, k, err)
		}
		keys = append(keys, pub)
	}
	links := o.Links
	if links == "" {
		links = filepath.Dir(o.Layout)
	}
	res, err := intoto.VerifyLayout(o.Layout, keys, links, intoto.Options{AllowInspectionsUnsafe: o.AllowInspections})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", verify.ErrOptions, err)
	}
	return res, nil
}

// applyLayout puts the layout's lines first in every verdict, and a check that the
// verdict's attestation is one of the chain's final products; a failed line fails the
// verdict. It returns an ErrVerification error when a verdict that passed fails now.
func (o *LayoutOptions) applyLayout(res *verify.Result, lr *intoto.Result) error {
	if res == nil || lr == nil {
		return nil
	}
	var lines []verify.Check
	for _, s := range lr.Steps {
		c := verify.Check{Step: stepLayout, Rule: s.Kind + " " + s.Name, Status: verify.Pass, Detail: s.Reason}
		if !s.OK {
			c.Status, c.Detail, c.Reasons = verify.Fail, "", []string{s.Reason}
		}
		lines = append(lines, c)
	}
	failed := false
	for _, v := range res.Verdicts {
		checks := append([]verify.Check{}, lines...)
		prod := verify.Check{Step: stepLayout, Rule: "final product", Status: verify.Pass}
		switch {
		case !lr.OK:
			prod.Status, prod.Reasons = verify.Skip, []string{"the layout did not verify"}
		case v.AttestationSHA256 == "":
			prod.Status, prod.Reasons = verify.Fail, []string{"no attestation was read for this artifact"}
		default:
			if path, ok := lr.ProductWithSHA256(v.AttestationSHA256); ok {
				prod.Detail = "the attestation is the chain's final product " + path
			} else {
				prod.Status, prod.Reasons = verify.Fail, []string{fmt.Sprintf("the attestation (sha256 %s) is not among the final products of the layout's chain", v.AttestationSHA256)}
			}
		}
		checks = append(checks, prod)
		ok := lr.OK && prod.Status == verify.Pass
		v.Checks = append(checks, v.Checks...)
		if !ok && v.Passed {
			v.Passed = false
			failed = true
		}
	}
	switch {
	case !lr.OK:
		res.Passed = false
		return fmt.Errorf("%w: the in-toto layout %s did not verify", verify.ErrVerification, termsafe.String(o.Layout))
	case failed:
		res.Passed = false
		return fmt.Errorf("%w: an attestation is not a final product of the in-toto layout %s", verify.ErrVerification, termsafe.String(o.Layout))
	}
	return nil
}
