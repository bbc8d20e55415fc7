package scan

import (
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
)

// maxEvidence bounds the evidence listed per finding; EvidenceTotal keeps the full count.
const maxEvidence = 6

// fill copies the facts an artifact reports.
func (f *facts) fill(a *Artifact) {
	a.Format = f.format
	a.OS = f.os
	a.Arch = strings.Join(f.arches, "+")
	a.GoVersion = f.goVersion
	a.Functions = f.nfuncs
	a.Packages = f.npkgs
	a.Modules = []Module{}
	a.Libraries = dedupe(f.libraries)
	if bi := f.info; bi != nil {
		if bi.Main.Path != "" {
			a.MainModule = convModule(&bi.Main)
		}
		for _, d := range bi.Deps {
			a.Modules = append(a.Modules, *convModule(d))
		}
		for _, s := range bi.Settings {
			a.BuildSettings = append(a.BuildSettings, Setting{Key: s.Key, Value: s.Value})
		}
	}
}

func dedupe(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	j := 0
	for i := range out {
		if i == 0 || out[i] != out[j-1] {
			out[j] = out[i]
			j++
		}
	}
	return out[:j]
}

// evaluate applies the rules to the facts and returns the findings in a fixed order.
func (r *Rules) evaluate(f *facts) []Finding {
	out := []Finding{}
	found := map[Capability]bool{}
	apply := func(ru *rule) {
		switch {
		case ru.spec.Target == "go" && !f.isGo, ru.spec.Target == "native" && f.isGo:
			return
		}
		for _, c := range ru.spec.WithCapabilities {
			if !found[c] {
				return
			}
		}
		f.ensureLiterals(&r.atoms, ru.any)
		if !f.hits.any(ru.any) {
			return
		}
		for _, c := range ru.all {
			f.ensureLiterals(&r.atoms, c)
			if !f.hits.any(c) {
				return
			}
		}
		f.ensureLiterals(&r.atoms, ru.unless)
		if ru.unless != nil && f.hits.any(ru.unless) {
			return
		}
		ev, n := f.hits.collect(nil, ru.any)
		for _, c := range ru.all {
			var m int
			ev, m = f.hits.collect(ev, c)
			n += m
		}
		out = append(out, newFinding(ru.spec.ID, ru.spec.Capability, ru.commitment, ru.spec.Summary, "", ev, n))
		found[ru.spec.Capability] = true
	}
	for _, ru := range r.rules {
		if len(ru.spec.WithCapabilities) == 0 {
			apply(ru)
		}
	}
	f.judgeBare(r)
	for _, ep := range f.endpoints() {
		out = append(out, ep)
		found[NetworkEndpoint] = true
	}
	for _, ru := range r.rules {
		if len(ru.spec.WithCapabilities) > 0 {
			apply(ru)
		}
	}
	out = append(out, f.obfuscation()...)
	sortFindings(out)
	return out
}

func newFinding(id string, c Capability, cm Commitment, summary, host string, ev []Evidence, n int) Finding {
	ev = sortEvidence(ev)
	if len(ev) > maxEvidence {
		ev = ev[:maxEvidence]
	}
	conf := Referenced
	for _, e := range ev {
		if e.Kind != EvidenceString {
			conf = Linked
		}
	}
	if n < len(ev) {
		n = len(ev)
	}
	return Finding{Rule: id, Capability: c, Commitment: cm, Confidence: conf, Host: host, Evidence: ev, EvidenceTotal: n, Summary: summary}
}

// endpoints turns the hosts that have at least one non-inert reference into
// network.endpoint findings, one per host.
func (f *facts) endpoints() []Finding {
	var out []Finding
	for _, h := range f.hosts {
		if h.n == 0 {
			continue
		}
		ev := make([]Evidence, 0, len(h.refs))
		for _, r := range h.refs {
			ev = append(ev, Evidence{Kind: EvidenceString, Value: r.context, Where: r.sec.name})
		}
		sum := fmt.Sprintf("hard-coded remote host %s", h.host)
		if h.n > 1 {
			sum += fmt.Sprintf(" (%d references)", h.n)
		}
		out = append(out, newFinding("endpoint.literal", NetworkEndpoint, CommitmentExfiltration, sum, h.host, ev, h.n))
	}
	return out
}

// obfuscation reports binaries that cannot be attested clean: packed, or a Go
// program whose function table is missing or whose names are hashed.
func (f *facts) obfuscation() []Finding {
	ev := append([]Evidence(nil), f.obscured...)
	if f.noPclntab {
		ev = append(ev, Evidence{Kind: EvidenceFormat, Value: "Go binary without a readable function table", Where: "pclntab search"})
	}
	if len(ev) == 0 {
		return nil
	}
	return []Finding{newFinding("analysis.obfuscated", AnalysisObscured, CommitmentAll,
		"binary is packed or obfuscated: its capabilities cannot be determined, so it cannot be attested clean", "", ev, len(ev))}
}

func sortFindings(fs []Finding) {
	order := map[Capability]int{}
	for i, c := range Capabilities {
		order[c.ID] = i
	}
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if order[a.Capability] != order[b.Capability] {
			return order[a.Capability] < order[b.Capability]
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Host < b.Host
	})
}

func convModule(m *debugModule) *Module {
	out := &Module{Path: m.Path, Version: m.Version, Sum: m.Sum}
	if m.Replace != nil {
		out.Replace = convModule(m.Replace)
	}
	return out
}

type debugModule = debug.Module
