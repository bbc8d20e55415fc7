package scan

import (
	"bytes"
	"debug/macho"
	"strings"
)

// Mach-O dylib load commands that debug/macho keeps as raw bytes: it parses
// only LC_LOAD_DYLIB. A weakly linked framework (Sparkle often is) is loaded
// all the same when it ships in the bundle. Values from <mach-o/loader.h>.
const (
	lcReqDyld         = 0x80000000
	lcLoadWeakDylib   = 0x18 | lcReqDyld
	lcReexportDylib   = 0x1f | lcReqDyld
	lcLazyLoadDylib   = 0x20
	lcLoadUpwardDylib = 0x23 | lcReqDyld
)

// machoLibraries lists the dylibs a Mach-O image loads: LC_LOAD_DYLIB and the
// weak, re-exported, lazy and upward forms, in load-command order.
func machoLibraries(f *macho.File) []string {
	var out []string
	for _, l := range f.Loads {
		switch l := l.(type) {
		case *macho.Dylib:
			out = append(out, l.Name)
		case macho.LoadBytes:
			if len(l) < 24 {
				continue
			}
			switch f.ByteOrder.Uint32(l) {
			case lcLoadWeakDylib, lcReexportDylib, lcLazyLoadDylib, lcLoadUpwardDylib:
				// struct dylib_command: cmd, cmdsize, name offset, timestamp, versions.
				off := f.ByteOrder.Uint32(l[8:])
				if off < 24 || uint64(off) >= uint64(len(l)) {
					continue
				}
				name := l[off:]
				if i := bytes.IndexByte(name, 0); i >= 0 {
					name = name[:i]
				}
				if len(name) > 0 {
					out = append(out, string(name))
				}
			}
		}
	}
	return out
}

// machoImports lists the undefined external symbols of a Mach-O image without
// their leading underscore. It reads the LC_DYSYMTAB range itself:
// debug/macho checks that range with a uint32 sum that can wrap, and its
// ImportedSymbols then slices out of bounds.
func machoImports(f *macho.File) []string {
	st := f.Symtab
	if st == nil {
		return nil
	}
	syms, byType := st.Syms, true
	if dt := f.Dysymtab; dt != nil && uint64(dt.Iundefsym)+uint64(dt.Nundefsym) <= uint64(len(syms)) {
		syms, byType = syms[dt.Iundefsym:dt.Iundefsym+dt.Nundefsym], false
	}
	var out []string
	for _, s := range syms {
		// Without a usable LC_DYSYMTAB, the undefined externals are picked by
		// type (<mach-o/nlist.h>: N_TYPE 0x0e, N_UNDF 0, N_EXT 1).
		if byType && (s.Type&0x0e != 0 || s.Type&0x01 == 0) {
			continue
		}
		out = append(out, strings.TrimPrefix(normImport(s.Name), "_"))
	}
	return out
}
