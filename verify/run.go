package verify

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"

	"github.com/candor-dev/candor/schemas"
)

// Run verifies the inputs with v: one [Verdict] per artifact and attestation, checked in
// parallel, and the verification summary when asked. Keys and the policy are loaded before,
// with [LoadKeys] and [LoadPolicy], and given to [NewVerifier]. It returns an error wrapping
// [ErrOptions], [ErrKey], [ErrPolicyFile], [ErrInput] or [ErrOutput] (with a nil or partial
// Result) when it cannot give verdicts, and a [*FailedError] (with the Result) when a
// verdict is negative.
func Run(ctx context.Context, v *Verifier, in Inputs) (*Result, error) {
	if v == nil {
		return nil, fmt.Errorf("%w: no verifier: make one with NewVerifier", ErrOptions)
	}
	if err := in.Check(); err != nil {
		return nil, err
	}
	// Compiling the predicate's schema costs a few milliseconds: do it on another core while
	// the files are found, read and hashed.
	warmed := make(chan struct{})
	go func() {
		defer close(warmed)
		_ = schemas.Precompile(schemas.PredicateV1) // an error shows again where the schema is used
	}()
	defer func() { <-warmed }()

	var sum *summaryWriter
	if in.Summary != nil {
		var err error
		if sum, err = newSummaryWriter(v, &in); err != nil {
			return nil, err
		}
	}
	r := &runner{v: v, in: &in, workers: in.Workers}
	if r.workers <= 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	if err := r.collect(); err != nil {
		return nil, err
	}
	// The artifact files named are hashed while the envelopes are opened; those of release
	// directories once their attestations name them.
	hashed := make(chan error, 1)
	go func() { hashed <- r.hash(ctx) }()
	openErr := r.open(ctx)
	if err := errors.Join(<-hashed, openErr); err != nil {
		return nil, err
	}
	if err := r.dirTargets(); err != nil {
		return nil, err
	}
	if err := r.hash(ctx); err != nil {
		return nil, err
	}
	if err := r.hashMore(ctx); err != nil {
		return nil, err
	}
	unverified := r.unverified()
	res := r.verdicts(ctx)
	res.Unverified = unverified
	if sum != nil {
		written, err := sum.write(ctx, r, res)
		if err != nil {
			return res, err
		}
		res.Summaries = written
	}
	if !res.Passed {
		fe := &FailedError{Total: len(res.Verdicts)}
		for _, vd := range res.Verdicts {
			if !vd.Passed {
				fe.Failed = append(fe.Failed, vd)
			}
		}
		return res, fe
	}
	return res, nil
}

type runner struct {
	v       *Verifier
	in      *Inputs
	workers int
	sources []*source
	targets []*target
	dirs    []string
	// releases are the directory arguments' listings, by directory index.
	releases []*releaseDir
	// bytes counts the attestation bytes read, against Limits.MaxBytes.
	bytes int64
	// dirSources maps a directory argument's index to its source indexes.
	dirSources map[int][]int
	notes      []string
}

// parallel calls fn(0..n-1) on up to workers goroutines, stopping early when ctx is done.
func parallel(ctx context.Context, n, workers int, fn func(int)) {
	if n == 0 {
		return
	}
	workers = min(workers, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}
