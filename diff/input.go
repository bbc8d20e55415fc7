package diff

import (
	"bytes"
	"context"
	"encoding/json/jsontext"
	"encoding/json/v2"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
	"github.com/candor-dev/candor/verify"
)

// ErrInput is the root of every error about an input that cannot be read or is not one
// candor diff takes. The message names the file.
var ErrInput = errors.New("diff input")

// Limits on JSON inputs. A report or an attestation may come from anyone: it is read whole,
// so its size is bounded before anything is decoded, and strictjson bounds its depth.
const (
	// MaxReportSize is the largest scan report read, in bytes.
	MaxReportSize = 128 << 20
	// MaxEnvelopeSize is the largest single DSSE envelope read ([verify.MaxEnvelopeSize]).
	MaxEnvelopeSize = verify.MaxEnvelopeSize
	// MaxBundleSize is the largest in-toto bundle read ([verify.MaxBundleSize]).
	MaxBundleSize = verify.MaxBundleSize
)

// maxJSONSize is the most a JSON input may hold, whatever it turns out to be.
const maxJSONSize = max(MaxReportSize, MaxBundleSize)

// Kind says what an input was.
type Kind string

// Input kinds.
const (
	// KindScan: an executable, archive or image, scanned now with the built-in rules.
	KindScan Kind = "scan"
	// KindReport: a scan report (candor scan --format json).
	KindReport Kind = "report"
	// KindAttestation: a candor disclosure attestation (DSSE envelope or in-toto bundle).
	KindAttestation Kind = "attestation"
)

// Signature states of an attestation input.
const (
	// SignatureVerified: a trusted key signed the attestation (SignedBy names it).
	SignatureVerified = "verified"
	// SignatureNotChecked: no trusted key was given, so the signature was not checked.
	SignatureNotChecked = "not checked"
)

// Input is one side of a comparison.
type Input struct {
	// Path is the file the input was read from.
	Path string `json:"path"`
	Kind Kind   `json:"kind"`
	// Analyzer names the analyser and rules that produced the findings.
	Analyzer scan.Analyzer `json:"analyzer"`
	// Signature is set for an attestation: [SignatureVerified] or [SignatureNotChecked].
	Signature string `json:"signature,omitempty"`
	// SignedBy lists the fingerprints of the trusted keys that signed an attestation.
	SignedBy []string `json:"signedBy,omitempty"`
	// Product is an attestation's product.
	Product *predicate.Product `json:"product,omitempty"`
	// Notes say what was skipped while reading (bundle lines that are not candor's
	// disclosure, or that cannot be read).
	Notes []string `json:"notes,omitempty"`
	// Artifacts are the analysed artifacts, in the form an attestation records them; a
	// scan or report gives findings without coveredBy or disposition.
	Artifacts []predicate.ArtifactAnalysis `json:"-"`
}

// attested reports whether the findings carry a disclosure's coveredBy and disposition.
func (in *Input) attested() bool { return in.Kind == KindAttestation }

// Loader reads inputs. The zero value is not usable: obtain one from [NewLoader].
type Loader struct {
	scanOpts []scan.Option
	keys     []verify.Key
	keyNames []string
	verifier *verify.Verifier
	// maxChecks bounds the signature checks of one bundle (verify's default for a run).
	maxChecks int

	scanOnce sync.Once
	scanner  *scan.Scanner
	scanErr  error
}

// LoadOption configures a [Loader].
type LoadOption func(*Loader) error

// WithScanOptions passes options to the scanner that reads executables, archives and images
// (such as [scan.WithLimits]).
func WithScanOptions(opts ...scan.Option) LoadOption {
	return func(l *Loader) error { l.scanOpts = append(l.scanOpts, opts...); return nil }
}

// WithKeys makes the loader check an attestation's signature with these trusted keys (see
// [verify.LoadKeys]); names name them in messages. An attestation no trusted key signed is
// refused; a bundle line no trusted key signed is skipped with a note.
func WithKeys(keys []verify.Key, names ...string) LoadOption {
	return func(l *Loader) error {
		if len(keys) == 0 {
			return errors.New("diff: WithKeys needs at least one key")
		}
		l.keys, l.keyNames = keys, names
		return nil
	}
}

// NewLoader returns a loader with the options applied.
func NewLoader(opts ...LoadOption) (*Loader, error) {
	l := &Loader{maxChecks: verify.DefaultLimits.MaxSignatureChecks}
	for _, o := range opts {
		if err := o(l); err != nil {
			return nil, err
		}
	}
	if len(l.keys) > 0 {
		v, err := verify.NewVerifier(l.keys, verify.WithKeyNames(l.keyNames...))
		if err != nil {
			return nil, err
		}
		l.verifier = v
	}
	return l, nil
}

// maxNotes bounds the notes one bundle gives; the rest are counted.
const maxNotes = 20

// sniffSize is how much of a file is read to tell JSON from a binary.
const sniffSize = 512

// Load reads the input at path: a scan report, an attestation, or anything else, which is
// scanned (an executable, archive, package, image, or OCI layout directory). Errors about
// the input wrap [ErrInput] (or the scanner's [scan.ErrInput], [scan.ErrUnsupported],
// [scan.ErrMalformed]) and name path.
func (l *Loader) Load(ctx context.Context, path string) (*Input, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if fi.IsDir() {
		return l.scan(ctx, path)
	}
	f, fi, err := fileio.OpenRegular(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer f.Close()
	head := make([]byte, sniffSize)
	n, err := f.ReadAt(head, 0)
	if n == 0 && err != nil {
		if fi.Size() == 0 {
			return nil, fmt.Errorf("%w: %s: empty file", ErrInput, path)
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	if !looksJSON(head[:n]) {
		f.Close()
		return l.scan(ctx, path)
	}
	if fi.Size() > maxJSONSize {
		return nil, fmt.Errorf("%w: %s: %d bytes of JSON; at most %d are read", ErrInput, path, fi.Size(), int64(maxJSONSize))
	}
	data, err := fileio.ReadAtMost(f, fi.Size(), maxJSONSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, path, err)
	}
	if len(data) > maxJSONSize {
		return nil, fmt.Errorf("%w: %s: more than %d bytes of JSON", ErrInput, path, int64(maxJSONSize))
	}
	return l.Read(ctx, path, data)
}

// looksJSON reports whether a file starts, after white space (and a byte order mark), with
// a JSON object: no executable, archive or image does.
func looksJSON(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '{'
}

func (l *Loader) scan(ctx context.Context, path string) (*Input, error) {
	l.scanOnce.Do(func() { l.scanner, l.scanErr = scan.New(l.scanOpts...) })
	if l.scanErr != nil {
		return nil, l.scanErr
	}
	rep, err := l.scanner.Run(ctx, []string{path})
	if err != nil {
		return nil, err
	}
	in := fromReport(path, rep)
	in.Kind = KindScan
	return in, nil
}

// Read reads a JSON input held in memory, named name in messages: a scan report, a DSSE
// envelope, or an in-toto bundle (JSON lines of envelopes).
func (l *Loader) Read(ctx context.Context, name string, data []byte) (*Input, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if isBundle(data) {
		return l.bundle(ctx, name, data)
	}
	var probe struct {
		PayloadType jsontext.Value `json:"payloadType"`
		Artifacts   jsontext.Value `json:"artifacts"`
		Analyzer    jsontext.Value `json:"analyzer"`
		Type        jsontext.Value `json:"_type"`
	}
	if len(data) > maxJSONSize {
		return nil, fmt.Errorf("%w: %s: more than %d bytes of JSON", ErrInput, name, int64(maxJSONSize))
	}
	if err := strictjson.Check(data, nil); err != nil {
		return nil, fmt.Errorf("%w: %s: not JSON candor reads: %w", ErrInput, name, err)
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrInput, name, jsonMessage(err))
	}
	switch {
	case probe.PayloadType != nil:
		if len(data) > MaxEnvelopeSize {
			return nil, fmt.Errorf("%w: %s: an envelope of %d bytes; at most %d are read", ErrInput, name, len(data), MaxEnvelopeSize)
		}
		return l.envelope(ctx, name, data)
	case probe.Artifacts != nil && probe.Analyzer != nil:
		return readReport(name, data)
	case probe.Type != nil:
		return nil, fmt.Errorf("%w: %s: an unsigned in-toto statement; candor diff reads the DSSE envelope that carries it (.intoto.json)", ErrInput, name)
	}
	return nil, fmt.Errorf("%w: %s: JSON, but not a scan report (candor scan --format json), a DSSE envelope (.intoto.json) or an in-toto bundle (.intoto.jsonl)", ErrInput, name)
}

// isBundle reports whether data is JSON lines: more than one non-blank line, and either the
// first line is a whole JSON value (a pretty-printed report's is not), or the whole is not
// one JSON value and some line is (a bundle whose first line is junk).
func isBundle(data []byte) bool {
	first, rest, _ := bytes.Cut(bytes.TrimLeft(data, " \t\r\n"), []byte("\n"))
	if len(bytes.TrimSpace(rest)) == 0 {
		return false
	}
	if jsontext.Value(bytes.TrimSpace(first)).IsValid() {
		return true
	}
	if jsontext.Value(data).IsValid() {
		return false
	}
	for len(rest) > 0 {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		if line = bytes.TrimSpace(line); len(line) > 0 && line[0] == '{' && jsontext.Value(line).IsValid() {
			return true
		}
	}
	return false
}

// reportSchema names the members of a scan report for strictjson.
var reportSchema = sync.OnceValue(strictjson.For[scan.Report])

// readReport reads a scan report strictly: no unknown, duplicate or folded member names.
func readReport(name string, data []byte) (*Input, error) {
	if len(data) > MaxReportSize {
		return nil, fmt.Errorf("%w: %s: a report of %d bytes; at most %d are read", ErrInput, name, len(data), MaxReportSize)
	}
	if err := strictjson.Check(data, reportSchema()); err != nil {
		return nil, fmt.Errorf("%w: %s: not a scan report: %w", ErrInput, name, err)
	}
	var rep scan.Report
	if err := json.Unmarshal(data, &rep, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("%w: %s: not a scan report: %s", ErrInput, name, jsonMessage(err))
	}
	if len(rep.Artifacts) == 0 {
		return nil, fmt.Errorf("%w: %s: a scan report with no artifact", ErrInput, name)
	}
	return fromReport(name, &rep), nil
}

// fromReport turns a scan report into an input.
func fromReport(name string, rep *scan.Report) *Input {
	in := &Input{Path: name, Kind: KindReport, Analyzer: rep.Analyzer}
	for i := range rep.Artifacts {
		in.Artifacts = append(in.Artifacts, analysisOf(&rep.Artifacts[i]))
	}
	return in
}

// analysisOf is a scanned artifact in the form an attestation records it, without a
// disclosure.
func analysisOf(a *scan.Artifact) predicate.ArtifactAnalysis {
	out := predicate.ArtifactAnalysis{Name: a.Path, Size: a.Size, Format: a.Format, OS: a.OS, Arch: a.Arch,
		GoVersion: a.GoVersion, MainModule: a.MainModule, Modules: a.Modules, Layer: a.Layer}
	if a.SHA256 != "" {
		out.Digest = map[string]string{"sha256": a.SHA256}
	}
	out.Findings = make([]predicate.Finding, len(a.Findings))
	for i, f := range a.Findings {
		out.Findings[i] = predicate.Finding{Finding: f}
	}
	for i := range a.Members {
		out.Members = append(out.Members, analysisOf(&a.Members[i]))
	}
	return out
}

// envelope reads one DSSE envelope holding candor's disclosure.
func (l *Loader) envelope(ctx context.Context, name string, data []byte) (*Input, error) {
	in, err := l.attestation(ctx, name, data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
	}
	return in, nil
}

// attestation opens an envelope: its signature with the trusted keys, if any; its statement;
// its predicate, which must be candor's disclosure and match the schema.
func (l *Loader) attestation(ctx context.Context, name string, data []byte) (*Input, error) {
	in := &Input{Path: name, Kind: KindAttestation, Signature: SignatureNotChecked}
	var st *verify.Statement
	if l.verifier != nil {
		a := l.verifier.Open(ctx, name, data)
		if err := a.Err(); err != nil {
			return nil, err
		}
		st, in.Signature, in.SignedBy = a.Statement, SignatureVerified, a.SignedBy
	} else {
		env, err := verify.ParseEnvelope(data)
		if err != nil {
			return nil, err
		}
		if env.PayloadType != predicate.PayloadType {
			return nil, fmt.Errorf("payload type %q is not an in-toto statement (%s)", env.PayloadType, predicate.PayloadType)
		}
		if pt := predicateType(env.Payload); pt != "" && pt != predicate.PredicateType {
			return nil, fmt.Errorf("predicate type %s is not candor's disclosure (%s)", quoteType(pt), predicate.PredicateType)
		}
		if st, err = verify.ParseStatement(env.Payload); err != nil {
			return nil, err
		}
	}
	pred, err := parsePredicate(st.Predicate)
	if err != nil {
		return nil, err
	}
	in.Analyzer = pred.Analysis.Analyzer
	in.Product = &pred.Product
	in.Artifacts = pred.Analysis.Artifacts
	return in, nil
}

// parsePredicate reads candor's disclosure predicate as verify does: strict JSON, the schema,
// then the Go types with no unknown member.
func parsePredicate(raw jsontext.Value) (*predicate.Predicate, error) {
	if err := schemas.ValidatePredicateJSON(raw); err != nil {
		return nil, fmt.Errorf("the disclosure predicate is not valid: %w", err)
	}
	p := new(predicate.Predicate)
	if err := json.Unmarshal(raw, p, json.RejectUnknownMembers(true)); err != nil {
		return nil, fmt.Errorf("the disclosure predicate is not valid: %s", jsonMessage(err))
	}
	return p, nil
}

// predicateType is the predicate type an unverified payload claims, "" when it has none.
func predicateType(payload []byte) string {
	var st struct {
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(payload, &st) != nil {
		return ""
	}
	return st.PredicateType
}

// quoteType quotes a predicate type for a message, cut to 200 bytes.
func quoteType(pt string) string {
	if len(pt) > 200 {
		return fmt.Sprintf("%q...", pt[:200])
	}
	return fmt.Sprintf("%q", pt)
}

// bundle reads an in-toto bundle: the one envelope in it that holds candor's disclosure
// (and, with trusted keys, that a trusted key signed). Lines that are not envelopes, hold
// another predicate type, or no trusted key signed are skipped, each with a note; order does
// not matter. More than one candor disclosure is an error: which to compare is ambiguous.
func (l *Loader) bundle(ctx context.Context, name string, data []byte) (*Input, error) {
	envs, lines, err := verify.SplitBundle(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
	}
	var found *Input
	var foundAt []int
	var notes []string
	more, checks := 0, 0
	note := func(s string) {
		if len(notes) < maxNotes {
			notes = append(notes, s)
		} else {
			more++
		}
	}
	for i, raw := range envs {
		at := fmt.Sprintf("%s line %d", name, lines[i])
		env, err := verify.ParseEnvelope(raw)
		if err != nil {
			note(fmt.Sprintf("%s: skipped: %s", at, err))
			continue
		}
		if pt := predicateType(env.Payload); env.PayloadType == predicate.PayloadType && pt != "" && pt != predicate.PredicateType {
			note(fmt.Sprintf("%s: skipped: predicate type %s is not candor's disclosure", at, quoteType(pt)))
			continue
		}
		if l.verifier != nil {
			// Each trusted key is tried on each signature: bound the work a hostile bundle
			// of many signed lines can ask for, as verify bounds a run.
			checks += min(len(env.Signatures), verify.DefaultLimits.MaxSignatures) * len(l.keys)
			if checks > l.maxChecks {
				return nil, fmt.Errorf("%w: %s: %w", ErrInput, name, &verify.LimitError{Limit: verify.LimitSignatureChecks,
					Max: int64(l.maxChecks), Need: int64(checks), What: "signature checks up to line " + fmt.Sprint(lines[i])})
			}
		}
		in, err := l.attestation(ctx, at, raw)
		if err != nil {
			note(fmt.Sprintf("%s: skipped: %s", at, err))
			continue
		}
		foundAt = append(foundAt, lines[i])
		found = in
	}
	if more > 0 {
		notes = append(notes, fmt.Sprintf("%s: %d more line(s) skipped", name, more))
	}
	switch len(foundAt) {
	case 0:
		what := "no candor disclosure attestation"
		if l.verifier != nil {
			what += " that a trusted key signed"
		}
		detail := ""
		if len(notes) > 0 {
			detail = " (" + strings.Join(notes, "; ") + ")"
		}
		return nil, fmt.Errorf("%w: %s: %s in %d line(s)%s", ErrInput, name, what, len(envs), detail)
	case 1:
		found.Path = name
		found.Notes = notes
		return found, nil
	}
	return nil, fmt.Errorf("%w: %s: %d candor disclosure attestations (lines %s): give the one to compare in a file of its own",
		ErrInput, name, len(foundAt), joinInts(foundAt))
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

// jsonMessage shortens encoding/json/v2 messages, which name Go types.
func jsonMessage(err error) string {
	msg := err.Error()
	for _, p := range []string{"jsontext: ", "json: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	if i := strings.Index(msg, " into Go "); i >= 0 {
		if j := strings.Index(msg[i:], ": "); j >= 0 {
			msg = msg[:i] + msg[i+j:]
		}
	}
	return msg
}
