package scan

import (
	"fmt"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
)

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
		if len(ru.any) > 0 && !f.hits.any(ru.any) {
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
		for i := range ev {
			f.annotate(&ev[i])
		}
		if ru.spec.Reach != "" && !f.reachedEvidence(ev, ru.spec.Reach == "anchored") {
			return
		}
		if c := ru.spec.Code; c != nil {
			cev, ok := f.codeMatch(c)
			if !ok {
				return
			}
			ev = append(ev, cev...)
			n += len(cev)
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
	before := len(ev)
	ev = sortEvidence(ev)
	// An item two facts share (one string two URL patterns match) counts once.
	n -= before - len(ev)
	conf := Referenced
	for _, e := range ev {
		if e.Kind != EvidenceString {
			conf = Linked
		}
	}
	if n < len(ev) {
		n = len(ev)
	}
	fd := Finding{Rule: id, Capability: c, Commitment: cm, Confidence: conf, Host: host, Evidence: ev, EvidenceTotal: n, Summary: summary}
	for _, e := range ev {
		if e.Reach != "" && (fd.Reach == "" || e.Reach.rank() < fd.Reach.rank()) {
			fd.Reach, fd.Module = e.Reach, e.Module
		}
	}
	return fd
}

// endpoints turns the hosts that have at least one non-inert reference into
// network.endpoint findings: one per host, except hosts that come only from one
// table (see [tableKey]), which become one endpoint.table finding per table
// listing all of them, when the table holds minTableHosts or more.
func (f *facts) endpoints() []Finding {
	var out []Finding
	type table struct {
		key   tableKey
		hosts []*hostAgg
	}
	tables := map[tableKey]*table{}
	var order []tableKey
	var single []*hostAgg
	for _, h := range f.hosts {
		if h.n == 0 {
			continue
		}
		k, ok := tableOf(h)
		if !ok {
			single = append(single, h)
			continue
		}
		t := tables[k]
		if t == nil {
			t = &table{key: k}
			tables[k] = t
			order = append(order, k)
		}
		t.hosts = append(t.hosts, h)
	}
	// f.hosts is a map: order the tables by their first host, for output
	// that is the same on every run (a host is in one table at most).
	first := func(k tableKey) string {
		return slices.MinFunc(tables[k].hosts, func(a, b *hostAgg) int { return strings.Compare(a.host, b.host) }).host
	}
	slices.SortFunc(order, func(a, b tableKey) int { return strings.Compare(first(a), first(b)) })
	for _, k := range order {
		t := tables[k]
		if len(t.hosts) < minTableHosts {
			single = append(single, t.hosts...)
			continue
		}
		out = append(out, tableFinding(k, t.hosts))
	}
	for _, h := range single {
		out = append(out, hostFinding(h))
	}
	return out
}

// minTableHosts is the fewest hosts a table must hold to be reported as one.
const minTableHosts = 5

// tableKey identifies a table: a function of a program that loads many host
// strings (an SDK's endpoint resolver built in code), or a run of string
// headers in its static data (a region list, a provider menu).
type tableKey struct {
	prog *program
	fn   int32 // the building function, or -1
	seg  int   // the segment of a run of headers, or -1
}

// tableOf returns the table every reference of h comes from, if they all come
// from the same one: a string only one function loads (and static data holds
// in no other table), or a string only headers in one table of static data
// hold.
func tableOf(h *hostAgg) (tableKey, bool) {
	var k tableKey
	for i := range h.refs {
		r := &h.refs[i]
		if r.str == nil || r.prog == nil || r.twoLabel {
			// A two-label name counts by the code that resolves or dials
			// it: a host the program's own code uses, a finding of its own.
			return tableKey{}, false
		}
		var rk tableKey
		switch {
		case r.str.nfns == 1:
			// One function loads the string: its table, if the string's
			// headers in static data are in that table too (a partition's
			// DNS suffix, which the SDK's initialiser both loads and keeps
			// in its arrays) or in none. (Only the first few headers are
			// kept: a string held by more is not judged.)
			if len(r.str.headers) >= maxStringReferrers {
				return tableKey{}, false
			}
			rk = tableKey{prog: r.prog, fn: r.str.fns[0], seg: -1}
			for _, at := range r.str.headers {
				if hk, ok := headerTable(r.prog, at); ok && hk != rk {
					return tableKey{}, false
				}
			}
		case r.str.nfns == 0 && r.str.static:
			// The string's headers in runs must all be in one table; a
			// header outside any run (a boxed constant) does not count,
			// unless it lies between two arrays of one function's tables
			// (an array of structs whose few strings are far apart).
			n := 0
			for _, at := range r.str.headers {
				hk, ok := headerTable(r.prog, at)
				switch {
				case !ok:
				case n > 0 && hk != rk:
					return tableKey{}, false
				default:
					rk = hk
					n++
				}
			}
			if n == 0 {
				return tableKey{}, false
			}
		default:
			return tableKey{}, false
		}
		if i > 0 && rk != k {
			return tableKey{}, false
		}
		k = rk
	}
	return k, len(h.refs) > 0 && !h.missed
}

// headerTable returns the table the static string header at at is in: its
// segment's, or the function's whose tables lie on both sides of it.
func headerTable(p *program, at uint64) (tableKey, bool) {
	if s := p.segOfHeader(at); s >= 0 {
		if o := p.segs[s].owner; o >= 0 && p.segs[s].inlined == "" {
			// one function's tables are one table (an SDK's partitions
			// built in its initialiser from many static arrays)
			return tableKey{prog: p, fn: o, seg: -1}, true
		}
		return tableKey{prog: p, fn: -1, seg: s}, true
	}
	if o, inl := p.betweenMarks(at); o >= 0 && inl == "" {
		return tableKey{prog: p, fn: o, seg: -1}, true
	}
	return tableKey{}, false
}

// owner names the table and the module that owns it.
func (k tableKey) owner() (name, module string) {
	p := k.prog
	fn := k.fn
	if k.seg >= 0 {
		sg := p.segs[k.seg]
		fn = sg.owner
		if fn < 0 {
			return fmt.Sprintf("static data at %#x (no code the pass reads refers to it)", sg.start), ""
		}
		if sg.inlined != "" {
			// the code that reads the table is a function inlined into fn:
			// the table is that function's package's
			name = fmt.Sprintf("static data at %#x, read by %s (inlined into %s)", sg.start, sg.inlined, p.names[fn])
			if mod := p.owner([]string{sg.inlined}); mod != "" {
				return name, mod
			}
			return name, string(pkgOf([]byte(sg.inlined)))
		}
		name = fmt.Sprintf("static data at %#x, used by %s", sg.start, p.names[fn])
	} else {
		name = p.names[fn]
	}
	if mod := p.owner([]string{p.names[fn]}); mod != "" {
		return name, mod
	}
	// No build info names the module (a GOPATH build): the package stands in.
	return name, p.pkg[fn]
}

func tableFinding(k tableKey, hs []*hostAgg) Finding {
	sort.Slice(hs, func(i, j int) bool { return hs[i].host < hs[j].host })
	name, mod := k.owner()
	var ev []Evidence
	hosts := make([]string, 0, len(hs))
	n := 0
	for _, h := range hs {
		hosts = append(hosts, h.host)
		for i := range h.refs {
			r := &h.refs[i]
			e := Evidence{Kind: EvidenceString, Value: r.context, Where: r.sec.name}
			annotateString(&e, r)
			ev = append(ev, e)
		}
		n += h.n
	}
	who := mod
	if who == "" {
		who = "no known module"
	}
	sum := fmt.Sprintf("%d hard-coded hosts from one table: %s (%s)", len(hosts), name, who)
	fd := newFinding("endpoint.table", NetworkEndpoint, CommitmentExfiltration, sum, "", ev, n)
	fd.Hosts, fd.Table, fd.Module = hosts, name, mod
	return fd
}

func hostFinding(h *hostAgg) Finding {
	ev := make([]Evidence, 0, len(h.refs))
	for i := range h.refs {
		r := &h.refs[i]
		e := Evidence{Kind: EvidenceString, Value: r.context, Where: r.sec.name}
		annotateString(&e, r)
		ev = append(ev, e)
	}
	sum := fmt.Sprintf("hard-coded remote host %s", h.host)
	if h.n > 1 {
		sum += fmt.Sprintf(" (%d references)", h.n)
	}
	fd := newFinding("endpoint.literal", NetworkEndpoint, CommitmentExfiltration, sum, h.host, ev, h.n)
	if !h.referenced {
		fd.Confidence = Unreferenced
		fd.Summary += "; found only as bytes no code or string header uses (lower confidence)"
	}
	return fd
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
