package diff

import (
	"cmp"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// CompareOption configures [Compare].
type CompareOption func(*comparer)

// WithIgnore leaves out the changes the list's entries match: they go to [Result.Ignored].
func WithIgnore(ig *Ignore) CompareOption { return func(c *comparer) { c.ignore = ig } }

type comparer struct {
	ignore *Ignore
	// attested: both sides carry a disclosure's coveredBy and disposition.
	attested bool
	changes  []Change
}

// Compare compares the old input with the new one. It never fails: inputs it cannot match
// are reported as artifacts added and removed.
func Compare(old, new *Input, opts ...CompareOption) *Result {
	c := &comparer{attested: old.attested() && new.attested()}
	for _, o := range opts {
		o(c)
	}
	res := &Result{Schema: SchemaID, Old: old, New: new, Changes: []Change{}, Ignored: []Change{}}
	pairs := pairArtifacts(old.Artifacts, new.Artifacts, "")
	for i, p := range pairs {
		res.Artifacts = append(res.Artifacts, p.info())
		c.artifact(i, p)
	}
	rank(c.changes)
	for _, ch := range c.changes {
		if e := c.ignore.match(&ch); e != nil {
			ch.IgnoredBy = e
			res.Ignored = append(res.Ignored, ch)
			continue
		}
		res.Changes = append(res.Changes, ch)
	}
	res.Summary = summarize(res)
	return res
}

// pair is an artifact on one side or both.
type pair struct {
	name     string
	old, new *predicate.ArtifactAnalysis
}

func (p pair) info() ArtifactPair {
	ap := ArtifactPair{Name: p.name}
	if p.old != nil {
		ap.Old, ap.OldGo = p.old.Name, p.old.GoVersion
		if p.old.MainModule != nil {
			ap.OldVersion = p.old.MainModule.Version
		}
	}
	if p.new != nil {
		ap.New, ap.NewGo = p.new.Name, p.new.GoVersion
		if p.new.MainModule != nil {
			ap.NewVersion = p.new.MainModule.Version
		}
	}
	return ap
}

// memberSep joins a container's name and a member's path, as the text report does.
const memberSep = "!/"

// pairArtifacts matches artifacts by name: a single artifact on each side whatever their
// names, else by exact name, then by base name. Members of matched containers are matched
// the same way, by their path inside. Pairs come in the new side's order, removed ones last.
func pairArtifacts(old, new []predicate.ArtifactAnalysis, prefix string) []pair {
	var out []pair
	add := func(o, n *predicate.ArtifactAnalysis) {
		name := ""
		if n != nil {
			name = n.Name
		} else {
			name = o.Name
		}
		p := pair{name: prefix + name, old: o, new: n}
		out = append(out, p)
		var om, nm []predicate.ArtifactAnalysis
		if o != nil {
			om = o.Members
		}
		if n != nil {
			nm = n.Members
		}
		if len(om)+len(nm) > 0 {
			out = append(out, pairArtifacts(om, nm, p.name+memberSep)...)
		}
	}
	if len(old) == 1 && len(new) == 1 {
		add(&old[0], &new[0])
		return out
	}
	used := make([]bool, len(old))
	match := make([]int, len(new))
	for i := range match {
		match[i] = -1
	}
	for _, key := range []func(string) string{func(s string) string { return s }, baseName} {
		idx := map[string]int{}
		for j := range old {
			if !used[j] {
				if _, dup := idx[key(old[j].Name)]; !dup {
					idx[key(old[j].Name)] = j
				}
			}
		}
		for i := range new {
			if match[i] >= 0 {
				continue
			}
			if j, ok := idx[key(new[i].Name)]; ok && !used[j] {
				match[i], used[j] = j, true
			}
		}
	}
	for i := range new {
		var o *predicate.ArtifactAnalysis
		if match[i] >= 0 {
			o = &old[match[i]]
		}
		add(o, &new[i])
	}
	for j := range old {
		if !used[j] {
			add(&old[j], nil)
		}
	}
	return out
}

// baseName is the last element of a path written with / or \ (a Windows build's name).
func baseName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	return path.Clean(s)
}

// artifact compares one pair: capabilities, hosts, findings and modules.
func (c *comparer) artifact(order int, p pair) {
	var of, nf []predicate.Finding
	var om, nm []scan.Module
	if p.old != nil {
		of, om = p.old.Findings, p.old.Modules
	}
	if p.new != nil {
		nf, nm = p.new.Findings, p.new.Modules
	}
	emit := func(ch Change) {
		ch.Artifact, ch.order = p.name, order
		c.changes = append(c.changes, ch)
	}

	// Capabilities.
	oc, nc := byCapability(of), byCapability(nf)
	addedCap := map[scan.Capability]bool{}
	for _, cp := range capabilityOrder(oc, nc) {
		o, n := oc[cp], nc[cp]
		switch {
		case len(o) == 0 && len(n) > 0:
			addedCap[cp] = true
			emit(capabilityChange(Added, cp, n))
		case len(o) > 0 && len(n) == 0:
			emit(capabilityChange(Removed, cp, o))
		}
	}

	// Hosts.
	oh, nh := hostsOf(of), hostsOf(nf)
	idx := evidenceIndex{}
	addedHost := map[string]bool{}
	for _, h := range sortedKeys(nh) {
		if _, ok := oh[h]; !ok {
			addedHost[h] = true
			emit(hostChange(Added, h, nh[h], idx))
		}
	}
	for _, h := range sortedKeys(oh) {
		if _, ok := nh[h]; !ok {
			emit(hostChange(Removed, h, oh[h], idx))
		}
	}

	// Findings. One that a capability or host change above already shows (every finding
	// of a new capability, an endpoint finding whose hosts are all new) is not repeated.
	explained := func(f *predicate.Finding, caps map[scan.Capability]bool, hosts map[string]bool) bool {
		if caps[f.Capability] {
			return true
		}
		hs := findingHosts(f)
		if len(hs) == 0 {
			return false
		}
		for _, h := range hs {
			if !hosts[h] {
				return false
			}
		}
		return true
	}
	removedCap := map[scan.Capability]bool{}
	for cp, o := range oc {
		if len(o) > 0 && len(nc[cp]) == 0 {
			removedCap[cp] = true
		}
	}
	removedHost := map[string]bool{}
	for h := range oh {
		if _, ok := nh[h]; !ok {
			removedHost[h] = true
		}
	}
	for _, m := range matchFindings(of, nf) {
		switch {
		case m.old == nil:
			if !explained(m.new, addedCap, addedHost) {
				emit(findingChange(Added, m.new))
			}
		case m.new == nil:
			if !explained(m.old, removedCap, removedHost) {
				emit(findingChange(Removed, m.old))
			}
		default:
			if fields := c.findingFields(m.old, m.new); len(fields) > 0 {
				ch := findingChange(Changed, m.new)
				ch.Fields = fields
				emit(ch)
			}
		}
	}

	// Modules.
	omv, nmv := moduleVersions(om), moduleVersions(nm)
	for _, path := range sortedKeys(nmv) {
		ov, ok := omv[path]
		switch {
		case !ok:
			emit(Change{Op: Added, Kind: SubjectModule, Risk: RiskOther, Module: path, NewVersion: nmv[path]})
		case ov != nmv[path]:
			emit(Change{Op: Changed, Kind: SubjectModule, Risk: RiskOther, Module: path, OldVersion: ov, NewVersion: nmv[path]})
		}
	}
	for _, path := range sortedKeys(omv) {
		if _, ok := nmv[path]; !ok {
			emit(Change{Op: Removed, Kind: SubjectModule, Risk: RiskOther, Module: path, OldVersion: omv[path]})
		}
	}
}

// riskOf is the risk class of a capability.
func riskOf(c scan.Capability) Risk {
	s := string(c)
	switch {
	case strings.HasPrefix(s, "remote."), c == scan.ProcessExec, c == scan.CodeDynamic, c == scan.NetworkListen:
		return RiskRemoteControl
	case strings.HasPrefix(s, "network."), c == scan.TelemetrySDK:
		return RiskExfiltration
	case strings.HasPrefix(s, "update."):
		return RiskUpdate
	case strings.HasPrefix(s, "analysis."):
		return RiskObfuscation
	}
	return RiskOther
}

var riskOrder = []Risk{RiskRemoteControl, RiskExfiltration, RiskUpdate, RiskObfuscation, RiskOther}

// capabilityIndex orders capabilities as reports do; unknown ones after, by name.
func capabilityIndex(c scan.Capability) int {
	for i, e := range scan.Capabilities {
		if e.ID == c {
			return i
		}
	}
	return len(scan.Capabilities)
}

func byCapability(fs []predicate.Finding) map[scan.Capability][]*predicate.Finding {
	m := map[scan.Capability][]*predicate.Finding{}
	for i := range fs {
		m[fs[i].Capability] = append(m[fs[i].Capability], &fs[i])
	}
	return m
}

func capabilityOrder(a, b map[scan.Capability][]*predicate.Finding) []scan.Capability {
	var out []scan.Capability
	for c := range a {
		out = append(out, c)
	}
	for c := range b {
		if _, ok := a[c]; !ok {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(x, y scan.Capability) int {
		return cmp.Or(cmp.Compare(capabilityIndex(x), capabilityIndex(y)), cmp.Compare(x, y))
	})
	return out
}

// confidenceRank orders confidences, surest first.
func confidenceRank(c scan.Confidence) int {
	switch c {
	case scan.Linked:
		return 0
	case scan.Referenced:
		return 1
	case scan.Unreferenced:
		return 2
	}
	return 3
}

// best is the finding that best shows a capability: the surest, then the first.
func best(fs []*predicate.Finding) *predicate.Finding {
	b := fs[0]
	for _, f := range fs[1:] {
		if confidenceRank(f.Confidence) < confidenceRank(b.Confidence) {
			b = f
		}
	}
	return b
}

// maxEvidence is how many evidence items a change carries.
const maxEvidence = 3

// capabilityChange is a capability one side has: with its findings' rules and a few
// evidence items from them, surest finding first.
func capabilityChange(op Op, c scan.Capability, fs []*predicate.Finding) Change {
	b := best(fs)
	ch := Change{Op: op, Kind: SubjectCapability, Risk: riskOf(c), Capability: c, Confidence: b.Confidence, Reach: b.Reach, Module: b.Module}
	sorted := slices.Clone(fs)
	slices.SortStableFunc(sorted, func(x, y *predicate.Finding) int {
		return cmp.Compare(confidenceRank(x.Confidence), confidenceRank(y.Confidence))
	})
	for _, f := range sorted {
		if !slices.Contains(ch.Rules, f.Rule) {
			ch.Rules = append(ch.Rules, f.Rule)
		}
		ch.EvidenceTotal += max(f.EvidenceTotal, len(f.Evidence))
	}
	// One item from each finding first, then more from the best.
	for _, f := range sorted {
		if len(ch.Evidence) < maxEvidence && len(f.Evidence) > 0 {
			ch.Evidence = append(ch.Evidence, f.Evidence[0])
		}
	}
	for _, e := range b.Evidence[min(1, len(b.Evidence)):] {
		if len(ch.Evidence) >= maxEvidence {
			break
		}
		ch.Evidence = append(ch.Evidence, e)
	}
	if len(fs) == 1 && b.CoveredBy != "" {
		ch.CoveredBy, ch.Disposition = b.CoveredBy, b.Disposition
	}
	return ch
}

// findingHosts are the hosts a finding names: an endpoint's host, a table's hosts.
func findingHosts(f *predicate.Finding) []string {
	if f.Host != "" {
		return append([]string{f.Host}, f.Hosts...)
	}
	return f.Hosts
}

// hostsOf maps every host the findings name to the surest finding that names it.
func hostsOf(fs []predicate.Finding) map[string]*predicate.Finding {
	m := map[string]*predicate.Finding{}
	for i := range fs {
		f := &fs[i]
		for _, h := range findingHosts(f) {
			if o, ok := m[h]; !ok || confidenceRank(f.Confidence) < confidenceRank(o.Confidence) {
				m[h] = f
			}
		}
	}
	return m
}

// hostChange is a host one side names, with the evidence of the finding it comes from that
// mentions it: the item whose value is the host (an endpoint table's), else those among the
// first maxScan that contain it (EvidenceTotal counts them), else the finding's first items.
func hostChange(op Op, h string, f *predicate.Finding, idx evidenceIndex) Change {
	ch := Change{Op: op, Kind: SubjectHost, Risk: RiskExfiltration, Capability: f.Capability, Host: h, Rule: f.Rule,
		Module: f.Module, Confidence: f.Confidence, Reach: f.Reach, Table: f.Table, CoveredBy: f.CoveredBy, Disposition: f.Disposition,
		EvidenceTotal: max(f.EvidenceTotal, len(f.Evidence))}
	values := idx.of(f)
	if i, ok := values.exact[h]; ok {
		ch.Evidence, ch.EvidenceTotal = []scan.Evidence{f.Evidence[i]}, 1
		return ch
	}
	mentions := 0
	for i, v := range values.lower {
		if strings.Contains(v, h) {
			mentions++
			if len(ch.Evidence) < maxEvidence {
				ch.Evidence = append(ch.Evidence, f.Evidence[i])
			}
		}
	}
	if mentions > 0 {
		// The items that mention the host, of those searched.
		ch.EvidenceTotal = mentions
		return ch
	}
	ch.Evidence = f.Evidence[:min(maxEvidence, len(f.Evidence))]
	return ch
}

// maxScan bounds the evidence items searched for a host's mention.
const maxScan = 64

// evidenceIndex holds, per finding, its evidence values by value and lower-cased (the first
// maxScan), so that finding each host of a large table its evidence costs no scan.
type evidenceIndex map[*predicate.Finding]*findingValues

type findingValues struct {
	exact map[string]int
	lower []string
}

func (x evidenceIndex) of(f *predicate.Finding) *findingValues {
	if v, ok := x[f]; ok {
		return v
	}
	v := &findingValues{exact: make(map[string]int, len(f.Evidence))}
	for i, e := range f.Evidence {
		if _, dup := v.exact[e.Value]; !dup {
			v.exact[e.Value] = i
		}
		if i < maxScan {
			v.lower = append(v.lower, strings.ToLower(e.Value))
		}
	}
	x[f] = v
	return v
}

func findingChange(op Op, f *predicate.Finding) Change {
	return Change{Op: op, Kind: SubjectFinding, Risk: riskOf(f.Capability), Capability: f.Capability, Host: f.Host, Rule: f.Rule,
		Module: f.Module, Confidence: f.Confidence, Reach: f.Reach, Hosts: f.Hosts, Table: f.Table,
		CoveredBy: f.CoveredBy, Disposition: f.Disposition,
		Evidence: f.Evidence[:min(maxEvidence, len(f.Evidence))], EvidenceTotal: max(f.EvidenceTotal, len(f.Evidence))}
}

// addressRE matches the addresses in a table's name ("static data at 0x2ab0400"), which move
// from build to build.
var addressRE = regexp.MustCompile(`0x[0-9a-fA-F]+`)

// findingKey identifies a finding across builds: rule, capability, host, and an endpoint
// table's owner without addresses.
func findingKey(f *predicate.Finding) string {
	return f.Rule + "\x00" + string(f.Capability) + "\x00" + f.Host + "\x00" + addressRE.ReplaceAllString(f.Table, "0x")
}

type findingMatch struct{ old, new *predicate.Finding }

// matchFindings pairs the findings of two sides by key. Where several share a key (endpoint
// tables in one package's static data), each new one takes the old one it shares most
// hosts and evidence values with, among the first maxGreedy not taken; past that (a hostile
// report), they pair in order, so that the work stays linear.
func matchFindings(old, new []predicate.Finding) []findingMatch {
	byKey := map[string][]*predicate.Finding{}
	for i := range old {
		k := findingKey(&old[i])
		byKey[k] = append(byKey[k], &old[i])
	}
	taken := map[*predicate.Finding]bool{}
	next := map[string]int{} // per key: the candidates before it are all taken
	var out []findingMatch
	for i := range new {
		n := &new[i]
		k := findingKey(n)
		cands := byKey[k]
		for next[k] < len(cands) && taken[cands[next[k]]] {
			next[k]++
		}
		cands = cands[next[k]:]
		var pick *predicate.Finding
		switch {
		case len(cands) == 1:
			pick = cands[0]
		case len(cands) > 1:
			bestShared := -1
			nv := values(n)
			seen := 0
			for _, o := range cands {
				if taken[o] {
					continue
				}
				if seen++; seen > maxGreedy {
					break
				}
				if s := shared(nv, o); s > bestShared {
					pick, bestShared = o, s
				}
			}
		}
		if pick != nil {
			taken[pick] = true
		}
		out = append(out, findingMatch{old: pick, new: n})
	}
	for i := range old {
		if !taken[&old[i]] {
			out = append(out, findingMatch{old: &old[i]})
		}
	}
	return out
}

// maxGreedy bounds the candidates a finding is compared with for the best match.
const maxGreedy = 64

func values(f *predicate.Finding) map[string]bool {
	m := map[string]bool{}
	for _, h := range f.Hosts {
		m[h] = true
	}
	for _, e := range f.Evidence {
		m[e.Value] = true
	}
	return m
}

func shared(vs map[string]bool, f *predicate.Finding) int {
	n := 0
	for _, h := range f.Hosts {
		if vs[h] {
			n++
		}
	}
	for _, e := range f.Evidence {
		if vs[e.Value] {
			n++
		}
	}
	return n
}

// findingFields says what changed between two matched findings: confidence, reach, the
// owning module, the evidence (by kind and value: offsets move from build to build), a
// table's hosts, and, when both sides are attestations, the disclosure entry and disposition.
func (c *comparer) findingFields(o, n *predicate.Finding) []FieldChange {
	var out []FieldChange
	scalar := func(field, ov, nv string) {
		if ov != nv {
			out = append(out, FieldChange{Field: field, Old: ov, New: nv})
		}
	}
	scalar("confidence", string(o.Confidence), string(n.Confidence))
	scalar("reach", string(o.Reach), string(n.Reach))
	scalar("module", o.Module, n.Module)
	list := func(field string, ov, nv []string) {
		added, removed := setDiff(nv, ov), setDiff(ov, nv)
		if len(added)+len(removed) > 0 {
			out = append(out, FieldChange{Field: field, Added: added, Removed: removed})
		}
	}
	list("hosts", o.Hosts, n.Hosts)
	list("evidence", evidenceKeys(o.Evidence), evidenceKeys(n.Evidence))
	if c.attested {
		scalar("coveredBy", o.CoveredBy, n.CoveredBy)
		scalar("disposition", string(o.Disposition), string(n.Disposition))
	}
	return out
}

func evidenceKeys(es []scan.Evidence) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = string(e.Kind) + " " + e.Value
	}
	return out
}

// setDiff lists the elements of a that b lacks, in a's order, once each.
func setDiff(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			in[s] = true
			out = append(out, s)
		}
	}
	return out
}

// moduleVersions maps module paths to their version, with the replacement when there is one.
func moduleVersions(ms []scan.Module) map[string]string {
	m := make(map[string]string, len(ms))
	for _, x := range ms {
		v := x.Version
		if r := x.Replace; r != nil {
			v += " => " + strings.TrimSpace(r.Path+" "+r.Version)
		}
		m[x.Path] = v
	}
	return m
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Rank tiers, first to last.
const (
	tierCapability = iota // a new capability
	tierHost              // a new host
	tierLinked            // a new linked finding
	tierRest              // other additions and changes
	tierRemoval           // removals
)

// rank sets each change's tier and whether it counts, and sorts: by tier, then risk, then
// artifact, capability, and name.
func rank(cs []Change) {
	for i := range cs {
		ch := &cs[i]
		switch {
		case ch.Op == Removed:
			ch.tier = tierRemoval
		case ch.Op == Added && ch.Kind == SubjectCapability:
			ch.tier, ch.Counts = tierCapability, true
		case ch.Op == Added && ch.Kind == SubjectHost:
			ch.tier, ch.Counts = tierHost, true
		case ch.Op == Added && ch.Kind == SubjectFinding && ch.Confidence == scan.Linked:
			ch.tier, ch.Counts = tierLinked, true
		default:
			ch.tier = tierRest
		}
	}
	kindOrder := []Subject{SubjectCapability, SubjectHost, SubjectFinding, SubjectModule}
	slices.SortStableFunc(cs, func(a, b Change) int {
		return cmp.Or(
			cmp.Compare(a.tier, b.tier),
			cmp.Compare(slices.Index(riskOrder, a.Risk), slices.Index(riskOrder, b.Risk)),
			cmp.Compare(slices.Index(kindOrder, a.Kind), slices.Index(kindOrder, b.Kind)),
			cmp.Compare(a.order, b.order),
			cmp.Compare(capabilityIndex(a.Capability), capabilityIndex(b.Capability)),
			cmp.Compare(a.Capability, b.Capability),
			cmp.Compare(a.Host, b.Host),
			cmp.Compare(a.Module, b.Module),
			cmp.Compare(a.Rule, b.Rule),
		)
	})
}

func summarize(r *Result) Summary {
	var s Summary
	for _, ch := range r.Changes {
		var c *Counts
		switch ch.Kind {
		case SubjectCapability:
			c = &s.Capabilities
		case SubjectHost:
			c = &s.Hosts
		case SubjectFinding:
			c = &s.Findings
		default:
			c = &s.Modules
		}
		switch ch.Op {
		case Added:
			c.Added++
		case Removed:
			c.Removed++
		default:
			c.Changed++
		}
		s.New = s.New || ch.Counts
	}
	s.Ignored = len(r.Ignored)
	return s
}
