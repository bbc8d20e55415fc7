package verify

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
)

// knownAlgs lists, in order, the names of the digest algorithms verify computes and
// compares ([fileio.Algs]: sha256 and sha512, by their in-toto names,
// https://github.com/in-toto/attestation/blob/main/spec/v1/digest_set.md). A subject's
// digests in other algorithms are ignored; a subject with no digest in these cannot match.
var knownAlgs = algNames(fileio.Algs)

func algNames(algs []fileio.Alg) []string {
	out := make([]string, len(algs))
	for i, a := range algs {
		out[i] = string(a)
	}
	return out
}

// hexLen is the length in hex digits of a digest in the algorithm named alg; 0 for one
// verify does not know.
func hexLen(alg string) int {
	a, _ := fileio.ParseAlg(alg)
	return a.HexLen()
}

// digest returns the artifact's digest in alg, "" when it is not known.
func (t *Target) digest(alg string) string {
	if alg == "sha256" {
		return t.SHA256
	}
	return t.Digests[alg]
}

// label names the artifact by its first known digest: "sha256 <hex>", else another.
func (t *Target) label() string {
	for _, alg := range knownAlgs {
		if d := t.digest(alg); d != "" {
			return alg + " " + d
		}
	}
	return "no digest"
}

// withDigests returns t with more digests, by algorithm; t's map is not changed.
func (t Target) withDigests(d map[string]string) Target {
	for alg, v := range d {
		if alg == "sha256" {
			t.SHA256 = v
			continue
		}
		if t.Digests == nil {
			t.Digests = map[string]string{}
		} else {
			t.Digests = maps.Clone(t.Digests)
		}
		t.Digests[alg] = v
	}
	return t
}

// parseDigest reads an artifact given by digest: "sha256:<hex>", "sha512:<hex>" or 64 bare
// hex digits (SHA-256). It returns the algorithm and the lower-case hex.
func parseDigest(d string) (alg, hexPart string, err error) {
	alg, hexPart, ok := strings.Cut(d, ":")
	if !ok {
		alg, hexPart = "sha256", d
	}
	n := hexLen(alg)
	if n == 0 {
		return "", "", fmt.Errorf("%w: digest %q: candor checks %s digests: write it as sha256:<64 hex digits> or sha512:<128 hex digits>", ErrOptions, d, strings.Join(knownAlgs, " and "))
	}
	if !isHex(hexPart, n) {
		return "", "", fmt.Errorf("%w: digest %q: write it as %s:<%d hex digits>", ErrOptions, d, alg, n)
	}
	return alg, strings.ToLower(hexPart), nil
}

// isDigestName reports whether an artifact name is a digest given with --digest.
func isDigestName(name string) bool {
	alg, h, ok := strings.Cut(name, ":")
	n := hexLen(alg)
	return ok && n > 0 && isHex(h, n)
}

// fileSHA256 returns the SHA-256 of a file, hex.
func fileSHA256(path string) (string, error) {
	d, err := fileDigests(path, "sha256")
	return d["sha256"], err
}

// fileDigests hashes a file once in each of algs (names in knownAlgs) and returns the hex
// digests by algorithm name, with [fileio.HashFile]: a large file is hashed from a mapping,
// released as it goes, a small one read. Anything but a regular file fails with [ErrInput]
// wrapping [fileio.ErrNotRegular], without being read.
func fileDigests(path string, algs ...string) (map[string]string, error) {
	as := make([]fileio.Alg, 0, len(algs))
	for _, name := range algs {
		a, ok := fileio.ParseAlg(name)
		if !ok {
			return nil, fmt.Errorf("%w: %s: digest algorithm %q: candor computes %s", ErrInput, path, name, strings.Join(knownAlgs, " and "))
		}
		as = append(as, a)
	}
	d, err := fileio.HashFile(path, as...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, cleanPathError(err))
	}
	return d.Names(), nil
}

// checkDigests checks that the digests of a statement's subjects in known algorithms are
// well formed, and that each subject has a digest. Errors wrap [ErrStatement].
func checkDigests(st *Statement) error {
	for i, s := range st.Subject {
		if len(s.Digest) == 0 {
			return fmt.Errorf("%w: subject %d (%q) has no digest", ErrStatement, i+1, s.Name)
		}
		for _, alg := range knownAlgs {
			if d, ok := s.Digest[alg]; ok && !isHex(d, hexLen(alg)) {
				return fmt.Errorf("%w: subject %d (%q) has no valid %s digest", ErrStatement, i+1, s.Name, alg)
			}
		}
	}
	return nil
}

// compare sets the known algorithms in which both the subject and the artifact have a
// digest apart: those that agree and those that do not.
func (s *Subject) compare(t *Target) (agree, disagree []string) {
	for _, alg := range knownAlgs {
		sd, td := s.Digest[alg], t.digest(alg)
		if sd == "" || td == "" {
			continue
		}
		if strings.EqualFold(sd, td) {
			agree = append(agree, alg)
		} else {
			disagree = append(disagree, alg)
		}
	}
	return agree, disagree
}

// unchecked returns the known algorithms the subject lists but the artifact has no digest in.
func (s *Subject) unchecked(t *Target) []string {
	var out []string
	for _, alg := range knownAlgs {
		if s.Digest[alg] != "" && t.digest(alg) == "" {
			out = append(out, alg)
		}
	}
	return out
}

// unknownOnly returns, for a subject with no digest in a known algorithm, the algorithms it
// has; nil otherwise.
func (s *Subject) unknownOnly() []string {
	for _, alg := range knownAlgs {
		if s.Digest[alg] != "" {
			return nil
		}
	}
	return slices.Sorted(maps.Keys(s.Digest))
}

// needs adds to algs the algorithms the artifact's file must be hashed in so that every
// subject that may be about it can be checked in full: those a subject lists and the
// artifact has no digest in yet, when the subject agrees with the artifact in some
// algorithm or shares none with it. A subject that disagrees in every algorithm they share
// is about other bits and needs nothing.
func (st *Statement) needs(t *Target, algs []string) []string {
	for i := range st.Subject {
		s := &st.Subject[i]
		agree, disagree := s.compare(t)
		if len(agree) == 0 && len(disagree) > 0 {
			continue
		}
		for _, alg := range s.unchecked(t) {
			if !slices.Contains(algs, alg) {
				algs = append(algs, alg)
			}
		}
	}
	return algs
}

// names reports whether a subject agrees with the artifact in some algorithm: the
// attestation is about it, rightly or not ([Statement.matchTarget] says which).
func (st *Statement) names(t *Target) bool {
	for i := range st.Subject {
		if agree, _ := st.Subject[i].compare(t); len(agree) > 0 {
			return true
		}
	}
	return false
}

// matchTarget returns the subject that is the artifact and the detail of the subject step.
// A subject matches when its digests agree with the artifact's in every known algorithm they
// both have, and they have one at least. A subject that agrees in one algorithm and
// disagrees in another fails the step, whatever the other subjects say: it contradicts
// itself about these bytes. Errors wrap [ErrSubject].
func (st *Statement) matchTarget(t *Target) (*Subject, string, error) {
	var match *Subject
	for i := range st.Subject {
		s := &st.Subject[i]
		agree, disagree := s.compare(t)
		if len(agree) == 0 {
			continue
		}
		if len(disagree) > 0 {
			alg := disagree[0]
			return nil, "", fmt.Errorf("%w: subject %q has the artifact's %s %s, but its %s %s is not the artifact's %s %s: the subject's digests disagree about these bytes",
				ErrSubject, s.Name, agree[0], t.digest(agree[0]), alg, strings.ToLower(s.Digest[alg]), alg, t.digest(alg))
		}
		if match == nil {
			match = s
		}
	}
	if match == nil {
		return nil, "", st.noMatch(t)
	}
	agree, _ := match.compare(t)
	detail := fmt.Sprintf("%s %s is subject %q", agree[0], t.digest(agree[0]), match.Name)
	if len(agree) > 1 {
		detail += fmt.Sprintf(" (its %s agrees too)", strings.Join(agree[1:], " and "))
	}
	if un := match.unchecked(t); len(un) > 0 {
		detail += fmt.Sprintf(" (its %s not checked: only the %s digest was given)", strings.Join(un, " and "), strings.Join(agree, " and "))
	}
	return match, detail, nil
}

// noMatch says that no subject is the artifact, and which subjects cannot match any.
func (st *Statement) noMatch(t *Target) error {
	names := make([]string, 0, len(st.Subject))
	var unknown []string
	algs := map[string]bool{}
	for i := range st.Subject {
		s := &st.Subject[i]
		names = append(names, fmt.Sprintf("%q", s.Name))
		if u := s.unknownOnly(); u != nil {
			unknown = append(unknown, fmt.Sprintf("%q", s.Name))
			for _, a := range u {
				algs[a] = true
			}
		}
	}
	msg := fmt.Sprintf("the artifact's %s is not the digest of any subject (%s): the attestation is about other bits", t.label(), strings.Join(names, ", "))
	if len(unknown) > 0 {
		who, verb := "subject "+unknown[0], "has"
		if len(unknown) > 1 {
			who, verb = "subjects "+strings.Join(shorten(unknown, 3), ", "), "have"
		}
		msg += fmt.Sprintf("; %s %s only digests candor does not check (%s), so cannot match: candor checks %s",
			who, verb, strings.Join(slices.Sorted(maps.Keys(algs)), ", "), strings.Join(knownAlgs, " and "))
	}
	return fmt.Errorf("%w: %s", ErrSubject, msg)
}
