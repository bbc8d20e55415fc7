package attest

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"golang.org/x/net/publicsuffix"
)

// located is a finding with the name of the artifact it is in (a member's name is the
// subject's and the member path joined with "!/") and a note on it, if any.
type located struct {
	artifact string
	f        scan.Finding
	note     string
}

// suggestion is one entry a draft adds to a section of the disclosure, with the comments
// that show the evidence behind it.
type suggestion struct {
	// section is the disclosure's key: endpoints, configuredEndpoints, listeners,
	// remoteControl, telemetry, updates or accepted.
	section string
	// key orders the entries of a section.
	key string
	// entry is the list item, or for updates the section's value.
	entry   *ymap
	comment []string
	// findings are the findings the entry is drafted for.
	findings []located
}

// sections lists a disclosure's keys in the order a draft writes them.
var sections = []string{"endpoints", "configuredEndpoints", "listeners", "remoteControl", "telemetry", "updates", "accepted"}

// Placeholders of a draft. Each is a whole value "<...>" so that attest refuses it as it
// stands (see [isPlaceholder]); enumerations list their choices.
const (
	consentChoice  = "<always|opt-out|opt-in|user-initiated>"
	authChoice     = "<none|password|token|mtls|os|other>"
	dataHint       = "<what is sent such as the product version or a licence key>"
	purposeHost    = "<why the software contacts this host>"
	purposeHosts   = "<why the software contacts these hosts>"
	reasonHost     = "<why the host is never contacted: a documentation link, an example...>"
	reasonAnalysis = "<why the binary cannot be analysed>"
)

// minWildcardHosts is how many hosts under one registrable domain make a draft suggest a
// wildcard for them instead of one entry each.
const minWildcardHosts = 3

// suggest groups findings into the entries that would cover them: one endpoint per host
// (a wildcard for many hosts of one registrable domain), one accepted entry per module (or
// table) for endpoint tables, one configuredEndpoints entry, one listener, one
// remoteControl entry per capability, one telemetry entry per SDK module, one updates
// section, and accepted entries for what cannot be declared. The result is sorted.
func suggest(fs []located) []suggestion {
	var out []suggestion
	hosts := map[string][]located{}
	tables := map[[2]string][]located{}
	byCap := map[scan.Capability][]located{}
	telemetry := map[string][]located{}
	values := map[[2]string][]located{}
	for _, l := range fs {
		f := l.f
		switch f.Capability {
		case scan.NetworkEndpoint:
			switch {
			case f.Host != "":
				if h, ok := endpointHost(f.Host); ok {
					hosts[h] = append(hosts[h], l)
				} else {
					values[[2]string{f.Rule, f.Host}] = append(values[[2]string{f.Rule, f.Host}], l)
				}
			case len(f.Hosts) > 0 && (f.Module != "" || f.Table != ""):
				tables[[2]string{f.Rule, tableKey(f)}] = append(tables[[2]string{f.Rule, tableKey(f)}], l)
			case len(f.Hosts) > 0:
				// A table nobody owns: its hosts one by one.
				for _, h := range f.Hosts {
					if c, ok := endpointHost(h); ok {
						hosts[c] = append(hosts[c], l)
					} else {
						values[[2]string{f.Rule, h}] = append(values[[2]string{f.Rule, h}], l)
					}
				}
			default:
				if v := firstValue(f); v != "" {
					values[[2]string{f.Rule, v}] = append(values[[2]string{f.Rule, v}], l)
				}
			}
		case scan.TelemetrySDK:
			mod := telemetryModule(f)
			telemetry[mod] = append(telemetry[mod], l)
		case scan.NetworkConnect, scan.NetworkListen, scan.RemoteAdmin, scan.RemoteTunnel, scan.ProcessExec,
			scan.CodeDynamic, scan.UpdateCheck, scan.UpdateSelf, scan.UpdateFetchExec:
			byCap[f.Capability] = append(byCap[f.Capability], l)
		default:
			// analysis.obfuscated, or a capability this version does not know: only an
			// accepted entry can name it.
			v := firstValue(f)
			if v == "" {
				v = "<the value of one of its evidence items>"
			}
			values[[2]string{f.Rule, v}] = append(values[[2]string{f.Rule, v}], l)
		}
	}
	out = append(out, hostSuggestions(hosts)...)
	for k, ls := range tables {
		out = append(out, tableSuggestion(k[0], ls))
	}
	for k, ls := range values {
		out = append(out, valueSuggestion(k[0], k[1], ls))
	}
	if ls := byCap[scan.NetworkConnect]; len(ls) > 0 {
		out = append(out, suggestion{section: "configuredEndpoints", findings: ls, entry: (&ymap{}).
			set("setting", "<the option or variable that sets the destination>").
			set("purpose", "<what the connections are for>").
			set("data", []string{dataHint}).
			set("consent", consentChoice)})
	}
	if ls := byCap[scan.NetworkListen]; len(ls) > 0 {
		out = append(out, suggestion{section: "listeners", findings: ls, entry: (&ymap{}).
			set("port", "<port: a number or a range such as 8000-8100>").
			set("bind", "<loopback|configurable|all>").
			set("purpose", "<what the listener serves and to whom>").
			set("authentication", authChoice)})
	}
	for _, c := range []scan.Capability{scan.RemoteAdmin, scan.RemoteTunnel, scan.ProcessExec, scan.CodeDynamic} {
		if ls := byCap[c]; len(ls) > 0 {
			out = append(out, suggestion{section: "remoteControl", key: string(c), findings: ls, entry: (&ymap{}).
				set("capability", string(c)).
				set("purpose", remotePurpose(c)).
				set("consent", consentChoice).
				set("authentication", authChoice)})
		}
	}
	for mod, ls := range telemetry {
		e := (&ymap{}).set("name", "<product name of the SDK>")
		if mod != "" {
			e.set("sdk", mod)
		}
		e.set("endpoints", []string{"<host the data goes to>"}).set("data", []string{dataHint}).set("consent", consentChoice)
		out = append(out, suggestion{section: "telemetry", key: mod, findings: ls, entry: e})
	}
	var updates []located
	for _, c := range []scan.Capability{scan.UpdateCheck, scan.UpdateSelf, scan.UpdateFetchExec} {
		updates = append(updates, byCap[c]...)
	}
	if len(updates) > 0 {
		out = append(out, suggestion{section: "updates", findings: updates, entry: (&ymap{}).
			set("mechanism", updateChoice(updates)).
			set("endpoints", []string{"<host updates come from>"}).
			set("userCanDisable", "<true|false>").
			set("signed", "<true|false>")})
	}
	for i := range out {
		s := &out[i]
		s.comment = append(evidenceComment(s.findings), s.comment...)
	}
	slices.SortFunc(out, func(a, b suggestion) int {
		return cmp.Or(cmp.Compare(slices.Index(sections, a.section), slices.Index(sections, b.section)), strings.Compare(a.key, b.key))
	})
	return out
}

// endpointHost returns the canonical form of a host for an endpoint entry, and false when
// it is not a host an endpoint can name.
func endpointHost(h string) (string, bool) {
	c, ok := predicate.CanonicalHost(h)
	if !ok {
		return "", false
	}
	n, wild, err := predicate.NormalizeHost(c)
	return n, err == nil && !wild
}

// tableKey names the group an endpoint table is accepted with: its module; for a table no
// module owns, the wildcard of the registrable domain all its hosts are below (the owner's
// name of such a table is an address, which moves from build to build); else its owner.
func tableKey(f scan.Finding) string {
	if f.Module != "" {
		p, _, _ := strings.Cut(f.Module, "@")
		return "module " + p
	}
	if w := commonWildcard(f.Hosts); w != "" {
		return "host " + w
	}
	if f.Table == "" || addressed.MatchString(f.Table) {
		// An owner named by its address would be stale in the next build: name one of the
		// table's hosts instead, an evidence value the table keeps.
		return "value " + slices.Min(f.Hosts)
	}
	return "table " + f.Table
}

// addressed matches an owner's name that holds an address ("static data at 0x2ab0400").
var addressed = regexp.MustCompile(`0x[0-9a-fA-F]+`)

// commonWildcard returns the wildcard "*.d" of the registrable domain d every host is below
// (not d itself), or "" when there is none or [predicate.NormalizeHost] refuses it.
func commonWildcard(hosts []string) string {
	d := ""
	for _, h := range hosts {
		c, ok := endpointHost(h)
		if !ok {
			return ""
		}
		if _, ip := parseIPHost(c); ip {
			return ""
		}
		e, err := publicsuffix.EffectiveTLDPlusOne(c)
		if err != nil || e == c || d != "" && e != d {
			return ""
		}
		d = e
	}
	if d == "" || privateSuffixParents(hosts)[d] {
		return ""
	}
	w, _, err := predicate.NormalizeHost("*." + d)
	if err != nil {
		return ""
	}
	return w
}

// hostSuggestions writes one endpoint per host, or one wildcard for the hosts below a
// registrable domain when there are at least [minWildcardHosts] of them. A wildcard is
// never suggested where [predicate.NormalizeHost] would refuse it (directly under a public
// suffix) and never covers the domain itself, which keeps its own entry.
func hostSuggestions(hosts map[string][]located) []suggestion {
	below := map[string][]string{}
	for h := range hosts {
		if _, ok := parseIPHost(h); ok {
			continue
		}
		d, err := publicsuffix.EffectiveTLDPlusOne(h)
		if err != nil || d == h {
			continue
		}
		below[d] = append(below[d], h)
	}
	var out []suggestion
	wildcarded := map[string]bool{}
	all := make([]string, 0, len(hosts))
	for h := range hosts {
		all = append(all, h)
	}
	tainted := privateSuffixParents(all)
	for d, hs := range below {
		w, _, err := predicate.NormalizeHost("*." + d)
		if len(hs) < minWildcardHosts || err != nil || tainted[d] {
			continue
		}
		slices.Sort(hs)
		var ls []located
		for _, h := range hs {
			wildcarded[h] = true
			ls = append(ls, hosts[h]...)
		}
		out = append(out, suggestion{section: "endpoints", key: d, findings: ls,
			comment: []string{fmt.Sprintf("%d hosts under %s: %s", len(hs), d, listSome(hs, 8)),
				"split this entry if the software contacts them for different purposes, and check that",
				"no one else can name hosts under " + d + " (a wildcard covers every one)"},
			entry: (&ymap{}).set("host", w).set("purpose", purposeHosts).set("data", []string{dataHint}).set("consent", consentChoice)})
	}
	for h, ls := range hosts {
		if wildcarded[h] {
			continue
		}
		c := []string{}
		if confidenceOf(ls) != scan.Linked {
			c = append(c, fmt.Sprintf("if the software never contacts it, accept it instead: {rule: %s, host: %s, reason: ...}", ls[0].f.Rule, h))
		}
		out = append(out, suggestion{section: "endpoints", key: sortDomain(h), findings: ls, comment: c,
			entry: (&ymap{}).set("host", h).set("purpose", purposeHost).set("data", []string{dataHint}).set("consent", consentChoice)})
	}
	return out
}

// privateSuffixParents returns the domains above a public suffix of the private section
// that one of the hosts is below: "us-east-1.amazonaws.com" is such a suffix, so a wildcard
// "*.amazonaws.com" would cover names other parties register there, and is not suggested;
// nor is one below such a domain ("*.us-east-2.amazonaws.com" covers the buckets of
// s3.us-east-2.amazonaws.com, another such suffix), as the hosts are grouped by their
// registrable domain only. The list of suffixes cannot be searched for the ones below a
// domain: a wildcard stays a suggestion for the vendor to check.
func privateSuffixParents(hosts []string) map[string]bool {
	out := map[string]bool{}
	for _, h := range hosts {
		c, ok := endpointHost(h)
		if !ok {
			continue
		}
		s, icann := publicsuffix.PublicSuffix(c)
		if icann || !strings.Contains(s, ".") {
			continue
		}
		for p := s; strings.Contains(p, "."); {
			_, p, _ = strings.Cut(p, ".")
			out[p] = true
		}
	}
	return out
}

// sortDomain orders hosts by their registrable domain, so a wildcard and the domain's own
// entry sit together.
func sortDomain(h string) string {
	if _, ip := parseIPHost(h); ip {
		return h
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
		return d + " " + h
	}
	return h
}

func parseIPHost(h string) (string, bool) {
	c, _, err := predicate.NormalizeHost(h)
	if err != nil {
		return "", false
	}
	return c, strings.Contains(c, ":") || strings.Trim(c, "0123456789.") == ""
}

// tableSuggestion accepts the endpoint tables of one module (or one table) in one entry.
func tableSuggestion(rule string, ls []located) suggestion {
	f := ls[0].f
	e := (&ymap{}).set("rule", rule)
	var hosts []string
	tables := map[string]int{}
	for _, l := range ls {
		hosts = append(hosts, l.f.Hosts...)
		tables[l.f.Table] = len(l.f.Hosts)
	}
	slices.Sort(hosts)
	hosts = slices.Compact(hosts)
	key := tableKey(f)
	what := ""
	if mod, ok := strings.CutPrefix(key, "module "); ok {
		e.set("module", mod)
		what = "module " + mod
	} else if w, ok := strings.CutPrefix(key, "host "); ok {
		e.set("host", w)
		what = "no module, all hosts below " + strings.TrimPrefix(w, "*.")
	} else if v, ok := strings.CutPrefix(key, "value "); ok {
		e.set("value", v)
		what = "no module, named by its host " + v
	} else {
		e.set("table", f.Table)
		what = "table " + f.Table
	}
	e.set("reason", tableReason(len(hosts)))
	c := []string{fmt.Sprintf("%d endpoint table(s) of %s, %d hosts: %s", len(tables), what, len(hosts), listSome(hosts, 6))}
	names := make([]string, 0, len(tables))
	for t := range tables {
		names = append(names, t)
	}
	slices.Sort(names)
	for i, t := range names {
		if i == 4 {
			c = append(c, fmt.Sprintf("and %d more table(s)", len(names)-i))
			break
		}
		c = append(c, fmt.Sprintf("table %s (%d hosts)", short(t, 160), tables[t]))
	}
	c = append(c, "if the software contacts hosts of these tables on its own, declare those hosts as endpoints instead")
	return suggestion{section: "accepted", key: "1 " + key, findings: ls, comment: c, entry: e}
}

// valueSuggestion accepts findings that no declaration can name, by rule and value.
func valueSuggestion(rule, value string, ls []located) suggestion {
	reason := acceptReason(ls[0].f.Capability)
	var c []string
	if ls[0].f.Capability == scan.AnalysisObscured {
		reason = reasonAnalysis
		c = append(c, "an obfuscated or packed binary cannot be attested clean: build it without obfuscation or packing;",
			"accepting this signs an attestation whose every commitment is false")
	}
	return suggestion{section: "accepted", key: "2 " + rule + " " + value, findings: ls, comment: c,
		entry: (&ymap{}).set("rule", rule).set("value", value).set("reason", reason)}
}

// tableReason is the reason placeholder of an accepted endpoint table of n hosts.
func tableReason(n int) string {
	return fmt.Sprintf("<why these %d hosts are harmless: the SDK's region table, of which the software uses only the region the user configures...>", n)
}

func remotePurpose(c scan.Capability) string {
	switch c {
	case scan.ProcessExec:
		return "<which programs it starts, why, and who decides what runs>"
	case scan.CodeDynamic:
		return "<what code it loads at run time and from where>"
	case scan.RemoteTunnel:
		return "<what the tunnel or proxy carries and who can use it>"
	}
	return "<what the admin or debug surface shows or does and who can reach it>"
}

// updateChoice lists the mechanisms that would cover the update findings: notify covers
// only update checks.
func updateChoice(ls []located) string {
	for _, l := range ls {
		if l.f.Capability != scan.UpdateCheck {
			return "<user-approved|automatic>"
		}
	}
	return "<notify|user-approved|automatic>"
}

// evidenceComment shows where the findings behind an entry come from: the capability, the
// rules, how sure they are, the artifacts, and a few evidence values with a call path.
func evidenceComment(ls []located) []string {
	var rules, arts, notes []string
	for _, l := range ls {
		rules = append(rules, l.f.Rule)
		arts = append(arts, l.artifact)
		if l.note != "" {
			notes = append(notes, l.note)
		}
	}
	slices.Sort(rules)
	slices.Sort(arts)
	slices.Sort(notes)
	rules, arts, notes = slices.Compact(rules), slices.Compact(arts), slices.Compact(notes)
	c := []string{fmt.Sprintf("candor: %s, %d finding(s) of rule %s (%s) in %s",
		ls[0].f.Capability, len(ls), strings.Join(rules, ", "), confidenceOf(ls), listSome(arts, 4))}
	for _, n := range notes {
		c = append(c, "note: "+n)
	}
	seen := map[string]bool{}
	shown, unlisted := 0, 0
	for _, l := range ls {
		unlisted += max(0, l.f.EvidenceTotal-len(l.f.Evidence))
		for _, e := range l.f.Evidence {
			k := string(e.Kind) + " " + e.Value
			if seen[k] {
				continue
			}
			seen[k] = true
			if shown == 3 {
				continue
			}
			shown++
			c = append(c, fmt.Sprintf("  %s %s", e.Kind, quotedValue(short(e.Value, 120))))
			if len(e.Path) > 0 {
				c = append(c, "    call path: "+commentPath(e.Path))
			}
		}
	}
	if more := len(seen) - shown + unlisted; more > 0 {
		c = append(c, fmt.Sprintf("  and %d more evidence value(s)", more))
	}
	return c
}

// confidenceOf is the best confidence among the findings: linked, referenced, unreferenced.
func confidenceOf(ls []located) scan.Confidence {
	best := scan.Unreferenced
	for _, l := range ls {
		switch l.f.Confidence {
		case scan.Linked:
			return scan.Linked
		case scan.Referenced:
			best = scan.Referenced
		}
	}
	return best
}

// commentPath shortens a call path to its entry, the frame after it and the last two.
func commentPath(p []string) string {
	fr := make([]string, len(p))
	for i, s := range p {
		fr[i] = short(s, 100)
	}
	if len(fr) > 5 {
		fr = append(fr[:2:2], append([]string{fmt.Sprintf("…(%d more)…", len(fr)-4)}, fr[len(fr)-2:]...)...)
	}
	return strings.Join(fr, " → ")
}

// quotedValue double-quotes a value, Go-quoted in ASCII when it is not plain text.
func quotedValue(v string) string {
	if s := termsafe.String(v); s != v {
		return s
	}
	return strconv.Quote(v)
}

// short cuts s to at most n bytes, on a rune boundary, marking the cut.
func short(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// listSome lists up to n items, then how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(" and %d more", len(items)-n)
}

func firstValue(f scan.Finding) string {
	if f.Host != "" {
		return f.Host
	}
	if len(f.Evidence) > 0 {
		return f.Evidence[0].Value
	}
	return ""
}

// telemetryModule is what a telemetry entry's sdk names to cover f: the module of its
// evidence, else its own module, else (a binary built without module information, as
// Debian builds them) the package of the reporting code; "" when none is known.
func telemetryModule(f scan.Finding) string {
	if mod := evidenceModule(f); mod != "" {
		return mod
	}
	if mod, _, _ := strings.Cut(f.Module, "@"); mod != "" {
		return mod
	}
	return reporterPackage(f)
}

// reporterPackage is the package of the first function evidence outside the standard
// library (its first path element has a dot), or "".
func reporterPackage(f scan.Finding) string {
	for _, e := range f.Evidence {
		if e.Kind != scan.EvidenceFunction {
			continue
		}
		pkg := e.Value
		if i := strings.LastIndexByte(pkg, '/'); i >= 0 {
			if j := strings.IndexByte(pkg[i:], '.'); j >= 0 {
				pkg = pkg[:i+j]
			}
		} else if j := strings.IndexByte(pkg, '.'); j >= 0 {
			pkg = pkg[:j]
		}
		first, _, _ := strings.Cut(pkg, "/")
		if strings.Contains(first, ".") {
			return pkg
		}
	}
	return ""
}
