package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/predicate"
)

// FormatHTML is the self-contained HTML report of candor inspect ([Inspect] only).
const FormatHTML Format = "html"

// InspectFormats lists the formats [Inspect] writes, the default first.
func InspectFormats() []string {
	return []string{string(FormatText), string(FormatJSON), string(FormatHTML)}
}

// Inspect writes an inspect report in format f: text (a tree per artifact), JSON (the
// report as [inspect.Report] encodes it) or HTML (one self-contained page). Every string
// from an attestation or a file name is escaped for the format: [termsafe] for text and
// JSON, html/template for HTML.
func Inspect(w io.Writer, f Format, r *inspect.Report) error {
	if r == nil {
		return errNilResult
	}
	switch f {
	case FormatText:
		return inspectText(w, r)
	case FormatJSON:
		return writeJSON(w, r)
	case FormatHTML:
		return inspectHTML(w, r)
	}
	return fmt.Errorf("%w %q: use one of %s", ErrUnknownFormat, string(f), strings.Join(InspectFormats(), ", "))
}

// inspectStatus is how the text shows a check's status.
var inspectStatus = map[inspect.Status]string{inspect.Pass: "pass", inspect.Fail: "FAIL", inspect.NotPossible: "n/a"}

func inspectText(w io.Writer, r *inspect.Report) error {
	ew := &errWriter{w: w}
	switch {
	case len(r.Keys) == 0 && r.IdentityPolicy == "":
		ew.printf("trusted keys: none (every attestation is unverified)\n")
	case len(r.Keys) == 0:
		ew.printf("trusted keys: none\n")
	}
	if r.IdentityPolicy != "" {
		ew.printf("keyless Sigstore bundles: trusted root given, identity policy %s\n", termsafe.Line(r.IdentityPolicy))
	}
	for _, k := range r.Keys {
		ew.printf("trusted key %s (%s)\n", printable(k.Name), printable(k.Fingerprint))
	}
	passed := 0
	for _, ch := range r.Chains {
		ew.printf("\n")
		if ch.Passed {
			passed++
		}
		writeChain(ew, ch)
	}
	if len(r.Unmatched) > 0 {
		ew.printf("\nattestations about none of the artifacts given:\n")
		for i, a := range r.Unmatched {
			writeAttestation(ew, a, i == len(r.Unmatched)-1)
		}
	}
	if len(r.Problems) > 0 {
		ew.printf("\nproblems:\n")
		for _, p := range r.Problems {
			ew.printf("  - %s\n", termsafe.Line(p))
		}
	}
	word := "PASS"
	if !r.Passed {
		word = "FAIL"
	}
	ew.printf("\n%s: %d of %d chain(s) hang together\n", word, passed, len(r.Chains))
	return ew.err
}

func writeChain(ew *errWriter, ch *inspect.Chain) {
	word := "PASS"
	if !ch.Passed {
		word = "FAIL"
	}
	name := printable(ch.Artifact)
	if ch.Artifact == "" {
		name = "(attestations given without an artifact)"
	}
	ew.printf("%s %s\n", word, name)
	if ch.SHA256 != "" {
		ew.printf("  sha256 %s\n", ch.SHA256)
	}
	ew.printf("  attestations:\n")
	for i, a := range ch.Attestations {
		writeAttestation(ew, a, i == len(ch.Attestations)-1)
	}
	ew.printf("  checks:\n")
	for _, c := range ch.Checks {
		ew.printf("    %-4s  %-12s %s\n", inspectStatus[c.Status], c.Name, termsafe.Line(c.Detail))
		for _, it := range c.Items {
			ew.printf("                       - %s\n", termsafe.Line(it))
		}
	}
}

// writeAttestation writes one attestation as a branch of the tree.
func writeAttestation(ew *errWriter, a *inspect.Attestation, last bool) {
	head, cont := "  ├─ ", "  │    "
	if last {
		head, cont = "  └─ ", "       "
	}
	what := string(a.Kind)
	if a.PredicateType != "" {
		what += " " + printable(a.PredicateType)
	}
	ew.printf("%s%s  %s\n", head, printable(a.Source), what)
	line := func(format string, args ...any) { ew.printf(cont+format+"\n", args...) }
	if a.Verified {
		line("signed by %s", printable(a.Signer()))
	} else {
		ids := "no key id"
		if len(a.KeyIDs) > 0 {
			ids = "key id " + printable(strings.Join(a.KeyIDs, ", "))
		}
		line("UNVERIFIED: no trusted key signed it (%d signature(s), %s); shown, not trusted", a.Signatures, ids)
	}
	for _, s := range a.Subjects {
		line("subject %s sha256:%s", printable(s.Name), printable(s.Digest["sha256"]))
	}
	if a.Error != "" {
		line("cannot read: %s", termsafe.Line(a.Error))
	}
	switch {
	case a.Disclosure != nil:
		writeDisclosure(line, a.Disclosure)
	case a.Provenance != nil:
		p := a.Provenance
		line("SLSA provenance %s: builder %s", p.Version, printable(p.Builder))
		line("build type %s", printable(p.BuildType))
		if p.SourceRepo != "" || p.SourceCommit != "" {
			line("source %s at %s", printable(p.SourceRepo), printable(p.SourceCommit))
		}
		line("%d resolved dependenc(ies)", len(p.Dependencies))
	case a.SBOM != nil:
		line("SBOM %s: %d component(s), %d Go module(s)", printable(a.SBOM.Format), len(a.SBOM.Components), len(a.SBOM.GoModules))
	case a.VSA != nil:
		v := a.VSA
		line("verification summary by %s: %s %s", printable(v.Verifier), printable(v.Result), printable(strings.Join(v.Levels, ", ")))
		line("policy %s; resource %s", printable(v.Policy.URI), printable(v.ResourceURI))
		for _, in := range v.Inputs {
			line("input %s sha256:%s", printable(in.URI), printable(in.Digest["sha256"]))
		}
	case a.VEX != nil:
		for _, s := range a.VEX.Statements {
			line("VEX %s: %s %s", printable(s.Vulnerability), printable(s.Status), printable(s.Justification))
		}
	case a.Link != nil:
		line("in-toto link: step %s, command %s, %d material(s)", printable(a.Link.Name), printable(strings.Join(a.Link.Command, " ")), len(a.Link.Materials))
	case a.Kind == inspect.KindUnknown:
		line("predicate type not read by inspect: listed, not evaluated")
	}
}

func holds(b bool) string {
	if b {
		return "holds"
	}
	return "DOES NOT HOLD"
}

func writeDisclosure(line func(string, ...any), p *predicate.Predicate) {
	line("product %s %s by %s", printable(p.Product.Name), printable(p.Product.Version), printable(p.Product.Vendor))
	an := p.Analysis.Analyzer
	line("analyser %s %s, rules %s %s", printable(an.Name), printable(an.Version), printable(an.RulesVersion), printable(an.RulesDigest))
	v := p.Verdict
	line("no undisclosed remote control: %s; no undisclosed exfiltration: %s; no forced upgrade: %s",
		holds(v.NoUndisclosedRemoteControl.Holds), holds(v.NoUndisclosedExfiltration.Holds), holds(v.NoForcedUpgrade.Holds))
	for _, e := range p.Disclosure.Endpoints {
		line("host %s: %s; data: %s; consent: %s", printable(e.Host), printable(e.Purpose), printable(strings.Join(e.Data, ", ")), printable(string(e.Consent)))
	}
	for _, l := range p.Disclosure.Listeners {
		line("listener %s: %s, bind %s, authentication %s", listenerWhere(l), printable(l.Purpose), printable(l.Bind), printable(l.Authentication))
	}
	if u := p.Disclosure.Updates; u != nil {
		line("updates: %s%s", printable(string(u.Mechanism)), updateDetail(u))
	}
	for _, a := range p.Disclosure.Accepted {
		line("accepted %s: %s", printable(a.Selectors()), printable(a.Reason))
	}
	sec := p.Security
	line("security contact %s, notification within %d day(s), policy %s", printable(sec.Contact), sec.NotificationDays, printable(sec.Policy))
	n := 0
	var walk func(prefix string, arts []predicate.ArtifactAnalysis)
	walk = func(prefix string, arts []predicate.ArtifactAnalysis) {
		for _, art := range arts {
			for _, f := range art.Findings {
				n++
				if n > maxFindingsShown {
					continue
				}
				what := printable(string(f.Capability))
				if f.Host != "" {
					what += " " + printable(f.Host)
				}
				why := printable(string(f.Disposition))
				switch {
				case f.Reason != "":
					why += ": " + printable(f.Reason)
				case f.CoveredBy != "":
					why += " by " + printable(f.CoveredBy)
				}
				line("finding %s%s [%s, rule %s]: %s", printable(prefix), what, printable(string(f.Confidence)), printable(f.Rule), why)
			}
			walk(prefix+art.Name+"!", art.Members)
		}
	}
	walk("", p.Analysis.Artifacts)
	if n > maxFindingsShown {
		line("and %d more finding(s): --format json or html lists every one, with its evidence", n-maxFindingsShown)
	}
	line("%d finding(s) in %d analysed artifact(s)", n, len(p.Analysis.Artifacts))
}

// maxFindingsShown is how many findings of one disclosure the text report lists.
const maxFindingsShown = 20

func listenerWhere(l predicate.Listener) string {
	proto := l.Protocol
	if proto == "" {
		proto = "tcp"
	}
	switch {
	case l.Path != "":
		return proto + " " + printable(l.Path)
	case l.Port != nil && l.Port.Low == l.Port.High:
		return fmt.Sprintf("%s %d", printable(proto), l.Port.Low)
	case l.Port != nil:
		return fmt.Sprintf("%s %d-%d", printable(proto), l.Port.Low, l.Port.High)
	}
	return printable(proto)
}

func updateDetail(u *predicate.Updates) string {
	var parts []string
	if len(u.Endpoints) > 0 {
		parts = append(parts, "from "+strings.Join(u.Endpoints, ", "))
	}
	if u.UserCanDisable != nil {
		parts = append(parts, fmt.Sprintf("user can disable: %v", *u.UserCanDisable))
	}
	if u.Signed != nil {
		parts = append(parts, fmt.Sprintf("signed: %v", *u.Signed))
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + printable(strings.Join(parts, "; ")) + ")"
}
