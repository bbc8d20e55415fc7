package diff

import (
	"encoding/json/v2"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/strictjson"
	"github.com/candor-dev/candor/internal/yamldoc"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// MaxIgnoreSize is the largest ignore file read, in bytes.
const MaxIgnoreSize = 1 << 20

// ErrIgnoreFile is the root of errors about an ignore file.
var ErrIgnoreFile = errors.New("invalid ignore file")

// IgnoreEntry is one known change. Every selector it sets must match a change for the entry
// to match it; it sets at least one, and a reason.
type IgnoreEntry struct {
	// Capability matches a change of that capability (and the hosts and findings of it).
	Capability scan.Capability `json:"capability,omitempty"`
	// Rule matches a finding of that rule, a host that comes from one, and a capability all
	// of whose findings are of that rule.
	Rule string `json:"rule,omitempty"`
	// Host matches a host, or an endpoint finding whose hosts it all covers; a wildcard
	// "*.example.com" covers every host below example.com, as in a disclosure.
	Host string `json:"host,omitempty"`
	// Module matches a module change of that path, and a finding, host or capability whose
	// code that module owns (path, or path@version for one version only).
	Module string `json:"module,omitempty"`
	// Reason says why the change is known; it is shown with the ignored change.
	Reason string `json:"reason"`

	// host is Host normalised (predicate.NormalizeHost).
	host string
}

// Ignore is a list of known changes: YAML, a list of [IgnoreEntry].
//
//   - {capability: network.endpoint, host: "*.amazonaws.com", reason: S3 backend, disclosed since 1.2}
//   - {module: golang.org/x/net, reason: routine upgrades}
type Ignore struct {
	Entries []IgnoreEntry
}

// ignoreFields are the keys of an entry.
var ignoreFields = []string{"capability", "rule", "host", "module", "reason"}

var ignoreSchema = sync.OnceValue(strictjson.For[[]IgnoreEntry])

var ignoreYAML = yamldoc.Rules{Noun: "ignore file", MaxSize: MaxIgnoreSize,
	Required: "a list of entries such as - {capability: update.check, reason: ...}", Fields: ignoreSchema}

// LoadIgnore reads the ignore file at path (see [ParseIgnore]). Errors wrap [ErrIgnoreFile].
func LoadIgnore(path string) (*Ignore, error) {
	data, err := fileio.ReadFile(path, MaxIgnoreSize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIgnoreFile, err)
	}
	return ParseIgnore(path, data)
}

// ParseIgnore reads an ignore file named name in messages: a YAML list whose entries set at
// least one of capability, rule, host and module, and a reason; no other key. Errors wrap
// [ErrIgnoreFile] and give the line of each problem.
func ParseIgnore(name string, data []byte) (*Ignore, error) {
	doc, probs := yamldoc.Parse(data, ignoreYAML)
	if len(probs) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrIgnoreFile, yamldoc.Format(name, probs))
	}
	list, ok := doc.Value().([]any)
	if !ok {
		return nil, fmt.Errorf("%w: %s: want a YAML list of entries, such as - {capability: update.check, reason: ...}", ErrIgnoreFile, name)
	}
	ig := &Ignore{}
	var problems []yamldoc.Problem
	for i, v := range list {
		at := fmt.Sprint(i)
		line, col := doc.Position(at)
		bad := func(field, msg string) {
			l, c := line, col
			if field != "" {
				if fl, fc := doc.Position(at, field); fl > 0 {
					l, c = fl, fc
				}
			}
			problems = append(problems, yamldoc.Problem{Line: l, Col: c, Field: fmt.Sprintf("[%d]%s", i, dotted(field)), Message: msg})
		}
		if m, ok := v.(map[string]any); ok {
			unknown := false
			for _, k := range sortedKeys(m) {
				if !slices.Contains(ignoreFields, k) {
					msg := fmt.Sprintf("unknown key %q: an entry takes %s", k, strings.Join(ignoreFields, ", "))
					if m[k] == nil {
						msg += " (in a {...} entry a comma starts a new key: quote a reason that holds one)"
					}
					bad(k, msg)
					unknown = true
				}
			}
			if unknown {
				continue
			}
		}
		raw, err := json.Marshal(v)
		if err != nil {
			bad("", err.Error())
			continue
		}
		var e IgnoreEntry
		if err := json.Unmarshal(raw, &e, json.RejectUnknownMembers(true)); err != nil {
			bad("", "want an entry with capability, rule, host, module and reason: "+jsonMessage(err))
			continue
		}
		if e.Capability == "" && e.Rule == "" && e.Host == "" && e.Module == "" {
			bad("", "an entry needs at least one of capability, rule, host and module")
			continue
		}
		if strings.TrimSpace(e.Reason) == "" {
			bad("reason", "every entry needs a reason: why this change is known")
			continue
		}
		if e.Capability != "" {
			if _, known := scan.CommitmentOf(e.Capability); !known {
				bad("capability", fmt.Sprintf("unknown capability %q", e.Capability))
				continue
			}
		}
		if e.Host != "" {
			h, _, err := predicate.NormalizeHost(e.Host)
			if err != nil {
				bad("host", err.Error())
				continue
			}
			e.host = h
		}
		ig.Entries = append(ig.Entries, e)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrIgnoreFile, yamldoc.Format(name, problems))
	}
	return ig, nil
}

func dotted(field string) string {
	if field == "" {
		return ""
	}
	return "." + field
}

// match returns the first entry that matches ch, or nil.
func (ig *Ignore) match(ch *Change) *IgnoreEntry {
	if ig == nil {
		return nil
	}
	for i := range ig.Entries {
		if e := &ig.Entries[i]; e.matches(ch) {
			return e
		}
	}
	return nil
}

func (e *IgnoreEntry) matches(ch *Change) bool {
	if e.Capability != "" && e.Capability != ch.Capability {
		return false
	}
	if e.Rule != "" {
		ok := ch.Rule == e.Rule
		if ch.Rule == "" && len(ch.Rules) > 0 {
			ok = true
			for _, r := range ch.Rules {
				ok = ok && r == e.Rule
			}
		}
		if !ok {
			return false
		}
	}
	if e.Host != "" {
		hosts := ch.Hosts
		if ch.Host != "" {
			hosts = append([]string{ch.Host}, ch.Hosts...)
		}
		if len(hosts) == 0 {
			return false
		}
		for _, h := range hosts {
			if !predicate.MatchHost(e.host, h) {
				return false
			}
		}
	}
	if e.Module != "" {
		if ch.Kind == SubjectModule {
			path, version, hasVersion := strings.Cut(e.Module, "@")
			if path != ch.Module || hasVersion && version != ch.NewVersion && version != ch.OldVersion {
				return false
			}
		} else if !moduleMatches(e.Module, ch.Module) {
			return false
		}
	}
	return true
}

// moduleMatches reports whether an entry's module (path or path@version) names the module
// path@version that owns a finding's code.
func moduleMatches(entry, owner string) bool {
	if owner == "" {
		return false
	}
	if strings.Contains(entry, "@") {
		return entry == owner
	}
	path, _, _ := strings.Cut(owner, "@")
	return path == entry
}
