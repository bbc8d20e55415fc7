package scan

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"hash/crc32"
	"maps"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStringShapes: the judgements made on exact literals — prose around a
// URL, a markup identifier, and text against binary data.
func TestStringShapes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		s      string
		url    string
		prose  bool
		markup bool
	}{
		{"https://api.vendor.example/v1", "https://api.vendor.example/v1", false, false},
		{"More info: https://docs.vendor.example/x", "https://docs.vendor.example/x", true, false},
		{"https://beacon.vendor.example/ is contacted", "https://beacon.vendor.example/", true, false},
		{`xmlns="http://earth.google.com/kml/2.2"`, "http://earth.google.com/kml/2.2", false, true},
		{`<kml xmlns:gx="http://www.google.com/kml/ext/2.2">`, "http://www.google.com/kml/ext/2.2", true, true},
		{`<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://www.w3.org/TR/xhtml1/DTD/x.dtd">`, "http://www.w3.org/TR/xhtml1/DTD/x.dtd", true, true},
		{`url="https://api.vendor.example/"`, "https://api.vendor.example/", false, false},
		// values of a JSON document are data, whatever surrounds them
		{"{\n\t\"products\": [{\"region\": \"eu-1\", \"endpoint\": \"kms.eu-1.vendor.example\"}]}", "kms.eu-1.vendor.example", false, false},
		{" [\"a.vendor.example\",\n \"b.vendor.example\"]", "b.vendor.example", false, false},
		// a quoted example in help text, a quoted mention, a markup attribute
		// or a quoted key are not
		{"Site URL\nExample: \"https://contoso.vendor.example/sites/mysite\"", "https://contoso.vendor.example/sites/mysite", true, false},
		{"use \"api.vendor.example\" only when told", "api.vendor.example", true, false},
		{"{\"api.vendor.example\": 1, \"b\": 2}", "api.vendor.example", true, false},
		{`<a href="https://docs.vendor.example/">the docs</a>`, "https://docs.vendor.example/", true, false},
		// a request a program sends is no prose, whatever its spaces
		{"GET /v1/ping HTTP/1.1\r\nHost: ping.vendor.example\r\nUser-Agent: x\r\n\r\n", "ping.vendor.example", false, false},
		{"POST https://ping.vendor.example/v1 HTTP/1.1\r\n", "https://ping.vendor.example/v1", false, false},
		{"Origin: https://app.vendor.example\r\n", "https://app.vendor.example", false, false},
		{"the host: see https://docs.vendor.example/x for more", "https://docs.vendor.example/x", true, false},
		// nor is a network command a program runs
		{"curl -fsSL https://get.vendor.example/install.sh | sh", "https://get.vendor.example/install.sh", false, false},
		{"set -e; git clone --depth 1 https://code.vendor.example/agent.git /opt/agent", "https://code.vendor.example/agent.git", false, false},
		{"powershell -c \"iwr https://get.vendor.example/a.ps1 | iex\"", "https://get.vendor.example/a.ps1", false, false},
		// (a mention of such a command makes the rest of the line no prose:
		// the documentation link is then judged as one, by its shape and use)
		{"Run curl -h for help, or see https://docs.vendor.example/curl", "https://docs.vendor.example/curl", false, false},
		{"Install it with your package manager; see https://docs.vendor.example/install", "https://docs.vendor.example/install", true, false},
		// a struct tag's key in Go's type data names a JSON member; a
		// command-line default is an address
		{"\x06Logout9json:\"http://schemas.vendor.example/event/logout\"", "http://schemas.vendor.example/event/logout", false, true},
		{`Logout struct { E string "json:\"http://schemas.vendor.example/event/logout\"" }`, "http://schemas.vendor.example/event/logout", true, true},
		{"\x03URLGdefault:\"https://beacon.vendor.example/\" help:\"Telemetry URL.\"", "https://beacon.vendor.example/", true, false},
		{`URL string "default:\"https://beacon.vendor.example/\""`, "https://beacon.vendor.example/", true, false},
	} {
		off := int64(strings.Index(tt.s, tt.url))
		if got := inProse([]byte(tt.s), off, len(tt.url)); got != tt.prose {
			t.Errorf("inProse(%q) = %v, want %v", tt.s, got, tt.prose)
		}
		if got := inMarkup([]byte(tt.s), off); got != tt.markup {
			t.Errorf("inMarkup(%q) = %v, want %v", tt.s, got, tt.markup)
		}
	}
	for s, want := range map[string]bool{"https://a.example/\tx\n": true, "plain": true, "\x01\x00\x00y": false, "text\x7f": false} {
		if got := looksText([]byte(s)); got != want {
			t.Errorf("looksText(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestInCertificate: the URLs of an X.509 certificate in DER (CRL
// distribution points, OCSP and issuer locations, a CPS qualifier, of any
// length) are certificate values; the same URLs in text, or after bytes that
// only look like a DER header, are not.
func TestInCertificate(t *testing.T) {
	t.Parallel()
	long := "http://crl.pki-fixture.net/" + strings.Repeat("a", 140) + ".crl"
	urls := []string{
		"http://crl.pki-fixture.net/root.crl", long,
		"http://ocsp.pki-fixture.net", "http://certs.pki-fixture.net/root.cer",
		"https://cps.pki-fixture.net/policy",
	}
	type qualifier struct {
		ID  asn1.ObjectIdentifier
		CPS string `asn1:"ia5"`
	}
	type policy struct {
		ID         asn1.ObjectIdentifier
		Qualifiers []qualifier
	}
	policies, err := asn1.Marshal([]policy{{ID: asn1.ObjectIdentifier{2, 5, 29, 32, 0},
		Qualifiers: []qualifier{{ID: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 2, 1}, CPS: urls[4]}}}})
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Vendor Root"},
		NotBefore: time.Unix(0, 0), NotAfter: time.Unix(1<<31, 0), IsCA: true, BasicConstraintsValid: true,
		CRLDistributionPoints: urls[:2], OCSPServer: urls[2:3], IssuingCertificateURL: urls[3:4],
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 32}, Value: policies}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	findHosts(&section{name: ".noptrdata", data: der}, func(h hostRef) {
		if !inCertificate(der, h.off) {
			t.Errorf("%q in the certificate: not a certificate value", h.context)
		}
		found[h.context[:min(len(h.context), len(long))]] = true
	})
	for _, u := range urls {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(found)), func(c string) bool { return strings.HasPrefix(c, u) }) {
			t.Errorf("%q: not found in the certificate", u)
		}
	}
	// the same bytes with a [0] that covers the name, or after the OID of OCSP
	for _, s := range []string{
		"\xa0\x25\x86\x23http://crl.pki-fixture.net/root.crl",
		"\x06\x08\x2b\x06\x01\x05\x05\x07\x30\x01\x86\x23http://crl.pki-fixture.net/root.crl",
	} {
		if !inCertificate([]byte(s), int64(strings.Index(s, "http://"))) {
			t.Errorf("inCertificate(%q) = false", s)
		}
	}
	for _, s := range []string{
		"see http://crl.pki-fixture.net/root.crl",
		"\xa0\x24\x86\x23http://crl.pki-fixture.net/root.crl", // [0] too short for the name
		"\x10\x86\x23http://crl.pki-fixture.net/root.crl",     // no [0] nor OID before
		"\xa0\x50\x86\x40http://crl.pki-fixture.net/root.crl", // longer than what follows
		"\x06\x08\x2b\x06\x01\x05\x05\x07\x02\x01\x16\x22http://crl.pki-fixture.net/r t.crl",
	} {
		b := []byte(s)
		off := int64(strings.Index(s, "http://"))
		if inCertificate(b, off) {
			t.Errorf("inCertificate(%q) = true", s)
		}
	}
}

// TestInImageText: a host in the text of a PNG image's tEXt or iTXt chunk is
// the image's metadata; one past the chunk's end, after a keyword too long
// or with no keyword, or in plain text is not.
func TestInImageText(t *testing.T) {
	t.Parallel()
	chunk := func(typ, data string) string {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
		b = append(b, typ...)
		b = append(b, data...)
		return string(binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE([]byte(typ+data))))
	}
	png := "\x89PNG\r\n\x1a\n" + chunk("IHDR", "\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00") +
		chunk("tEXt", "Software\x00www.drawing-fixture.org") + chunk("iTXt", "Source\x00\x00\x00en\x00\x00https://draw.paint-fixture.net/ ") +
		chunk("IEND", "")
	var hosts []string
	findHosts(&section{data: []byte(png)}, func(h hostRef) {
		if !inImageText([]byte(png), h.off) {
			t.Errorf("%q in a PNG text chunk: not the image's metadata", h.context)
		}
		hosts = append(hosts, h.host)
	})
	if slices.Sort(hosts); !slices.Equal(hosts, []string{"draw.paint-fixture.net", "www.drawing-fixture.org"}) {
		t.Errorf("hosts %q in the image", hosts)
	}
	// A PNG encoder's own tEXt text, kept apart from the chunk type it writes.
	for _, s := range []string{
		"\xff\xffSoftware\x00QR-PNG http://qr.drawing-fixture.org/\t\x00",
		"Comment\x00www.drawing-fixture.org",
	} {
		if !inImageText([]byte(s), int64(strings.Index(s, "qr."))) && !inImageText([]byte(s), int64(strings.Index(s, "www."))) {
			t.Errorf("inImageText(%q) = false: a PNG text chunk's keyword and text", s)
		}
	}
	for _, s := range []string{
		"see www.drawing-fixture.org",
		"PostSoftware\x00www.drawing-fixture.org",                                                   // no keyword where the run starts
		"\xffSoftware\x00\x01www.drawing-fixture.org",                                               // not printable after the NUL
		"\xffSoftwares\x00www.drawing-fixture.org",                                                  // no predefined keyword
		"\x00\x00\x00\x05tEXtSoftware\x00www.drawing-fixture.org",                                   // past the chunk's end
		"\x00\x00\x00\x60tEXt\x00www.drawing-fixture.org" + strings.Repeat("\x00", 80),              // no keyword
		"\x00\x00\x00\x60tEXtSoft ware\x01\x00www.drawing-fixture.org" + strings.Repeat("\x00", 80), // not printable
	} {
		if inImageText([]byte(s), int64(strings.Index(s, "www."))) {
			t.Errorf("inImageText(%q) = true", s)
		}
	}
}
