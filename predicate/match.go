package predicate

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/scan"
)

// Coverage rules: which disclosure entry covers a finding. The first rule that applies wins,
// and an accepted entry is tried only when no declaration covers the finding.
//
//   - network.endpoint: an endpoint whose host or wildcard matches the finding's host
//     (endpoints[i]), else a telemetry entry listing a matching endpoint (telemetry[i]), else
//     the update endpoints when updates are declared (updates). An endpoint table is covered
//     when every one of its hosts is, and named by the entry that covers its first host.
//   - network.connect: this capability says only that the program can open outbound
//     connections, not where to; the destinations are judged by the network.endpoint
//     findings. It is covered when the disclosure declares outbound traffic at all: a
//     configuredEndpoints entry (connections to destinations the user configures), else any
//     endpoint, else a telemetry entry with endpoints, else update endpoints. A program with
//     none of these that can still connect somewhere must say so with configuredEndpoints.
//   - network.listen: any listener (listeners); the analyser cannot tell ports apart, the
//     buyer's policy judges each declared listener.
//   - remote.admin, remote.tunnel, process.exec, code.dynamic: a remoteControl entry with the
//     same capability (remoteControl[i]).
//   - telemetry.sdk: a telemetry entry whose sdk is the module the finding's code comes from
//     (the finding's module, the module of one of its evidence items, or an evidence value
//     naming the module, as github.com/getsentry/sentry-go.Init names
//     github.com/getsentry/sentry-go), else a telemetry entry listing an endpoint that matches
//     a host the finding names (telemetry[i]). A telemetry entry's name never covers
//     anything: it is for people, and a word such as "Go", "SDK" or "com" would match rule
//     ids and module paths it does not describe.
//   - update.check: an updates section whose mechanism is notify, user-approved or automatic;
//     update.self and update.fetch-exec (the program replaces itself, or fetches and runs
//     code): only user-approved or automatic (updates). The mechanism none covers nothing,
//     and notify never covers a program that installs what it finds.
//   - analysis.obfuscated: only an accepted entry, and the verdict fails whatever covers it.
//   - any finding: the first accepted entry every selector of which matches it (accepted[i];
//     see [Accepted] and [Accepted.Matches]).
//
// A reference names a list and, for one entry, its index: endpoints[2]. For capabilities
// covered by a whole section it is the section's name: listeners, updates.

// Cover returns the reference of the disclosure entry that covers f, or "" when none does.
func (d *Declarations) Cover(f scan.Finding) string {
	if by := d.declared(f); by != "" {
		return by
	}
	for i := range d.Accepted {
		if d.Accepted[i].Matches(f) {
			return ref("accepted", i)
		}
	}
	return ""
}

// AcceptedEntry returns the accepted entry a coveredBy reference names ("accepted[3]"), or
// nil when the reference names no accepted entry of d.
func (d *Declarations) AcceptedEntry(coveredBy string) *Accepted {
	s, ok := strings.CutPrefix(coveredBy, "accepted[")
	if !ok {
		return nil
	}
	s, ok = strings.CutSuffix(s, "]")
	i, err := strconv.Atoi(s)
	if !ok || err != nil || i < 0 || i >= len(d.Accepted) || strconv.Itoa(i) != s {
		return nil
	}
	return &d.Accepted[i]
}

// Matches reports whether the accepted entry matches f: every selector it gives matches,
// and it gives at least one of Value, Host, Module and Table (an entry with only a rule or a
// capability matches nothing).
//
//   - Rule, Capability: equal to the finding's;
//   - Value: the finding's host (compared as hosts), one of its evidence values, or, for an
//     endpoint table, its module (path, or path@version) or its owner;
//   - Host: a normalised host or wildcard ([MatchHost]) matching the finding's host, or, for
//     an endpoint table, every one of its hosts; a finding without a host never matches;
//   - Module: the finding's module (path, or path@version); for a finding the code pass
//     attributed to no module, the module of its evidence: every evidence item that names a
//     module names this one, and at least one does;
//   - Table: the endpoint table's owner, as the finding names it.
func (a *Accepted) Matches(f scan.Finding) bool {
	if a.Value == "" && a.Host == "" && a.Module == "" && a.Table == "" {
		return false
	}
	switch {
	case a.Rule != "" && a.Rule != f.Rule,
		a.Capability != "" && a.Capability != f.Capability,
		a.Value != "" && !valueMatches(a.Value, f),
		a.Host != "" && !hostMatches(a.Host, f),
		a.Module != "" && !moduleMatches(a.Module, f),
		a.Table != "" && a.Table != f.Table:
		return false
	}
	return true
}

// Selectors describes the entry's selectors for messages, as rule=..., host=...: each value
// quoted.
func (a *Accepted) Selectors() string {
	var parts []string
	for _, s := range []struct{ name, v string }{
		{"rule", a.Rule}, {"capability", string(a.Capability)}, {"value", a.Value},
		{"host", a.Host}, {"module", a.Module}, {"table", a.Table},
	} {
		if s.v != "" {
			parts = append(parts, s.name+"="+strconv.Quote(s.v))
		}
	}
	return strings.Join(parts, " ")
}

// hostMatches reports whether pattern matches the finding's host or, for an endpoint table,
// every one of its hosts.
func hostMatches(pattern string, f scan.Finding) bool {
	if f.Host != "" {
		return MatchHost(pattern, f.Host)
	}
	if len(f.Hosts) == 0 {
		return false
	}
	for _, h := range f.Hosts {
		if !MatchHost(pattern, h) {
			return false
		}
	}
	return true
}

// moduleMatches reports whether mod (a path, or path@version) is the module of the finding
// or, when the finding names none, of all its evidence that names one.
func moduleMatches(mod string, f scan.Finding) bool {
	if f.Module != "" {
		return sameModule(mod, f.Module)
	}
	named := false
	for _, e := range f.Evidence {
		if e.Module == "" {
			continue
		}
		if !sameModule(mod, e.Module) {
			return false
		}
		named = true
	}
	return named
}

// sameModule reports whether selector mod (path, or path@version) names module m
// (path@version, or a path alone).
func sameModule(mod, m string) bool {
	if mod == m {
		return true
	}
	path, _, _ := strings.Cut(m, "@")
	return !strings.Contains(mod, "@") && mod == path
}

func (d *Declarations) declared(f scan.Finding) string {
	switch f.Capability {
	case scan.NetworkEndpoint:
		if f.Host == "" && len(f.Hosts) > 0 {
			return d.coverTable(f)
		}
		return d.coverHost(f.Host)
	case scan.NetworkConnect:
		switch {
		case len(d.ConfiguredEndpoints) > 0:
			return "configuredEndpoints"
		case len(d.Endpoints) > 0:
			return "endpoints"
		}
		for i, t := range d.Telemetry {
			if len(t.Endpoints) > 0 {
				return ref("telemetry", i)
			}
		}
		if d.updatesDeclared() && len(d.Updates.Endpoints) > 0 {
			return "updates"
		}
	case scan.NetworkListen:
		if len(d.Listeners) > 0 {
			return "listeners"
		}
	case scan.RemoteAdmin, scan.RemoteTunnel, scan.ProcessExec, scan.CodeDynamic:
		for i, r := range d.RemoteControl {
			if r.Capability == f.Capability {
				return ref("remoteControl", i)
			}
		}
	case scan.TelemetrySDK:
		return d.coverTelemetry(f)
	case scan.UpdateCheck:
		if d.updatesDeclared() {
			return "updates"
		}
	case scan.UpdateSelf, scan.UpdateFetchExec:
		if d.Updates != nil && (d.Updates.Mechanism == UpdateUserApproved || d.Updates.Mechanism == UpdateAutomatic) {
			return "updates"
		}
	}
	return ""
}

func (d *Declarations) updatesDeclared() bool {
	return d.Updates != nil && d.Updates.Mechanism != UpdateNone
}

func (d *Declarations) coverHost(host string) string {
	if host == "" {
		return ""
	}
	h := canonical(host) // once, for every pattern
	for i, e := range d.Endpoints {
		if h.matchedBy(e.Host) {
			return ref("endpoints", i)
		}
	}
	for i, t := range d.Telemetry {
		for _, p := range t.Endpoints {
			if h.matchedBy(p) {
				return ref("telemetry", i)
			}
		}
	}
	if d.updatesDeclared() {
		for _, p := range d.Updates.Endpoints {
			if h.matchedBy(p) {
				return "updates"
			}
		}
	}
	return ""
}

// coverTable covers an endpoint table when every one of its hosts is covered;
// it names the entry that covers the first host.
func (d *Declarations) coverTable(f scan.Finding) string {
	first := ""
	for _, h := range f.Hosts {
		by := d.coverHost(h)
		if by == "" {
			return ""
		}
		if first == "" {
			first = by
		}
	}
	return first
}

func (d *Declarations) coverTelemetry(f scan.Finding) string {
	for i, t := range d.Telemetry {
		if t.SDK != "" && fromModule(f, t.SDK) {
			return ref("telemetry", i)
		}
	}
	for i, t := range d.Telemetry {
		for _, p := range t.Endpoints {
			if namesHost(f, p) {
				return ref("telemetry", i)
			}
		}
	}
	return ""
}

// fromModule reports whether the finding's code comes from module path mod: the finding's
// module, the module of one of its evidence items, or an evidence value naming it.
func fromModule(f scan.Finding, mod string) bool {
	if namesModule(f.Module, mod) {
		return true
	}
	for _, e := range f.Evidence {
		if namesModule(e.Module, mod) || namesModule(e.Value, mod) {
			return true
		}
	}
	return false
}

// namesModule reports whether an evidence value names module path mod or something inside it:
// the module itself, mod@version, a package mod/..., or a function mod.F / mod/pkg.F.
func namesModule(v, mod string) bool {
	rest, ok := strings.CutPrefix(v, mod)
	return ok && (rest == "" || rest[0] == '@' || rest[0] == '/' || rest[0] == '.')
}

// namesHost reports whether pattern matches a host the finding names: its host, one of its
// table's hosts, or an evidence value that is a host or a URL's host.
func namesHost(f scan.Finding, pattern string) bool {
	if f.Host != "" && MatchHost(pattern, f.Host) {
		return true
	}
	for _, h := range f.Hosts {
		if MatchHost(pattern, h) {
			return true
		}
	}
	for _, e := range f.Evidence {
		if h := urlHost(e.Value); h != "" && MatchHost(pattern, h) {
			return true
		}
	}
	return false
}

// urlHost returns the host of an absolute http(s) URL, or the value itself when it looks like
// a bare host name; "" otherwise.
func urlHost(v string) string {
	if u, err := url.Parse(v); err == nil && (u.Scheme == "https" || u.Scheme == "http") {
		return u.Hostname()
	}
	if strings.Contains(v, ".") && !strings.ContainsAny(v, "/:@ ") {
		if _, ok := CanonicalHost(v); ok {
			return v
		}
	}
	return ""
}

// valueMatches reports whether an accepted value is the finding's host (compared as hosts)
// or equal to one of its evidence values.
func valueMatches(v string, f scan.Finding) bool {
	if f.Host != "" {
		h, _ := CanonicalHost(f.Host)
		if a, _ := CanonicalHost(v); a == h {
			return true
		}
	}
	// An endpoint table is accepted by its module (path, or path@version) or
	// by its owner's name.
	if f.Module != "" && len(f.Hosts) > 0 {
		if path, _, _ := strings.Cut(f.Module, "@"); v == f.Module || v == path {
			return true
		}
	}
	if f.Table != "" && v == f.Table {
		return true
	}
	for _, e := range f.Evidence {
		if e.Value == v {
			return true
		}
	}
	return false
}

func ref(list string, i int) string {
	return list + "[" + strconv.Itoa(i) + "]"
}
