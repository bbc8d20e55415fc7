package verify

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
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
	// RuleRemoteControl judges remote administration, tunnels, running programs and loading code.
	RuleRemoteControl = "remoteControl"
	// RuleAccepted applies findings.accepted.maxLinked.
	RuleAccepted = "accepted"
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
	judged := judgeFindings(in)
	detail, r := undisclosedReasons(judged, pol.maxUndisclosed())
	add(RuleUndisclosed, detail, r)
	if fp := pol.Findings; fp != nil && fp.Accepted != nil {
		detail, r = acceptedReasons(judged, fp.Accepted)
		add(RuleAccepted, detail, r)
	}
	detail, r = updatesReasons(p.Disclosure.Updates, pol, judged)
	add(RuleUpdates, detail, r)
	if tp := pol.Telemetry; tp != nil {
		detail, r := telemetryReasons(&p.Disclosure, tp, pol, judged)
		add(RuleTelemetry, detail, r)
	}
	if lp := pol.Listeners; lp != nil {
		detail, r := listenersReasons(&p.Disclosure, lp, pol, judged)
		add(RuleListeners, detail, r)
	}
	if rp := pol.RemoteControl; rp != nil {
		detail, r := remoteControlReasons(&p.Disclosure, rp, pol, judged)
		add(RuleRemoteControl, detail, r)
	}
	if ep := pol.Endpoints; ep != nil {
		hosts := hostsOf(in, judged, ep.AcceptedHosts == AcceptedHostsAllowAndDeny)
		add(RuleEndpoints, endpointsDetail(hosts, ep), endpointReasons(hosts, ep))
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

func undisclosedReasons(judged []judgedFinding, max int) (string, []string) {
	var obscured, undisclosed []string
	for _, j := range judged {
		where, f := j.where, j.f
		if f.Capability == scan.AnalysisObscured {
			obscured = append(obscured, fmt.Sprintf("%s cannot be analysed (%s): %s; no disclosure makes it acceptable", where, f.Rule, f.Summary))
		}
		switch {
		case f.CoveredBy == "":
			undisclosed = append(undisclosed, fmt.Sprintf("%s: undisclosed %s (rule %s)", where, findingName(f), f.Rule))
		case j.again == "":
			undisclosed = append(undisclosed, fmt.Sprintf("%s: %s is marked as covered by %s, but no declared entry covers it", where, findingName(f), f.CoveredBy))
		}
	}
	detail := fmt.Sprintf("%d finding(s), %d undisclosed (at most %d)", len(judged), len(undisclosed), max)
	if len(undisclosed) <= max {
		return detail, obscured
	}
	r := append(obscured, undisclosed...)
	return detail, append(r, fmt.Sprintf("%d undisclosed finding(s); the policy accepts at most %d", len(undisclosed), max))
}

func updatesReasons(u *predicate.Updates, pol *Policy, judged []judgedFinding) (string, []string) {
	up := pol.Updates
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
	var allowed []predicate.UpdateMechanism
	if up != nil {
		allowed = up.AllowedMechanisms
	}
	if allowed != nil && !slices.Contains(allowed, mech) {
		r = append(r, fmt.Sprintf("the update mechanism is %s; the policy accepts %s", mech, listOr(allowed, "none")))
	}
	for _, j := range judged {
		c := j.f.Capability
		if c != scan.UpdateSelf && c != scan.UpdateCheck && c != scan.UpdateFetchExec {
			continue
		}
		switch j.disp {
		case predicate.AcceptedFinding:
			// A policy silent on mechanisms still refuses what could be a forced upgrade: an
			// accepted linked finding that replaces the program or runs what it fetched.
			if allowed != nil || c != scan.UpdateCheck && j.f.Confidence == scan.Linked {
				if reason, ok := pol.acceptedFails(j); ok {
					r = append(r, reason)
				}
			}
		case predicate.Undisclosed:
			// Nothing says how it updates: the worst the capability can mean.
			worst := predicate.UpdateAutomatic
			if c == scan.UpdateCheck {
				worst = predicate.UpdateNotify
			}
			if allowed != nil && !slices.Contains(allowed, worst) {
				r = append(r, fmt.Sprintf("%s: undisclosed %s could be mechanism %s; the policy accepts %s", j.where, describeFinding(j.f), worst, listOr(allowed, "none")))
			}
		default:
			// Judged by the declared mechanism above; a finding some other entry covers is not
			// an update the disclosure describes.
			if !slices.Contains(j.refs, "updates") && allowed != nil {
				r = append(r, fmt.Sprintf("%s: %s is covered by %s, not by the updates section; the policy accepts mechanisms %s", j.where, describeFinding(j.f), strings.Join(j.refs, ", "), listOr(allowed, "none")))
			}
		}
	}
	return detail + tally(judged, scan.UpdateSelf, scan.UpdateCheck, scan.UpdateFetchExec), r
}

func telemetryReasons(d *predicate.Declarations, tp *TelemetryPolicy, pol *Policy, judged []judgedFinding) (string, []string) {
	var r []string
	for i, t := range d.Telemetry {
		if !slices.Contains(tp.AllowedConsent, t.Consent) {
			r = append(r, fmt.Sprintf("telemetry[%d] %q has consent %s; the policy accepts %s", i, t.Name, t.Consent, listOr(tp.AllowedConsent, "no telemetry")))
		}
	}
	for _, j := range judged {
		if j.f.Capability != scan.TelemetrySDK {
			continue
		}
		switch j.disp {
		case predicate.AcceptedFinding:
			if reason, ok := pol.acceptedFails(j); ok {
				r = append(r, reason)
			}
		case predicate.Undisclosed:
			if !slices.Contains(tp.AllowedConsent, predicate.ConsentAlways) {
				r = append(r, fmt.Sprintf("%s: undisclosed %s could send data always; the policy accepts %s", j.where, describeFinding(j.f), listOr(tp.AllowedConsent, "no telemetry")))
			}
		default:
			// Judged by the consent of the entry covering it: an entry's failure is said
			// above, once; a finding some other entry covers is not telemetry it declares.
			for _, by := range j.refs {
				if i, ok := index(by, "telemetry"); !ok || i >= len(d.Telemetry) {
					r = append(r, fmt.Sprintf("%s: %s is covered by %s, not by a telemetry entry; the policy accepts %s", j.where, describeFinding(j.f), by, listOr(tp.AllowedConsent, "no telemetry")))
				}
			}
		}
	}
	return fmt.Sprintf("%d telemetry entr(ies), consent within %s", len(d.Telemetry), listOr(tp.AllowedConsent, "none")) + tally(judged, scan.TelemetrySDK), r
}

func listenersReasons(d *predicate.Declarations, lp *ListenersPolicy, pol *Policy, judged []judgedFinding) (string, []string) {
	var r []string
	for i, l := range d.Listeners {
		if !slices.Contains(lp.AllowedBinds, l.Bind) {
			r = append(r, fmt.Sprintf("listeners[%d] (%s) binds %s; the policy accepts %s", i, listenerName(l), l.Bind, listOr(lp.AllowedBinds, "no listener")))
		}
	}
	for _, j := range judged {
		if j.f.Capability != scan.NetworkListen {
			continue
		}
		switch j.disp {
		case predicate.AcceptedFinding:
			if reason, ok := pol.acceptedFails(j); ok {
				r = append(r, reason)
			}
		case predicate.Undisclosed:
			if !slices.Contains(lp.AllowedBinds, "all") {
				r = append(r, fmt.Sprintf("%s: undisclosed %s could bind all; the policy accepts %s", j.where, describeFinding(j.f), listOr(lp.AllowedBinds, "no listener")))
			}
		default:
			// The declared listeners are judged above; with none accepted, none may exist.
			if len(lp.AllowedBinds) == 0 && len(d.Listeners) == 0 {
				r = append(r, fmt.Sprintf("%s: %s is covered by %s; the policy accepts no listener", j.where, describeFinding(j.f), strings.Join(j.refs, ", ")))
			}
		}
	}
	return fmt.Sprintf("%d listener(s), binds within %s", len(d.Listeners), listOr(lp.AllowedBinds, "none")) + tally(judged, scan.NetworkListen), r
}

// remoteControlCapabilities are the capabilities the remoteControl topic judges.
var remoteControlCapabilities = []scan.Capability{scan.RemoteAdmin, scan.RemoteTunnel, scan.ProcessExec, scan.CodeDynamic}

func remoteControlReasons(d *predicate.Declarations, rp *RemoteControlPolicy, pol *Policy, judged []judgedFinding) (string, []string) {
	var r []string
	accepts := listOr(rp.Allowed, "no remote control")
	for i, e := range d.RemoteControl {
		if !slices.Contains(rp.Allowed, e.Capability) {
			r = append(r, fmt.Sprintf("remoteControl[%d] declares %s (%q); the policy accepts %s", i, e.Capability, e.Purpose, accepts))
		} else if rp.AllowedConsent != nil && !slices.Contains(rp.AllowedConsent, e.Consent) {
			r = append(r, fmt.Sprintf("remoteControl[%d] %s has consent %s; the policy accepts %s", i, e.Capability, e.Consent, listOr(rp.AllowedConsent, "none")))
		}
	}
	for _, j := range judged {
		c := j.f.Capability
		if !slices.Contains(remoteControlCapabilities, c) {
			continue
		}
		switch j.disp {
		case predicate.AcceptedFinding:
			if reason, ok := pol.acceptedFails(j); ok {
				r = append(r, reason)
			}
		case predicate.Undisclosed:
			switch {
			case !slices.Contains(rp.Allowed, c):
				r = append(r, fmt.Sprintf("%s: undisclosed %s; the policy accepts %s", j.where, describeFinding(j.f), accepts))
			case rp.AllowedConsent != nil && !slices.Contains(rp.AllowedConsent, predicate.ConsentAlways):
				r = append(r, fmt.Sprintf("%s: undisclosed %s could be active always; the policy accepts consent %s", j.where, describeFinding(j.f), listOr(rp.AllowedConsent, "none")))
			}
		default:
			for _, by := range j.refs {
				if i, ok := index(by, "remoteControl"); !ok || i >= len(d.RemoteControl) || d.RemoteControl[i].Capability != c {
					r = append(r, fmt.Sprintf("%s: %s is covered by %s, not by a remoteControl entry of its capability; the policy accepts %s", j.where, describeFinding(j.f), by, accepts))
				}
				// a remoteControl entry is judged above
			}
		}
	}
	return fmt.Sprintf("%d remoteControl entr(ies), capabilities within %s", len(d.RemoteControl), listOr(rp.Allowed, "none")) + tally(judged, remoteControlCapabilities...), r
}

// tally counts the findings of the capabilities that no declaration covers, for a topic's
// detail: "; 1 accepted and 2 undisclosed finding(s)", or nothing when there are none.
func tally(judged []judgedFinding, caps ...scan.Capability) string {
	acc, und := 0, 0
	for _, j := range judged {
		if !slices.Contains(caps, j.f.Capability) {
			continue
		}
		switch j.disp {
		case predicate.AcceptedFinding:
			acc++
		case predicate.Undisclosed:
			und++
		}
	}
	switch {
	case acc > 0 && und > 0:
		return fmt.Sprintf("; %d accepted and %d undisclosed finding(s)", acc, und)
	case acc > 0:
		return fmt.Sprintf("; %d accepted finding(s)", acc)
	case und > 0:
		return fmt.Sprintf("; %d undisclosed finding(s)", und)
	}
	return ""
}

// acceptedReasons applies findings.accepted.maxLinked: the accepted findings of confidence
// linked, counted per capability.
func acceptedReasons(judged []judgedFinding, ap *AcceptedPolicy) (string, []string) {
	linked := map[scan.Capability][]judgedFinding{}
	total, nLinked := 0, 0
	for _, j := range judged {
		if j.disp != predicate.AcceptedFinding {
			continue
		}
		total++
		if j.f.Confidence == scan.Linked {
			nLinked++
			linked[j.f.Capability] = append(linked[j.f.Capability], j)
		}
	}
	var r []string
	for _, c := range scan.Capabilities {
		max, capped := ap.MaxLinked[c.ID]
		if !capped || len(linked[c.ID]) <= max {
			continue
		}
		for _, j := range linked[c.ID] {
			r = append(r, fmt.Sprintf("%s: %s is accepted by %s", j.where, describeFinding(j.f), j.acceptedBy()))
		}
		r = append(r, fmt.Sprintf("%d accepted linked %s finding(s); the policy accepts at most %d (findings.accepted.maxLinked)", len(linked[c.ID]), c.ID, max))
	}
	return fmt.Sprintf("%d accepted finding(s), %d linked; accepted findings allowed for %s", total, nLinked, listOr(ap.Allow, "no capability")), r
}

// judgedFinding is a finding of the artifact with its disposition: disclosed (refs name the
// declarations covering it), accepted (refs name the accepted entries, entries holds them)
// or undisclosed.
type judgedFinding struct {
	where   string
	f       *predicate.Finding
	disp    predicate.Disposition
	refs    []string
	entries []*predicate.Accepted // for accepted findings, nil for a reference to no entry
	again   string                // the entry candor's matcher finds, "" for none
}

// judgeFindings gives each finding the weaker of two dispositions: the one its attested
// coveredBy gives and the one candor's matcher gives on the declared entries. A finding
// either calls undisclosed is undisclosed, one either calls accepted is accepted.
func judgeFindings(in policyInput) []judgedFinding {
	d := &in.pred.Disclosure
	var out []judgedFinding
	walkFindings(in.name, in.analysis, func(where string, f *predicate.Finding) {
		attested, again := f.CoveredBy, d.Cover(f.Finding)
		j := judgedFinding{where: where, f: f, again: again}
		da, dg := predicate.DispositionOf(attested), predicate.DispositionOf(again)
		switch {
		case da == predicate.Undisclosed || dg == predicate.Undisclosed:
			j.disp = predicate.Undisclosed
		case da == predicate.AcceptedFinding || dg == predicate.AcceptedFinding:
			j.disp = predicate.AcceptedFinding
			for _, by := range []string{attested, again} {
				if predicate.DispositionOf(by) != predicate.AcceptedFinding || slices.Contains(j.refs, by) {
					continue
				}
				j.refs = append(j.refs, by)
				var e *predicate.Accepted
				if i, ok := index(by, "accepted"); ok && i < len(d.Accepted) {
					e = &d.Accepted[i]
				}
				j.entries = append(j.entries, e)
			}
		default:
			j.disp = predicate.Disclosed
			j.refs = []string{attested}
			if again != attested {
				j.refs = append(j.refs, again)
			}
		}
		out = append(out, j)
	})
	return out
}

// acceptedBy names the accepted entries of an accepted finding and their reasons.
func (j judgedFinding) acceptedBy() string {
	parts := make([]string, len(j.refs))
	for i, by := range j.refs {
		if e := j.entries[i]; e != nil {
			parts[i] = fmt.Sprintf("%s (reason %q)", by, e.Reason)
		} else {
			parts[i] = by + " (no such entry)"
		}
	}
	return strings.Join(parts, " and ")
}

// acceptedFails returns the reason an accepted finding fails its topic, and false when the
// policy allows accepted findings of its capability (findings.accepted.allow).
func (p *Policy) acceptedFails(j judgedFinding) (string, bool) {
	if p.Findings != nil && p.Findings.Accepted != nil && slices.Contains(p.Findings.Accepted.Allow, j.f.Capability) {
		return "", false
	}
	return fmt.Sprintf("%s: %s is only accepted, by %s, not disclosed; the policy accepts it only if findings.accepted.allow lists %s", j.where, describeFinding(j.f), j.acceptedBy(), j.f.Capability), true
}

// describeFinding names a finding for a reason: its capability, confidence, rule and host or
// first evidence value.
func describeFinding(f *predicate.Finding) string {
	s := fmt.Sprintf("%s [%s] (rule %s", f.Capability, f.Confidence, f.Rule)
	switch {
	case f.Host != "":
		s += ", host " + f.Host
	case f.Table != "":
		s += fmt.Sprintf(", endpoint table %q", f.Table)
	case len(f.Evidence) > 0:
		s += fmt.Sprintf(", %s %q", f.Evidence[0].Kind, f.Evidence[0].Value)
	}
	return s + ")"
}

// index reads a reference list[i]; ok is false for another list or a malformed reference.
func index(by, list string) (int, bool) {
	rest, ok := strings.CutPrefix(by, list+"[")
	if !ok {
		return 0, false
	}
	rest, ok = strings.CutSuffix(rest, "]")
	if !ok || rest == "" || len(rest) > 9 || rest[0] == '+' || rest[0] == '-' {
		return 0, false
	}
	i, err := strconv.Atoi(rest)
	return i, err == nil
}

// host is a declared host pattern or a host the analysis found, with every place it
// appears.
type host struct {
	pattern  string // normalised when declared; as found otherwise
	wildcard bool
	canon    canonHost // of pattern, when it is not a wildcard
	where    []string
	// allow: the host meets the allow list too (the disclosure says it is contacted, or
	// nothing covers it); hosts only accepted findings have meet the deny list alone.
	allow bool
	// under indexes the declared hosts that cover this found host: when one of them fails
	// the same way, the found host is named in its reason rather than in one of its own.
	under []int
}

// maxPlaces is how many places a reason names for one host.
const maxPlaces = 3

func (h host) places() string {
	return capped(h.where, "; ")
}

// capped joins the first maxPlaces items and counts the rest.
func capped(items []string, sep string) string {
	if len(items) <= maxPlaces {
		return strings.Join(items, sep)
	}
	return strings.Join(items[:maxPlaces], sep) + fmt.Sprintf("%sand %d more", sep, len(items)-maxPlaces)
}

// hostsOf lists every declared host pattern and every host found in the artifact, each once.
func hostsOf(in policyInput, judged []judgedFinding, acceptedAllow bool) []host {
	var hs []host
	at := map[string]int{}
	// declared holds, per reference (endpoints[0], telemetry[1], updates), the hosts it declares.
	declared := map[string][]int{}
	add := func(pattern string, wild bool, where string, allow bool) int {
		// one host however it is spelt: API.Example.com and api.example.com are one
		k, c := "\x00"+pattern, canonHost{}
		if !wild {
			c = canonOf(pattern)
			k = c.name
		}
		i, ok := at[k]
		if !ok {
			i = len(hs)
			at[k] = i
			hs = append(hs, host{pattern: pattern, wildcard: wild, canon: c})
		}
		hs[i].where = append(hs[i].where, where)
		hs[i].allow = hs[i].allow || allow
		return i
	}
	found := func(h string, j judgedFinding, where string, allow bool) {
		i := add(h, false, where, allow)
		if j.disp != predicate.Disclosed {
			return
		}
		for _, by := range j.refs {
			for _, d := range declared[by] {
				if d != i && !slices.Contains(hs[i].under, d) && hs[i].canon.matchedBy(hs[d].pattern) {
					hs[i].under = append(hs[i].under, d)
				}
			}
		}
	}
	decl := func(p, where string) {
		n, wild, err := predicate.NormalizeHost(p)
		if err != nil {
			// An attestation is normalised when made: keep the raw text so it matches nothing
			// an allow list names, and say where it is.
			n = p
		}
		declared[where] = append(declared[where], add(n, wild, where, true))
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
	for _, j := range judged {
		f := j.f
		if f.Host == "" && len(f.Hosts) == 0 {
			continue
		}
		how := "undisclosed"
		switch j.disp {
		case predicate.Disclosed:
			how = "covered by " + strings.Join(j.refs, ", ")
		case predicate.AcceptedFinding:
			how = "accepted by " + strings.Join(j.refs, ", ")
		}
		allow := j.disp != predicate.AcceptedFinding || acceptedAllow
		if f.Host != "" {
			found(f.Host, j, "found in "+j.where+", "+how, allow)
		}
		// an endpoint table's hosts are checked one by one, like any other
		for _, h := range f.Hosts {
			found(h, j, "found in "+j.where+" in endpoint table "+f.Table+", "+how, allow)
		}
	}
	return hs
}

func endpointsDetail(hosts []host, ep *EndpointsPolicy) string {
	denyOnly := 0
	for _, h := range hosts {
		if !h.allow {
			denyOnly++
		}
	}
	s := fmt.Sprintf("%d host(s) checked against %d allowed and %d denied pattern(s)", len(hosts), len(ep.Allow), len(ep.Deny))
	if denyOnly > 0 && ep.Allow != nil {
		s += fmt.Sprintf("; %d of them only accepted, checked against the denied patterns alone", denyOnly)
	}
	return s
}

func endpointReasons(hosts []host, ep *EndpointsPolicy) []string {
	deny := make([]canonHost, len(ep.Deny))
	for i, d := range ep.Deny {
		if !strings.HasPrefix(d, "*") {
			deny[i] = canonOf(d)
		}
	}
	denied := make([]int, len(hosts))
	allowed := make([]bool, len(hosts))
	for i, h := range hosts {
		denied[i] = -1
		for k, d := range ep.Deny {
			if overlaps(d, deny[k], h) {
				denied[i] = k
				break
			}
		}
		allowed[i] = ep.Allow == nil || !h.allow || slices.ContainsFunc(ep.Allow, func(a string) bool { return coveredByPattern(a, h) })
	}
	// A found host a failing declaration covers is named in the declaration's reason: the
	// host is listed once, where the problem is.
	deniedUnder, notAllowedUnder := map[int][]string{}, map[int][]string{}
	foldDenied, foldAllow := make([]bool, len(hosts)), make([]bool, len(hosts))
	for i, h := range hosts {
		for _, d := range h.under {
			if denied[i] >= 0 && denied[d] >= 0 && !foldDenied[i] {
				foldDenied[i] = true
				deniedUnder[d] = append(deniedUnder[d], h.pattern)
			}
			if !allowed[i] && !allowed[d] && !foldAllow[i] {
				foldAllow[i] = true
				notAllowedUnder[d] = append(notAllowedUnder[d], h.pattern)
			}
		}
	}
	covering := func(hs []string) string {
		if len(hs) == 0 {
			return ""
		}
		return "; it covers the found " + capped(hs, ", ")
	}
	var r []string
	for i, h := range hosts {
		if denied[i] >= 0 && !foldDenied[i] {
			r = append(r, fmt.Sprintf("%s (%s%s) is denied by endpoints.deny[%d] %s", h.pattern, h.places(), covering(deniedUnder[i]), denied[i], ep.Deny[denied[i]]))
		}
		if !allowed[i] && !foldAllow[i] {
			r = append(r, fmt.Sprintf("%s (%s%s) is not on the allow list (endpoints.allow)", h.pattern, h.places(), covering(notAllowedUnder[i])))
		}
	}
	return r
}

// coveredByPattern reports whether every host h stands for matches the allow pattern a.
func coveredByPattern(a string, h host) bool {
	if !h.wildcard {
		return h.canon.matchedBy(a)
	}
	d := strings.TrimPrefix(h.pattern, "*.")
	e, ok := strings.CutPrefix(a, "*.")
	return ok && (d == e || strings.HasSuffix(d, "."+e))
}

// overlaps reports whether some host matches both the deny pattern d (dc: d normalised as a
// host, see [canonOf]) and h.
func overlaps(d string, dc canonHost, h host) bool {
	if !h.wildcard {
		return h.canon.matchedBy(d)
	}
	hd := strings.TrimPrefix(h.pattern, "*.")
	if e, ok := strings.CutPrefix(d, "*."); ok {
		return hd == e || strings.HasSuffix(hd, "."+e) || strings.HasSuffix(e, "."+hd)
	}
	return dc.matchedBy(h.pattern)
}

// canonHost is a host normalised once (IDNA, case, IP form) for matching against many
// patterns: [predicate.MatchHost] normalises its host on every call, which for thousands of
// found hosts and denied patterns is most of the policy step's time.
type canonHost struct {
	name string
	// wild: a wildcard may match it (a valid name, not an IP address).
	wild bool
}

func canonOf(h string) canonHost {
	c, valid := predicate.CanonicalHost(h)
	_, err := netip.ParseAddr(c)
	return canonHost{name: c, wild: valid && err != nil}
}

// matchedBy reports what predicate.MatchHost(pattern, host) does, for the host c was made of.
func (c canonHost) matchedBy(pattern string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		return c.wild && len(c.name) > len(suffix) && strings.HasSuffix(c.name, suffix)
	}
	return pattern == c.name
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
