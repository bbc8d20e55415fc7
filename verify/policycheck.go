package verify

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// clockSkew is how far in the future a scannedAt may be before the age check refuses it.
const clockSkew = 5 * time.Minute

// Policy rule names, as they appear in [Check.Rule].
const (
	RuleProduct     = "product"
	RuleAnalyzer    = "analyzer"
	RuleAge         = "age"
	RuleSecurity    = "security"
	RuleUndisclosed = "undisclosed"
	RuleUpdates     = "updates"
	RuleTelemetry   = "telemetry"
	RuleListeners   = "listeners"
	RuleEndpoints   = "endpoints"
)

// policyInput is what the policy judges: the predicate and the analysis of one artifact.
type policyInput struct {
	pred     *predicate.Predicate
	analysis *predicate.ArtifactAnalysis
	name     string // the artifact, for messages
	now      time.Time
}

// applyPolicy evaluates every rule of the policy (nil: the defaults) and returns one check
// per rule that applies: the undisclosed and updates rules always, the others when the
// policy names their topic.
func applyPolicy(pol *Policy, in policyInput) []Check {
	if pol == nil {
		pol = &Policy{}
	}
	var checks []Check
	add := func(rule, detail string, reasons []string) {
		c := Check{Step: StepPolicy, Rule: rule, Status: Pass, Detail: detail}
		if len(reasons) > 0 {
			c.Status, c.Detail, c.Reasons = Fail, "", reasons
		}
		checks = append(checks, c)
	}
	p := in.pred
	if pp := pol.Product; pp != nil {
		var r []string
		for _, f := range []struct{ field, want, got string }{
			{"name", pp.Name, p.Product.Name}, {"version", pp.Version, p.Product.Version}, {"vendor", pp.Vendor, p.Product.Vendor},
		} {
			if f.want != "" && f.want != f.got {
				r = append(r, fmt.Sprintf("product %s is %q; the policy expects %q", f.field, f.got, f.want))
			}
		}
		add(RuleProduct, fmt.Sprintf("%s %s by %s", p.Product.Name, p.Product.Version, p.Product.Vendor), r)
	}
	if ap := pol.Analyzer; ap != nil {
		add(RuleAnalyzer, fmt.Sprintf("analyser %s %s, at least %s", p.Analysis.Analyzer.Name, p.Analysis.Analyzer.Version, ap.MinVersion),
			analyzerReasons(p.Analysis.Analyzer.Version, ap.MinVersion))
	}
	if pol.maxAge > 0 {
		add(RuleAge, fmt.Sprintf("scanned %s, %s ago (at most %s)", p.ScannedAt.UTC().Format(time.RFC3339), roundAge(in.now.Sub(p.ScannedAt)), pol.MaxAge),
			ageReasons(p.ScannedAt, in.now, pol.maxAge, pol.MaxAge))
	}
	if sp := pol.Security; sp != nil {
		add(RuleSecurity, fmt.Sprintf("contact %s, notification within %d day(s), %d advisory feed(s)", p.Security.Contact, p.Security.NotificationDays, len(p.Security.AdvisoryFeeds)),
			securityReasons(p.Security, sp))
	}
	detail, r := undisclosedReasons(in, pol.maxUndisclosed())
	add(RuleUndisclosed, detail, r)
	detail, r = updatesReasons(p.Disclosure.Updates, pol.Updates)
	add(RuleUpdates, detail, r)
	if tp := pol.Telemetry; tp != nil {
		var r []string
		for i, t := range p.Disclosure.Telemetry {
			if !slices.Contains(tp.AllowedConsent, t.Consent) {
				r = append(r, fmt.Sprintf("telemetry[%d] %q has consent %s; the policy accepts %s", i, t.Name, t.Consent, listOr(tp.AllowedConsent, "no telemetry")))
			}
		}
		add(RuleTelemetry, fmt.Sprintf("%d telemetry entr(ies), consent within %s", len(p.Disclosure.Telemetry), listOr(tp.AllowedConsent, "none")), r)
	}
	if lp := pol.Listeners; lp != nil {
		var r []string
		for i, l := range p.Disclosure.Listeners {
			if !slices.Contains(lp.AllowedBinds, l.Bind) {
				r = append(r, fmt.Sprintf("listeners[%d] (%s) binds %s; the policy accepts %s", i, listenerName(l), l.Bind, listOr(lp.AllowedBinds, "no listener")))
			}
		}
		add(RuleListeners, fmt.Sprintf("%d listener(s), binds within %s", len(p.Disclosure.Listeners), listOr(lp.AllowedBinds, "none")), r)
	}
	if ep := pol.Endpoints; ep != nil {
		hosts := hostsOf(in)
		add(RuleEndpoints, fmt.Sprintf("%d host(s) checked against %d allowed and %d denied pattern(s)", len(hosts), len(ep.Allow), len(ep.Deny)),
			endpointReasons(hosts, ep))
	}
	return checks
}

func analyzerReasons(version, min string) []string {
	got, ok := parseSemver(version)
	if !ok {
		return []string{fmt.Sprintf("the analyser version %q is not a release; the policy needs %s or later", version, min)}
	}
	want, _ := parseSemver(min)
	if got.compare(want) < 0 {
		return []string{fmt.Sprintf("the analyser version %s is older than %s", version, min)}
	}
	return nil
}

func ageReasons(scanned, now time.Time, max time.Duration, maxText string) []string {
	if scanned.After(now.Add(clockSkew)) {
		return []string{fmt.Sprintf("scannedAt %s is in the future", scanned.UTC().Format(time.RFC3339))}
	}
	if age := now.Sub(scanned); age > max {
		return []string{fmt.Sprintf("the attestation is %s old (scanned %s); the policy accepts at most %s", roundAge(age), scanned.UTC().Format(time.RFC3339), maxText)}
	}
	return nil
}

// roundAge writes an age in days and hours, or minutes when short.
func roundAge(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), (d%(24*time.Hour))/time.Hour)
	case d >= time.Hour:
		return d.Truncate(time.Minute).String()
	}
	return d.Truncate(time.Second).String()
}

func securityReasons(s predicate.Security, sp *SecurityPolicy) []string {
	var r []string
	if sp.MaxNotificationDays != nil && s.NotificationDays > *sp.MaxNotificationDays {
		r = append(r, fmt.Sprintf("the vendor notifies users of serious vulnerabilities within %d day(s); the policy needs %d or fewer", s.NotificationDays, *sp.MaxNotificationDays))
	}
	if sp.RequireContact && strings.TrimSpace(s.Contact) == "" {
		r = append(r, "no security contact is named")
	}
	if sp.RequireAdvisoryFeed && len(s.AdvisoryFeeds) == 0 {
		r = append(r, "no advisory feed (CSAF, OpenVEX...) is named")
	}
	return r
}

// undisclosedReasons counts the findings no disclosure entry covers, judged again with
// candor's matcher on the declared entries rather than taken from the attestation's
// coveredBy: a finding is undisclosed when either says so. An obfuscated artifact fails
// whatever covers it.
// maxUndisclosed is the policy's findings.maxUndisclosed: 0 for the defaults (a nil policy)
// or a policy that leaves it out.
func (p *Policy) maxUndisclosed() int {
	if p == nil || p.Findings == nil || p.Findings.MaxUndisclosed == nil {
		return 0
	}
	return *p.Findings.MaxUndisclosed
}

func undisclosedReasons(in policyInput, max int) (string, []string) {
	d := &in.pred.Disclosure
	var obscured, undisclosed []string
	total := 0
	walkFindings(in.name, in.analysis, func(where string, f *predicate.Finding) {
		total++
		if f.Capability == scan.AnalysisObscured {
			obscured = append(obscured, fmt.Sprintf("%s cannot be analysed (%s): %s; no disclosure makes it acceptable", where, f.Rule, f.Summary))
		}
		switch {
		case f.CoveredBy == "":
			undisclosed = append(undisclosed, fmt.Sprintf("%s: undisclosed %s (rule %s)", where, findingName(f), f.Rule))
		case d.Cover(f.Finding) == "":
			undisclosed = append(undisclosed, fmt.Sprintf("%s: %s is marked as covered by %s, but no declared entry covers it", where, findingName(f), f.CoveredBy))
		}
	})
	detail := fmt.Sprintf("%d finding(s), %d undisclosed (at most %d)", total, len(undisclosed), max)
	if len(undisclosed) <= max {
		return detail, obscured
	}
	r := append(obscured, undisclosed...)
	return detail, append(r, fmt.Sprintf("%d undisclosed finding(s); the policy accepts at most %d", len(undisclosed), max))
}

func updatesReasons(u *predicate.Updates, up *UpdatesPolicy) (string, []string) {
	mech := predicate.UpdateNone
	if u != nil {
		mech = u.Mechanism
	}
	detail := "mechanism " + string(mech)
	if u == nil {
		detail += " (no updates declared)"
	}
	var r []string
	if u.Forced() && (up == nil || !up.AllowForced) {
		r = append(r, "updates are installed automatically and the user cannot turn them off: a forced upgrade")
	}
	if up != nil && up.AllowedMechanisms != nil && !slices.Contains(up.AllowedMechanisms, mech) {
		r = append(r, fmt.Sprintf("the update mechanism is %s; the policy accepts %s", mech, listOr(up.AllowedMechanisms, "none")))
	}
	return detail, r
}

// host is a declared host pattern or a host the analysis found.
type host struct {
	pattern  string // normalised when declared; as found otherwise
	wildcard bool
	where    string
}

// hostsOf lists every declared host pattern and every host found in the artifact.
func hostsOf(in policyInput) []host {
	var hs []host
	decl := func(p, where string) {
		n, wild, err := predicate.NormalizeHost(p)
		if err != nil {
			// An attestation is normalised when made: keep the raw text so it matches nothing
			// an allow list names, and say where it is.
			n = p
		}
		hs = append(hs, host{pattern: n, wildcard: wild, where: where})
	}
	d := in.pred.Disclosure
	for i, e := range d.Endpoints {
		decl(e.Host, fmt.Sprintf("endpoints[%d]", i))
	}
	for i, t := range d.Telemetry {
		for _, h := range t.Endpoints {
			decl(h, fmt.Sprintf("telemetry[%d]", i))
		}
	}
	if d.Updates != nil {
		for _, h := range d.Updates.Endpoints {
			decl(h, "updates")
		}
	}
	walkFindings(in.name, in.analysis, func(where string, f *predicate.Finding) {
		if f.Host != "" {
			hs = append(hs, host{pattern: f.Host, where: "found in " + where})
		}
		// an endpoint table's hosts are checked one by one, like any other
		for _, h := range f.Hosts {
			hs = append(hs, host{pattern: h, where: "found in " + where + " (endpoint table " + f.Table + ")"})
		}
	})
	return hs
}

func endpointReasons(hosts []host, ep *EndpointsPolicy) []string {
	var r []string
	for _, h := range hosts {
		for _, d := range ep.Deny {
			if overlaps(d, h) {
				r = append(r, fmt.Sprintf("%s (%s) is denied by %s", h.pattern, h.where, d))
				break
			}
		}
		if ep.Allow == nil {
			continue
		}
		ok := false
		for _, a := range ep.Allow {
			if coveredByPattern(a, h) {
				ok = true
				break
			}
		}
		if !ok {
			r = append(r, fmt.Sprintf("%s (%s) is not on the allow list", h.pattern, h.where))
		}
	}
	return r
}

// coveredByPattern reports whether every host h stands for matches the allow pattern a.
func coveredByPattern(a string, h host) bool {
	if !h.wildcard {
		return predicate.MatchHost(a, h.pattern)
	}
	d := strings.TrimPrefix(h.pattern, "*.")
	e, ok := strings.CutPrefix(a, "*.")
	return ok && (d == e || strings.HasSuffix(d, "."+e))
}

// overlaps reports whether some host matches both the deny pattern d and h.
func overlaps(d string, h host) bool {
	if !h.wildcard {
		return predicate.MatchHost(d, h.pattern)
	}
	hd := strings.TrimPrefix(h.pattern, "*.")
	if e, ok := strings.CutPrefix(d, "*."); ok {
		return hd == e || strings.HasSuffix(hd, "."+e) || strings.HasSuffix(e, "."+hd)
	}
	return predicate.MatchHost(h.pattern, d)
}

// walkFindings calls fn for every finding of an artifact and of its members, with where
// naming the artifact ("app", or "image.tar!/usr/bin/app" for a member).
func walkFindings(name string, a *predicate.ArtifactAnalysis, fn func(where string, f *predicate.Finding)) {
	for i := range a.Findings {
		fn(name, &a.Findings[i])
	}
	for i := range a.Members {
		walkFindings(name+"!/"+a.Members[i].Name, &a.Members[i], fn)
	}
}

func findingName(f *predicate.Finding) string {
	if f.Host != "" {
		return string(f.Capability) + " " + f.Host
	}
	return string(f.Capability)
}

func listenerName(l predicate.Listener) string {
	switch {
	case l.Path != "":
		return "unix " + l.Path
	case l.Port == nil:
		return l.Protocol
	case l.Port.Low == l.Port.High:
		return fmt.Sprintf("port %d", l.Port.Low)
	}
	return fmt.Sprintf("ports %d-%d", l.Port.Low, l.Port.High)
}

// listOr joins values, or returns empty when there are none.
func listOr[T ~string](vs []T, empty string) string {
	if len(vs) == 0 {
		return empty
	}
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
