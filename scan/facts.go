package scan

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"path"
	"runtime/debug"
	"sort"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// facts is everything extracted from one binary (all slices of a universal one),
// already matched against the rules' atoms.
type facts struct {
	// release gives back bytes of the file the analysis has read for good
	// (nil: none are).
	release func([]byte)
	// deferred, when not nil, keeps the host references found instead of
	// recording them (see hostFact).
	deferred  *[]hostRef
	format    string
	os        string
	arches    []string
	isGo      bool
	goVersion string
	goRange   string // toolchain range implied by the pclntab, when there is no build info
	info      *debug.BuildInfo
	nfuncs    int
	npkgs     int
	libraries []string
	hits      *hits
	hosts     map[string]*hostAgg
	urlHosts  map[string]bool // every host seen in a URL, inert or not
	bare      []hostRef       // host names found without a scheme, judged at the end
	// litSecs are the data sections searched for literal atoms, lazily: only when
	// a rule that needs them is otherwise satisfied (see ensureLiterals).
	litSecs   []litSection
	litsDone  map[int]bool
	obscured  []Evidence
	noPclntab bool
	// progs are the code pass's programs, one per Go image it read; codeErr says
	// why it could not read others.
	progs   []*program
	codeErr []string
	mods    *moduleIndex
}

// give hands b, bytes of the file the analysis has read, to f.release, when
// set: pages of a mapped file then leave the process until read again.
func (f *facts) give(b []byte) {
	if f.release != nil && len(b) > 0 {
		f.release(b)
	}
}

type litSection struct {
	data []byte
	loc  func(off int64) string
}

// ensureLiterals searches the data sections for the literal atoms among ids
// that have not been searched yet.
func (f *facts) ensureLiterals(x *atomIndex, ids []int) {
	searched := false
	for _, id := range ids {
		if x.atoms[id].kind != atomLiteral || f.litsDone[id] {
			continue
		}
		if f.litsDone == nil {
			f.litsDone = map[int]bool{}
		}
		f.litsDone[id] = true
		searched = true
		for _, ls := range f.litSecs {
			if i := bytes.Index(ls.data, x.atoms[id].needle); i >= 0 {
				f.hits.add(id, Evidence{Kind: EvidenceString, Value: x.atoms[id].value, Where: ls.loc(int64(i))})
				break
			}
		}
	}
	if searched {
		for _, ls := range f.litSecs {
			f.give(ls.data)
		}
	}
}

type hostAgg struct {
	host string
	refs []hostRef // kept, non-inert references (a few)
	n    int       // non-inert references
	// missed: some non-inert reference is not in refs, nor from the string
	// of one that is (the same text twice in one string is one reference)
	missed bool
	inertN int
	// referenced: some non-inert reference is a string the code or static data
	// uses (or the image had no code pass); else every one is an unreferenced byte run.
	referenced bool
}

// maxHostRefs bounds the distinct strings kept as evidence per host.
const maxHostRefs = 32

// maxHosts bounds the distinct hosts tracked per artifact, so a crafted file
// full of host names cannot grow memory without limit.
const maxHosts = 4096

func extractFacts(ctx context.Context, bf *binFile, r *Rules, release func([]byte)) *facts {
	f := &facts{format: bf.format, hits: newHits(len(r.atoms.atoms)), hosts: map[string]*hostAgg{}, urlHosts: map[string]bool{}, release: release}
	for i, im := range bf.images {
		if ctx.Err() != nil {
			return f
		}
		f.os = im.os
		f.arches = append(f.arches, im.arch)
		f.image(im, r, i == len(bf.images)-1)
	}
	return f
}

// searchLiterals searches the data sections for the literal atoms of every
// rule that may apply to the artifact, once every data section is known: the
// search [Rules.evaluate] would make rule by rule, made while the code pass
// ends.
func (f *facts) searchLiterals(r *Rules) {
	for _, ru := range r.rules {
		switch {
		case ru.spec.Target == "go" && !f.isGo, ru.spec.Target == "native" && f.isGo:
			continue
		}
		f.ensureLiterals(&r.atoms, ru.any)
		for _, c := range ru.all {
			f.ensureLiterals(&r.atoms, c)
		}
		f.ensureLiterals(&r.atoms, ru.unless)
	}
}

// last says that im is the artifact's last image.
func (f *facts) image(im *image, r *Rules, last bool) {
	x := &r.atoms
	if bi, err := buildinfo.Read(bytes.NewReader(im.data)); err == nil {
		f.isGo = true
		if f.info == nil {
			f.info = bi
			f.goVersion = bi.GoVersion
		}
		for _, m := range bi.Deps {
			f.module(x, m.Path, m.Version)
		}
		if bi.Main.Path != "" {
			f.module(x, bi.Main.Path, bi.Main.Version)
		}
		for _, s := range bi.Settings {
			if s.Key == "GOOS" && s.Value != "" {
				f.os = s.Value
				im.os = s.Value
			}
		}
	}
	pkgWhere := map[string]bool{}
	tab := findPclntab(im)
	if tab != nil {
		// The search for the table read its section up to it.
		f.give(tab.sec.data)
	}
	// The code pass runs beside the name and byte-level work below; the
	// read-only data it turns into exact strings is searched after it ends.
	var code *codePass
	if tab != nil {
		code = f.startCodePass(im, tab)
	}
	if tab != nil {
		f.isGo = true
		f.goRange = tab.goVersionRange()
		var pkgs []string
		var lower []byte
		var lastPkg string
		var pkgHit, nameHit []bool // per needle of x.contains
		pkgAny := false
		if len(x.contains) > 0 {
			pkgHit, nameHit = make([]bool, len(x.contains)), make([]bool, len(x.contains))
		}
		tab.eachName(func(name []byte, off int64) {
			f.nfuncs++
			pk := pkgOf(name)
			if ids, ok := x.funcs[string(name)]; ok {
				e := Evidence{Kind: EvidenceFunction, Value: string(name), Where: im.where(tab.sec, off)}
				for _, id := range ids {
					f.hits.add(id, e)
				}
			}
			if len(pk) == 0 {
				return
			}
			if !pkgWhere[string(pk)] {
				p := string(pk)
				pkgWhere[p] = true
				pkgs = append(pkgs, p)
				norm := normPackage(p)
				for q := norm; q != ""; q = parentPath(q) {
					if ids, ok := x.pkgs[q]; ok {
						e := Evidence{Kind: EvidencePackage, Value: norm, Where: im.where(tab.sec, off) + " function " + string(name)}
						for _, id := range ids {
							f.hits.add(id, e)
						}
					}
				}
			}
			if len(x.contains) > 0 && !isStdPackage(pk) {
				// The package path is tested once per package (pkgHit), the rest
				// of the name per function: most of a name is its package path.
				if string(pk) != lastPkg {
					lastPkg = string(pk)
					lower = appendLower(lower[:0], pk)
					clear(pkgHit)
					pkgAny = x.containsSet.match(lower, pkgHit)
				}
				lower = appendLower(lower[:0], name[len(pk):])
				copy(nameHit, pkgHit)
				if x.containsSet.match(lower, nameHit) || pkgAny {
					for k, hit := range nameHit {
						if hit {
							f.hits.add(x.contains[k], Evidence{Kind: EvidenceFunction, Value: string(name), Where: im.where(tab.sec, off)})
						}
					}
				}
			}
		})
		f.npkgs += len(pkgs)
		f.checkHashedNames(pkgs)
		f.give(tab.sec.data[tab.start:tab.end])
	} else if f.isGo || hasGoNote(im) {
		f.isGo = true
		f.noPclntab = true
	}
	if !f.isGo {
		if im.loadImports != nil {
			im.loadImports()
		}
		for _, s := range im.imports {
			for _, id := range x.imports[s] {
				f.hits.add(id, Evidence{Kind: EvidenceImport, Value: s, Where: "dynamic imports"})
			}
		}
		for _, l := range im.libraries {
			for _, id := range x.libs {
				if ok, _ := path.Match(x.atoms[id].value, path.Base(l)); ok {
					f.hits.add(id, Evidence{Kind: EvidenceImport, Value: l, Where: "needed libraries"})
				}
			}
		}
	}
	f.libraries = append(f.libraries, im.libraries...)
	if im.packer != "" {
		f.obscured = append(f.obscured, Evidence{Kind: EvidenceFormat, Value: im.packer + " packer marks", Where: labelled(im, "section headers")})
	}
	// Sections the code pass may cover (read-only string data) are searched
	// last, once its strings are known; the others at once.
	f.searchSections(im, r, tab, false, nil, nil, nil)
	var prog *program
	if code != nil {
		prog = code.strings()
	}
	if prog == nil {
		if code != nil {
			code.program()
		}
		f.searchSections(im, r, tab, true, nil, nil, nil)
		return
	}
	// The search runs while the pass makes its call graph; what the search
	// finds is judged once the graph is made (the use of a string decides
	// whether its host counts), in the order found.
	strs, cover := prog.exactStrings()
	litSecs := len(f.litSecs)
	var found []hostRef
	f.deferred = &found
	f.searchSections(im, r, tab, true, prog, strs, cover)
	f.deferred = nil
	if last {
		f.searchLiterals(r)
	}
	if code.program() == nil {
		// The graph failed: the strings are searched as bytes, without it.
		f.litSecs = f.litSecs[:litSecs]
		f.searchSections(im, r, tab, true, nil, nil, nil)
		return
	}
	for _, h := range found {
		f.hostFact(r, x, h)
	}
}

// searchSections searches the strong sections of im for literals and hosts:
// in the first pass those that cannot hold Go string literals, in the second
// the others (exactly, through the code pass's strings, when cover has them).
func (f *facts) searchSections(im *image, r *Rules, tab *pclntab, stringData bool, prog *program, strs []*codeString, cover map[*section][]uint64) {
	for i := range im.sections {
		sec := &im.sections[i]
		if !sec.strong || isStringDataSection(sec.name) != stringData {
			continue
		}
		if bits, ok := cover[sec]; ok {
			var skip [2]int64
			if tab != nil && tab.sec == sec {
				skip = [2]int64{tab.start, tab.end}
			}
			f.codeSection(im, r, prog, sec, strs, bits, skip)
			continue
		}
		data := sec.data
		// Skip the function table when it lies inside a data section (PIE, PE).
		if tab != nil && tab.sec == sec {
			f.dataSection(im, r, &section{name: sec.name, off: sec.off, data: data[:tab.start]}, 0)
			f.dataSection(im, r, &section{name: sec.name, off: sec.off + tab.end, data: data[tab.end:]}, tab.end)
			continue
		}
		f.dataSection(im, r, sec, 0)
	}
}

// dataSection searches one data section (or the part of one) for literals and hosts.
// shift is the offset of sub.data within the original section, for locations.
func (f *facts) dataSection(im *image, r *Rules, sub *section, shift int64) {
	x := &r.atoms
	name := sub.name
	loc := func(off int64) string {
		return im.where(&section{name: name, off: sub.off - shift}, off+shift)
	}
	f.litSecs = append(f.litSecs, litSection{data: sub.data, loc: loc})
	findHosts(sub, func(h hostRef) {
		h.sec = &section{name: loc(h.off)}
		h.metadata = inCertificate(sub.data, h.off) || inImageText(sub.data, h.off)
		h.markup = inMarkup(sub.data, h.off)
		if !f.isGo {
			// C strings end with a NUL: the one around the host is exact.
			if cs, off := cString(sub.data, h.off); cs != nil {
				h.prose = inProse(cs, off, len(h.context))
			}
		}
		f.hostFact(r, x, h)
	})
	f.give(sub.data)
}

// maxCString bounds the C string cString returns.
const maxCString = 4096

// cString returns the NUL-terminated string of a native image that holds the
// byte at off in b, and off within it; nil when no NUL ends it within
// maxCString bytes on either side (not a C string, or too long to judge).
func cString(b []byte, off int64) ([]byte, int64) {
	i := int(off)
	if i < 0 || i >= len(b) {
		return nil, 0
	}
	lo := max(0, i-maxCString)
	k := bytes.LastIndexByte(b[lo:i], 0)
	if k < 0 && lo > 0 {
		return nil, 0
	}
	start := lo + k + 1 // the section's start when no NUL is before
	end := bytes.IndexByte(b[i:min(len(b), i+maxCString)], 0)
	if end < 0 {
		return nil, 0
	}
	return b[start : i+end], off - int64(start)
}

func (f *facts) addHost(r *Rules, h hostRef) {
	agg := f.hosts[h.host]
	if agg == nil {
		if len(f.hosts) >= maxHosts {
			return
		}
		agg = &hostAgg{host: h.host}
		f.hosts[h.host] = agg
	}
	if h.embedded || h.prose || h.markup || h.metadata || f.inertByUse(r, &h) {
		agg.inertN++
		return
	}
	agg.n++
	if !h.unreferenced {
		agg.referenced = true
	}
	for _, x := range agg.refs {
		if x.context == h.context {
			// One item of evidence per text; a reference from another string
			// than the one kept is not represented by it.
			agg.missed = agg.missed || x.str != h.str || x.prog != h.prog || x.str == nil
			return
		}
	}
	if len(agg.refs) >= maxHostRefs {
		agg.missed = true
		return
	}
	agg.refs = append(agg.refs, h)
}

// commonTLD are the top-level domains accepted for host names found without a
// scheme whose domain no URL in the binary confirms. Flag names and identifiers
// ("collector.cpu.info", "go.shape.int") end in rarer TLDs by accident.
var commonTLD = map[string]bool{
	"com": true, "net": true, "org": true, "io": true, "dev": true, "app": true, "cloud": true,
	"co": true, "ai": true, "sh": true, "me": true, "cn": true, "ru": true, "de": true, "uk": true,
	"jp": true, "eu": true, "us": true, "gov": true, "edu": true, "fr": true, "nl": true,
}

// judgeBare decides, once all URLs are known, which bare host names to report.
// A bare name that ends in a host seen in a URL but has extra bytes glued in
// front ("bitssum.golang.org" after "bits") is cut back to that host.
func (f *facts) judgeBare(r *Rules) {
	domains := map[string]bool{}
	for h := range f.urlHosts {
		if d, err := publicsuffix.EffectiveTLDPlusOne(h); err == nil {
			domains[d] = true
		}
	}
	for _, b := range f.bare {
		h := b.host
		if b.twoLabel {
			// The literal is the host, exactly: counted by its use alone.
			if b.prog != nil && b.str != nil && b.prog.callsResolver(b.str.fns, r.filter.resolvers) {
				f.addHost(r, b)
			}
			continue
		}
		if !looksIPv4(h) {
			best := ""
			for i := 1; i < len(h); i++ {
				if h[i-1] != '.' && f.urlHosts[h[i:]] {
					best = h[i:] // the first hit is the longest
					break
				}
			}
			if best != "" {
				b.context = b.context[len(h)-len(best):]
				h = best
			}
			d, err := publicsuffix.EffectiveTLDPlusOne(h)
			if err != nil {
				continue
			}
			if !domains[d] && !commonTLD[h[strings.LastIndexByte(h, '.')+1:]] {
				continue
			}
		}
		b.host = h
		f.addHost(r, b)
	}
	f.bare = nil
}

func labelled(im *image, s string) string {
	if im.label != "" {
		return im.label + " slice " + s
	}
	return s
}

func (f *facts) module(x *atomIndex, p, version string) {
	for q := p; q != ""; q = parentPath(q) {
		if ids, ok := x.pkgs[q]; ok {
			v := p
			if version != "" {
				v += "@" + version
			}
			for _, id := range ids {
				f.hits.add(id, Evidence{Kind: EvidenceModule, Value: v, Where: "build info"})
			}
		}
	}
}

// hasGoNote reports sections only the Go linker writes.
func hasGoNote(im *image) bool {
	for _, s := range im.sections {
		switch s.name {
		case ".note.go.buildid", ".go.buildinfo", "__DATA,__go_buildinfo", ".gopclntab", ".gosymtab":
			return true
		}
	}
	return false
}

// pkgOf returns the package path of a function name in linker form, or nil for
// compiler-generated names. "gopkg.in/yaml.v3.Unmarshal" is package
// "gopkg.in/yaml.v3": a ".vN" element after the last slash belongs to the path.
func pkgOf[S ~string | ~[]byte](name S) S {
	if len(name) == 0 || hasPrefix(name, "type:") || hasPrefix(name, "go:") || hasPrefix(name, "go.") {
		var none S
		return none
	}
	head := name
	for i := 0; i < len(head); i++ {
		if head[i] == '[' || head[i] == '(' {
			head = head[:i]
			break
		}
	}
	start := 0
	for i := len(head) - 1; i >= 0; i-- {
		if head[i] == '/' {
			start = i + 1
			break
		}
	}
	for i := start; i < len(head); i++ {
		if head[i] != '.' {
			continue
		}
		// ".v3." continues a gopkg.in-style path.
		j := i + 1
		if j < len(head) && head[j] == 'v' {
			k := j + 1
			for k < len(head) && head[k] >= '0' && head[k] <= '9' {
				k++
			}
			if k > j+1 && k < len(head) && head[k] == '.' {
				i = k - 1
				continue
			}
		}
		return name[:i]
	}
	var none S
	return none
}

// hasPrefix is strings.HasPrefix for strings and byte slices alike.
func hasPrefix[S ~string | ~[]byte](s S, prefix string) bool {
	return len(s) >= len(prefix) && string(s[:len(prefix)]) == prefix
}

// normPackage removes vendoring prefixes: std's "vendor/", cmd's "cmd/vendor/",
// and GOPATH-mode ".../vendor/".
func normPackage(p string) string {
	if i := strings.LastIndex(p, "/vendor/"); i >= 0 {
		return p[i+len("/vendor/"):]
	}
	return strings.TrimPrefix(p, "vendor/")
}

func parentPath(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// isStdPackage reports a standard-library (or cmd) package: its first path element has no dot.
func isStdPackage(p []byte) bool {
	first := p
	if i := bytes.IndexByte(p, '/'); i >= 0 {
		first = p[:i]
	}
	if bytes.Equal(first, []byte("vendor")) || bytes.Equal(first, []byte("cmd")) {
		return true
	}
	return bytes.IndexByte(first, '.') < 0 && stdTop[string(first)]
}

// appendLower appends s with ASCII letters lower-cased.
func appendLower(dst, s []byte) []byte {
	for _, c := range s {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst
}

// containsFold reports whether s contains the lower-case needle, ignoring ASCII case.
func containsFold(s []byte, needle string) bool {
	n := len(needle)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n {
			c := s[i+j]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[j] {
				break
			}
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

// stdTop lists the top-level elements of standard-library import paths.
var stdTop = map[string]bool{
	"archive": true, "bufio": true, "bytes": true, "cmp": true, "compress": true, "container": true,
	"context": true, "crypto": true, "database": true, "debug": true, "embed": true, "encoding": true,
	"errors": true, "expvar": true, "flag": true, "fmt": true, "go": true, "hash": true, "html": true,
	"image": true, "index": true, "internal": true, "io": true, "iter": true, "log": true, "maps": true,
	"math": true, "mime": true, "net": true, "os": true, "path": true, "plugin": true, "reflect": true,
	"regexp": true, "runtime": true, "slices": true, "sort": true, "strconv": true, "strings": true,
	"structs": true, "sync": true, "syscall": true, "testing": true, "text": true, "time": true,
	"unicode": true, "unique": true, "unsafe": true, "weak": true, "vendor": true, "cmd": true,
	"simd": true, "encoding/json/v2": true,
}

// checkHashedNames flags garble-style obfuscation: many packages whose paths are
// single random-looking identifiers, neither standard library nor dotted module
// paths. A plain build has at most "main" and a few local packages like that.
func (f *facts) checkHashedNames(pkgs []string) {
	var odd []string
	for _, p := range pkgs {
		if strings.ContainsAny(p, "/.") || stdTop[p] || p == "main" {
			continue
		}
		if hashedLooking(p) {
			odd = append(odd, p)
		}
	}
	if len(odd) >= 5 && f.info == nil {
		sort.Strings(odd)
		f.obscured = append(f.obscured, Evidence{Kind: EvidencePackage, Value: strings.Join(odd[:min(5, len(odd))], ", ") + ", …", Where: "function table: hashed package names"})
	}
}

// hashedLooking reports an identifier mixing upper and lower case or digits the
// way base64 hashes do ("Lb2xFq"), which hand-written package names do not.
func hashedLooking(p string) bool {
	var up, low, dig int
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c >= 'A' && c <= 'Z':
			up++
		case c >= 'a' && c <= 'z':
			low++
		case c >= '0' && c <= '9':
			dig++
		case c == '_':
		default:
			return false
		}
	}
	return up > 0 && low > 0 && (up+dig) >= 2
}
