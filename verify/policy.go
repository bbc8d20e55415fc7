package verify

import (
	"crypto/sha256"
	"encoding/hex"
	stdjson "encoding/json"
	"encoding/json/v2"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/internal/yamldoc"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
)

// PolicyAPIVersion is the apiVersion of a policy this package reads.
const PolicyAPIVersion = "candor.dev/policy/v1"

// MaxPolicySize is the largest policy file accepted, in bytes.
const MaxPolicySize = 1 << 20

// Policy is a buyer's verification policy, as defined by schemas/policy.v1.json. Obtain one
// from [LoadPolicy] or [ParsePolicy]; a value built in Go is checked when the [Verifier] is
// made.
//
// A topic the policy leaves out (a nil field) allows nothing weaker than the defaults, which
// are strict where it matters: no undisclosed finding ([FindingsPolicy]) and no forced
// upgrade ([UpdatesPolicy]) unless the policy relaxes them explicitly. Topics without a
// default (product, analyser version, age, security, telemetry, listeners, remote control,
// endpoints) are unrestricted until the policy names them.
//
// A topic judges every finding of its capabilities, not only what the disclosure declares:
// a disclosed finding by the declaration that covers it, an undisclosed one as the worst the
// topic could mean (an unknown update mechanism is automatic, an unknown consent always, an
// unknown bind all), and an accepted one (covered only by an accepted entry, with a reason
// but no purpose, consent or mechanism) fails the topic unless findings.accepted.allow names
// its capability ([AcceptedPolicy]).
type Policy struct {
	// Schema is an optional editor hint ($schema); it is ignored.
	Schema     string          `json:"$schema,omitempty"`
	APIVersion string          `json:"apiVersion"`
	Product    *ProductPolicy  `json:"product,omitempty"`
	Analyzer   *AnalyzerPolicy `json:"analyzer,omitempty"`
	// MaxAge is the oldest attestation accepted, counted from its scannedAt: days ("30d") or
	// a Go duration ("720h").
	MaxAge    string           `json:"maxAge,omitempty"`
	Security  *SecurityPolicy  `json:"security,omitempty"`
	Findings  *FindingsPolicy  `json:"findings,omitempty"`
	Updates   *UpdatesPolicy   `json:"updates,omitempty"`
	Telemetry *TelemetryPolicy `json:"telemetry,omitempty"`
	Listeners *ListenersPolicy `json:"listeners,omitempty"`
	// RemoteControl bounds remote administration, tunnels, running programs and loading code.
	RemoteControl *RemoteControlPolicy `json:"remoteControl,omitempty"`
	Endpoints     *EndpointsPolicy     `json:"endpoints,omitempty"`

	maxAge time.Duration
	// source and digest identify the policy in verification summaries.
	source string
	digest string
	// file is the path LoadPolicy read; empty for a policy parsed or built in Go.
	file string
}

// ProductPolicy says which product the attestation must be about; each field given must
// equal the attested one exactly.
type ProductPolicy struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	Vendor  string `json:"vendor,omitempty"`
}

// AnalyzerPolicy bounds the analyser that made the attestation.
type AnalyzerPolicy struct {
	// MinVersion is the oldest analyser release accepted, such as v1.2.0. A development build
	// ("devel") never meets it.
	MinVersion string `json:"minVersion"`
}

// SecurityPolicy is what the buyer requires of the vendor's vulnerability-notification
// commitment.
type SecurityPolicy struct {
	// MaxNotificationDays: the vendor must notify users within at most this many days.
	MaxNotificationDays *int `json:"maxNotificationDays,omitempty"`
	// RequireContact: a security contact must be named.
	RequireContact bool `json:"requireContact,omitempty"`
	// RequireAdvisoryFeed: a machine-readable advisory feed must be named.
	RequireAdvisoryFeed bool `json:"requireAdvisoryFeed,omitempty"`
}

// FindingsPolicy bounds undisclosed and accepted findings.
type FindingsPolicy struct {
	// MaxUndisclosed is the most findings no disclosure entry covers that are accepted; nil
	// means 0. An analysis.obfuscated finding fails whatever this says.
	MaxUndisclosed *int `json:"maxUndisclosed,omitempty"`
	// Accepted says which findings the vendor covered only with an accepted entry (a reason,
	// no declaration) the buyer tolerates.
	Accepted *AcceptedPolicy `json:"accepted,omitempty"`
}

// AcceptedPolicy bounds accepted findings: findings an accepted entry of the disclosure
// covers, with a reason but without the purpose, consent or mechanism a declaration gives.
type AcceptedPolicy struct {
	// Allow lists the capabilities whose accepted findings the policy's topics (updates,
	// telemetry, listeners, remoteControl) tolerate. An accepted finding of a topic's
	// capability that is not listed fails the topic; nil or empty lists none.
	Allow []scan.Capability `json:"allow,omitempty"`
	// MaxLinked caps, per capability, the accepted findings of confidence linked (the code
	// is in the binary): {update.self: 0} refuses any accepted linked self-update, whatever
	// Allow says. A capability it does not name is not capped.
	MaxLinked map[scan.Capability]int `json:"maxLinked,omitempty"`
}

// UpdatesPolicy bounds the update mechanism and the update.self, update.check and
// update.fetch-exec findings. Whatever it says, an accepted linked update.self or
// update.fetch-exec finding fails unless findings.accepted.allow lists its capability: the
// disclosure does not say it is no forced upgrade.
type UpdatesPolicy struct {
	// AllowedMechanisms lists the mechanisms accepted; nil accepts any. A disclosure without
	// an updates section counts as "none". When given, every update finding is judged: a
	// disclosed one by the declared mechanism, an undisclosed one as the worst it could be
	// (notify for update.check, automatic for the others), an accepted one fails unless
	// findings.accepted.allow lists its capability.
	AllowedMechanisms []predicate.UpdateMechanism `json:"allowedMechanisms,omitempty"`
	// AllowForced accepts automatic updates the user cannot turn off. Off by default.
	AllowForced bool `json:"allowForced,omitempty"`
}

// TelemetryPolicy bounds telemetry.
type TelemetryPolicy struct {
	// AllowedConsent lists the consent levels accepted for telemetry entries and
	// telemetry.sdk findings (a disclosed one has the consent of the entry covering it, an
	// undisclosed one counts as always); empty accepts no telemetry at all.
	AllowedConsent []predicate.Consent `json:"allowedConsent"`
}

// ListenersPolicy bounds inbound network surfaces.
type ListenersPolicy struct {
	// AllowedBinds lists the binds accepted (loopback, configurable, all) for declared
	// listeners and network.listen findings (an undisclosed one counts as all); empty
	// accepts no listener at all.
	AllowedBinds []string `json:"allowedBinds"`
}

// RemoteControlPolicy bounds the remote-control capabilities: remote.admin (an admin or debug
// surface), remote.tunnel (tunnels and proxies for remote clients), process.exec (running
// other programs) and code.dynamic (loading code at run time). Declared remoteControl entries
// and findings of these capabilities are judged.
type RemoteControlPolicy struct {
	// Allowed lists the capabilities accepted; empty accepts none of them.
	Allowed []scan.Capability `json:"allowed"`
	// AllowedConsent, when not nil, lists the consent levels accepted for declared
	// remoteControl entries.
	AllowedConsent []predicate.Consent `json:"allowedConsent,omitempty"`
}

// Endpoint scopes: which lists the hosts of accepted findings meet.
const (
	// AcceptedHostsDeny: hosts of accepted findings meet the deny list only (the default):
	// the vendor says they are not contacted, so they need not be on the allow list.
	AcceptedHostsDeny = "deny"
	// AcceptedHostsAllowAndDeny: hosts of accepted findings meet both lists.
	AcceptedHostsAllowAndDeny = "allowAndDeny"
)

// EndpointsPolicy bounds the hosts the software may contact. Hosts are patterns as in
// disclosures (see [predicate.NormalizeHost]), except that a policy may name a wildcard under a
// public suffix, such as "*.example" or "*.co.uk", to allow or deny a whole domain.
type EndpointsPolicy struct {
	// Allow, when not nil, must cover every host the disclosure says is contacted (declared
	// endpoint, telemetry and update hosts, and found hosts they cover) and every found host
	// nothing covers. Hosts of accepted findings (endpoint tables among them) meet it only
	// when AcceptedHosts says so. A non-nil empty list accepts no host.
	Allow []string `json:"allow,omitempty"`
	// Deny lists hosts no declared or found host may match or overlap, accepted ones included.
	Deny []string `json:"deny,omitempty"`
	// AcceptedHosts is AcceptedHostsDeny ("deny", the default) or AcceptedHostsAllowAndDeny
	// ("allowAndDeny").
	AcceptedHosts string `json:"acceptedHosts,omitempty"`
}

// PolicyError lists every problem found in a policy file, each with its line. It wraps
// [ErrPolicyFile], and [schemas.ErrInvalid] when the schema rejected the document.
type PolicyError struct {
	// File is the name the policy was read under.
	File     string
	Problems []Problem
	schema   bool
}

// Problem is one thing wrong with a policy file, located in its source: its line, column
// and field, a message, and the kind of problem when it has a sentinel. It is the type of
// attest.Problem too: both documents are read by one YAML reader.
type Problem = yamldoc.Problem

// Error returns one "file:line:col: field: message" line per problem.
func (e *PolicyError) Error() string { return yamldoc.Format(e.File, e.Problems) }

// Unwrap returns [ErrPolicyFile], [schemas.ErrInvalid] for schema violations, and the kinds
// of the problems ([Problem.Err]), such as [strictjson.ErrDuplicate] for keys that
// differ only in case.
func (e *PolicyError) Unwrap() []error {
	errs := []error{ErrPolicyFile}
	if e.schema {
		errs = append(errs, schemas.ErrInvalid)
	}
	return yamldoc.Kinds(errs, e.Problems)
}

// policySchema names the fields of a policy: a key that folds onto one without being it
// ("MaxAge", "max_age") is refused, as are keys of one mapping that fold together.
var policySchema = sync.OnceValue(strictjson.For[Policy])

var policyYAML = yamldoc.Rules{Noun: "policy", MaxSize: MaxPolicySize, Required: "apiVersion: " + PolicyAPIVersion, Fields: policySchema}

// LoadPolicy reads and checks the policy file at path (YAML, or JSON, read as YAML: keys of
// one mapping that differ only in case, '_' or '-', and keys that fold onto a field without
// being it, are refused as duplicates would be). Every error wraps
// [ErrPolicyFile]; a file that was read but is invalid gives a [*PolicyError] with the line
// of each problem.
func LoadPolicy(path string) (*Policy, error) {
	// Only a regular file is read: a FIFO or a device would block or never end.
	data, err := fileio.ReadFile(path, MaxPolicySize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPolicyFile, err)
	}
	p, err := ParsePolicy(path, data)
	if err != nil {
		return nil, err
	}
	p.file = path
	return p, nil
}

// ParsePolicy checks a policy read under the given name (used in messages). See [LoadPolicy].
func ParsePolicy(name string, data []byte) (*Policy, error) {
	perr := &PolicyError{File: name}
	doc, probs := yamldoc.Parse(data, policyYAML)
	if len(probs) > 0 {
		perr.Problems = probs
		return nil, perr
	}
	if looksLikeDisclosure(doc.Value()) {
		line, col := doc.Position("apiVersion")
		if line == 0 {
			line, col = 1, 1
		}
		perr.Problems = []Problem{{Line: line, Col: col, Field: "apiVersion", Message: "this looks like a disclosure, not a policy; pass it to candor attest --disclosure (a policy starts with apiVersion: " + PolicyAPIVersion + ")"}}
		return nil, perr
	}
	if err := schemas.ValidatePolicy(doc.Value()); err != nil {
		var se *schemas.Error
		if !errors.As(err, &se) {
			return nil, fmt.Errorf("%w: %s: %w", ErrPolicyFile, name, err)
		}
		perr.schema = true
		for _, v := range se.Violations {
			if len(v.Field) == 1 && v.Field[0] == "maxAge" && v.Keyword == "pattern" {
				// The schema's pattern is no help to a reader: say which units it takes.
				v.Message = ageMessage(doc.Scalar("maxAge"))
			}
			perr.Problems = append(perr.Problems, doc.Locate(v))
		}
		yamldoc.Sort(perr.Problems)
		return nil, perr
	}
	b, err := stdjson.Marshal(doc.Value())
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPolicyFile, name, err)
	}
	// The YAML reader refused keys that fold together or onto a field; the JSON decoded
	// below is checked again, so that no path reaches the decoder unchecked.
	if err := strictjson.Check(b, policySchema()); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPolicyFile, name, err)
	}
	p := new(Policy)
	if err := json.Unmarshal(b, p, json.RejectUnknownMembers(true)); err != nil {
		// The schema and the Go types disagree: a bug, but still the input's fault to report.
		return nil, fmt.Errorf("%w: %s: %s", ErrPolicyFile, name, jsonMessage(err))
	}
	if probs := p.compile(); len(probs) > 0 {
		for i := range probs {
			probs[i].Line, probs[i].Col = doc.Position(probs[i].path...)
		}
		perr.Problems = problemsOf(probs)
		return nil, perr
	}
	sum := sha256.Sum256(data)
	p.source, p.digest = name, hex.EncodeToString(sum[:])
	return p, nil
}

// pathProblem is a problem with the JSON pointer tokens of its field, located later.
type pathProblem struct {
	Problem
	path []string
}

func problemsOf(ps []pathProblem) []Problem {
	out := make([]Problem, len(ps))
	for i, p := range ps {
		out[i] = p.Problem
	}
	yamldoc.Sort(out)
	return out
}

// check validates a policy built in Go: it goes through the schema as a file would.
func (p *Policy) check() error {
	if p.digest != "" {
		return nil // from ParsePolicy: checked
	}
	b, err := stdjson.Marshal(p)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPolicyFile, err)
	}
	n, err := ParsePolicy("policy", b)
	if err != nil {
		return err
	}
	*p = *n
	return nil
}

var ageRE = regexp.MustCompile(`^([0-9]+)d$`)

// compile checks what the schema cannot (host patterns, durations, versions) and normalises
// hosts in place.
func (p *Policy) compile() []pathProblem {
	var probs []pathProblem
	fail := func(msg string, path ...string) {
		probs = append(probs, pathProblem{Problem: Problem{Field: schemas.FieldPath(path), Message: msg}, path: path})
	}
	if p.MaxAge != "" {
		d, err := parseAge(p.MaxAge)
		switch {
		case err != nil:
			fail(err.Error(), "maxAge")
		case d <= 0:
			fail("must be longer than zero", "maxAge")
		default:
			p.maxAge = d
		}
	}
	if p.Analyzer != nil {
		if _, ok := parseSemver(p.Analyzer.MinVersion); !ok {
			fail(fmt.Sprintf("%q is not a semantic version such as v1.2.0", p.Analyzer.MinVersion), "analyzer", "minVersion")
		}
	}
	if e := p.Endpoints; e != nil {
		for name, list := range map[string][]string{"allow": e.Allow, "deny": e.Deny} {
			for i, h := range list {
				n, err := normalizePolicyHost(h)
				if err != nil {
					fail(err.Error(), "endpoints", name, strconv.Itoa(i))
					continue
				}
				list[i] = n
			}
		}
	}
	return probs
}

// ageMessage says why s is not an age and what is.
func ageMessage(s string) string {
	return fmt.Sprintf("%q is not an age: write days as 30d, or hours, minutes and seconds as 720h, 90m or 1h30m", s)
}

// disclosureOnly are top-level keys a disclosure has and a policy does not; the keys both
// have (product, security, endpoints, listeners, telemetry, updates, remoteControl) are
// told apart by what is inside them.
var disclosureOnly = []string{"configuredEndpoints", "accepted"}

// looksLikeDisclosure reports whether a document that is not a policy is a disclosure
// manifest: its apiVersion is the disclosure's, or its sections are shaped as a
// disclosure's (a security contact, lists of endpoints or listeners, accepted entries).
func looksLikeDisclosure(v any) bool {
	m, ok := v.(map[string]any)
	if !ok {
		return false
	}
	switch api, _ := m["apiVersion"].(string); {
	case api == PolicyAPIVersion:
		return false
	case strings.HasPrefix(api, "candor.dev/disclosure/"):
		return true
	}
	for _, k := range disclosureOnly {
		if _, ok := m[k]; ok {
			return true
		}
	}
	if sec, ok := m["security"].(map[string]any); ok {
		for _, k := range []string{"contact", "policy", "notificationDays", "advisoryFeeds"} {
			if _, ok := sec[k]; ok {
				return true
			}
		}
	}
	for _, k := range []string{"endpoints", "listeners", "telemetry", "remoteControl"} {
		if _, ok := m[k].([]any); ok {
			return true
		}
	}
	return false
}

// parseAge reads "30d" or a Go duration.
func parseAge(s string) (time.Duration, error) {
	if m := ageRE.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n > 100_000 {
			return 0, fmt.Errorf("%q: too many days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New(ageMessage(s))
	}
	return d, nil
}

// normalizePolicyHost normalises a host pattern as a disclosure's, except that a wildcard
// may sit directly under a public suffix: a buyer may deny or allow a whole domain.
func normalizePolicyHost(s string) (string, error) {
	if rest, ok := strings.CutPrefix(s, "*."); ok {
		h, wild, err := predicate.NormalizeHost(rest)
		if err != nil {
			return "", err
		}
		if wild || strings.ContainsRune(h, ':') || isIPv4(h) {
			return "", fmt.Errorf("%q: a wildcard must be the whole first label of a domain name, as in *.example.com", s)
		}
		return "*." + h, nil
	}
	h, _, err := predicate.NormalizeHost(s)
	return h, err
}

func isIPv4(h string) bool {
	parts := strings.Split(h, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			return false
		}
	}
	return true
}

// Digest returns the SHA-256 of the policy as read (hex), or of its JSON form for a policy
// built in Go.
func (p *Policy) Digest() string { return p.digest }

// Source returns the name the policy was read under.
func (p *Policy) Source() string { return p.source }
