package scan

import (
	"bytes"
	"net/netip"
	"regexp"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// hostRef is one remote host found in a data section, with the string it came from.
type hostRef struct {
	host    string
	context string // the URL (scheme://host/path…) or the bare host[:port] as found
	isURL   bool
	sec     *section
	off     int64
	// str is the string literal the code pass saw the host in (with prog, the
	// program whose code loads it); nil for hosts found in byte runs.
	str  *codeString
	prog *program
	// unreferenced: found in bytes of a Go image's read-only data that no
	// string the code loads spans.
	unreferenced bool
	// embedded: found in an embedded document (see minEmbeddedDocument).
	embedded bool
	// prose: found in an exact string literal that has words around it (see inProse).
	prose bool
	// markup: an XML namespace, schema location or DTD identifier (see inMarkup).
	markup bool
	// metadata: a value of an embedded file's metadata: of an X.509
	// certificate in DER (see inCertificate), of a PNG image's text (see
	// inImageText).
	metadata bool
	// twoLabel: a whole literal of two labels (see twoLabelHost), a host only
	// where a function that loads it calls a resolver or dialer.
	twoLabel bool
}

// twoLabelHost reports whether s, a whole string literal, is a registrable
// domain of two labels and nothing else, or that and a port ("vendor.com",
// "vendor.com:443"): the host pass 2 of findHosts leaves out (it takes
// three labels or more). The name must end in a top-level domain and be
// registrable under it.
func twoLabelHost(s []byte) (string, bool) {
	h := s
	if i := bytes.IndexByte(s, ':'); i >= 0 {
		port := s[i+1:]
		if len(port) == 0 || len(port) > 5 {
			return "", false
		}
		for _, c := range port {
			if c < '0' || c > '9' {
				return "", false
			}
		}
		h = s[:i]
	}
	if bytes.Count(h, []byte{'.'}) != 1 || len(h) > 253 {
		return "", false
	}
	for _, c := range h {
		if !isLowerHostByte(c) {
			return "", false
		}
	}
	host := validHost(string(h), 2, false)
	if host == "" || host != string(h) {
		return "", false
	}
	// A registrable domain, not a public suffix of two labels ("co.uk").
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err != nil || d != host {
		return "", false
	}
	return host, true
}

// URL schemes whose authority is a network host. file:, unix:, data: and the like are not.
var netSchemes = map[string]bool{
	"http": true, "https": true, "ws": true, "wss": true, "ftp": true, "ftps": true, "sftp": true,
	"ssh": true, "git": true, "grpc": true, "grpcs": true, "tcp": true, "udp": true, "tls": true,
	"mqtt": true, "mqtts": true, "amqp": true, "amqps": true, "nats": true, "redis": true, "rediss": true,
	"ldap": true, "ldaps": true, "smtp": true, "smtps": true, "imap": true, "imaps": true, "rtmp": true,
}

func isHostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c >= 'A' && c <= 'Z'
}

func isLowerHostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.'
}

// urlByte reports bytes that may continue a URL's path in a string literal.
func urlByte(c byte) bool {
	return c > ' ' && c < 0x7f && c != '"' && c != '\'' && c != '<' && c != '>' && c != '`' && c != '\\' && c != '{' && c != '}' && c != '|' && c != '^'
}

const maxURLContext = 200

// findHosts scans one data section for URLs (scheme://host) and bare host names
// (at least three labels, ending in a public suffix). Go string literals sit back
// to back without terminators, so a host read from raw bytes can run into the
// next string ("usage.influxdata.cominconsistent"): the last label is cut to the
// longest public suffix it starts with.
func findHosts(sec *section, emit func(hostRef)) {
	d := sec.data
	// Pass 1: URLs, anchored on "://".
	covered := make([][2]int, 0, 64) // byte ranges of URL authorities, skipped by pass 2
	for i := 0; ; {
		j := bytes.Index(d[i:], []byte("://"))
		if j < 0 {
			break
		}
		k := i + j
		i = k + 3
		s := k
		for s > 0 && k-s < 10 && (d[s-1] >= 'a' && d[s-1] <= 'z' || d[s-1] >= 'A' && d[s-1] <= 'Z' || d[s-1] >= '0' && d[s-1] <= '9' || d[s-1] == '+') {
			s--
		}
		// The scheme may be glued to the previous string's tail ("errorhttps://"):
		// accept it when it ends with a known scheme.
		sch := strings.ToLower(string(d[s:k]))
		scheme := ""
		for n := range netSchemes {
			if strings.HasSuffix(sch, n) && len(n) > len(scheme) {
				scheme = n
			}
		}
		if scheme == "" {
			continue
		}
		s = k - len(scheme)
		a := k + 3
		// authority: [userinfo@]host[:port]
		e := a
		for e < len(d) && e-a < 256 && urlByte(d[e]) && d[e] != '/' && d[e] != '?' && d[e] != '#' {
			e++
		}
		auth := d[a:e]
		if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
			auth = auth[at+1:]
		}
		host := hostOfAuthority(auth)
		if host == "" {
			continue
		}
		p := e
		for p < len(d) && p-s < maxURLContext && urlByte(d[p]) {
			p++
		}
		// Strings sit back to back: a second URL starting inside this one's
		// path is the next string, not part of this one.
		if n := bytes.Index(d[e:p], []byte("://")); n >= 0 {
			q := e + n
			for q > e && (d[q-1] >= 'a' && d[q-1] <= 'z' || d[q-1] >= 'A' && d[q-1] <= 'Z') {
				q--
			}
			p = q
		}
		covered = append(covered, [2]int{s, e})
		emit(hostRef{host: host, context: string(d[s:p]), isURL: true, sec: sec, off: int64(s)})
	}
	// Pass 2: bare host names, anchored on dots.
	ci := 0
	for i := 0; i < len(d); {
		j := bytes.IndexByte(d[i:], '.')
		if j < 0 {
			break
		}
		k := i + j
		s, e := k, k
		for s > 0 && isLowerHostByte(d[s-1]) {
			s--
		}
		for e < len(d) && isLowerHostByte(d[e]) {
			e++
		}
		i = e + 1
		for ci < len(covered) && covered[ci][1] <= s {
			ci++
		}
		if ci < len(covered) && covered[ci][0] <= s {
			continue // inside a URL already reported
		}
		// A host preceded by '/', '@', ':' or '\\' is part of a path, an e-mail
		// address or a scp-style remote; followed by '/' it is a module or import path.
		if s > 0 && (d[s-1] == '/' || d[s-1] == '@' || d[s-1] == '\\' || d[s-1] == '_' || d[s-1] == '$' || d[s-1] == '%' || d[s-1] >= 'A' && d[s-1] <= 'Z') {
			continue
		}
		if e < len(d) && (d[e] == '/' || d[e] == '@' || d[e] == '_' || d[e] >= 'A' && d[e] <= 'Z') {
			continue
		}
		tok := d[s:e]
		if bytes.Count(tok, []byte{'.'}) < 2 {
			continue
		}
		host := bareHost(tok)
		if host == "" {
			continue
		}
		ctxEnd := s + len(host)
		if ctxEnd < len(d) && d[ctxEnd] == ':' {
			q := ctxEnd + 1
			for q < len(d) && q-ctxEnd <= 5 && d[q] >= '0' && d[q] <= '9' {
				q++
			}
			if q > ctxEnd+1 {
				ctxEnd = q
			}
		}
		if ctxEnd == s+len(host) && looksIPv4(host) {
			continue // a bare dotted quad without a port is more often a version than an address
		}
		emit(hostRef{host: host, context: string(d[s:ctxEnd]), sec: sec, off: int64(s)})
	}
}

var leadingIPv4 = regexp.MustCompile(`^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}`)

// hostOfAuthority extracts and validates the host of a URL authority.
func hostOfAuthority(a []byte) string {
	if len(a) > 0 && a[0] == '[' {
		end := bytes.IndexByte(a, ']')
		if end < 0 {
			return ""
		}
		ip, err := netip.ParseAddr(string(a[1:end]))
		if err != nil {
			return ""
		}
		return ip.String()
	}
	e := 0
	for e < len(a) && isHostByte(a[e]) {
		e++
	}
	// A label starting with an upper-case letter after lower-case labels is the
	// next string glued on ("example.com." followed by "Use…"): cut before it.
	lowerLabel := false // a complete earlier label was all lower case
	hasLower, hasUpper := false, false
	for i := 0; i < e; i++ {
		c := a[i]
		if c == '.' {
			lowerLabel = lowerLabel || hasLower && !hasUpper
			hasLower, hasUpper = false, false
			continue
		}
		if i > 0 && a[i-1] == '.' && c >= 'A' && c <= 'Z' && lowerLabel {
			e = i - 1
			break
		}
		hasLower = hasLower || c >= 'a' && c <= 'z'
		hasUpper = hasUpper || c >= 'A' && c <= 'Z'
	}
	h := strings.ToLower(string(a[:e]))
	if h == "" || strings.Contains(h, "..") {
		return ""
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.String()
	}
	// An address glued to the next string ("169.254.169.254iam-fips…").
	if m := leadingIPv4.FindString(h); m != "" {
		if ip, err := netip.ParseAddr(m); err == nil {
			return ip.String()
		}
	}
	if e < len(a) && a[e] != ':' {
		// the authority continues with a byte a host cannot hold (a format verb, a
		// template brace): a pattern, not a host; unless the host already ended in
		// a public suffix and the rest is the next string.
		if a[e] == '%' || a[e] == '{' || a[e] == '$' || a[e] == '*' || a[e] == '<' {
			return ""
		}
	}
	return validHost(h, 2, true)
}

// bareHost validates a host found without a scheme: at least three labels, so
// that file names ("README.md", "libc.so") and Go identifiers are not taken for
// hosts, ending exactly in a top-level domain (no trimming: without a scheme to
// anchor it, a run-on token is more likely two identifiers than a host), or an
// IPv4 literal. The caller applies further checks (see facts.endpoints).
func bareHost(tok []byte) string {
	h := string(tok)
	if strings.Contains(h, "..") || strings.HasPrefix(h, ".") || strings.HasSuffix(h, ".") {
		return ""
	}
	if looksIPv4(h) {
		ip, err := netip.ParseAddr(h)
		if err != nil {
			return ""
		}
		return ip.String()
	}
	return validHost(h, 3, false)
}

func looksIPv4(h string) bool {
	if strings.Count(h, ".") != 3 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if (h[i] < '0' || h[i] > '9') && h[i] != '.' {
			return false
		}
	}
	return true
}

// validHost checks labels and the public suffix, trimming a last label that ran
// into the following string. It returns "" when no valid host remains.
func validHost(h string, minLabels int, trim bool) string {
	labels := strings.Split(h, ".")
	if len(labels) < minLabels {
		return ""
	}
	if len(h) > 253 {
		return ""
	}
	for _, l := range labels[:len(labels)-1] {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return ""
		}
	}
	last := labels[len(labels)-1]
	tld := last
	switch {
	case specialUseTLD[last]:
	case trim:
		tld = longestTLDPrefix(last)
		// A host cut out of a longer run needs three labels: two-label cuts are
		// mostly words ("www.interest" read as "www.int").
		if tld != last && len(labels) < 3 {
			return ""
		}
	case !isTLD(last):
		tld = ""
	}
	if tld == "" {
		return ""
	}
	labels[len(labels)-1] = tld
	// The label before the suffix must hold a letter: "1.2.zip" is a version, not a host.
	sld := labels[len(labels)-2]
	if strings.IndexFunc(sld, func(r rune) bool { return r >= 'a' && r <= 'z' }) < 0 {
		return ""
	}
	return strings.Join(labels, ".")
}

// specialUseTLD are names outside the public suffix list that still name hosts
// (RFC 6761, RFC 6762, cloud metadata names such as metadata.google.internal).
// They are accepted whole and never trimmed; the endpoint filter decides which are inert.
var specialUseTLD = map[string]bool{
	"internal": true, "local": true, "localhost": true, "lan": true, "home": true, "corp": true,
	"intranet": true, "onion": true, "test": true, "invalid": true, "example": true, "arpa": true,
	"tld": true, // placeholder in documentation ("mydomain.tld")
}

// longestTLDPrefix returns the longest prefix of label that is an ICANN top-level domain.
func longestTLDPrefix(label string) string {
	for n := min(len(label), 24); n >= 2; n-- {
		p := label[:n]
		if !isAlpha(p) && !strings.HasPrefix(p, "xn--") {
			continue
		}
		if isTLD(p) {
			return p
		}
	}
	return ""
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'a' || s[i] > 'z' {
			return false
		}
	}
	return true
}

// isTLD reports whether s is a top-level domain on the ICANN part of the public suffix list.
func isTLD(s string) bool {
	suffix, icann := publicsuffix.PublicSuffix(s)
	return icann && suffix == s
}
