package inspect

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// Inspector holds the trusted keys and limits of [Run]. Make one with [New].
type Inspector struct {
	keys   []trusted
	limits Limits
	// trustedRoot and identity verify keyless Sigstore bundles ([WithSigstore]).
	trustedRoot root.TrustedMaterial
	identity    sigbundle.Identity
	// bundles verifies Sigstore bundles; nil when there is no key and no trusted root.
	bundles *sigbundle.Verifier
}

type trusted struct {
	key verify.Key
	ref KeyRef
	// derSHA256 is the hex SHA-256 of the DER public key, as sigbundle names keys.
	derSHA256 string
}

// Option configures an [Inspector].
type Option func(*Inspector)

// WithLimits replaces [DefaultLimits]; a zero field keeps its default.
func WithLimits(l Limits) Option {
	return func(in *Inspector) {
		d := &in.limits
		set := func(dst *int, v int) {
			if v > 0 {
				*dst = v
			}
		}
		set(&d.MaxFiles, l.MaxFiles)
		set(&d.MaxArtifacts, l.MaxArtifacts)
		set(&d.MaxDepth, l.MaxDepth)
		set(&d.MaxEnvelopes, l.MaxEnvelopes)
		set(&d.MaxSignatureChecks, l.MaxSignatureChecks)
		if l.MaxBytes > 0 {
			d.MaxBytes = l.MaxBytes
		}
		if l.MaxArtifactBytes > 0 {
			d.MaxArtifactBytes = l.MaxArtifactBytes
		}
	}
}

// New returns an inspector trusting keys (loaded with [verify.LoadKeys], or any
// [verify.Key]), named by names (the reference each was loaded from; "key N" when
// missing). Keys that are the same public key count once. No keys at all is allowed:
// every attestation is then unverified (a keyless Sigstore bundle can still verify, with
// [WithSigstore]).
func New(keys []verify.Key, names []string, opts ...Option) (*Inspector, error) {
	in := &Inspector{limits: DefaultLimits()}
	seen := map[string]bool{}
	for i, k := range keys {
		if k == nil || k.Public() == nil {
			return nil, fmt.Errorf("%w: trusted key %d is nil", ErrOptions, i+1)
		}
		if err := signing.CheckPublicKey(k.Public()); err != nil {
			return nil, fmt.Errorf("%w: trusted key %d: %w", ErrOptions, i+1, err)
		}
		id, err := signing.KeyID(k.Public())
		if err != nil {
			return nil, fmt.Errorf("%w: trusted key %d: %w", ErrOptions, i+1, err)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		name := fmt.Sprintf("key %d", i+1)
		if i < len(names) && names[i] != "" {
			name = names[i]
		}
		in.keys = append(in.keys, trusted{key: k, ref: KeyRef{Name: name, Fingerprint: id}})
	}
	for _, o := range opts {
		o(in)
	}
	if err := in.newBundleVerifier(); err != nil {
		return nil, err
	}
	return in, nil
}

// Inputs are what [Run] inspects: artifacts, directories, and attestation files (named
// *.json or *.jsonl), and artifacts known by digest with the attestations fetched for them
// (images of an OCI registry). See the package documentation for how they are collected.
type Inputs struct {
	Paths   []string
	Fetched []Fetched
}

// Fetched is an artifact known by its digest rather than a file, such as an image in an
// OCI registry, and the attestations found for it. It gets a chain of its own, named Name,
// whose subjects check wants every attestation to name SHA256.
type Fetched struct {
	// Name names the artifact in the report (such as repository@sha256:HEX).
	Name string
	// SHA256 is the artifact's digest, 64 lower-case hex digits (an image's manifest digest).
	SHA256 string
	// Attestations are what was found for it.
	Attestations []FetchedAttestation
}

// FetchedAttestation is one attestation fetched for an artifact: a DSSE envelope or a
// Sigstore bundle, as JSON.
type FetchedAttestation struct {
	// Source names where it was found, in the report (such as the referrer's
	// repository@sha256:HEX).
	Source string
	Data   []byte
}

// Run collects every attestation the inputs hold or have beside them, verifies each
// envelope's signatures, reads its statement and predicate, and cross-checks each
// artifact's chain. A bundle line or file it cannot read is a problem in the report, not
// an error; an argument that does not exist, or a limit reached, is an error wrapping
// [ErrInput].
func Run(ctx context.Context, in *Inspector, inputs Inputs) (*Report, error) {
	if in == nil {
		return nil, fmt.Errorf("%w: no inspector", ErrOptions)
	}
	if len(inputs.Paths) == 0 && len(inputs.Fetched) == 0 {
		return nil, fmt.Errorf("%w: nothing to inspect: give an artifact, a directory or an attestation file", ErrInput)
	}
	c := &collector{limits: in.limits}
	if err := c.collect(ctx, inputs.Paths, inputs.Fetched); err != nil {
		return nil, err
	}
	rep := &Report{Keys: []KeyRef{}, Problems: c.problems}
	if in.trustedRoot != nil && !in.identity.IsZero() {
		rep.IdentityPolicy = in.identity.String()
	}
	for _, k := range in.keys {
		rep.Keys = append(rep.Keys, k.ref)
	}
	checks := 0
	for _, e := range c.envelopes {
		if e.bundle != nil {
			checks += max(1, len(in.keys)) // sigbundle tries each key, or the certificate
			continue
		}
		checks += len(e.env.Signatures) * len(in.keys)
	}
	if checks > in.limits.MaxSignatureChecks {
		return nil, fmt.Errorf("%w: %d envelope(s) and %d trusted key(s) need %d signature checks; at most %d are made", ErrLimit,
			len(c.envelopes), len(in.keys), checks, in.limits.MaxSignatureChecks)
	}
	atts := make([]*Attestation, len(c.envelopes))
	parallel(ctx, len(atts), func(i int) { atts[i] = in.open(ctx, c.envelopes[i]) })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	assemble(rep, c, atts)
	if len(rep.Problems) > maxProblems {
		n := len(rep.Problems) - maxProblems
		rep.Problems = append(rep.Problems[:maxProblems], fmt.Sprintf("and %d more problem(s)", n))
	}
	return rep, nil
}

// open verifies one envelope's signatures, or a Sigstore bundle, and reads its statement.
func (in *Inspector) open(ctx context.Context, e envelope) *Attestation {
	if e.bundle != nil {
		return in.openBundle(e)
	}
	a := &Attestation{Source: e.source, SHA256: e.sha256, PayloadType: e.env.PayloadType, Signers: []KeyRef{}, Signatures: len(e.env.Signatures)}
	for _, s := range e.env.Signatures {
		if s.KeyID != "" && !slices.Contains(a.KeyIDs, s.KeyID) && len(a.KeyIDs) < 8 {
			a.KeyIDs = append(a.KeyIDs, clip(s.KeyID))
		}
	}
	pae := dsse.PAE(e.env.PayloadType, e.env.Payload)
	for _, t := range in.keys {
		for _, s := range e.env.Signatures {
			if t.key.Verify(ctx, pae, s.Sig) == nil {
				a.Signers = append(a.Signers, t.ref)
				break
			}
		}
	}
	a.Verified = len(a.Signers) > 0
	if !a.Verified {
		a.Unverified = fmt.Sprintf("none of its %d signature(s) verifies with a trusted key", a.Signatures)
	}
	readStatement(a, e.env.PayloadType, e.env.Payload)
	return a
}

// parallel runs fn(0..n-1) on GOMAXPROCS workers, stopping early when ctx is done.
func parallel(ctx context.Context, n int, fn func(int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

// sortAttestations orders attestations by source: file name, then line number.
func sortAttestations(as []*Attestation) {
	slices.SortStableFunc(as, func(a, b *Attestation) int {
		af, al := splitSource(a.Source)
		bf, bl := splitSource(b.Source)
		if c := strings.Compare(af, bf); c != 0 {
			return c
		}
		return al - bl
	})
}

func splitSource(s string) (string, int) {
	i := strings.LastIndexByte(s, '#')
	if i < 0 {
		return s, 0
	}
	n := 0
	for _, c := range s[i+1:] {
		if c < '0' || c > '9' {
			return s, 0
		}
		n = n*10 + int(c-'0')
	}
	return s[:i], n
}
