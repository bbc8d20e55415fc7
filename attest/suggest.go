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

// Placeholders used in suggestions. Each starts with "<" so that a snippet pasted unedited is
// rejected by the schema wherever the value is an enumeration.
const (
	consentChoice = "<always|opt-out|opt-in|user-initiated>"
	dataHint      = "[<what is sent, e.g. product version>]"
)

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
				fmt.Fprintf(&b, "  - host: %s\n    purpose: <why the software contacts this host>\n    data: %s\n    consent: %s\n",
					yamlString(suggestHost(h)), dataHint, consentChoice)
			}
			break
		}
		fmt.Fprintf(&b, "endpoints:\n  - host: %s\n    purpose: <why the software contacts this host>\n    data: %s\n    consent: %s\n",
			yamlString(suggestHost(f.Host)), dataHint, consentChoice)
	case scan.NetworkConnect:
		fmt.Fprintf(&b, "configuredEndpoints:\n  - setting: <the option or variable that sets the destination>\n    purpose: <what the connections are for>\n    data: %s\n    consent: %s\n",
			dataHint, consentChoice)
	case scan.NetworkListen:
		b.WriteString("listeners:\n  - port: <port, or a range such as \"8000-8100\">\n    bind: <loopback|configurable|all>\n    purpose: <what the listener serves>\n    authentication: <none|password|token|mtls|os|other>\n")
	case scan.RemoteAdmin, scan.RemoteTunnel, scan.ProcessExec, scan.CodeDynamic:
		fmt.Fprintf(&b, "remoteControl:\n  - capability: %s\n    purpose: <what it is for and who can use it>\n    consent: %s\n    authentication: <none|password|token|mtls|os|other>\n",
			f.Capability, consentChoice)
	case scan.TelemetrySDK:
		mod := evidenceModule(f)
		name := "<product name of the SDK>"
		b.WriteString("telemetry:\n  - name: " + name + "\n")
		if mod != "" {
			b.WriteString("    sdk: " + yamlString(mod) + "\n")
		}
		fmt.Fprintf(&b, "    endpoints: [<host the data goes to>]\n    data: %s\n    consent: %s\n", dataHint, consentChoice)
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
		return fmt.Sprintf("accepted:\n  - rule: %s\n    value: %s\n    reason: <why these %d hosts are harmless, e.g. the SDK's region table, of which the software uses only the region the user configures>\n",
			yamlString(f.Rule), yamlString(v), len(f.Hosts))
	}
	if v == "" && len(f.Evidence) > 0 {
		v = f.Evidence[0].Value
	}
	if v == "" {
		return "" // nothing an accepted entry could match
	}
	return fmt.Sprintf("accepted:\n  - rule: %s\n    value: %s\n    reason: <why this is harmless, e.g. the host is never contacted>\n",
		yamlString(f.Rule), yamlString(v))
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
