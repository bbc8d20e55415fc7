package inspect

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/candor-dev/candor/predicate"
)

// assemble builds the report's chains: each artifact with the attestations beside it and
// those whose subjects name its SHA-256; without any artifact, one chain of every
// attestation read.
func assemble(rep *Report, c *collector, atts []*Attestation) {
	byDigest := map[string][]int{}
	for i, a := range c.artifacts {
		if a.sha256 != "" {
			byDigest[a.sha256] = append(byDigest[a.sha256], i)
		}
	}
	present := map[string]*Attestation{}
	for _, a := range atts {
		present[a.SHA256] = a
	}
	per := make([][]*Attestation, len(c.artifacts))
	for i, a := range atts {
		targets := map[int]bool{}
		if o := c.files[c.fileOf[i]].owner; o >= 0 {
			targets[o] = true
		}
		for _, s := range a.Subjects {
			for _, j := range byDigest[s.Digest["sha256"]] {
				targets[j] = true
			}
		}
		if len(targets) == 0 && len(c.artifacts) > 0 {
			rep.Unmatched = append(rep.Unmatched, a)
		}
		for j := range targets {
			per[j] = append(per[j], a)
		}
	}
	if len(c.artifacts) == 0 && len(atts) > 0 {
		ch := &Chain{Attestations: slices.Clone(atts)}
		rep.Chains = append(rep.Chains, ch)
	}
	for i, a := range c.artifacts {
		if !a.explicit && len(per[i]) == 0 {
			continue // a file of a directory that no attestation is about
		}
		rep.Chains = append(rep.Chains, &Chain{Artifact: a.path, SHA256: a.sha256, Attestations: per[i], fetched: a.fetched})
	}
	slices.SortFunc(rep.Chains, func(a, b *Chain) int { return strings.Compare(a.Artifact, b.Artifact) })
	sortAttestations(rep.Unmatched)
	rep.Passed = len(rep.Chains) > 0
	for _, ch := range rep.Chains {
		sortAttestations(ch.Attestations)
		if ch.Attestations == nil {
			ch.Attestations = []*Attestation{}
		}
		ch.Checks = crossCheck(ch, present)
		ch.Passed = true
		for _, k := range ch.Checks {
			ch.Passed = ch.Passed && k.Status != Fail
		}
		rep.Passed = rep.Passed && ch.Passed
	}
	if rep.Chains == nil {
		rep.Chains = []*Chain{}
	}
}

// crossCheck makes the checks of one chain. present holds every attestation read, by the
// SHA-256 of its envelope.
func crossCheck(ch *Chain, present map[string]*Attestation) []Check {
	if len(ch.Attestations) == 0 && ch.fetched {
		return []Check{{Name: CheckAttestations, Status: Fail, Detail: "no attestation was found for it"}}
	}
	if len(ch.Attestations) == 0 {
		name := filepath.Base(ch.Artifact)
		return []Check{{Name: CheckAttestations, Status: Fail,
			Detail: fmt.Sprintf("no attestation found: %s.intoto.json or %s.intoto.jsonl beside it, or an attestation file or directory naming its sha256", name, name)}}
	}
	kinds := map[Kind]int{}
	for _, a := range ch.Attestations {
		kinds[a.Kind]++
	}
	var parts []string
	for _, k := range []Kind{KindDisclosure, KindProvenance, KindSBOM, KindVSA, KindVEX, KindLink, KindUnknown, KindInvalid} {
		if kinds[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
		}
	}
	checks := []Check{{Name: CheckAttestations, Status: Pass, Detail: fmt.Sprintf("%d attestation(s): %s", len(ch.Attestations), strings.Join(parts, ", "))}}
	checks = append(checks, checkSignatures(ch), checkSubjects(ch), checkPredicates(ch), checkProvenance(ch), checkVSAInputs(ch, present), checkModules(ch), checkAnalyser(ch))
	return checks
}

func checkSignatures(ch *Chain) Check {
	c := Check{Name: CheckSignatures}
	for _, a := range ch.Attestations {
		if !a.Verified {
			c.Items = append(c.Items, fmt.Sprintf("%s: unverified: %s", a.Source, a.Unverified))
		}
	}
	if len(c.Items) > 0 {
		c.Status, c.Detail = Fail, fmt.Sprintf("%d of %d attestation(s) unverified: what they say is shown, not trusted", len(c.Items), len(ch.Attestations))
		return c
	}
	c.Status, c.Detail = Pass, "every attestation is signed by a trusted key"
	for _, a := range ch.Attestations {
		if a.Bundle != nil && a.Bundle.Identity != "" {
			c.Detail += " or, a keyless Sigstore bundle, by a certificate that meets the identity policy"
			break
		}
	}
	return c
}

func checkSubjects(ch *Chain) Check {
	c := Check{Name: CheckSubjects}
	if ch.SHA256 == "" {
		c.Status, c.Detail = NotPossible, "no artifact given (or it could not be hashed): subjects are not matched"
		return c
	}
	for _, a := range ch.Attestations {
		if !a.names(ch.SHA256) {
			var got []string
			for _, s := range a.Subjects {
				got = append(got, fmt.Sprintf("%s sha256:%s", s.Name, s.Digest["sha256"]))
			}
			c.Items = append(c.Items, fmt.Sprintf("%s: no subject is this artifact (subjects: %s)", a.Source, strings.Join(shorten(got, 3), ", ")))
		}
	}
	if len(c.Items) > 0 {
		c.Status, c.Detail = Fail, fmt.Sprintf("%d attestation(s) are about something else than sha256:%s", len(c.Items), ch.SHA256)
		return c
	}
	c.Status, c.Detail = Pass, "every attestation names sha256:"+ch.SHA256
	return c
}

func checkPredicates(ch *Chain) Check {
	c := Check{Name: CheckPredicates}
	unknown := 0
	for _, a := range ch.Attestations {
		switch {
		case a.Error != "":
			c.Items = append(c.Items, fmt.Sprintf("%s: %s", a.Source, a.Error))
		case a.Kind == KindUnknown:
			unknown++
		}
	}
	if len(c.Items) > 0 {
		c.Status, c.Detail = Fail, fmt.Sprintf("%d attestation(s) could not be read", len(c.Items))
		return c
	}
	c.Status, c.Detail = Pass, "every statement and predicate was read"
	if unknown > 0 {
		c.Detail += fmt.Sprintf("; %d of a predicate type inspect does not read (listed, not evaluated)", unknown)
	}
	return c
}

func checkProvenance(ch *Chain) Check {
	c := Check{Name: CheckProvenance}
	var provs []*Attestation
	for _, a := range ch.Attestations {
		if a.Provenance != nil {
			provs = append(provs, a)
		}
	}
	switch {
	case len(provs) == 0:
		c.Status, c.Detail = NotPossible, "no SLSA provenance in the chain"
		return c
	case ch.SHA256 == "":
		c.Status, c.Detail = NotPossible, "no artifact given: the provenance's subjects are not matched"
		return c
	}
	for _, a := range provs {
		if !a.names(ch.SHA256) {
			c.Items = append(c.Items, a.Source+": the provenance does not name this artifact")
		}
	}
	if len(c.Items) > 0 {
		c.Status, c.Detail = Fail, "a provenance in the chain is about another artifact"
		return c
	}
	p := provs[0].Provenance
	c.Status, c.Detail = Pass, fmt.Sprintf("built by %s", p.Builder)
	if p.SourceRepo != "" {
		c.Detail += fmt.Sprintf(" from %s", p.SourceRepo)
	}
	if p.SourceCommit != "" {
		c.Detail += fmt.Sprintf(" at %s", p.SourceCommit)
	}
	return c
}

func checkVSAInputs(ch *Chain, present map[string]*Attestation) Check {
	c := Check{Name: CheckVSAInputs}
	n, inputs := 0, 0
	for _, a := range ch.Attestations {
		if a.VSA == nil {
			continue
		}
		n++
		for _, in := range a.VSA.Inputs {
			inputs++
			d := in.Digest["sha256"]
			switch p := present[d]; {
			case d == "":
				c.Items = append(c.Items, fmt.Sprintf("%s: input %s has no sha256 digest", a.Source, in.URI))
			case p == nil:
				c.Items = append(c.Items, fmt.Sprintf("%s: input %s (sha256:%s) is not among the attestations read", a.Source, in.URI, d))
			case !p.Verified:
				c.Items = append(c.Items, fmt.Sprintf("%s: input %s resolves to %s, which is unverified", a.Source, in.URI, p.Source))
			}
		}
	}
	switch {
	case n == 0:
		c.Status, c.Detail = NotPossible, "no verification summary in the chain"
	case len(c.Items) > 0:
		c.Status, c.Detail = Fail, fmt.Sprintf("%d of %d input attestation(s) do not resolve to a verified attestation present", len(c.Items), inputs)
	case inputs == 0:
		c.Status, c.Detail = NotPossible, "the verification summary lists no input attestations"
	default:
		c.Status, c.Detail = Pass, fmt.Sprintf("all %d input attestation(s) resolve by digest to verified attestations present", inputs)
	}
	return c
}

// checkModules compares the Go modules the disclosure's analysis found with the SBOM's.
func checkModules(ch *Chain) Check {
	c := Check{Name: CheckModules}
	analysed := map[string][]string{} // path -> versions that count as this module's
	main := map[string]bool{"stdlib": true}
	sbom := map[string]string{}
	haveDisclosure, haveSBOM := false, false
	var add func(a predicate.ArtifactAnalysis)
	add = func(a predicate.ArtifactAnalysis) {
		if a.MainModule != nil {
			main[a.MainModule.Path] = true
		}
		for _, m := range a.Modules {
			vs := []string{m.Version}
			if m.Replace != nil && m.Replace.Version != "" {
				vs = append(vs, m.Replace.Version)
			}
			analysed[m.Path] = append(analysed[m.Path], vs...)
		}
		for _, mem := range a.Members {
			add(mem)
		}
	}
	for _, a := range ch.Attestations {
		if a.Disclosure != nil {
			haveDisclosure = true
			for _, art := range a.Disclosure.Analysis.Artifacts {
				if ch.SHA256 == "" || art.Digest["sha256"] == "" || art.Digest["sha256"] == ch.SHA256 {
					add(art)
				}
			}
		}
		if a.SBOM != nil {
			haveSBOM = true
			for _, m := range a.SBOM.GoModules {
				sbom[m.Path] = m.Version
			}
		}
	}
	switch {
	case !haveDisclosure:
		c.Status, c.Detail = NotPossible, "no candor disclosure in the chain"
		return c
	case !haveSBOM:
		c.Status, c.Detail = NotPossible, "no SBOM in the chain"
		return c
	case len(analysed) == 0:
		c.Status, c.Detail = NotPossible, "the disclosure's analysis lists no Go modules"
		return c
	}
	var missing, extra, other []string
	for _, p := range keysOf(analysed) {
		if main[p] {
			continue
		}
		v, ok := sbom[p]
		switch {
		case !ok:
			missing = append(missing, p+"@"+analysed[p][0])
		case !slices.Contains(analysed[p], v) && strings.TrimPrefix(v, "v") != strings.TrimPrefix(analysed[p][0], "v"):
			other = append(other, fmt.Sprintf("%s: analysed %s, SBOM %s", p, analysed[p][0], v))
		}
	}
	for _, p := range keysOf(sbom) {
		if _, ok := analysed[p]; !ok && !main[p] {
			extra = append(extra, p+"@"+sbom[p])
		}
	}
	for _, m := range missing {
		c.Items = append(c.Items, "missing from the SBOM: "+m)
	}
	for _, m := range extra {
		c.Items = append(c.Items, "in the SBOM, not analysed: "+m)
	}
	for _, m := range other {
		c.Items = append(c.Items, "other version: "+m)
	}
	if len(c.Items) > 0 {
		c.Status, c.Detail = Fail, fmt.Sprintf("the SBOM and the analysed modules differ: %d missing, %d extra, %d other version(s)", len(missing), len(extra), len(other))
		return c
	}
	c.Status, c.Detail = Pass, fmt.Sprintf("the SBOM lists the %d analysed Go module(s) at the same versions", len(analysed)-countMain(analysed, main))
	return c
}

func countMain(analysed map[string][]string, main map[string]bool) int {
	n := 0
	for p := range analysed {
		if main[p] {
			n++
		}
	}
	return n
}

// checkAnalyser shows the analyser version and rules digest of the disclosures, and fails
// when a disclosure lacks them or two disagree.
func checkAnalyser(ch *Chain) Check {
	c := Check{Name: CheckAnalyser}
	seen := map[string]bool{}
	var first string
	for _, a := range ch.Attestations {
		if a.Disclosure == nil {
			continue
		}
		an := a.Disclosure.Analysis.Analyzer
		if an.Version == "" || an.RulesDigest == "" {
			c.Items = append(c.Items, a.Source+": the analysis names no analyser version or rules digest")
			continue
		}
		s := fmt.Sprintf("%s %s, rules %s %s", an.Name, an.Version, an.RulesVersion, an.RulesDigest)
		if first == "" {
			first = s
		}
		seen[s] = true
	}
	switch {
	case first == "" && len(c.Items) == 0:
		c.Status, c.Detail = NotPossible, "no candor disclosure in the chain"
	case len(c.Items) > 0:
		c.Status, c.Detail = Fail, "an analysis does not say which analyser and rules made it"
	case len(seen) > 1:
		c.Status, c.Detail = Fail, "the disclosures were made by different analysers or rules"
		c.Items = keysOf(seen)
	default:
		c.Status, c.Detail = Pass, first
	}
	return c
}

// shorten keeps the first n items of a list and says how many more there were.
func shorten(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(slices.Clone(s[:n]), fmt.Sprintf("and %d more", len(s)-n))
}
