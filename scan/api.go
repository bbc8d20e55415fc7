package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/candor-dev/candor/scan/archive"
)

// Errors returned by the scanner. Test them with [errors.Is].
var (
	// ErrInput: the artifact is missing or unreadable.
	ErrInput = errors.New("cannot read artifact")
	// ErrUnsupported: the file is not an executable format candor reads.
	ErrUnsupported = errors.New("unsupported file format")
	// ErrMalformed: the file claims a supported format but its structure is broken or exceeds a limit.
	ErrMalformed = errors.New("malformed binary")
	// ErrOptions: an [Option] given to [New] is invalid.
	ErrOptions = errors.New("invalid options")
)

// Option configures a [Scanner].
type Option func(*Scanner) error

// Scanner applies one rule set to artifacts. It is safe for concurrent use.
type Scanner struct {
	rules    *Rules
	sha512   bool
	limits   archive.Limits
	progress func(Progress)
	workers  int
	budget   *budget
}

// WithLimits bounds the archives, packages and images the scanner reads
// (zero fields keep their defaults, see [archive.DefaultLimits]).
func WithLimits(l archive.Limits) Option {
	return func(s *Scanner) error {
		if l.MaxTotalBytes < 0 || l.MaxMembers < 0 || l.MaxDepth < 0 || l.MaxMemberBytes < 0 {
			return fmt.Errorf("%w: WithLimits: limits must not be negative (give 0 for the default): %+v", ErrOptions, l)
		}
		s.limits = l
		return nil
	}
}

// WithWorkers sets how many executables are analysed at once (default: one per CPU).
func WithWorkers(n int) Option {
	return func(s *Scanner) error {
		if n < 1 {
			return fmt.Errorf("%w: WithWorkers: %d workers; give 1 or more", ErrOptions, n)
		}
		s.workers = n
		return nil
	}
}

// WithSHA512 makes the scanner also compute each artifact's SHA-512.
func WithSHA512() Option { return func(s *Scanner) error { s.sha512 = true; return nil } }

// WithRules replaces the embedded rules (see [LoadRules]).
func WithRules(r *Rules) Option {
	return func(s *Scanner) error {
		if r == nil {
			return fmt.Errorf("%w: WithRules: nil rules; give rules from LoadRules or Builtin", ErrOptions)
		}
		s.rules = r
		return nil
	}
}

// New returns a scanner with the embedded rules unless [WithRules] says otherwise.
// An invalid option fails with an error wrapping [ErrOptions].
func New(opts ...Option) (*Scanner, error) {
	s := &Scanner{workers: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.rules == nil {
		r, err := Builtin()
		if err != nil {
			return nil, err
		}
		s.rules = r
	}
	s.budget = newBudget(max(defaultBudget, s.limits.MaxMemberBytes))
	return s, nil
}

// Run scans the paths, several at once, and returns one report with the
// artifacts in the order of paths. It stops at the first error (in path order
// when several fail).
func (s *Scanner) Run(ctx context.Context, paths []string) (*Report, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr := &tracker{fn: s.progress}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			tr.total += fi.Size()
		}
	}
	arts := make([]*Artifact, len(paths))
	errs := make([]error, len(paths))
	sem := make(chan struct{}, s.workers)
	var wg sync.WaitGroup
	for i, p := range paths {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			errs[i] = ctx.Err()
			continue
		}
		wg.Go(func() {
			defer func() { <-sem }()
			arts[i], errs[i] = s.scanPath(ctx, p, tr)
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	var first error
	for _, err := range errs {
		if err == nil {
			continue
		}
		if first == nil {
			first = err
		}
		if !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	if first != nil {
		return nil, first
	}
	rep := &Report{Analyzer: s.Analyzer(), Artifacts: make([]Artifact, 0, len(paths))}
	for _, a := range arts {
		rep.Artifacts = append(rep.Artifacts, *a)
	}
	tr.report(true)
	return rep, nil
}

// Analyzer names this analyser and its rules, as recorded in every report.
func (s *Scanner) Analyzer() Analyzer {
	return Analyzer{Name: "candor", Version: Version(), RulesVersion: s.rules.Version, RulesDigest: s.rules.Digest}
}

// Rules returns the rule set the scanner applies.
func (s *Scanner) Rules() *Rules { return s.rules }
