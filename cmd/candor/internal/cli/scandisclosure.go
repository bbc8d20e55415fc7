package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// reportOptions are the renderer options of candor scan beyond the rule specs: the
// working directory SARIF URIs are relative to, and the findings a --disclosure covers
// (SARIF suppressions).
func (o *ScanOptions) reportOptions() ([]output.Option, error) {
	var opts []output.Option
	if wd, err := os.Getwd(); err == nil {
		opts = append(opts, output.WithBaseDir(wd))
	}
	if o.Disclosure == "" {
		return opts, nil
	}
	if o.Output.Format != string(output.FormatSARIF) {
		return nil, fmt.Errorf("--disclosure marks covered findings as suppressed in SARIF; use it with --format sarif (candor attest matches a disclosure for an attestation)")
	}
	d, err := attest.LoadDisclosure(o.Disclosure)
	if err != nil {
		return nil, err
	}
	return append(opts, output.WithDisclosure(func(f scan.Finding) (string, bool) {
		by := d.Cover(f)
		if by == "" {
			return "", false
		}
		return justification(&d.Declarations, by), true
	})), nil
}

// justification says which entry of the disclosure covers a finding and why: its
// purpose, or for an accepted entry its reason.
func justification(d *predicate.Declarations, ref string) string {
	list, i := splitRef(ref)
	why := ""
	switch list {
	case "endpoints":
		if i >= 0 && i < len(d.Endpoints) {
			why = d.Endpoints[i].Purpose
		}
	case "telemetry":
		if i >= 0 && i < len(d.Telemetry) {
			why = d.Telemetry[i].Name
		}
	case "remoteControl":
		if i >= 0 && i < len(d.RemoteControl) {
			why = d.RemoteControl[i].Purpose
		}
	case "accepted":
		if i >= 0 && i < len(d.Accepted) {
			return fmt.Sprintf("accepted by %s: %s", ref, d.Accepted[i].Reason)
		}
	case "updates":
		if d.Updates != nil {
			why = "update mechanism " + string(d.Updates.Mechanism)
		}
	case "listeners":
		var ps []string
		for _, l := range d.Listeners {
			ps = append(ps, l.Purpose)
		}
		why = strings.Join(ps, "; ")
	case "configuredEndpoints":
		var ps []string
		for _, c := range d.ConfiguredEndpoints {
			ps = append(ps, c.Purpose)
		}
		why = strings.Join(ps, "; ")
	}
	if why == "" {
		return "disclosed by " + ref
	}
	return "disclosed by " + ref + ": " + why
}

// splitRef splits "endpoints[2]" into "endpoints" and 2; a whole section gives -1.
func splitRef(ref string) (string, int) {
	list, rest, ok := strings.Cut(ref, "[")
	if !ok {
		return ref, -1
	}
	n, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	if err != nil {
		return list, -1
	}
	return list, n
}
