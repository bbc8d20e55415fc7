package attest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// Scanner produces the report attest matches. *scan.Scanner implements it.
type Scanner interface {
	Run(ctx context.Context, paths []string) (*scan.Report, error)
}

// Options are the inputs of [Run]. Exactly one of DisclosurePath and Disclosure, one of
// Artifacts and Report, and at least one key (Keys or Signers) are needed.
type Options struct {
	// DisclosurePath is the disclosure manifest to load (see [LoadDisclosure]).
	DisclosurePath string
	// Disclosure is a disclosure built or loaded already, instead of DisclosurePath; it is
	// validated and normalised (a copy: the value is not changed).
	Disclosure *Disclosure

	// Artifacts are the files to scan and attest; each becomes a subject.
	Artifacts []string
	// Scanner scans Artifacts; nil means scan.New with the embedded rules.
	Scanner Scanner
	// Report is an existing scan report to attest instead of scanning Artifacts.
	Report *scan.Report
	// SHA512 adds each artifact's SHA-512 to its subject digest.
	SHA512 bool

	// Keys are key references (files or KMS URIs) loaded with KeyOptions.
	Keys       []string
	KeyOptions signing.Options
	// Signers are signers already loaded; they sign after Keys.
	Signers []signing.EnvelopeSigner

	// Output is the file to write the envelope to; empty writes it to Stdout.
	Output string
	// Format is the envelope encoding; empty picks it from Output (see [signing.FormatFor]).
	Format signing.Format
	// Stdout receives the envelope when Output is empty.
	Stdout io.Writer

	// AllowUndisclosed signs even when findings are not covered; the verdict then says false
	// for the commitments concerned.
	AllowUndisclosed bool
	// AllowStaleAccepted signs even when accepted entries match no finding
	// ([ErrStaleAccepted]); each is then a warning in [Result.Warnings].
	AllowStaleAccepted bool
	// Now returns the time recorded as scannedAt; nil means time.Now.
	Now func() time.Time
}

// Result is what [Run] did. On ErrUndisclosed it holds everything but the envelope.
type Result struct {
	Report    *scan.Report
	Predicate *predicate.Predicate
	// Uncovered lists the findings no disclosure entry covers, with the YAML to add.
	Uncovered []Uncovered
	// Statement is the signed payload; nil when nothing was signed.
	Statement []byte
	Envelope  *dsse.Envelope
	// Written is the output file, or empty when the envelope went to Stdout or nowhere.
	Written string
	// Stale lists the indexes of the accepted entries that match no finding.
	Stale []int
	// Warnings are problems that did not stop the signature, such as stale accepted entries
	// with AllowStaleAccepted; they quote the disclosure's text as Go strings.
	Warnings []string
}

func (o *Options) check() error {
	var errs []error
	if (o.DisclosurePath == "") == (o.Disclosure == nil) {
		errs = append(errs, errors.New("give a disclosure manifest"))
	}
	if (len(o.Artifacts) == 0) == (o.Report == nil) {
		errs = append(errs, errors.New("give the artifacts to attest"))
	}
	if len(o.Keys) == 0 && len(o.Signers) == 0 {
		errs = append(errs, errors.New("give at least one signing key"))
	}
	if o.Output == "" && o.Stdout == nil {
		errs = append(errs, errors.New("give an output file"))
	}
	if o.Format != "" && o.Format != signing.FormatJSON && o.Format != signing.FormatJSONL {
		errs = append(errs, fmt.Errorf("unknown format %q (use json or jsonl)", o.Format))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%w: %w", ErrOptions, err)
	}
	return nil
}

// Run loads the disclosure and the keys, scans the artifacts, matches every finding against
// the disclosure, and, when all are covered (or AllowUndisclosed is set), signs an in-toto
// statement and writes the DSSE envelope. An accepted entry that matches no finding stops it
// ([ErrStaleAccepted]) unless AllowStaleAccepted is set. Errors wrap [ErrOptions],
// [ErrDisclosure], [ErrKey], [ErrArtifact], [ErrStaleAccepted], [ErrUndisclosed] or
// [ErrOutput]. Nothing is written unless everything succeeds.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	var d *Disclosure
	if opts.Disclosure != nil {
		// A disclosure built in Go is validated and normalised like a loaded one.
		c := *opts.Disclosure
		if err := c.Normalize(); err != nil {
			return nil, err
		}
		d = &c
	} else {
		var err error
		if d, err = LoadDisclosure(opts.DisclosurePath); err != nil {
			return nil, err
		}
	}
	// Keys before the scan: a wrong password should not cost a scan.
	signers := make([]signing.EnvelopeSigner, 0, len(opts.Keys)+len(opts.Signers))
	loaded, err := signing.LoadSigners(ctx, opts.Keys, opts.KeyOptions)
	if err != nil {
		return nil, err
	}
	for _, s := range loaded {
		signers = append(signers, s)
	}
	signers = append(signers, opts.Signers...)

	rep, err := opts.scan(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	pred, uncovered, stale, err := build(d, rep, now())
	if err != nil {
		return nil, err
	}
	res := &Result{Report: rep, Predicate: pred, Uncovered: uncovered, Stale: stale}
	if len(stale) > 0 {
		if !opts.AllowStaleAccepted {
			return res, staleError(d, stale)
		}
		for _, i := range stale {
			res.Warnings = append(res.Warnings, staleLine(d, i))
		}
	}
	if len(uncovered) > 0 && !opts.AllowUndisclosed {
		return res, fmt.Errorf("%w: %d finding(s) not covered by the disclosure; nothing was signed", ErrUndisclosed, len(uncovered))
	}
	if res.Statement, err = Statement(pred); err != nil {
		return res, err
	}
	if res.Envelope, err = signing.SignEnvelope(ctx, predicate.PayloadType, res.Statement, signers...); err != nil {
		return res, err
	}
	format := opts.Format
	if format == "" {
		format = signing.FormatFor(opts.Output)
	}
	out, err := signing.MarshalEnvelope(res.Envelope, format)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrOutput, err)
	}
	if opts.Output == "" {
		if _, err := opts.Stdout.Write(out); err != nil {
			return res, fmt.Errorf("%w: %w", ErrOutput, err)
		}
		return res, nil
	}
	if err := writeOutput(opts.Output, out); err != nil {
		return res, err
	}
	res.Written = opts.Output
	return res, nil
}

func (o *Options) scan(ctx context.Context) (*scan.Report, error) {
	if o.Report != nil {
		if o.SHA512 {
			for _, a := range o.Report.Artifacts {
				if a.SHA512 == "" {
					return nil, fmt.Errorf("%w: SHA-512 asked for but the report has none for %s", ErrOptions, a.Path)
				}
			}
		}
		return o.Report, nil
	}
	s := o.Scanner
	if s == nil {
		var opts []scan.Option
		if o.SHA512 {
			opts = append(opts, scan.WithSHA512())
		}
		sc, err := scan.New(opts...)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrArtifact, err)
		}
		s = sc
	}
	rep, err := s.Run(ctx, o.Artifacts)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrArtifact, err)
	}
	return rep, nil
}
