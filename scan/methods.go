package scan

import (
	"encoding/binary"
	"strings"
)

// Method tables as roots of reach.
//
// A CLI framework that dispatches by reflection (kong's ctx.Run finds each
// command's Run method with reflect) calls the program's commands through
// nothing the code pass follows: no call, no function value, no itab in
// static data names them. Without more, everything such a program does is
// "unreached", and a rule that asks for reached code finds nothing, a
// self-updater included. The linker keeps a method's entry in its type's
// method table only when the method may be called through an interface or by
// reflection (cmd/link/internal/ld/deadcode.go; the others it sets to -1), so
// a kept entry is the linker's own word that the method can run.
//
// The methods of the main module's types whose entries are kept are roots of
// indirect reach, from static data, like the function pointers of package
// variables. Other modules' methods are not: a library type that reaches an
// interface keeps every exported method when the program uses reflection
// anywhere (text/template does), and a library's helper the program never
// calls (a progress bar's StartHTTPServer) is no capability of the program's.

// methodRecord is abi.Method's size: Name (NameOff), Mtyp (TypeOff), Ifn and
// Tfn (TextOff, from runtime.text; -1 for a method the linker dropped), each
// 4 bytes, unchanged since Go 1.7 (internal/abi/type.go).
const methodRecord = 16

// maxTypeData bounds the type data searched for method tables.
const maxTypeData = 1 << 30

// moduledataTypes returns the [types, etypes) range of the runtime's
// moduledata (see [image.moduledataGofunc] for the layouts): the type
// descriptors, their uncommon parts and method tables. Go 1.16 and 1.17
// tables are not read (ok false).
func (im *image) moduledataTypes(t *pclntab) (lo, hi uint64, ok bool) {
	if t.magic != pclnGo118 && t.magic != pclnGo120 {
		return 0, 0, false
	}
	const words = 46
	var end uint64
	lo, ok = im.findModuledata(t, words, func(w func(int) uint64) (uint64, bool) {
		if t.magic == pclnGo118 {
			end = w(36)
			return w(35), w(35) != 0 && w(35) <= w(36) && w(37) <= w(38)
		}
		if w(37) != 0 && w(37) <= w(39) && w(38) <= w(39)-w(37) && w(42) != 0 && w(42) <= w(43) {
			end = w(39) // 1.27: types, typedesclen, etypes
			return w(37), true
		}
		end = w(38) // 1.20–1.26: types, etypes
		return w(37), w(37) != 0 && w(37) <= w(38) && w(39) != 0 && w(39) <= w(40)
	})
	if !ok || end-lo > maxTypeData {
		return 0, 0, false
	}
	return lo, end, true
}

// methodEntries returns the table functions that the method records in
// [lo, hi) name as kept (both Ifn and Tfn, from text, function entries of one
// method's name) and that keep accepts, in the order found. The records are
// found by their shape, at every 4-byte aligned address: an Ifn and a Tfn
// that are both entries of functions with a receiver and the same method
// name do not happen by chance in type data, and a false one would only add
// a root. keep is asked once per function. names are the table functions'
// names: the pass runs beside the reading of the inline trees, which adds
// names of its own to p.names.
func (p *program) methodEntries(lo, hi, text uint64, names []string, keep func(name string) bool) []int32 {
	if len(p.entry) == 0 || p.entry[0] < text {
		return nil
	}
	// The functions keep accepts that have a receiver, as a bitmap of their
	// entries (offsets from text, in units of the entries' common alignment:
	// 32 bytes on amd64): a word of type data is looked up in it, not in the
	// function table.
	var low uint64
	for _, e := range p.entry {
		low |= e - text
	}
	shift := uint(0)
	if low != 0 {
		for low&(1<<shift) == 0 {
			shift++
		}
	}
	limit := p.entry[len(p.entry)-1] - text
	bits := make([]uint64, (limit>>shift)/64+1)
	found := false
	if len(names) != len(p.entry) {
		return nil
	}
	for i, e := range p.entry {
		if e == text || !keep(names[i]) {
			continue
		}
		if _, isMethod := methodName(names[i]); isMethod {
			o := (e - text) >> shift
			bits[o/64] |= 1 << (o % 64)
			found = true
		}
	}
	if !found {
		return nil
	}
	mask := uint32(1)<<shift - 1
	is := func(off uint32) bool {
		o := uint64(off) >> shift
		return off&mask == 0 && uint64(off) <= limit && bits[o/64]&(1<<(o%64)) != 0
	}
	le := p.order == binary.ByteOrder(binary.LittleEndian)
	var out []int32
	for _, s := range p.words {
		a, b := max(lo, s.addr), min(hi, s.addr+uint64(len(s.data)))
		if a >= b {
			continue
		}
		d := s.data[a-s.addr : b-s.addr]
		for o := (4 - a%4) % 4; o+methodRecord <= uint64(len(d)); o += 4 {
			var ifn, tfn uint32
			if le {
				ifn, tfn = binary.LittleEndian.Uint32(d[o+8:]), binary.LittleEndian.Uint32(d[o+12:])
			} else {
				ifn, tfn = p.order.Uint32(d[o+8:]), p.order.Uint32(d[o+12:])
			}
			// -1 (a dropped method) and 0 (the runtime's first function)
			// are never in the bitmap.
			if !is(ifn) || !is(tfn) {
				continue
			}
			fi, ft := p.funcAt(text+uint64(ifn)), p.funcAt(text+uint64(tfn))
			if fi < 0 || ft < 0 || ft != fi && !sameMethod(names[fi], names[ft]) {
				continue
			}
			out = append(out, fi)
			if ft != fi {
				out = append(out, ft)
			}
			o += methodRecord - 4
		}
	}
	return out
}

// sameMethod reports whether a and b are methods (a receiver type before the
// last dot) of one name: T.M or (*T).M, for the same M.
func sameMethod(a, b string) bool {
	ma, ok := methodName(a)
	if !ok {
		return false
	}
	mb, ok := methodName(b)
	return ok && ma == mb
}

// methodName returns M of pkg.T.M or pkg.(*T).M (type arguments in brackets
// allowed), and false for a name with no receiver.
func methodName(name string) (string, bool) {
	// The package path may hold dots; the receiver starts after its last slash.
	rest := name
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		rest = rest[i+1:]
	}
	i := strings.LastIndexByte(rest, '.')
	if i <= 0 || i == len(rest)-1 {
		return "", false
	}
	head := rest[:i]
	if strings.HasSuffix(head, ")") {
		if !strings.Contains(head, ".(") {
			return "", false
		}
		return rest[i+1:], true // pkg.(*T)
	}
	// pkg.T: one dot outside brackets before M.
	depth, dots := 0, 0
	for j := 0; j < len(head); j++ {
		switch head[j] {
		case '[':
			depth++
		case ']':
			depth--
		case '.':
			if depth == 0 {
				dots++
			}
		}
	}
	if dots != 1 {
		return "", false
	}
	return rest[i+1:], true
}

// inMainModule reports whether the function named name belongs to the main
// module's packages (package main included).
func (p *program) inMainModule(name string) bool {
	if strings.HasPrefix(name, "main.") {
		return true
	}
	if p.modules == nil || p.modules.main == "" {
		return false
	}
	// Most names are told by their first bytes; the module index decides
	// the rest (a nested module under the main module's path is not it).
	mp := p.modules.main
	if len(name) <= len(mp) || name[:len(mp)] != mp || name[len(mp)] != '/' && name[len(mp)] != '.' {
		return false
	}
	if len(p.modules.mods) == 1 {
		return true // no other module to tell apart
	}
	pk := normPackage(pkgOf(name))
	p.mainMu.Lock()
	defer p.mainMu.Unlock()
	in, ok := p.mainPkgs[pk]
	if !ok {
		if p.mainPkgs == nil {
			p.mainPkgs = map[string]bool{}
		}
		in = p.modules.of(pk) == p.modules.mods[mp]
		p.mainPkgs[pk] = in
	}
	return in
}

// inTypeData reports whether the n bytes at off in the section loaded at addr
// lie in the moduledata's type data (false for a nil program or a section not
// loaded).
func (p *program) inTypeData(addr uint64, off int64, n int) bool {
	if p == nil || addr == 0 || off < 0 || p.typesHi <= p.typesLo {
		return false
	}
	a := addr + uint64(off)
	return a >= p.typesLo && a < p.typesHi && uint64(n) <= p.typesHi-a
}
