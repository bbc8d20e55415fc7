package attest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// Uncovered is a finding no disclosure entry covers, with the YAML that would cover it.
type Uncovered struct {
	// Artifact is the subject name of the artifact the finding is in.
	Artifact string
	Finding  scan.Finding
	// Disclose is the YAML to add to the disclosure to declare what the finding shows, with
	// <placeholders> the vendor must replace (they do not validate as they stand). Empty when
	// the finding can only be accepted.
	Disclose string
	// Accept is the YAML to add instead when the finding is harmless (a reference that is
	// never contacted, code that is never reached), with the reason to write. Empty when the
	// finding has neither a host nor evidence to name.
	Accept string
	// Note explains a conflict with what the disclosure says, such as "updates: none".
	Note string
}

// Suggest returns the disclosure YAML that would cover f, found in the artifact named artifact.
func (d *Disclosure) Suggest(artifact string, f scan.Finding) Uncovered {
	u := Uncovered{Artifact: artifact, Finding: f, Accept: acceptSnippet(f)}
	var b strings.Builder
	switch f.Capability {
	case scan.NetworkEndpoint:
		if f.Host == "" && len(f.Hosts) > 0 {
			// An endpoint table: one entry per host, or accept the table by its module.
			b.WriteString("endpoints:\n")
			for _, h := range f.Hosts {
				fmt.Fprintf(&b, "  - host: %s\n    purpose: %s\n    data: [%s]\n    consent: %s\n",
					yamlString(suggestHost(h)), purposeHost, yamlScalar(dataHint), consentChoice)
			}
			break
		}
		fmt.Fprintf(&b, "endpoints:\n  - host: %s\n    purpose: %s\n    data: [%s]\n    consent: %s\n",
			yamlString(suggestHost(f.Host)), purposeHost, yamlScalar(dataHint), consentChoice)
	case scan.NetworkConnect:
		fmt.Fprintf(&b, "configuredEndpoints:\n  - setting: <the option or variable that sets the destination>\n    purpose: <what the connections are for>\n    data: [%s]\n    consent: %s\n",
			yamlScalar(dataHint), consentChoice)
	case scan.NetworkListen:
		b.WriteString("listeners:\n  - port: <port, or a range such as \"8000-8100\">\n    bind: <loopback|configurable|all>\n    purpose: <what the listener serves>\n    authentication: <none|password|token|mtls|os|other>\n")
	case scan.RemoteAdmin, scan.RemoteTunnel, scan.ProcessExec, scan.CodeDynamic:
		fmt.Fprintf(&b, "remoteControl:\n  - capability: %s\n    purpose: <what it is for and who can use it>\n    consent: %s\n    authentication: <none|password|token|mtls|os|other>\n",
			f.Capability, consentChoice)
	case scan.TelemetrySDK:
		mod := telemetryModule(f)
		name := "<product name of the SDK>"
		b.WriteString("telemetry:\n  - name: " + name + "\n")
		if mod != "" {
			b.WriteString("    sdk: " + yamlString(mod) + "\n")
		}
		fmt.Fprintf(&b, "    endpoints: [<host the data goes to>]\n    data: [%s]\n    consent: %s\n", yamlScalar(dataHint), consentChoice)
	case scan.UpdateSelf, scan.UpdateCheck, scan.UpdateFetchExec:
		if d.Updates != nil && d.Updates.Mechanism == predicate.UpdateNone {
			u.Note = "the disclosure says updates: mechanism: none, but the software contains update code"
		}
		b.WriteString("updates:\n  mechanism: <notify|user-approved|automatic>\n  endpoints: [<host updates come from>]\n  userCanDisable: <true|false>\n  signed: <true|false>\n")
	case scan.AnalysisObscured:
		u.Note = "an obfuscated or packed binary cannot be attested clean: build it without obfuscation or packing; accepting the finding signs an attestation whose every commitment is false"
	}
	u.Disclose = b.String()
	return u
}

func acceptSnippet(f scan.Finding) string {
	v := f.Host
	if v == "" && len(f.Hosts) > 0 && f.Module != "" {
		// an endpoint table is accepted by its module
		v, _, _ = strings.Cut(f.Module, "@")
		return fmt.Sprintf("accepted:\n  - rule: %s\n    value: %s\n    reason: %s\n",
			yamlString(f.Rule), yamlString(v), yamlScalar(tableReason(len(f.Hosts))))
	}
	if v == "" && len(f.Evidence) > 0 {
		v = f.Evidence[0].Value
	}
	if v == "" {
		return "" // nothing an accepted entry could match
	}
	return fmt.Sprintf("accepted:\n  - rule: %s\n    value: %s\n    reason: %s\n",
		yamlString(f.Rule), yamlString(v), yamlScalar(acceptReason(f.Capability)))
}

// acceptReason is the reason placeholder of an accepted entry: what would make a finding of
// the capability harmless.
func acceptReason(c scan.Capability) string {
	switch c {
	case scan.NetworkEndpoint:
		return reasonHost
	case scan.NetworkListen:
		return "<why nothing can connect: the code that listens is never run...>"
	case scan.NetworkConnect:
		return "<why the software never opens a connection: the code is never run...>"
	case scan.RemoteAdmin, scan.RemoteTunnel:
		return "<why nobody can reach it: the handler is never registered...>"
	case scan.ProcessExec:
		return "<why it never starts a program that someone else chooses: the code is never run...>"
	case scan.CodeDynamic:
		return "<why it never loads code at run time: the code is never run...>"
	case scan.TelemetrySDK:
		return "<why nothing is ever sent: the SDK is linked but never initialised...>"
	case scan.UpdateSelf, scan.UpdateCheck, scan.UpdateFetchExec:
		return "<why the update code never runs: it is reached only from a command the product does not ship...>"
	case scan.AnalysisObscured:
		return reasonAnalysis
	}
	return "<why this finding is harmless>"
}

// suggestHost returns the canonical form of a reported host for a suggestion.
func suggestHost(h string) string {
	c, _ := predicate.CanonicalHost(h)
	return c
}

// evidenceModule returns the module path of the first module evidence ("path@version").
func evidenceModule(f scan.Finding) string {
	for _, e := range f.Evidence {
		if e.Kind == scan.EvidenceModule {
			p, _, _ := strings.Cut(e.Value, "@")
			return p
		}
	}
	return ""
}

// yamlString writes s as a YAML scalar that reads back as the same string: plain when that is
// unambiguous, double-quoted (Go escapes are valid YAML escapes) otherwise.
func yamlString(s string) string {
	if s == "" || !plainSafe(s) {
		return strconv.Quote(s)
	}
	return s
}

func plainSafe(s string) bool {
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9', r == '.', r == '-', r == '_', r == '/':
			if i == 0 && (r == '-' || r == '.' || '0' <= r && r <= '9') {
				return false // could read as a number, a sequence or a special float
			}
		default:
			return false
		}
	}
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "null", "y", "n":
		return false
	}
	return true
}
