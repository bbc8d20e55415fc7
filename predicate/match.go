package predicate

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/candor-dev/candor/scan"
)

// Coverage rules: which disclosure entry covers a finding. The first rule that applies wins,
// and an accepted entry is tried only when no declaration covers the finding.
//
//   - network.endpoint: an endpoint whose host or wildcard matches the finding's host
//     (endpoints[i]), else a telemetry entry listing a matching endpoint (telemetry[i]), else
//     the update endpoints when updates are declared (updates).
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
//   - telemetry.sdk: a telemetry entry whose sdk is the module the evidence names, else an
//     entry without sdk whose name, spaces removed, is a word of the rule id or of an evidence
//     value: "New Relic" matches github.com/newrelic/go-agent (telemetry[i]).
//   - update.self, update.check, update.fetch-exec: an updates section whose mechanism is not
//     "none" (updates).
//   - analysis.obfuscated: only an accepted entry, and the verdict fails whatever covers it.
//   - any finding: an accepted entry with the finding's rule or capability whose value is the
//     finding's host or one of its evidence values (accepted[i]).
//
// A reference names a list and, for one entry, its index: endpoints[2]. For capabilities
// covered by a whole section it is the section's name: listeners, updates.

// Cover returns the reference of the disclosure entry that covers f, or "" when none does.
func (d *Declarations) Cover(f scan.Finding) string {
	if by := d.declared(f); by != "" {
		return by
	}
	for i, a := range d.Accepted {
		if (a.Rule != "" && a.Rule == f.Rule || a.Capability != "" && a.Capability == f.Capability) && valueMatches(a.Value, f) {
			return ref("accepted", i)
		}
	}
	return ""
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
	case scan.UpdateSelf, scan.UpdateCheck, scan.UpdateFetchExec:
		if d.updatesDeclared() {
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
	for i, e := range d.Endpoints {
		if MatchHost(e.Host, host) {
			return ref("endpoints", i)
		}
	}
	for i, t := range d.Telemetry {
		for _, p := range t.Endpoints {
			if MatchHost(p, host) {
				return ref("telemetry", i)
			}
		}
	}
	if d.updatesDeclared() {
		for _, p := range d.Updates.Endpoints {
			if MatchHost(p, host) {
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
		if t.SDK == "" {
			continue
		}
		for _, e := range f.Evidence {
			if namesModule(e.Value, t.SDK) {
				return ref("telemetry", i)
			}
		}
	}
	for i, t := range d.Telemetry {
		name := squash(t.Name)
		if t.SDK != "" || name == "" {
			continue
		}
		for _, s := range append([]string{f.Rule}, evidenceValues(f)...) {
			for _, w := range words(s) {
				if w == name {
					return ref("telemetry", i)
				}
			}
		}
	}
	return ""
}

// namesModule reports whether an evidence value names module path mod or something inside it:
// the module itself, mod@version, a package mod/..., or a function mod.F / mod/pkg.F.
func namesModule(v, mod string) bool {
	rest, ok := strings.CutPrefix(v, mod)
	return ok && (rest == "" || rest[0] == '@' || rest[0] == '/' || rest[0] == '.')
}

// words splits s into lower-case alphanumeric words: "github.com/getsentry/sentry-go" gives
// github, com, getsentry, sentry, go.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// squash lower-cases a name and drops everything but letters and digits: "New Relic" gives
// newrelic.
func squash(s string) string {
	return strings.Join(words(s), "")
}

func evidenceValues(f scan.Finding) []string {
	out := make([]string, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		out = append(out, e.Value)
	}
	return out
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
