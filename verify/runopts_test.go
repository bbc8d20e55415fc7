package verify

import (
	"context"
	"time"

	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
)

// runOptions are everything one test run needs, given at once: key and policy files are
// loaded here, before [Run], in the order candor verify loads them (inputs checked, trusted
// keys, policy, scanner, verifier, summary signer), so that the tests written against the
// batch keep exercising the same paths and error families.
type runOptions struct {
	Keys        []string
	TrustedKeys []Key
	Threshold   int

	PolicyPath string
	Policy     *Policy

	Artifacts    []string
	Digests      []string
	Attestations []string
	// AllowUnattested lists unattested executables of release directories.
	AllowUnattested bool

	Rescan  bool
	Scanner Scanner

	Summary *summaryOptions

	Now     func() time.Time
	Workers int
	Limits  Limits
}

// summaryOptions name the summary's signing key by reference.
type summaryOptions struct {
	Path, Key, ResourceURI string
	Signer                 signing.EnvelopeSigner
}

// runWith loads what o names and runs [Run].
func runWith(ctx context.Context, o runOptions) (*Result, error) {
	in := Inputs{Artifacts: o.Artifacts, Digests: o.Digests, Attestations: o.Attestations, Workers: o.Workers, AllowUnattested: o.AllowUnattested}
	if s := o.Summary; s != nil {
		in.Summary = &SummaryOptions{Path: s.Path, ResourceURI: s.ResourceURI, Signer: s.Signer}
	}
	if err := in.Check(); err != nil {
		return nil, err
	}
	if _, err := o.Limits.withDefaults(); err != nil {
		return nil, err
	}
	keys, err := LoadKeys(ctx, o.Keys, signing.Options{})
	if err != nil {
		return nil, err
	}
	opts := []VerifierOption{WithKeyNames(o.Keys...), WithLimits(o.Limits), WithPolicy(o.Policy)}
	if o.Threshold != 0 {
		opts = append(opts, WithThreshold(o.Threshold))
	}
	if o.PolicyPath != "" {
		pol, err := LoadPolicy(o.PolicyPath)
		if err != nil {
			return nil, err
		}
		opts = append(opts, WithPolicy(pol))
	}
	if o.Rescan {
		s := o.Scanner
		if s == nil {
			sc, err := scan.New()
			if err != nil {
				return nil, err
			}
			s = sc
		}
		opts = append(opts, WithRescan(s))
	}
	if o.Now != nil {
		opts = append(opts, WithClock(o.Now))
	}
	v, err := NewVerifier(append(keys, o.TrustedKeys...), opts...)
	if err != nil {
		return nil, err
	}
	if s := o.Summary; s != nil && s.Signer == nil && s.Key != "" {
		if in.Summary.Signer, err = signing.LoadSigner(ctx, s.Key, signing.Options{}); err != nil {
			return nil, err
		}
	}
	return Run(ctx, v, in)
}
