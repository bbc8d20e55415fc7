package scan

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// endpointsSpec is the inert-reference filter as written in the rules data: host
// names and URLs that a binary mentions without ever contacting them.
type endpointsSpec struct {
	// ReservedHosts are names no one can own (RFC 2606 and 6761: example
	// domains, the test, invalid and localhost names): inert like InertHosts,
	// and inert even where the code that loads them contacts a host (a dummy
	// base URL for a client whose dialer ignores it), for no contact with
	// them reaches anyone's server.
	ReservedHosts []string `yaml:"reservedHosts"`
	// InertHosts are exact names or "*.suffix" wildcards (subdomains only).
	InertHosts []string `yaml:"inertHosts"`
	// InertURLs are regular expressions over "host/path" of URLs (scheme removed):
	// documentation and issue-tracker links. The filter works by URL, not host:
	// the same host can appear as a docs link and as a download endpoint.
	InertURLs []string `yaml:"inertURLs"`
	// IdentifierURLs are regular expressions over "host/path", like InertURLs,
	// for URLs that a specification defines as names, never as places to fetch:
	// OAuth 2.0 scope values, ACL grantee URIs. They are inert even where the
	// code that loads them contacts a host (the scope goes into a token request
	// to another host), as ReservedHosts are. The host itself is still judged
	// by the program's other URLs: only the identifier's own path is inert.
	IdentifierURLs []string `yaml:"identifierURLs"`
	// ReservedIPs are prefixes of addresses that name this machine (loopback,
	// unspecified): inert, and, as ReservedHosts are, inert even where the code
	// that loads them contacts a host (http://127.0.0.1:2019 is as local as
	// http://localhost:2019).
	ReservedIPs []string `yaml:"reservedIPs"`
	// InertIPs are prefixes whose addresses are not remote endpoints in
	// themselves (link-local, multicast, documentation ranges); a URL of one
	// still counts where the code that loads it contacts a host.
	InertIPs []string `yaml:"inertIPs"`
	// ReportIPs are addresses reported even inside an inert prefix (cloud metadata services).
	ReportIPs []string `yaml:"reportIPs"`
	// Contacts are functions that contact a host: HTTP requests, dialers, and
	// starting a program (git clone of a URL). In Go programs the code pass
	// judges a host string by its use (see [program.contacts]): a URL an inert
	// pattern matches still counts when the code that loads it leads to one of
	// these, and a bare host name (no scheme, no port) counts only then.
	Contacts []string `yaml:"contacts"`
	// Resolvers are functions that take a host name to look up or dial: the
	// address of net.Dial, the name of net.LookupSRV. A literal that is a
	// registrable domain alone, two labels ("vendor.com", "vendor.com:443"),
	// is no host by its shape (file names and identifiers look the same), so
	// it counts only where a function that loads it calls one of these itself.
	Resolvers []string `yaml:"resolvers"`
}

type endpointFilter struct {
	contacts  []string
	resolvers []string
	inertSet  hostSet // InertHosts and ReservedHosts
	reserve   hostSet // ReservedHosts
	urls      *regexp.Regexp
	idents    *regexp.Regexp // IdentifierURLs
	ips       []netip.Prefix // InertIPs and ReservedIPs
	resIPs    []netip.Prefix // ReservedIPs
	report    map[netip.Addr]bool
}

// hostSet is a list of host names and "*.suffix" wildcards (subdomains only).
type hostSet struct {
	exact    map[string]bool
	suffixes []string // ".example.com"
}

// add adds the names of hosts (the rules field named field) to hs.
func (hs *hostSet) add(field string, hosts []string) error {
	if hs.exact == nil {
		hs.exact = map[string]bool{}
	}
	for _, h := range hosts {
		h = strings.ToLower(h)
		switch {
		case strings.HasPrefix(h, "*."):
			hs.suffixes = append(hs.suffixes, h[1:])
		case strings.Contains(h, "*"):
			return fmt.Errorf("endpoints: %s %q: a wildcard must be the whole first label", field, h)
		default:
			hs.exact[h] = true
		}
	}
	return nil
}

// has reports whether host is in hs.
func (hs *hostSet) has(host string) bool {
	if hs.exact[host] {
		return true
	}
	for _, s := range hs.suffixes {
		if strings.HasSuffix(host, s) {
			return true
		}
	}
	return false
}

func compileEndpointFilter(s *endpointsSpec) (*endpointFilter, error) {
	f := &endpointFilter{report: map[netip.Addr]bool{}, contacts: s.Contacts, resolvers: s.Resolvers}
	// Reserved names are inert names too.
	for _, err := range []error{
		f.reserve.add("reservedHosts", s.ReservedHosts),
		f.inertSet.add("reservedHosts", s.ReservedHosts),
		f.inertSet.add("inertHosts", s.InertHosts),
	} {
		if err != nil {
			return nil, err
		}
	}
	for _, l := range []struct {
		field    string
		patterns []string
		re       **regexp.Regexp
	}{{"inertURLs", s.InertURLs, &f.urls}, {"identifierURLs", s.IdentifierURLs, &f.idents}} {
		if len(l.patterns) == 0 {
			continue
		}
		re, err := regexp.Compile(`^(?:` + strings.Join(l.patterns, `|`) + `)`)
		if err != nil {
			return nil, fmt.Errorf("endpoints: %s: %w", l.field, err)
		}
		*l.re = re
	}
	for _, l := range []struct {
		field    string
		prefixes []string
		reserved bool
	}{{"reservedIPs", s.ReservedIPs, true}, {"inertIPs", s.InertIPs, false}} {
		for _, p := range l.prefixes {
			pr, err := netip.ParsePrefix(p)
			if err != nil {
				return nil, fmt.Errorf("endpoints: %s: %w", l.field, err)
			}
			f.ips = append(f.ips, pr)
			if l.reserved {
				f.resIPs = append(f.resIPs, pr)
			}
		}
	}
	for _, a := range s.ReportIPs {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return nil, fmt.Errorf("endpoints: reportIPs: %w", err)
		}
		f.report[ip] = true
	}
	return f, nil
}

// inert reports whether a reference is one that is never contacted.
func (f *endpointFilter) inert(h hostRef) bool {
	if ip, err := netip.ParseAddr(h.host); err == nil {
		if f.report[ip] {
			return false
		}
		for _, p := range f.ips {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	if f.inertHost(h.host) {
		return true
	}
	return f.urlMatch(f.urls, h) || f.identifier(h)
}

// identifier reports whether h is a URL that names rather than locates (see
// endpointsSpec.IdentifierURLs).
func (f *endpointFilter) identifier(h hostRef) bool { return f.urlMatch(f.idents, h) }

// urlMatch reports whether re matches the "host/path" of the URL of h: the
// scheme and any user information removed, the host in lower case.
func (f *endpointFilter) urlMatch(re *regexp.Regexp, h hostRef) bool {
	if !h.isURL || re == nil {
		return false
	}
	_, rest, _ := strings.Cut(h.context, "://")
	if at := strings.IndexByte(rest, '@'); at >= 0 && at < strings.IndexByte(rest+"/", '/') {
		rest = rest[at+1:]
	}
	return re.MatchString(strings.ToLower(rest[:min(len(rest), len(h.host))]) + rest[min(len(rest), len(h.host)):])
}

// reserved reports whether host is a name no one can own or an address of
// this machine (see endpointsSpec.ReservedHosts and ReservedIPs).
func (f *endpointFilter) reserved(host string) bool {
	if ip, err := netip.ParseAddr(host); err == nil {
		ip = ip.Unmap()
		for _, p := range f.resIPs {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	return f.reserve.has(host)
}

func (f *endpointFilter) inertHost(host string) bool { return f.inertSet.has(host) }
