package scan

import (
	"bytes"
	"context"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"slices"
	"sort"
	"testing"
)

// Synthetic PE and Mach-O executables, built byte by byte: no cross compiler
// is needed to test how native imports become findings. Each builder writes
// the smallest file debug/pe or debug/macho accepts as a real executable,
// which the tests check before trusting it.

// synthImport is one DLL of a synthetic PE import table.
type synthImport struct {
	dll      string
	names    []string // imported by name
	ordinals []uint16 // imported by ordinal
	delay    bool     // listed in the delay-load directory instead
}

// synthPE describes a synthetic PE executable.
type synthPE struct {
	pe32    bool // PE32 for i386 instead of PE32+ for amd64
	imports []synthImport
	// noLookup leaves OriginalFirstThunk zero, the names only in the import
	// address table (as Borland's linker does).
	noLookup bool
	// oldDelay writes delay-load descriptors in the pre-VC7 form: virtual
	// addresses, attribute bit 0 clear (PE32 only).
	oldDelay bool
}

// The synthetic PE layout: headers in the first 0x200 bytes, .text at RVA
// 0x1000 (file 0x200), .idata at RVA 0x2000 (file 0x400).
const (
	synthText      = 0x1000
	synthIdata     = 0x2000
	synthIdataFile = 0x400
	synthImageBase = 0x400000
)

// build lays out the import directories in .idata: descriptors, then each
// DLL's lookup and address tables, then hint/name entries and DLL names.
func (p synthPE) build() []byte {
	ptr := 8
	if p.pe32 {
		ptr = 4
	}
	var sec []byte
	alloc := func(n int) int {
		off := len(sec)
		sec = append(sec, make([]byte, n)...)
		return off
	}
	rva := func(off int) uint32 { return synthIdata + uint32(off) }
	le := binary.LittleEndian
	putPtr := func(off int, v uint64) {
		if ptr == 8 {
			le.PutUint64(sec[off:], v)
		} else {
			le.PutUint32(sec[off:], uint32(v))
		}
	}
	var regular, delayed []synthImport
	for _, im := range p.imports {
		if im.delay {
			delayed = append(delayed, im)
		} else {
			regular = append(regular, im)
		}
	}
	dirs := map[int]pe.DataDirectory{}
	regOff := alloc((len(regular) + 1) * 20)
	if len(regular) > 0 {
		dirs[pe.IMAGE_DIRECTORY_ENTRY_IMPORT] = pe.DataDirectory{VirtualAddress: rva(regOff), Size: uint32(len(regular)+1) * 20}
	}
	delOff := 0
	if len(delayed) > 0 {
		delOff = alloc((len(delayed) + 1) * 32)
		dirs[pe.IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT] = pe.DataDirectory{VirtualAddress: rva(delOff), Size: uint32(len(delayed)+1) * 32}
	}
	va := func(r uint32) uint32 { // the address form of old delay-load tables
		if p.oldDelay {
			return synthImageBase + r
		}
		return r
	}
	// thunks writes one DLL's lookup table and address table, returning their offsets.
	thunks := func(im synthImport, old bool) (lookup, iat int) {
		n := len(im.names) + len(im.ordinals)
		lookup, iat = alloc((n+1)*ptr), alloc((n+1)*ptr)
		i := 0
		for _, name := range im.names {
			h := alloc(2 + len(name) + 1 + (len(name)+1)%2) // hint, name, NUL, pad to even
			copy(sec[h+2:], name)
			v := uint64(rva(h))
			if old {
				v = uint64(va(rva(h)))
			}
			putPtr(lookup+i*ptr, v)
			putPtr(iat+i*ptr, v)
			i++
		}
		flag := uint64(1) << 63
		if p.pe32 {
			flag = 1 << 31
		}
		for _, o := range im.ordinals {
			putPtr(lookup+i*ptr, flag|uint64(o))
			putPtr(iat+i*ptr, flag|uint64(o))
			i++
		}
		return lookup, iat
	}
	str := func(s string) int {
		off := alloc(len(s) + 1)
		copy(sec[off:], s)
		return off
	}
	for i, im := range regular {
		lookup, iat := thunks(im, false)
		d := regOff + i*20
		if !p.noLookup {
			le.PutUint32(sec[d:], rva(lookup))
		}
		le.PutUint32(sec[d+12:], rva(str(im.dll)))
		le.PutUint32(sec[d+16:], rva(iat))
	}
	for i, im := range delayed {
		lookup, iat := thunks(im, p.oldDelay)
		hmod := alloc(ptr)
		d := delOff + i*32
		if !p.oldDelay {
			le.PutUint32(sec[d:], 1) // dlattrRva
		}
		le.PutUint32(sec[d+4:], va(rva(str(im.dll))))
		le.PutUint32(sec[d+8:], va(rva(hmod)))
		le.PutUint32(sec[d+12:], va(rva(iat)))
		le.PutUint32(sec[d+16:], va(rva(lookup)))
	}
	return assemblePE(p.pe32, sec, dirs)
}

// assemblePE writes a PE executable with a one-instruction .text section and
// idata as its .idata section (RVA synthIdata), with the given data directories.
func assemblePE(pe32 bool, idata []byte, dirs map[int]pe.DataDirectory) []byte {
	const fileAlign, sectAlign = 0x200, 0x1000
	align := func(n, a uint32) uint32 { return (n + a - 1) &^ (a - 1) }
	rawIdata := align(uint32(len(idata)), fileAlign)
	vsize := max(uint32(len(idata)), 1)
	sizeOfImage := align(synthIdata+vsize, sectAlign)

	var b bytes.Buffer
	le := binary.LittleEndian
	dos := make([]byte, 0x40)
	copy(dos, "MZ")
	le.PutUint32(dos[0x3c:], 0x40)
	b.Write(dos)
	b.WriteString("PE\x00\x00")
	fh := pe.FileHeader{Machine: pe.IMAGE_FILE_MACHINE_AMD64, NumberOfSections: 2, SizeOfOptionalHeader: 240,
		Characteristics: pe.IMAGE_FILE_EXECUTABLE_IMAGE | pe.IMAGE_FILE_LARGE_ADDRESS_AWARE}
	if pe32 {
		fh.Machine, fh.SizeOfOptionalHeader = pe.IMAGE_FILE_MACHINE_I386, 224
		fh.Characteristics = pe.IMAGE_FILE_EXECUTABLE_IMAGE | pe.IMAGE_FILE_32BIT_MACHINE
	}
	binary.Write(&b, le, fh)
	var dd [16]pe.DataDirectory
	for i, d := range dirs {
		dd[i] = d
	}
	if pe32 {
		binary.Write(&b, le, pe.OptionalHeader32{
			Magic: 0x10b, MajorLinkerVersion: 14, SizeOfCode: fileAlign, SizeOfInitializedData: rawIdata,
			AddressOfEntryPoint: synthText, BaseOfCode: synthText, BaseOfData: synthIdata, ImageBase: synthImageBase,
			SectionAlignment: sectAlign, FileAlignment: fileAlign, MajorOperatingSystemVersion: 6, MajorSubsystemVersion: 6,
			SizeOfImage: sizeOfImage, SizeOfHeaders: fileAlign, Subsystem: pe.IMAGE_SUBSYSTEM_WINDOWS_CUI,
			SizeOfStackReserve: 0x100000, SizeOfStackCommit: 0x1000, SizeOfHeapReserve: 0x100000, SizeOfHeapCommit: 0x1000,
			NumberOfRvaAndSizes: 16, DataDirectory: dd,
		})
	} else {
		binary.Write(&b, le, pe.OptionalHeader64{
			Magic: 0x20b, MajorLinkerVersion: 14, SizeOfCode: fileAlign, SizeOfInitializedData: rawIdata,
			AddressOfEntryPoint: synthText, BaseOfCode: synthText, ImageBase: 0x140000000,
			SectionAlignment: sectAlign, FileAlignment: fileAlign, MajorOperatingSystemVersion: 6, MajorSubsystemVersion: 6,
			SizeOfImage: sizeOfImage, SizeOfHeaders: fileAlign, Subsystem: pe.IMAGE_SUBSYSTEM_WINDOWS_CUI,
			SizeOfStackReserve: 0x100000, SizeOfStackCommit: 0x1000, SizeOfHeapReserve: 0x100000, SizeOfHeapCommit: 0x1000,
			NumberOfRvaAndSizes: 16, DataDirectory: dd,
		})
	}
	sh := func(name string, vsize, va, raw, off, flags uint32) {
		var h pe.SectionHeader32
		copy(h.Name[:], name)
		h.VirtualSize, h.VirtualAddress, h.SizeOfRawData, h.PointerToRawData, h.Characteristics = vsize, va, raw, off, flags
		binary.Write(&b, le, h)
	}
	sh(".text", 1, synthText, fileAlign, fileAlign, pe.IMAGE_SCN_CNT_CODE|pe.IMAGE_SCN_MEM_EXECUTE|pe.IMAGE_SCN_MEM_READ)
	sh(".idata", vsize, synthIdata, rawIdata, synthIdataFile, pe.IMAGE_SCN_CNT_INITIALIZED_DATA|pe.IMAGE_SCN_MEM_READ|pe.IMAGE_SCN_MEM_WRITE)
	out := make([]byte, synthIdataFile+rawIdata)
	copy(out, b.Bytes())
	out[fileAlign] = 0xc3 // ret
	copy(out[synthIdataFile:], idata)
	return out
}

// synthMachO describes a synthetic 64-bit Mach-O executable.
type synthMachO struct {
	cpu    macho.Cpu
	dylibs []string // LC_LOAD_DYLIB
	weak   []string // LC_LOAD_WEAK_DYLIB
	undef  []string // undefined external symbols, as in the table (_connect)
}

// build writes the header, __TEXT with one __text section, the dylib
// commands, LC_SYMTAB and LC_DYSYMTAB; then the code byte, the symbol table
// (one defined _main, then the undefined symbols) and the string table.
func (m synthMachO) build() []byte {
	le := binary.LittleEndian
	var cmds bytes.Buffer
	ncmds := 0
	w := func(v ...any) {
		for _, x := range v {
			binary.Write(&cmds, le, x)
		}
	}
	name16 := func(s string) (b [16]byte) { copy(b[:], s); return b }
	// Everything after the load commands, at offsets known once their size is.
	cmdSize := 72 + 80 // LC_SEGMENT_64 with one section
	dylibSize := func(n string) int { return (24 + len(n) + 1 + 7) &^ 7 }
	for _, d := range append(append([]string(nil), m.dylibs...), m.weak...) {
		cmdSize += dylibSize(d)
	}
	cmdSize += 24 + 80 // LC_SYMTAB, LC_DYSYMTAB
	textOff := uint32(32+cmdSize+15) &^ 15
	symOff := textOff + 16
	var strtab bytes.Buffer
	strtab.WriteString(" \x00") // index 0 stays empty, as ld64 writes it
	syms := append([]string{"_main"}, m.undef...)
	strx := make([]uint32, len(syms))
	for i, s := range syms {
		strx[i] = uint32(strtab.Len())
		strtab.WriteString(s + "\x00")
	}
	strOff := symOff + uint32(16*len(syms))
	end := strOff + uint32(strtab.Len())
	const vmaddr = 0x100000000

	ncmds++
	w(uint32(macho.LoadCmdSegment64), uint32(72+80), name16("__TEXT"), uint64(vmaddr), uint64(0x4000),
		uint64(0), uint64(end), uint32(5), uint32(5), uint32(1), uint32(0))
	w(name16("__text"), name16("__TEXT"), uint64(vmaddr+uint64(textOff)), uint64(1), textOff,
		uint32(0), uint32(0), uint32(0), uint32(0x80000400), uint32(0), uint32(0), uint32(0))
	dylib := func(cmd uint32, n string) {
		ncmds++
		size := dylibSize(n)
		w(cmd, uint32(size), uint32(24), uint32(2), uint32(0x10000), uint32(0x10000))
		pad := make([]byte, size-24)
		copy(pad, n)
		cmds.Write(pad)
	}
	for _, d := range m.dylibs {
		dylib(uint32(macho.LoadCmdDylib), d)
	}
	for _, d := range m.weak {
		dylib(lcLoadWeakDylib, d)
	}
	ncmds += 2
	w(uint32(macho.LoadCmdSymtab), uint32(24), symOff, uint32(len(syms)), strOff, uint32(strtab.Len()))
	// ilocalsym, nlocalsym, iextdefsym, nextdefsym, iundefsym, nundefsym, then 12 zero fields.
	w(uint32(macho.LoadCmdDysymtab), uint32(80), uint32(0), uint32(0), uint32(0), uint32(1), uint32(1), uint32(len(m.undef)))
	w(make([]uint32, 12))

	var b bytes.Buffer
	binary.Write(&b, le, macho.FileHeader{Magic: macho.Magic64, Cpu: m.cpu, SubCpu: 3, Type: macho.TypeExec,
		Ncmd: uint32(ncmds), Cmdsz: uint32(cmds.Len()), Flags: macho.FlagNoUndefs | macho.FlagDyldLink | macho.FlagTwoLevel | macho.FlagPIE})
	b.Write([]byte{0, 0, 0, 0}) // reserved (64-bit header)
	b.Write(cmds.Bytes())
	b.Write(make([]byte, int(textOff)-b.Len()))
	b.Write([]byte{0xc3})
	b.Write(make([]byte, int(symOff)-b.Len()))
	for i := range syms {
		typ, sect, desc, value := uint8(0x01), uint8(0), uint16(1<<8), uint64(0) // N_UNDF|N_EXT, first dylib
		if i == 0 {
			typ, sect, desc, value = 0x0f, 1, 0, vmaddr+uint64(textOff) // N_SECT|N_EXT
		}
		binary.Write(&b, le, struct {
			Strx  uint32
			Type  uint8
			Sect  uint8
			Desc  uint16
			Value uint64
		}{strx[i], typ, sect, desc, value})
	}
	b.Write(strtab.Bytes())
	return b.Bytes()
}

// fatMachO joins Mach-O slices into a universal binary, each slice 4 KiB aligned.
func fatMachO(slices ...[]byte) []byte {
	be := binary.BigEndian
	out := make([]byte, 8+20*len(slices))
	be.PutUint32(out, macho.MagicFat)
	be.PutUint32(out[4:], uint32(len(slices)))
	for i, s := range slices {
		off := (len(out) + 0xfff) &^ 0xfff
		out = append(out, make([]byte, off-len(out))...)
		out = append(out, s...)
		e := out[8+20*i:]
		be.PutUint32(e, binary.LittleEndian.Uint32(s[4:]))     // cputype
		be.PutUint32(e[4:], binary.LittleEndian.Uint32(s[8:])) // cpusubtype
		be.PutUint32(e[8:], uint32(off))
		be.PutUint32(e[12:], uint32(len(s)))
		be.PutUint32(e[16:], 12) // 2^12 alignment
	}
	return out
}

// The imports of the synthetic programs. Each capability is given by more
// than one import where the rules allow it, so the tests also show the
// evidence lists.
var (
	ws2Names   = []string{"WSAStartup", "socket", "connect", "bind", "listen", "accept", "sendto", "gethostbyname", "closesocket"}
	ws2Ords    = []uint16{115, 23, 4, 2, 13, 1, 20, 52, 3} // the same functions by ordinal (Wine's ws2_32.spec)
	winImports = []synthImport{
		{dll: "WINHTTP.dll", names: []string{"WinHttpOpen", "WinHttpConnect", "WinHttpOpenRequest", "WinHttpSendRequest"}},
		{dll: "urlmon.dll", names: []string{"URLDownloadToFileW"}},
		{dll: "KERNEL32.dll", names: []string{"CreateProcessW", "LoadLibraryW", "GetLastError", "ExitProcess"}},
		{dll: "SHELL32.dll", names: []string{"ShellExecuteW"}},
	}
	// benignImports have nothing the rules look for: socket housekeeping without
	// a connection (closesocket, htons, recv, WSAGetLastError, WSACleanup).
	benignImports = []synthImport{
		{dll: "WS2_32.dll", ordinals: []uint16{3, 9, 16, 111, 116}},
		{dll: "KERNEL32.dll", names: []string{"GetLastError", "ExitProcess", "WriteFile"}},
	}
	allWinRules = []string{"native.dlopen", "native.dns", "native.exec", "native.http.client",
		"native.socket.connect", "native.socket.datagram", "native.socket.listen"}
	allWinCaps = []Capability{NetworkListen, ProcessExec, CodeDynamic, NetworkConnect}
	allWinDLLs = []string{"kernel32.dll", "shell32.dll", "urlmon.dll", "winhttp.dll", "ws2_32.dll"}
)

func withWS2(ws2 synthImport, rest ...synthImport) []synthImport {
	return append([]synthImport{ws2}, rest...)
}

// scanSynth scans data through the public API and returns the artifact.
func scanSynth(t *testing.T, name string, data []byte) *Artifact {
	t.Helper()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.ScanBytes(context.Background(), name, data)
	if err != nil {
		t.Fatalf("ScanBytes(%s): %v", name, err)
	}
	return a
}

// ruleSet and capSet list an artifact's findings by rule id and by capability, sorted.
func ruleSet(a *Artifact) []string {
	var out []string
	for _, f := range a.Findings {
		out = append(out, f.Rule)
	}
	sort.Strings(out)
	return out
}

func capSet(a *Artifact) []Capability {
	var out []Capability
	for _, f := range a.Findings {
		if !slices.Contains(out, f.Capability) {
			out = append(out, f.Capability)
		}
	}
	return out // findings come in report order, so capabilities do too
}

func finding(a *Artifact, rule string) *Finding {
	for i := range a.Findings {
		if a.Findings[i].Rule == rule {
			return &a.Findings[i]
		}
	}
	return nil
}

func imp(v string) Evidence {
	return Evidence{Kind: EvidenceImport, Value: v, Where: "dynamic imports"}
}
func lib(v string) Evidence {
	return Evidence{Kind: EvidenceImport, Value: v, Where: "needed libraries"}
}

// synthSeeds are synthetic executables for the fuzz targets' seed corpora.
func synthSeeds() [][]byte {
	return [][]byte{
		synthPE{imports: withWS2(synthImport{dll: "WS2_32.dll", ordinals: ws2Ords[:3], names: []string{"recv"}}, winImports[0])}.build(),
		synthPE{pe32: true, noLookup: true, imports: withWS2(synthImport{dll: "WSOCK32.dll", ordinals: []uint16{4, 999}}, synthImport{dll: "SHELL32.dll", names: []string{"ShellExecuteW"}, delay: true})}.build(),
		synthPE{pe32: true, oldDelay: true, imports: []synthImport{{dll: "urlmon.dll", names: []string{"URLDownloadToFileW"}, delay: true}}}.build(),
		synthMachO{cpu: macho.CpuAmd64, dylibs: []string{"/usr/lib/libcurl.4.dylib"}, weak: []string{"@rpath/Sparkle.framework/Sparkle"}, undef: []string{"_connect"}}.build(),
	}
}
