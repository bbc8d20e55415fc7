package predicate

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Host patterns in a disclosure.
//
// A pattern is a host name, an IP address, or a wildcard "*.example.com" whose first label is
// exactly "*". Names are compared in lower-case IDNA (punycode) form, so "Bücher.Example" and
// "xn--bcher-kva.example" are the same host.
//
// A wildcard covers every host below its domain, at any depth: "*.example.com" matches
// "api.example.com" and "eu.api.example.com". It never matches "example.com" itself (as in
// DNS wildcards and TLS certificates: declare the apex separately), and matching is by whole
// labels, so it never matches "evilexample.com" or "example.com.evil.net". A wildcard directly
// under a public suffix ("*.com", "*.co.uk", "*.github.io") is refused: it would cover hosts
// the vendor does not control. An IP address takes no wildcard, and neither does a name whose
// last label is a number ("*.0.1" would cover every IPv4 address ending in .0.1); a wildcard
// never matches an IP address.

var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(true),
)

// ErrHost is the root of host pattern errors from [NormalizeHost]; the message after it says
// how to fix the pattern.
var ErrHost = errors.New("invalid host")

// NormalizeHost returns the canonical form of a host pattern from a disclosure: lower-case
// IDNA for names (a trailing dot removed), the canonical text of an IP address, and whether
// it is a wildcard. It rejects malformed names and misplaced or too-broad wildcards.
func NormalizeHost(s string) (host string, wildcard bool, err error) {
	if s == "*" {
		return "", false, fmt.Errorf("%w: %q alone would match every host: name the domain, as in *.example.com", ErrHost, s)
	}
	rest, wildcard := strings.CutPrefix(s, "*.")
	if strings.Contains(rest, "*") {
		return "", false, fmt.Errorf("%w: %q: a wildcard must be the whole first label, as in *.example.com", ErrHost, s)
	}
	if ip, ok := parseIP(rest); ok {
		if wildcard {
			return "", false, fmt.Errorf("%w: %q: an IP address cannot take a wildcard", ErrHost, s)
		}
		return ip, false, nil
	}
	name, err := normalizeName(rest)
	if err != nil {
		return "", false, fmt.Errorf("%w: %q: %w", ErrHost, s, err)
	}
	if wildcard {
		if numericTLD(name) {
			return "", false, fmt.Errorf("%w: %q: an IP address cannot take a wildcard, and %q ends in a number as only an IP address does: name the address, or a domain", ErrHost, s, name)
		}
		if suffix, _ := publicsuffix.PublicSuffix(name); suffix == name {
			return "", false, fmt.Errorf("%w: %q would cover every domain under the public suffix %q: name your own domain, as in *.example.com", ErrHost, s, name)
		}
		return "*." + name, true, nil
	}
	return name, false, nil
}

// numericTLD reports whether a name's last label is all digits: no top-level domain is, so
// the name is an IP address or a part of one ("0.1" of "*.0.1").
func numericTLD(name string) bool {
	last := name[strings.LastIndexByte(name, '.')+1:]
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// normalizeName converts a DNS name to lower-case IDNA form and checks its shape.
func normalizeName(s string) (string, error) {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return "", errors.New("empty host name")
	}
	a, err := hostProfile.ToASCII(s)
	if err != nil {
		return "", fmt.Errorf("not a valid host name (%w)", err)
	}
	a = strings.ToLower(a)
	if len(a) > 253 {
		return "", errors.New("host name longer than 253 characters")
	}
	for _, l := range strings.Split(a, ".") {
		if l == "" || len(l) > 63 {
			return "", errors.New("each label of a host name has 1 to 63 characters")
		}
	}
	return a, nil
}

// parseIP recognises an IPv4 or IPv6 address, bracketed or not, and returns its canonical text.
func parseIP(s string) (string, bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return "", false
	}
	return a.Unmap().String(), true
}

// CanonicalHost normalises a host reported by the analyser for comparison. A host that is
// not a valid name is only lower-cased, and ok is false.
func CanonicalHost(s string) (host string, ok bool) {
	if ip, ok := parseIP(s); ok {
		return ip, true
	}
	if n, err := normalizeName(s); err == nil {
		return n, true
	}
	return strings.ToLower(s), false
}

// MatchHost reports whether a normalised pattern (see [NormalizeHost]) covers host. The host
// is normalised here; one that is not a valid name matches only an identical pattern, never
// a wildcard, and neither does an IP address.
func MatchHost(pattern, host string) bool {
	return canonical(host).matchedBy(pattern)
}

// canonicalHost is a host normalised once (CanonicalHost) to be matched against many
// patterns: normalising is the costly part of [MatchHost].
type canonicalHost struct {
	host string
	// wild is true when a wildcard may match it: a valid name, not an IP address.
	wild bool
}

func canonical(s string) canonicalHost {
	host, valid := CanonicalHost(s)
	_, ip := parseIP(host)
	return canonicalHost{host: host, wild: valid && !ip}
}

// matchedBy is [MatchHost] of the pattern and the host h was made from.
func (h canonicalHost) matchedBy(pattern string) bool {
	if suffix, ok := strings.CutPrefix(pattern, "*"); ok {
		// suffix starts with "." so only whole labels match, and host must be longer.
		return h.wild && len(h.host) > len(suffix) && strings.HasSuffix(h.host, suffix)
	}
	return pattern == h.host
}
