package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// Scanner re-scans an artifact for [StepRescan]. *scan.Scanner implements it.
type Scanner interface {
	ScanFile(ctx context.Context, path string) (*scan.Artifact, error)
	Analyzer() scan.Analyzer
}

// rescanResult is the outcome of comparing a fresh scan with the attested analysis.
type rescanResult struct {
	detail  string
	notes   []string
	reasons []string
}

// compareRescan checks that every finding of the fresh scan is in the attested analysis and
// covered. With the same rules (same digest) a finding is identified by its place (the
// artifact or a member), rule and host; with other rules, by place, capability and host.
// Attested findings the fresh scan does not have are noted, not failed: a vendor may
// disclose more than the analyser sees.
//
// maxUndisclosed is the policy's findings.maxUndisclosed (0 by default): found findings that
// the analysis lists but no disclosure entry covers are accepted up to that many, as the
// policy step accepts them. A finding the analysis does not list, or one it claims covered
// that no declared entry covers, always fails: the analysis misreports the artifact.
func compareRescan(name, sha string, fresh *scan.Artifact, freshAn scan.Analyzer, pred *predicate.Predicate, attested *predicate.ArtifactAnalysis, maxUndisclosed int) rescanResult {
	var res rescanResult
	an := pred.Analysis.Analyzer
	sameRules := freshAn.RulesDigest == an.RulesDigest
	if !sameRules {
		res.notes = append(res.notes, fmt.Sprintf("the re-scan used other rules (%s %s, %s) than the attestation (%s %s, %s): findings compared by capability and host, not by rule",
			freshAn.RulesVersion, freshAn.Version, shortDigest(freshAn.RulesDigest), an.RulesVersion, an.Version, shortDigest(an.RulesDigest)))
	}
	if !strings.EqualFold(fresh.SHA256, sha) {
		res.reasons = append(res.reasons, fmt.Sprintf("the file changed during verification: it now has sha256 %s", fresh.SHA256))
		return res
	}
	key := func(place string, rule string, c scan.Capability, host string) string {
		id := rule
		if !sameRules {
			id = string(c)
		}
		return place + "\x00" + id + "\x00" + strings.ToLower(host)
	}
	want := map[string]*predicate.Finding{}
	seen := map[string]bool{}
	walkFindings(name, attested, func(where string, f *predicate.Finding) {
		k := key(where, f.Rule, f.Capability, findingHost(f.Host, f.Hosts))
		if prev, ok := want[k]; !ok || prev.CoveredBy != "" && f.CoveredBy == "" {
			want[k] = f // with other rules, several may share a key: keep an uncovered one
		}
	})
	d := &pred.Disclosure
	total := 0
	var uncovered []string
	walkScanFindings(name, fresh, func(where string, f *scan.Finding) {
		total++
		k := key(where, f.Rule, f.Capability, findingHost(f.Host, f.Hosts))
		seen[k] = true
		what := string(f.Capability)
		if f.Host != "" {
			what += " " + f.Host
		} else if len(f.Hosts) > 0 {
			what += fmt.Sprintf(" table of %d hosts (%s)", len(f.Hosts), f.Table)
		}
		a, ok := want[k]
		switch {
		case !ok:
			res.reasons = append(res.reasons, fmt.Sprintf("%s: the re-scan found %s (rule %s%s) that the attested analysis does not list", where, what, f.Rule, evidenceHint(f)))
		case a.CoveredBy == "":
			uncovered = append(uncovered, fmt.Sprintf("%s: %s is attested but not covered by the disclosure", where, what))
		case d.Cover(*f) == "":
			res.reasons = append(res.reasons, fmt.Sprintf("%s: %s is attested as covered by %s, but no declared entry covers what the re-scan found", where, what, a.CoveredBy))
		}
	})
	for k, f := range want {
		if !seen[k] {
			place, _, _ := strings.Cut(k, "\x00")
			res.notes = append(res.notes, fmt.Sprintf("%s: the attestation lists %s (rule %s), which the re-scan did not find", place, findingName(f), f.Rule))
		}
	}
	if len(uncovered) > maxUndisclosed {
		res.reasons = append(res.reasons, uncovered...)
		if maxUndisclosed > 0 {
			res.reasons = append(res.reasons, fmt.Sprintf("%d undisclosed finding(s) in the re-scan; the policy accepts at most %d", len(uncovered), maxUndisclosed))
		}
	}
	slices.Sort(res.notes)
	res.detail = fmt.Sprintf("re-scanned with %s %s (rules %s, %s): %d finding(s), each attested and covered", freshAn.Name, freshAn.Version, freshAn.RulesVersion, shortDigest(freshAn.RulesDigest), total)
	if len(uncovered) > 0 {
		res.detail = fmt.Sprintf("re-scanned with %s %s (rules %s, %s): %d finding(s), each attested; %d undisclosed (at most %d)", freshAn.Name, freshAn.Version, freshAn.RulesVersion, shortDigest(freshAn.RulesDigest), total, len(uncovered), maxUndisclosed)
	}
	return res
}

// walkScanFindings is walkFindings for a fresh scan.
func walkScanFindings(name string, a *scan.Artifact, fn func(where string, f *scan.Finding)) {
	for i := range a.Findings {
		fn(name, &a.Findings[i])
	}
	for i := range a.Members {
		walkScanFindings(name+"!/"+a.Members[i].Path, &a.Members[i], fn)
	}
}

// evidenceHint names the first evidence item of a finding, for a person to check.
func evidenceHint(f *scan.Finding) string {
	if len(f.Evidence) == 0 {
		return ""
	}
	e := f.Evidence[0]
	return fmt.Sprintf("; evidence: %s %q at %s", e.Kind, e.Value, e.Where)
}

// shortDigest abbreviates "sha256:<hex>" for messages.
func shortDigest(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13] + "…"
	}
	return d
}

// findingHost is what identifies a finding beside its rule and capability: its
// host, or for an endpoint table every host it lists (two tables of one rule
// are told apart, and a table that gains a host is a new finding).
func findingHost(h string, hosts []string) string {
	if h != "" || len(hosts) == 0 {
		return h
	}
	return strings.Join(hosts, ",")
}
