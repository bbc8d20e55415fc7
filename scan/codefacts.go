package scan

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The code pass's facts: exact strings instead of byte runs cut by guesswork,
// and for every function and string the path by which the program reaches it.

// maxStringScan bounds one string literal searched for hosts (an embedded file
// is searched as one literal).
const maxStringScan = 1 << 20

// codeString is one distinct string literal the code (or a string header in
// static data) uses, with the functions that load it.
type codeString struct {
	addr     uint64
	n        uint32
	sec      *section
	fns      []int32 // distinct referring functions (the first few)
	nfns     int
	static   bool     // a string header in static data holds it
	headerAt uint64   // the first such header's address
	headers  []uint64 // the addresses of the first few headers
	// bare: the code takes its address with no length; its end is where the
	// next known string starts (see program.textAt).
	bare bool
	// contacted caches program.contacts for the string's readers: 0 not
	// judged yet, 1 no, 2 yes.
	contacted uint8
}

// maxBareText bounds a string whose length the pass did not see.
const maxBareText = 512

// minEmbeddedDocument is the size from which a string that only static data
// holds (no code loads it) is taken for an embedded document: a web asset, a
// schema, a licence text. The hosts in it are what the document links to, not
// what the program contacts: they are counted as inert.
const minEmbeddedDocument = 4096

// maxStringReferrers bounds the functions kept per string.
const maxStringReferrers = 8

// startCodePass starts the code pass over one Go image, when its architecture
// is one the pass decodes, and returns the function that waits for it. A
// failure leaves the image to the byte-level analysis and is recorded
// (codeErr): the scan still succeeds, and rules that need the pass judge the
// image as if every function were reached.
//
// The pass ends in two steps, and the returned codePass waits for each: its
// strings (what [program.exactStrings] reads) are final before its call graph
// is, so the search of the strings may run while the graph is made.
func (f *facts) startCodePass(im *image, tab *pclntab) *codePass {
	c := &codePass{f: f, im: im}
	if im.arch != "amd64" && im.arch != "arm64" {
		c.done = true
		return c
	}
	if f.mods == nil {
		f.mods = newModuleIndex(f)
	}
	c.ch = make(chan codeStep, 2)
	go func(mods *moduleIndex) {
		var p *program
		var err error
		early := func(p *program) { c.ch <- codeStep{p: p, early: true} }
		if gerr := guard("code pass", func() { p, err = newProgramReleasing(im, tab, mods, f.release, early) }); gerr != nil {
			p, err = nil, gerr
		}
		c.ch <- codeStep{p: p, err: err}
	}(f.mods)
	return c
}

// codePass is a code pass under way (see [facts.startCodePass]).
type codePass struct {
	f    *facts
	im   *image
	ch   chan codeStep
	done bool     // the final step is in: p (or nil)
	p    *program // the program: strings only until done
}

// codeStep is what the pass sends: the program once its strings are final
// (early), then the whole program or the failure.
type codeStep struct {
	p     *program
	err   error
	early bool
}

// strings waits for the pass's strings and returns the program, whose call
// graph may not be made yet: only what [program.exactStrings] reads may be
// read of it before [codePass.program] returns. It returns nil when the pass
// failed (or never ran).
func (c *codePass) strings() *program {
	if c.done || c.p != nil {
		return c.p
	}
	c.take(<-c.ch)
	return c.p
}

// program waits for the whole pass and returns the program, or nil when the
// pass failed or never ran.
func (c *codePass) program() *program {
	for !c.done {
		c.take(<-c.ch)
	}
	return c.p
}

func (c *codePass) take(st codeStep) {
	if st.early {
		c.p = st.p
		return
	}
	c.done = true
	if st.err != nil {
		c.p = nil
		c.f.codeErr = append(c.f.codeErr, fmt.Sprintf("%s: %v", labelled(c.im, "code pass"), st.err))
		return
	}
	c.p = st.p
	c.f.progs = append(c.f.progs, st.p)
}

// exactStrings returns the distinct strings the code loads that may hold a host
// ('.' in them), in address order, and marks in cover every byte of rodata
// that any loaded string spans.
func (p *program) exactStrings() ([]*codeString, map[*section][]uint64) {
	cover := map[*section][]uint64{}
	for _, s := range p.rodata {
		cover[s] = make([]uint64, (len(s.data)+63)/64)
	}
	type key struct {
		addr uint64
		n    uint32
	}
	idx := map[key]*codeString{}
	var out []*codeString
	for i := range p.refs.Strings {
		r := &p.refs.Strings[i]
		sec, off := p.sectionOf(r.Addr, uint64(r.Len))
		if sec == nil {
			continue
		}
		b := sec.data[off : off+uint64(r.Len)]
		if !looksText(b) {
			continue // a table with its length (a zstd dictionary), not a string
		}
		markCover(cover[sec], off, uint64(r.Len))
		if r.Len < 4 || bytes.IndexByte(b, '.') < 0 {
			continue
		}
		k := key{r.Addr, r.Len}
		cs := idx[k]
		if cs == nil {
			cs = &codeString{addr: r.Addr, n: r.Len, sec: sec}
			idx[k] = cs
			out = append(out, cs)
		}
		if n := len(cs.fns); n == 0 || cs.fns[n-1] != r.Func {
			cs.nfns++
			if n < maxStringReferrers {
				cs.fns = append(cs.fns, r.Func)
			}
		}
	}
	// A string header that spans the start of a string the code loads is not
	// one (a slice header, a pointer and a count): skip it.
	starts := make([]uint64, 0, len(p.refs.Strings))
	for _, r := range p.refs.Strings {
		starts = append(starts, r.Addr)
	}
	slices.Sort(starts)
	spans := func(addr, n uint64) bool {
		i := sort.Search(len(starts), func(i int) bool { return starts[i] > addr })
		return i < len(starts) && starts[i] < addr+n
	}
	for _, h := range p.static {
		sec, off := p.sectionOf(h.Addr, h.Len)
		if sec == nil || h.Len > 1<<32-1 || spans(h.Addr, h.Len) {
			continue
		}
		markCover(cover[sec], off, h.Len)
		b := sec.data[off : off+h.Len]
		if h.Len < 4 || bytes.IndexByte(b, '.') < 0 {
			continue
		}
		k := key{h.Addr, uint32(h.Len)}
		cs := idx[k]
		if cs == nil {
			cs = &codeString{addr: h.Addr, n: uint32(h.Len), sec: sec}
			idx[k] = cs
			out = append(out, cs)
		}
		if !cs.static {
			cs.static, cs.headerAt = true, h.At
		}
		if len(cs.headers) < maxStringReferrers && !slices.Contains(cs.headers, h.At) {
			cs.headers = append(cs.headers, h.At)
		}
	}
	// Text the code takes the address of without a length: it runs to the next
	// byte a known string covers, a byte that is not printable, or maxBareText.
	for _, a := range p.bareText {
		sec, off := p.sectionOf(a.Addr, 1)
		if sec == nil || isCovered(cover[sec], off) {
			continue
		}
		end := off
		for end < uint64(len(sec.data)) && end-off < maxBareText && !isCovered(cover[sec], end) && sec.data[end] >= ' ' && sec.data[end] <= '~' {
			end++
		}
		b := sec.data[off:end]
		if len(b) < 4 || bytes.IndexByte(b, '.') < 0 {
			continue
		}
		k := key{a.Addr, uint32(len(b))}
		cs := idx[k]
		if cs == nil {
			cs = &codeString{addr: a.Addr, n: uint32(len(b)), sec: sec, bare: true}
			idx[k] = cs
			out = append(out, cs)
		}
		if n := len(cs.fns); n == 0 || cs.fns[n-1] != a.Func {
			cs.nfns++
			if n < maxStringReferrers {
				cs.fns = append(cs.fns, a.Func)
			}
		}
	}
	for _, cs := range out {
		if cs.bare {
			markCover(cover[cs.sec], cs.addr-cs.sec.addr, uint64(cs.n))
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].addr != out[j].addr {
			return out[i].addr < out[j].addr
		}
		return out[i].n < out[j].n
	})
	return out, cover
}

// looksText reports whether b's first and last 64 bytes hold no control byte
// other than tab, newline and carriage return: a string literal, not binary
// data the code loads with its length.
func looksText(b []byte) bool {
	ok := func(c byte) bool { return c >= ' ' && c != 0x7f || c == '\t' || c == '\n' || c == '\r' }
	for i := 0; i < len(b) && i < 64; i++ {
		if !ok(b[i]) || !ok(b[len(b)-1-i]) {
			return false
		}
	}
	return true
}

// sectionOf returns the rodata section holding n bytes at addr and the offset.
func (p *program) sectionOf(addr, n uint64) (*section, uint64) {
	for _, s := range p.rodata {
		if addr >= s.addr && addr-s.addr <= uint64(len(s.data)) && n <= uint64(len(s.data))-(addr-s.addr) {
			return s, addr - s.addr
		}
	}
	return nil, 0
}

// markCover sets the bits [off, off+n) of bits, skipping a range whose ends are
// both set already (a literal loaded many times).
func markCover(bits []uint64, off, n uint64) {
	if n == 0 {
		return
	}
	end := off + n - 1
	if isCovered(bits, off) && isCovered(bits, end) {
		return
	}
	for i := off; i <= end; {
		if i%64 == 0 && end-i >= 63 {
			bits[i/64] = ^uint64(0)
			i += 64
			continue
		}
		bits[i/64] |= 1 << (i % 64)
		i++
	}
}

func isCovered(bits []uint64, off uint64) bool { return bits[off/64]&(1<<(off%64)) != 0 }

// anyCovered reports whether any byte of [off, off+n) is set.
func anyCovered(bits []uint64, off, n uint64) bool {
	for i := off; i < off+n; i++ {
		if isCovered(bits, i) {
			return true
		}
	}
	return false
}

// codeSection searches one read-only data section of a Go image whose code the
// pass read: the strings the code loads are searched one by one, exactly (no
// neighbour glued on); the bytes no loaded string spans are searched as runs,
// and what they yield is marked unreferenced. skip is a range of the section
// not searched (the function table, when it lies in the section).
func (f *facts) codeSection(im *image, r *Rules, p *program, sec *section, strs []*codeString, cover []uint64, skip [2]int64) {
	x := &r.atoms
	f.litSecs = append(f.litSecs, litSection{data: sec.data, loc: func(off int64) string { return im.where(sec, off) }})
	for _, cs := range strs {
		if cs.sec != sec {
			continue
		}
		off := cs.addr - sec.addr
		n := min(uint64(cs.n), maxStringScan)
		sub := &section{name: sec.name, off: sec.off + int64(off), data: sec.data[off : off+n]}
		if host, ok := twoLabelHost(sub.data); ok && cs.nfns > 0 {
			// Judged by its use once the call graph is made (see judgeBare).
			f.hostFact(r, x, hostRef{host: host, context: string(sub.data), sec: &section{name: im.where(sec, int64(off))},
				str: cs, prog: p, twoLabel: true})
			continue
		}
		findHosts(sub, func(h hostRef) {
			h.sec = &section{name: im.where(sec, int64(off)+h.off)}
			h.str = cs
			h.prog = p
			h.embedded = cs.static && cs.nfns == 0 && cs.n >= minEmbeddedDocument
			h.prose = inProse(sub.data, h.off, len(h.context))
			h.markup = inMarkup(sub.data, h.off)
			f.hostFact(r, x, h)
		})
	}
	findHosts(sec, func(h hostRef) {
		if h.off+int64(len(h.context)) > skip[0] && h.off < skip[1] || anyCovered(cover, uint64(h.off), uint64(len(h.context))) {
			return
		}
		h.sec = &section{name: im.where(sec, h.off)}
		// Type data (type names, struct tags) is the program's, referenced by
		// its type descriptors: where it shares a section with the string
		// literals (PE's .rdata; .rodata before Go 1.26), the moduledata's
		// types range tells it apart, as a section of its own does elsewhere.
		h.unreferenced = !p.inTypeData(sec.addr, h.off, len(h.context))
		h.metadata = inCertificate(sec.data, h.off) || inImageText(sec.data, h.off)
		h.markup = inMarkup(sec.data, h.off)
		f.hostFact(r, x, h)
	})
	f.give(sec.data)
}

// inProse reports whether the string s has words around the reference at
// [off, off+n): a space or line break outside it. Such a literal is a message
// or help text that mentions the host ("More info: https://…", "see
// https://…/docs for details"); no dialer or HTTP client can be given it as it
// is, so the mention is inert. Only exact strings are judged so: a byte run may
// be two literals glued together.
//
// A reference that is a whole quoted value of a key or a list in a JSON
// document ("endpoint": "kms.eu-west-1.example.com" in the endpoint table an
// SDK parses) is data, not prose: the spaces and line breaks around it do not
// make it inert. A quoted example in help text (Example: "https://…") or a
// quoted attribute of markup (href="…") is not such a value.
func inProse(s []byte, off int64, n int) bool {
	if off < 0 || int(off)+n > len(s) {
		return false
	}
	if quotedValue(s, int(off), int(off)+n) || inRequest(s, int(off), int(off)+n) {
		return false
	}
	return bytes.ContainsAny(s[:off], " \n\t") || bytes.ContainsAny(s[int(off)+n:], " \n\t")
}

// requestHeader matches the end of the text before a host that makes the text
// a protocol message, not prose: the value of a request header that names the
// server (a hand-written HTTP request, "GET / HTTP/1.1\r\nHost: …").
var requestHeader = regexp.MustCompile(`(?i)(?:^|[\r\n])(?:host|origin|referer)[ \t]*:[ \t]*$`)

// networkCommand matches the text before a host on its line that makes the
// host an argument of a network command a program may run through a shell
// ("curl -fsSL https://… | sh", "git clone https://…"), not a word of prose.
var networkCommand = regexp.MustCompile(`(?:^|[\s;&|("'` + "`" + `])(?:curl|wget|fetch|git|ssh|scp|sftp|rsync|nc|ncat|telnet|iwr|irm|Invoke-WebRequest|Invoke-RestMethod|Start-BitsTransfer|certutil|bitsadmin)(?:\.exe)?[ \t][^\r\n]*$`)

// inRequest reports whether s[from:to] is part of a request a program sends
// or of a network command it runs: a header that names the server, the target
// of a request line ("GET http://… HTTP/1.1"), an argument of curl, wget, git
// and the like.
func inRequest(s []byte, from, to int) bool {
	before := s[max(0, from-256):from]
	return requestHeader.Match(before) || networkCommand.Match(before) ||
		bytes.HasPrefix(s[to:], []byte(" HTTP/1.")) || bytes.HasPrefix(s[to:], []byte(" HTTP/2"))
}

// quotedValue reports whether s is a JSON document (it starts with a brace or
// a bracket) and s[from:to] is a quoted value in it: the quote follows a
// colon, an opening bracket or a comma (spaces between).
func quotedValue(s []byte, from, to int) bool {
	if from < 1 || to >= len(s) || s[from-1] != '"' || s[to] != '"' {
		return false
	}
	if t := bytes.TrimLeft(s, " \t\r\n"); len(t) == 0 || t[0] != '{' && t[0] != '[' {
		return false
	}
	i := from - 2
	for i >= 0 && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i--
	}
	return i >= 0 && (s[i] == ':' || s[i] == '[' || s[i] == ',')
}

// markupBefore matches the end of the text before a URL that makes the URL an
// XML or SGML identifier: a namespace (xmlns="…", xmlns:kml="…"), a schema
// location, or a DTD's public or system identifier. Such a URL names a
// vocabulary; nothing fetches it.
var markupBefore = regexp.MustCompile(`(?:xmlns(?::[A-Za-z_][\w.-]*)?|schemaLocation|SYSTEM|PUBLIC(?:\s+"[^"]*")?)\s*=?\s*["']$`)

// tagKeyBefore matches the end of the text before a URL that makes the URL
// the name a struct field has in an encoding: a key of a struct tag of Go's
// type data (json:"http://schemas.openid.net/event/backchannel-logout", the
// member an OpenID logout token is decoded from). Such a URL names a JSON,
// XML or YAML member; nothing fetches it. Other tags' values may be addresses
// (a command-line library's default:"https://…"): they are not matched.
var tagKeyBefore = regexp.MustCompile(`(?:json|xml|yaml|toml|bson|mapstructure|msgpack|cbor):\\?"$`)

// inMarkup reports whether the reference at off in s is such an identifier or
// key.
func inMarkup(s []byte, off int64) bool {
	if off <= 0 || int(off) > len(s) {
		return false
	}
	before := s[max(0, int(off)-96):off]
	return markupBefore.Match(before) || tagKeyBefore.Match(before)
}

// inCertificate reports whether the URL at off in b is a value of an X.509
// certificate in DER (an embedded bundle of root certificates): a CRL
// distribution point (a URI name, tag [6], in a distribution point's full
// name, tag [0]), an access location of the authority information access
// extension (a URI name after the OID of OCSP or of the issuer's
// certificates), or a certification practice statement (an IA5String after
// the OID of a CPS qualifier), whose DER length covers a URL. These say where
// the certificate's issuer publishes its status and policies; the TLS stack
// fetches none of them, and the program's own hosts are not in its roots.
func inCertificate(b []byte, off int64) bool {
	i := int(off)
	if i < 3 || i > len(b) {
		return false
	}
	// the DER length: one byte under 0x80, or 0x81 and one byte
	n, t := int(b[i-1]), i-2
	if b[i-2] == 0x81 && n >= 0x80 {
		t = i - 3
	} else if n >= 0x80 {
		return false
	}
	if n < len("http://a.b") || i+n > len(b) {
		return false
	}
	for _, c := range b[i : i+n] {
		if c <= ' ' || c >= 0x7f {
			return false
		}
	}
	idPKIX := []byte{0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07} // OID 1.3.6.1.5.5.7, 8 bytes long
	after := func(oid ...byte) bool {
		full := append(idPKIX[:len(idPKIX):len(idPKIX)], oid...)
		return t >= len(full) && bytes.Equal(b[t-len(full):t], full)
	}
	switch b[t] {
	case 0x86: // GeneralName uniformResourceIdentifier
		// a full name, [0], whose length covers the URI's tag, length and value
		hdr := i - t
		fullName := t >= 2 && b[t-2] == 0xa0 && b[t-1] < 0x80 && int(b[t-1]) >= hdr+n ||
			t >= 3 && b[t-3] == 0xa0 && b[t-2] == 0x81 && int(b[t-1]) >= hdr+n
		return fullName || after(0x30, 0x01) || after(0x30, 0x02) // id-ad-ocsp, id-ad-caIssuers
	case 0x16: // IA5String
		return after(0x02, 0x01) // id-qt-cps
	}
	return false
}

// inImageText reports whether the host at off in b lies in the text of a PNG
// image's tEXt or iTXt chunk: the metadata of an embedded image (the software
// that drew it, "Software\x00www.inkscape.org"), which no code reads as an
// address. The chunk's length, type and keyword (1 to 79 printable bytes and a
// NUL) must all be there, and the host inside the chunk; or else the text is a
// PNG encoder's own chunk text, which it writes after the type it names apart
// (writeChunk("tEXt", comment), "Software\x00QR-PNG http://qr.swtch.com/"):
// a byte run that starts with one of the keywords the PNG specification
// predefines and its NUL, printable up to the host.
func inImageText(b []byte, off int64) bool {
	i := int(off)
	if i <= 0 || i > len(b) {
		return false
	}
	if inChunkText(b, i) {
		return true
	}
	const maxKeyword = 79
	lo := max(0, i-maxKeyword-1-4) // the type, a keyword and its NUL before the text
	for _, typ := range [][]byte{[]byte("tEXt"), []byte("iTXt")} {
		k := lo + bytes.LastIndex(b[lo:i], typ)
		if k < lo || k < 4 {
			continue
		}
		n := uint64(b[k-4])<<24 | uint64(b[k-3])<<16 | uint64(b[k-2])<<8 | uint64(b[k-1])
		data := k + 4
		if n > uint64(len(b)-data) || uint64(i-data) >= n {
			continue
		}
		nul := bytes.IndexByte(b[data:i], 0)
		if nul < 1 || nul > maxKeyword {
			continue
		}
		printable := true
		for _, c := range b[data : data+nul] {
			printable = printable && c >= ' ' && c < 0x7f
		}
		if printable {
			return true
		}
	}
	return false
}

// pngKeywords are the tEXt keywords the PNG specification predefines
// (ISO/IEC 15948, 11.3.4.2).
var pngKeywords = []string{"Title", "Author", "Description", "Copyright", "Creation Time", "Software", "Disclaimer", "Warning", "Source", "Comment"}

// inChunkText is inImageText's second form: b[i] lies in the text after a
// predefined keyword and its NUL, where a byte run starts.
func inChunkText(b []byte, i int) bool {
	const maxText = 256
	nul := bytes.LastIndexByte(b[max(0, i-maxText):i], 0)
	if nul < 0 {
		return false
	}
	nul += max(0, i-maxText)
	for _, c := range b[nul+1 : i] {
		if c < ' ' || c >= 0x7f {
			return false
		}
	}
	for _, kw := range pngKeywords {
		k := nul - len(kw)
		if k >= 0 && string(b[k:nul]) == kw && (k == 0 || b[k-1] < ' ' || b[k-1] >= 0x7f) {
			return true
		}
	}
	return false
}

// inertByUse decides whether h is inert. Byte runs and images without a code
// pass follow the endpoints filter alone. For a string the code pass knows:
// a URL the filter calls inert (a documentation-shaped link) still counts
// when the code that loads it leads to a contact (an HTTP request, a dialer,
// a started program: a clone URL, an upload to a help-desk host), unless its
// host is a reserved name no one can own (http://docker.example.com, the base
// URL of a client whose dialer runs ssh) or an address of this machine
// (http://127.0.0.1, a unix socket client's placeholder), or the URL is an
// identifier (an OAuth scope the code puts into a token request); a bare host
// name with no scheme and no port that only a package variable holds counts
// only when code that reads the variable leads to a contact (otherwise it is
// an identifier: an API group, a cookie domain, a label prefix). A bare name
// the code loads itself, or whose variable no code the pass reads uses, is
// kept: it is not judged.
func (f *facts) inertByUse(r *Rules, h *hostRef) bool {
	inert := r.filter.inert(*h)
	cs, p := h.str, h.prog
	if cs == nil || p == nil {
		return inert
	}
	contacted := func(readers []int32) bool {
		if cs.contacted == 0 {
			cs.contacted = 1
			if p.contacts(readers, r.filter.contacts) {
				cs.contacted = 2
			}
		}
		return cs.contacted == 2
	}
	switch {
	case inert && h.isURL && cs.nfns > 0 && !r.filter.reserved(h.host) && !r.filter.identifier(*h):
		return !contacted(cs.fns)
	case !inert && !h.isURL && !strings.Contains(h.context, ":") && cs.nfns == 0 && cs.static:
		// Only a variable's value is judged: code that loads the literal
		// itself may store it anywhere (a default the client reads later).
		readers := p.hdrReaders[cs.headerAt]
		if len(readers) == 0 {
			return false
		}
		return !contacted(readers)
	}
	return inert
}

// hostFact records one host reference found in a data section, or keeps it
// for later in f.deferred.
func (f *facts) hostFact(r *Rules, x *atomIndex, h hostRef) {
	if f.deferred != nil {
		*f.deferred = append(*f.deferred, h)
		return
	}
	if !h.isURL {
		if len(f.bare) < 4*maxHosts {
			f.bare = append(f.bare, h)
		}
		return
	}
	for _, id := range x.urls {
		if x.atoms[id].re.MatchString(h.context) {
			e := Evidence{Kind: EvidenceString, Value: h.context, Where: h.sec.name}
			annotateString(&e, &h)
			f.hits.add(id, e)
		}
	}
	if len(f.urlHosts) < maxHosts {
		f.urlHosts[h.host] = true
	}
	f.addHost(r, h)
}

// referrers returns the names of the functions that load the string of h.
func (h *hostRef) referrers() []string {
	if h.str == nil || h.prog == nil {
		return nil
	}
	out := make([]string, 0, len(h.str.fns))
	for _, fn := range h.str.fns {
		out = append(out, h.prog.names[fn])
	}
	if more := h.str.nfns - len(h.str.fns); more > 0 {
		out = append(out, fmt.Sprintf("(and %d more functions)", more))
	}
	if h.str.static {
		out = append(out, fmt.Sprintf("static data (string header at %#x)", h.str.headerAt))
	}
	return out
}

// annotate adds the code pass's view of a function or string to e: its reach,
// its shortest call path and the module that brings it in.
func (f *facts) annotate(e *Evidence) {
	if len(f.progs) == 0 || e.Kind != EvidenceFunction {
		return
	}
	for _, p := range f.progs {
		n, ok := p.byName[e.Value]
		if !ok {
			continue
		}
		e.Reach = p.reach[n]
		e.Path = p.path(n)
		e.Module = p.owner(e.Path)
		if e.Module == "" {
			e.Module = p.owner([]string{e.Value})
		}
		return
	}
}

// annotateString adds the referring functions' view to a string's evidence.
func annotateString(e *Evidence, h *hostRef) {
	if h.str == nil || h.prog == nil {
		if h.unreferenced {
			e.ReferencedBy = nil
		}
		return
	}
	p := h.prog
	e.ReferencedBy = h.referrers()
	best := int32(-1)
	for _, fn := range h.str.fns {
		if best < 0 || p.reach[fn].rank() < p.reach[best].rank() {
			best = fn
		}
	}
	if best >= 0 {
		e.Reach = p.reach[best]
		e.Path = p.path(best)
		e.Module = p.owner(e.Path)
		if e.Module == "" {
			e.Module = p.owner([]string{p.names[best]})
		}
	}
}
