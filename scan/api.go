package scan

import (
	"context"
	"errors"
)

// Errors returned by the scanner. Test them with [errors.Is].
var (
	// ErrInput: the artifact is missing or unreadable.
	ErrInput = errors.New("cannot read artifact")
	// ErrUnsupported: the file is not an executable format candor reads.
	ErrUnsupported = errors.New("unsupported file format")
	// ErrMalformed: the file claims a supported format but its structure is broken or exceeds a limit.
	ErrMalformed = errors.New("malformed binary")
)

// Option configures a [Scanner].
type Option func(*Scanner) error

// Scanner applies one rule set to artifacts. It is safe for concurrent use.
type Scanner struct {
	rules  *Rules
	sha512 bool
}

// WithSHA512 makes the scanner also compute each artifact's SHA-512.
func WithSHA512() Option { return func(s *Scanner) error { s.sha512 = true; return nil } }

// WithRules replaces the embedded rules (see [LoadRules]).
func WithRules(r *Rules) Option {
	return func(s *Scanner) error {
		if r == nil {
			return errors.New("scan: WithRules: nil rules")
		}
		s.rules = r
		return nil
	}
}

// New returns a scanner with the embedded rules unless [WithRules] says otherwise.
func New(opts ...Option) (*Scanner, error) {
	s := &Scanner{}
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
	return s, nil
}

// Run scans each path in order and returns one report. It stops at the first error.
func (s *Scanner) Run(ctx context.Context, paths []string) (*Report, error) {
	rep := &Report{Analyzer: s.Analyzer(), Artifacts: []Artifact{}}
	for _, p := range paths {
		a, err := s.ScanFile(ctx, p)
		if err != nil {
			return nil, err
		}
		rep.Artifacts = append(rep.Artifacts, *a)
	}
	return rep, nil
}

// Analyzer names this analyser and its rules, as recorded in every report.
func (s *Scanner) Analyzer() Analyzer {
	return Analyzer{Name: "candor", Version: Version(), RulesVersion: s.rules.Version, RulesDigest: s.rules.Digest}
}

// Rules returns the rule set the scanner applies.
func (s *Scanner) Rules() *Rules { return s.rules }
