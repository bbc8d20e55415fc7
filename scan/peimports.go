package scan

import (
	"bytes"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// candor reads PE import tables itself. debug/pe's ImportedSymbols drops
// imports by ordinal (WS2_32.dll is often imported that way: ordinal 4 is
// connect), stops at the first descriptor without an import lookup table
// (Borland and some packers leave it zero and list the names in the import
// address table alone) and ignores delay-loaded DLLs. This reader walks
// IMAGE_IMPORT_DESCRIPTOR and IMAGE_DELAYLOAD_DESCRIPTOR arrays of PE32 and
// PE32+ images, by name and by ordinal, the way the Windows loader does: the
// descriptor list ends at one whose Name or FirstThunk is zero (ReactOS
// ntdll/ldr/ldrpe.c, LdrpHandleOldFormatImportDescriptors), thunks come from
// OriginalFirstThunk or, when that is zero, FirstThunk.
//
// Ordinals of ws2_32.dll and wsock32.dll are named from their fixed export
// ordinals (peOrdinals); any other ordinal import is kept as "dll#N" (for
// example "oleaut32.dll#2"), which no rule names today but a rule could.
//
// Hostile tables cannot make it slow or large: descriptors, thunks per DLL,
// thunks in all, distinct names and name lengths are capped, and every RVA is
// translated through the section table and checked against the file. A broken
// table is not an error of the scan: the names read before the problem are
// kept and the problem is returned for tests and callers that care.

// Limits of the import reader. Real programs import from tens of DLLs and a
// few thousand functions (large C++ programs); the caps are far above that.
const (
	maxPEImportDLLs      = 1024    // descriptors read per directory
	maxPEThunksPerDLL    = 1 << 14 // thunks read per descriptor
	maxPEImportThunks    = 1 << 17 // thunks read in all
	maxPEImportSymbols   = 1 << 16 // distinct names kept
	maxPEImportNameBytes = 2 << 20 // bytes of distinct names kept
	maxPEImportNameLen   = 1024    // a longer function name is skipped
	maxPEDLLNameLen      = 256     // a longer DLL name ends the directory
)

// peImportTable is what the import directories of a PE image name.
type peImportTable struct {
	// libraries are the DLLs imported or delay-loaded, lower case, sorted, each once.
	libraries []string
	// symbols are the imported functions, each once, in table order; an
	// ordinal import is named when its DLL's ordinals are known, else "dll#N".
	symbols []string
}

// peImageMap translates RVAs into bytes of the file as the loader maps them.
type peImageMap struct {
	data    []byte
	secs    []pe.SectionHeader // sorted by VirtualAddress
	headers uint32             // SizeOfHeaders, within the file
	ptr64   bool
	base    uint64 // ImageBase
	dirs    []pe.DataDirectory
}

// peZeros stands for the zero-filled part of a section past its file data.
var peZeros [64]byte

func newPEImageMap(data []byte, f *pe.File) *peImageMap {
	m := &peImageMap{data: data}
	switch oh := f.OptionalHeader.(type) {
	case *pe.OptionalHeader32:
		m.headers, m.base = oh.SizeOfHeaders, uint64(oh.ImageBase)
		m.dirs = oh.DataDirectory[:min(int(oh.NumberOfRvaAndSizes), len(oh.DataDirectory))]
	case *pe.OptionalHeader64:
		m.headers, m.base, m.ptr64 = oh.SizeOfHeaders, oh.ImageBase, true
		m.dirs = oh.DataDirectory[:min(int(oh.NumberOfRvaAndSizes), len(oh.DataDirectory))]
	}
	m.headers = uint32(min(uint64(m.headers), uint64(len(data))))
	for _, s := range f.Sections[:min(len(f.Sections), maxSections)] {
		m.secs = append(m.secs, s.SectionHeader)
	}
	// The loader requires ascending, adjacent sections; sorting lets a lookup
	// be a binary search even when a crafted file lists them out of order.
	sort.SliceStable(m.secs, func(i, j int) bool { return m.secs[i].VirtualAddress < m.secs[j].VirtualAddress })
	return m
}

// at returns up to n bytes of the mapped image at rva: file bytes, or zeros
// for the part of a section beyond its file data. It returns nil when rva is
// not mapped. The result may be shorter than n (it stops where the section's
// file data or virtual size ends, and zeros come at most len(peZeros) at a time).
func (m *peImageMap) at(rva uint32, n int) []byte {
	i := sort.Search(len(m.secs), func(i int) bool { return m.secs[i].VirtualAddress > rva }) - 1
	if i >= 0 {
		s := &m.secs[i]
		vsize := s.VirtualSize
		if vsize == 0 {
			vsize = s.Size
		}
		if d := rva - s.VirtualAddress; d < vsize {
			raw := min(s.Size, vsize)
			if d >= raw {
				return peZeros[:min(n, len(peZeros), int(vsize-d))]
			}
			start, end := uint64(s.Offset)+uint64(d), uint64(s.Offset)+uint64(raw)
			end = min(end, uint64(len(m.data)), start+uint64(n))
			if start >= end {
				return nil
			}
			return m.data[start:end]
		}
	}
	if rva < m.headers {
		return m.data[rva:min(uint64(m.headers), uint64(rva)+uint64(n))]
	}
	return nil
}

// read fills buf with the mapped bytes at rva, across section boundaries.
func (m *peImageMap) read(rva uint32, buf []byte) bool {
	for len(buf) > 0 {
		b := m.at(rva, len(buf))
		if len(b) == 0 {
			return false
		}
		n := copy(buf, b)
		if buf = buf[n:]; len(buf) > 0 && uint64(rva)+uint64(n) >= 1<<32 {
			return false // the rest would wrap around to RVA 0
		}
		rva += uint32(n)
	}
	return true
}

// cstring returns the NUL-terminated string at rva, at most max bytes long.
func (m *peImageMap) cstring(rva uint32, max int) ([]byte, bool) {
	b := m.at(rva, max+1)
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i], true
	}
	if len(b) == 0 || len(b) > max || uint64(rva)+uint64(len(b)) >= 1<<32 {
		return nil, false
	}
	// The string runs to the end of the section's file data; it ends there
	// when what follows reads as zero.
	if next := m.at(rva+uint32(len(b)), 1); len(next) == 1 && next[0] == 0 {
		return b, true
	}
	return nil, false
}

// peImportReader walks the import directories of one image.
type peImportReader struct {
	m         *peImageMap
	symbols   bool // read the function names, not only the DLL names
	libs      map[string]bool
	seen      map[string]bool
	out       peImportTable
	thunks    int // thunks read in all
	nameBytes int
	buf       []byte // scratch for ordinal names
	err       error  // the first problem met
}

// errImportLimit marks import tables cut short by one of the limits above.
var errImportLimit = errors.New("over the limit")

func (r *peImportReader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: PE import table: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
}

func (r *peImportReader) limit(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: PE import table: %w: %s", ErrMalformed, errImportLimit, fmt.Sprintf(format, args...))
	}
}

// readPEImports reads the import and delay-load import directories of f, whose
// bytes are data. With symbols false it reads only the DLL names. What could be
// read is always returned; err, wrapping [ErrMalformed], is the first problem met.
func readPEImports(data []byte, f *pe.File, symbols bool) (peImportTable, error) {
	r := &peImportReader{m: newPEImageMap(data, f), symbols: symbols, libs: map[string]bool{}, seen: map[string]bool{}}
	r.directory(pe.IMAGE_DIRECTORY_ENTRY_IMPORT)
	r.directory(pe.IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT)
	for l := range r.libs {
		r.out.libraries = append(r.out.libraries, l)
	}
	sort.Strings(r.out.libraries)
	return r.out, r.err
}

// directory walks one descriptor array: IMAGE_IMPORT_DESCRIPTOR (20 bytes:
// OriginalFirstThunk, TimeDateStamp, ForwarderChain, Name, FirstThunk) or
// IMAGE_DELAYLOAD_DESCRIPTOR (32 bytes: Attributes, DllNameRVA,
// ModuleHandleRVA, ImportAddressTableRVA, ImportNameTableRVA, ...).
func (r *peImportReader) directory(which int) {
	if which >= len(r.m.dirs) || r.m.dirs[which].VirtualAddress == 0 {
		return
	}
	delay := which == pe.IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT
	kind, size := "import", uint32(20)
	if delay {
		kind, size = "delay-load import", 32
	}
	le := binary.LittleEndian
	rva := r.m.dirs[which].VirtualAddress
	for i := 0; ; i++ {
		if i == maxPEImportDLLs {
			r.limit("more than %d %s descriptors", maxPEImportDLLs, kind)
			return
		}
		var d [32]byte
		if !r.m.read(rva, d[:size]) {
			r.fail("%s descriptor %d at RVA 0x%x is outside the image", kind, i, rva)
			return
		}
		var name, lookup uint32
		var oldVA bool
		if delay {
			name, lookup = le.Uint32(d[4:]), le.Uint32(d[16:])
			// Before Visual C++ 7 (attribute bit 0 clear) the fields held
			// virtual addresses; only 32-bit images used that form.
			if oldVA = le.Uint32(d[0:])&1 == 0 && !r.m.ptr64; oldVA {
				name, lookup = r.m.rvaOf(name), r.m.rvaOf(lookup)
			}
			if name == 0 {
				return
			}
		} else {
			name, lookup = le.Uint32(d[12:]), le.Uint32(d[0:])
			first := le.Uint32(d[16:])
			if name == 0 || first == 0 {
				return
			}
			if lookup == 0 {
				lookup = first
			}
		}
		dllName, ok := r.m.cstring(name, maxPEDLLNameLen)
		if !ok || len(dllName) == 0 {
			r.fail("%s descriptor %d: DLL name at RVA 0x%x is missing or unterminated", kind, i, name)
			return
		}
		dll := strings.ToLower(string(dllName))
		r.libs[dll] = true
		if r.symbols && lookup != 0 { // (a delay-load descriptor may lack its name table)
			r.thunkArray(dll, lookup, oldVA)
		}
		if uint64(rva)+uint64(size) >= 1<<32 {
			r.fail("%s descriptors run past the end of the address space", kind)
			return
		}
		rva += size
	}
}

// rvaOf turns an old-style delay-load virtual address into an RVA (0 when it is not one).
func (m *peImageMap) rvaOf(va uint32) uint32 {
	if uint64(va) < m.base || uint64(va)-m.base >= 1<<32 {
		return 0
	}
	return uint32(uint64(va) - m.base)
}

// thunkArray reads one zero-terminated array of IMAGE_THUNK_DATA: an ordinal
// (top bit set) or the RVA of an IMAGE_IMPORT_BY_NAME (a 2-byte hint, then the name).
func (r *peImportReader) thunkArray(dll string, rva uint32, oldVA bool) {
	size := 4
	if r.m.ptr64 {
		size = 8
	}
	var buf [8]byte
	for i := 0; ; i++ {
		if i == maxPEThunksPerDLL || r.thunks == maxPEImportThunks {
			r.limit("%s: more than %d thunks for one DLL or %d in all", dll, maxPEThunksPerDLL, maxPEImportThunks)
			return
		}
		r.thunks++
		if !r.m.read(rva, buf[:size]) {
			r.fail("%s: thunk at RVA 0x%x is outside the image", dll, rva)
			return
		}
		var v uint64
		var byOrdinal bool
		if r.m.ptr64 {
			v = binary.LittleEndian.Uint64(buf[:])
			byOrdinal = v&(1<<63) != 0
		} else {
			v = uint64(binary.LittleEndian.Uint32(buf[:]))
			byOrdinal = v&(1<<31) != 0
		}
		switch {
		case v == 0:
			return
		case byOrdinal:
			r.addOrdinal(dll, uint16(v))
		default:
			nameRVA := v
			if oldVA {
				nameRVA = uint64(r.m.rvaOf(uint32(v)))
			}
			// A hint/name RVA has 31 bits; anything above is not a valid thunk.
			name, ok := []byte(nil), nameRVA != 0 && nameRVA < 1<<31
			if ok {
				name, ok = r.m.cstring(uint32(nameRVA)+2, maxPEImportNameLen)
			}
			if (!ok || len(name) == 0) && r.err == nil {
				r.fail("%s: import %d names RVA 0x%x, which holds no name", dll, i, nameRVA)
			} else if ok && len(name) > 0 {
				r.add(name)
			}
		}
		if uint64(rva)+uint64(size) >= 1<<32 {
			r.fail("%s: thunks run past the end of the address space", dll)
			return
		}
		rva += uint32(size)
	}
}

// add keeps a name not seen before, within the limits. It allocates only for
// a new name, so a table that repeats names costs no memory.
func (r *peImportReader) add(name []byte) {
	if r.seen[string(name)] {
		return
	}
	if len(r.out.symbols) == maxPEImportSymbols || r.nameBytes+len(name) > maxPEImportNameBytes {
		if r.err == nil { // (checked here too: formatting arguments costs an allocation per name)
			r.limit("more than %d imported names or %d bytes of them", maxPEImportSymbols, maxPEImportNameBytes)
		}
		return
	}
	s := string(name)
	r.seen[s] = true
	r.nameBytes += len(s)
	r.out.symbols = append(r.out.symbols, s)
}

// addOrdinal adds an import by ordinal: its name when the DLL's ordinals are
// fixed (peOrdinals), else "dll#N".
func (r *peImportReader) addOrdinal(dll string, ord uint16) {
	if t := peOrdinals[strings.TrimSuffix(dll, ".dll")]; t != nil {
		if n := t[ord]; n != "" {
			r.buf = append(r.buf[:0], n...)
			r.add(r.buf)
			return
		}
	}
	r.buf = append(append(r.buf[:0], dll...), '#')
	r.buf = strconv.AppendUint(r.buf, uint64(ord), 10)
	r.add(r.buf)
}

// peOrdinals maps DLLs (lower case, without .dll) to the names of their fixed
// export ordinals. Source: Wine's dlls/ws2_32/ws2_32.spec and
// dlls/wsock32/wsock32.spec, which keep the Windows ordinals; ws2_32 fixes only
// the Winsock 1.1 set (1-23, 51-57, 101-116, 151), its other exports have none.
// wsock32 orders inet_addr, inet_ntoa and ioctlsocket differently (10-12).
var peOrdinals = map[string]map[uint16]string{
	"ws2_32": ws2Ordinals(map[uint16]string{10: "ioctlsocket", 11: "inet_addr", 12: "inet_ntoa"}),
	"wsock32": ws2Ordinals(map[uint16]string{10: "inet_addr", 11: "inet_ntoa", 12: "ioctlsocket",
		1100: "inet_network", 1101: "getnetbyname", 1107: "WSARecvEx", 1140: "TransmitFile", 1141: "AcceptEx", 1142: "GetAcceptExSockaddrs"}),
}

// ws2Ordinals returns the Winsock 1.1 ordinals shared by ws2_32 and wsock32, plus extra.
func ws2Ordinals(extra map[uint16]string) map[uint16]string {
	t := map[uint16]string{
		1: "accept", 2: "bind", 3: "closesocket", 4: "connect", 5: "getpeername", 6: "getsockname",
		7: "getsockopt", 8: "htonl", 9: "htons", 13: "listen", 14: "ntohl", 15: "ntohs", 16: "recv",
		17: "recvfrom", 18: "select", 19: "send", 20: "sendto", 21: "setsockopt", 22: "shutdown", 23: "socket",
		51: "gethostbyaddr", 52: "gethostbyname", 53: "getprotobyname", 54: "getprotobynumber",
		55: "getservbyname", 56: "getservbyport", 57: "gethostname",
		101: "WSAAsyncSelect", 102: "WSAAsyncGetHostByAddr", 103: "WSAAsyncGetHostByName",
		104: "WSAAsyncGetProtoByNumber", 105: "WSAAsyncGetProtoByName", 106: "WSAAsyncGetServByPort",
		107: "WSAAsyncGetServByName", 108: "WSACancelAsyncRequest", 109: "WSASetBlockingHook",
		110: "WSAUnhookBlockingHook", 111: "WSAGetLastError", 112: "WSASetLastError",
		113: "WSACancelBlockingCall", 114: "WSAIsBlocking", 115: "WSAStartup", 116: "WSACleanup",
		151: "__WSAFDIsSet", 500: "WEP",
	}
	for k, v := range extra {
		t[k] = v
	}
	return t
}
