package scan

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"strings"
)

// binFile is one parsed executable: a single image, or the slices of a universal Mach-O.
type binFile struct {
	format string
	images []*image
}

// image is one architecture's executable image, with its sections as sub-slices
// of the input (nothing is copied).
type image struct {
	os, arch  string
	order     binary.ByteOrder
	ptrSize   int
	data      []byte // the whole image (a slice of a universal binary, or the file)
	base      int64  // file offset of data[0]
	sections  []section
	imports   []string // normalised dynamically imported symbol names (after loadImports)
	libraries []string // needed shared libraries
	// loadImports fills imports. Reading a large dynamic symbol table costs as much
	// as the rest of the analysis, and Go binaries never need it, so it is lazy.
	loadImports func()
	packer      string // name of a packer whose marks were found, if any
	// pclntabSection, when the format names the table, is where it is.
	pclntabSection *section
	// searchFirst names sections where an unnamed pclntab usually sits.
	searchFirst []string
	label       string // for universal binaries: the slice's arch, used in evidence locations
}

type section struct {
	name   string
	off    int64 // offset in image data
	data   []byte
	exec   bool
	strong bool // a section worth scanning for string literals
	// addr is the virtual address of data[0] when the section is loaded, else 0.
	addr uint64
}

// textSection returns the section that holds the Go code (ELF and PE .text,
// Mach-O __TEXT,__text), or else the largest executable loaded section, or nil.
// Its addr and data are what a pass over the machine code reads.
func (im *image) textSection() *section {
	var best *section
	for i := range im.sections {
		s := &im.sections[i]
		if !s.exec || s.addr == 0 {
			continue
		}
		if s.name == ".text" || s.name == "__TEXT,__text" {
			return s
		}
		if best == nil || len(s.data) > len(best.data) {
			best = s
		}
	}
	return best
}

func (im *image) where(sec *section, off int64) string {
	loc := fmt.Sprintf("%s+0x%x (file offset 0x%x)", sec.name, off, im.base+sec.off+off)
	if im.label != "" {
		loc = im.label + " slice " + loc
	}
	return loc
}

var (
	magicELF     = []byte("\x7fELF")
	magicFat     = []byte{0xca, 0xfe, 0xba, 0xbe}
	magicMachO32 = []uint32{macho.Magic32, macho.Magic64}
)

// maxSections bounds the section tables candor accepts; real binaries have under a hundred.
const maxSections = 4096

func openBinary(data []byte) (*binFile, error) {
	switch {
	case bytes.HasPrefix(data, magicELF):
		im, err := openELF(data)
		if err != nil {
			return nil, fmt.Errorf("%w: ELF: %w", ErrMalformed, err)
		}
		return &binFile{format: "elf", images: []*image{im}}, nil
	case bytes.HasPrefix(data, []byte("MZ")):
		im, err := openPE(data)
		if err != nil {
			return nil, fmt.Errorf("%w: PE: %w", ErrMalformed, err)
		}
		return &binFile{format: "pe", images: []*image{im}}, nil
	case bytes.HasPrefix(data, magicFat) && len(data) >= 8 && binary.BigEndian.Uint32(data[4:]) < 40:
		// 0xcafebabe is also the Java class magic; a fat header has a small arch count there (under 40)
		// where a class file has its version (45 and up).
		return openFat(data)
	case len(data) >= 4 && isMachO(data):
		im, err := openMachO(data, 0)
		if err != nil {
			return nil, fmt.Errorf("%w: Mach-O: %w", ErrMalformed, err)
		}
		return &binFile{format: "macho", images: []*image{im}}, nil
	}
	return nil, fmt.Errorf("%w: not an ELF, PE or Mach-O executable", ErrUnsupported)
}

func isMachO(data []byte) bool {
	le, be := binary.LittleEndian.Uint32(data), binary.BigEndian.Uint32(data)
	for _, m := range magicMachO32 {
		if le == m || be == m {
			return true
		}
	}
	return false
}

// checkELFTables rejects headers whose tables lie outside the file before
// debug/elf sees them: the standard library allocates up to 10 MB per table read
// from header sizes, which a 64-byte file must not be able to ask for.
func checkELFTables(data []byte) error {
	if len(data) < 52 {
		return fmt.Errorf("file too short for an ELF header (%d bytes)", len(data))
	}
	var order binary.ByteOrder = binary.LittleEndian
	if data[5] == 2 {
		order = binary.BigEndian
	}
	var phoff, shoff uint64
	var phentsize, phnum, shentsize, shnum, shstrndx uint16
	switch data[4] {
	case 1: // ELFCLASS32
		phoff, shoff = uint64(order.Uint32(data[28:])), uint64(order.Uint32(data[32:]))
		phentsize, phnum = order.Uint16(data[42:]), order.Uint16(data[44:])
		shentsize, shnum, shstrndx = order.Uint16(data[46:]), order.Uint16(data[48:]), order.Uint16(data[50:])
	case 2: // ELFCLASS64
		if len(data) < 64 {
			return fmt.Errorf("file too short for an ELF64 header (%d bytes)", len(data))
		}
		phoff, shoff = order.Uint64(data[32:]), order.Uint64(data[40:])
		phentsize, phnum = order.Uint16(data[54:]), order.Uint16(data[56:])
		shentsize, shnum, shstrndx = order.Uint16(data[58:]), order.Uint16(data[60:]), order.Uint16(data[62:])
	default:
		return fmt.Errorf("unknown ELF class %d", data[4])
	}
	size := uint64(len(data))
	within := func(off, n uint64) bool { return off <= size && n <= size-off }
	if shnum == 0 && shoff != 0 {
		// Extended numbering: the count is in the first section header's size field.
		if !within(shoff, 64) {
			return fmt.Errorf("section header table (offset 0x%x) runs past the end of the file", shoff)
		}
		var n uint64
		if data[4] == 1 {
			n = uint64(order.Uint32(data[shoff+20:]))
		} else {
			n = order.Uint64(data[shoff+32:])
		}
		if n > size/uint64(max(shentsize, 1)) || !within(shoff, n*uint64(shentsize)) {
			return fmt.Errorf("section header table (offset 0x%x, %d entries) runs past the end of the file", shoff, n)
		}
	}
	if phnum > 0 && !within(phoff, uint64(phnum)*uint64(phentsize)) {
		return fmt.Errorf("program header table (offset 0x%x, %d entries) runs past the end of the file", phoff, phnum)
	}
	if shnum > 0 && !within(shoff, uint64(shnum)*uint64(shentsize)) {
		return fmt.Errorf("section header table (offset 0x%x, %d entries) runs past the end of the file", shoff, shnum)
	}
	if shnum > 0 && shstrndx < shnum && shentsize >= 40 {
		h := data[shoff+uint64(shstrndx)*uint64(shentsize):]
		var off, n uint64
		if data[4] == 1 {
			off, n = uint64(order.Uint32(h[16:])), uint64(order.Uint32(h[20:]))
		} else if len(h) >= 40 {
			off, n = order.Uint64(h[24:]), order.Uint64(h[32:])
		}
		if !within(off, n) {
			return fmt.Errorf("section name table (offset 0x%x, size 0x%x) runs past the end of the file", off, n)
		}
	}
	return nil
}

func openELF(data []byte) (*image, error) {
	if err := checkELFTables(data); err != nil {
		return nil, err
	}
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if len(f.Sections) > maxSections {
		return nil, fmt.Errorf("%d sections is over the limit of %d", len(f.Sections), maxSections)
	}
	im := &image{data: data, order: f.ByteOrder, os: elfOS(f), arch: elfArch(f)}
	im.ptrSize = 8
	if f.Class == elf.ELFCLASS32 {
		im.ptrSize = 4
	}
	for _, s := range f.Sections {
		if s.Type == elf.SHT_NOBITS || s.Type == elf.SHT_NULL || s.Flags&elf.SHF_COMPRESSED != 0 {
			continue
		}
		if s.Offset > uint64(len(data)) || s.Size > uint64(len(data))-s.Offset {
			return nil, fmt.Errorf("section %s (offset 0x%x, size 0x%x) runs past the end of the file (0x%x bytes)", s.Name, s.Offset, s.Size, len(data))
		}
		sec := section{name: s.Name, off: int64(s.Offset), data: data[s.Offset : s.Offset+s.Size], exec: s.Flags&elf.SHF_EXECINSTR != 0}
		sec.strong = s.Flags&elf.SHF_ALLOC != 0 && !sec.exec && elfStringSection(s.Name)
		if s.Flags&elf.SHF_ALLOC != 0 {
			sec.addr = s.Addr
		}
		im.sections = append(im.sections, sec)
		if strings.HasPrefix(s.Name, "UPX") {
			im.packer = "UPX"
		}
	}
	for i := range im.sections {
		if im.sections[i].name == ".gopclntab" {
			im.pclntabSection = &im.sections[i]
		}
	}
	im.searchFirst = []string{".data.rel.ro", ".rodata", ".noptrdata", ".data"}
	im.loadImports = func() {
		if syms, err := f.ImportedSymbols(); err == nil {
			for _, s := range syms {
				im.imports = append(im.imports, normImport(s.Name))
			}
		}
	}
	if libs, err := elfLibraries(f, data); err == nil {
		im.libraries = libs
	}
	if len(f.Progs) > 0 && len(im.sections) == 0 && bytes.Contains(data[:min(len(data), 4096)], []byte("UPX!")) {
		im.packer = "UPX"
	}
	if im.packer == "" && bytes.Contains(data[:min(len(data), 1024)], []byte("UPX!")) {
		im.packer = "UPX"
	}
	return im, nil
}

// elfLibraries returns f.ImportedLibraries(), reading the dynamic section and its
// string table in place in data (the file's bytes) where they are stored plainly:
// debug/elf would copy the whole string table, which holds every dynamic symbol's name
// too (6 MB in Debian's dockerd), to read a few library names.
func elfLibraries(f *elf.File, data []byte) ([]string, error) {
	ds := f.SectionByType(elf.SHT_DYNAMIC)
	if ds == nil {
		return nil, nil
	}
	if ds.Link <= 0 || int(ds.Link) >= len(f.Sections) {
		return f.ImportedLibraries() // its error
	}
	d, ok := elfPlainData(ds, data)
	str, ok2 := elfPlainData(f.Sections[ds.Link], data)
	if !ok || !ok2 {
		return f.ImportedLibraries()
	}
	size := 8
	if f.Class == elf.ELFCLASS64 {
		size = 16
	}
	if len(d)%size != 0 {
		return f.ImportedLibraries() // its error
	}
	var all []string
	for ; len(d) > 0; d = d[size:] {
		var tag, v uint64
		if size == 8 {
			tag, v = uint64(f.ByteOrder.Uint32(d)), uint64(f.ByteOrder.Uint32(d[4:]))
		} else {
			tag, v = f.ByteOrder.Uint64(d), f.ByteOrder.Uint64(d[8:])
		}
		if elf.DynTag(tag) != elf.DT_NEEDED || v >= uint64(len(str)) {
			continue
		}
		if end := bytes.IndexByte(str[v:], 0); end >= 0 {
			all = append(all, string(str[v:v+uint64(end)]))
		}
	}
	return all, nil
}

// elfPlainData returns the bytes of s in data when s is stored as is (not compressed,
// not .zdebug, not NOBITS) inside data: what s.Data() would read, without the copy.
func elfPlainData(s *elf.Section, data []byte) ([]byte, bool) {
	if s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_COMPRESSED != 0 || strings.HasPrefix(s.Name, ".zdebug") || s.Size != s.FileSize {
		return nil, false
	}
	if s.Offset > uint64(len(data)) || s.Size > uint64(len(data))-s.Offset {
		return nil, false
	}
	return data[s.Offset : s.Offset+s.Size], true
}

func elfStringSection(name string) bool {
	// .go.type: Go 1.26 and later keep type data (type names, struct tags) there.
	for _, p := range []string{".rodata", ".data", ".noptrdata", ".data.rel.ro", ".go.type"} {
		if name == p || strings.HasPrefix(name, p+".") {
			return true
		}
	}
	return false
}

func elfOS(f *elf.File) string {
	switch f.OSABI {
	case elf.ELFOSABI_FREEBSD:
		return "freebsd"
	case elf.ELFOSABI_NETBSD:
		return "netbsd"
	case elf.ELFOSABI_OPENBSD:
		return "openbsd"
	case elf.ELFOSABI_SOLARIS:
		return "solaris"
	}
	return "linux"
}

func elfArch(f *elf.File) string {
	switch f.Machine {
	case elf.EM_X86_64:
		return "amd64"
	case elf.EM_AARCH64:
		return "arm64"
	case elf.EM_386:
		return "386"
	case elf.EM_ARM:
		return "arm"
	case elf.EM_RISCV:
		if f.Class == elf.ELFCLASS64 {
			return "riscv64"
		}
		return "riscv"
	case elf.EM_PPC64:
		if f.ByteOrder == binary.LittleEndian {
			return "ppc64le"
		}
		return "ppc64"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_MIPS:
		le := f.ByteOrder == binary.LittleEndian
		switch {
		case f.Class == elf.ELFCLASS64 && le:
			return "mips64le"
		case f.Class == elf.ELFCLASS64:
			return "mips64"
		case le:
			return "mipsle"
		}
		return "mips"
	case elf.EM_LOONGARCH:
		return "loong64"
	}
	return strings.ToLower(strings.TrimPrefix(f.Machine.String(), "EM_"))
}

// normImport strips symbol versions (connect@GLIBC_2.2.5), Mach-O's leading
// underscore is removed by the caller that knows the format.
func normImport(s string) string {
	if i := strings.IndexByte(s, '@'); i > 0 {
		s = s[:i]
	}
	return s
}

// checkPETables rejects COFF symbol and section tables outside the file (see checkELFTables).
func checkPETables(data []byte) error {
	if len(data) < 0x40 {
		return fmt.Errorf("file too short for a DOS header (%d bytes)", len(data))
	}
	le := binary.LittleEndian
	peOff := uint64(le.Uint32(data[0x3c:]))
	size := uint64(len(data))
	if peOff > size || size-peOff < 24 {
		return fmt.Errorf("PE header offset 0x%x outside the file", peOff)
	}
	coff := data[peOff+4:]
	nsec := uint64(le.Uint16(coff[2:]))
	symOff, nsym := uint64(le.Uint32(coff[8:])), uint64(le.Uint32(coff[12:]))
	optSize := uint64(le.Uint16(coff[16:]))
	if symOff != 0 && (symOff > size || nsym*18 > size-symOff) {
		return fmt.Errorf("COFF symbol table (offset 0x%x, %d symbols) runs past the end of the file", symOff, nsym)
	}
	if secOff := peOff + 24 + optSize; secOff > size || nsec*40 > size-secOff {
		return fmt.Errorf("section table (%d sections) runs past the end of the file", nsec)
	}
	return nil
}

func openPE(data []byte) (*image, error) {
	if err := checkPETables(data); err != nil {
		return nil, err
	}
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if len(f.Sections) > maxSections {
		return nil, fmt.Errorf("%d sections is over the limit of %d", len(f.Sections), maxSections)
	}
	im := &image{data: data, order: binary.LittleEndian, os: "windows", ptrSize: 8}
	switch f.Machine {
	case pe.IMAGE_FILE_MACHINE_AMD64:
		im.arch = "amd64"
	case pe.IMAGE_FILE_MACHINE_ARM64:
		im.arch = "arm64"
	case pe.IMAGE_FILE_MACHINE_I386:
		im.arch, im.ptrSize = "386", 4
	case pe.IMAGE_FILE_MACHINE_ARMNT, pe.IMAGE_FILE_MACHINE_ARM:
		im.arch, im.ptrSize = "arm", 4
	default:
		im.arch = fmt.Sprintf("pe-machine-0x%x", f.Machine)
	}
	for _, s := range f.Sections {
		if s.Offset == 0 || s.Size == 0 {
			continue
		}
		if uint64(s.Offset) > uint64(len(data)) || uint64(s.Size) > uint64(len(data))-uint64(s.Offset) {
			return nil, fmt.Errorf("section %s (offset 0x%x, size 0x%x) runs past the end of the file (0x%x bytes)", s.Name, s.Offset, s.Size, len(data))
		}
		const memExecute, memWrite, cntCode = 0x20000000, 0x80000000, 0x20
		sec := section{name: s.Name, off: int64(s.Offset), data: data[s.Offset : s.Offset+s.Size], exec: s.Characteristics&(memExecute|cntCode) != 0}
		sec.strong = !sec.exec && (s.Name == ".rdata" || s.Name == ".data")
		sec.addr = peImageBase(f) + uint64(s.VirtualAddress)
		im.sections = append(im.sections, sec)
		if strings.HasPrefix(s.Name, "UPX") {
			im.packer = "UPX"
		}
	}
	im.searchFirst = []string{".rdata", ".data"}
	// The DLL names now (every program reports them), the function names only
	// when the rules need them. A broken import table yields fewer names, not
	// a failed scan (peimports.go).
	dlls, _ := readPEImports(data, f, false)
	im.libraries = dlls.libraries
	im.loadImports = func() {
		t, _ := readPEImports(data, f, true)
		im.imports = t.symbols
	}
	return im, nil
}

// peImageBase is the preferred load address of a PE image, which its section
// addresses are relative to (0 without an optional header).
func peImageBase(f *pe.File) uint64 {
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		return h.ImageBase
	case *pe.OptionalHeader32:
		return uint64(h.ImageBase)
	}
	return 0
}

func openFat(data []byte) (*binFile, error) {
	ff, err := macho.NewFatFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: universal Mach-O: %w", ErrMalformed, err)
	}
	if len(ff.Arches) > 64 {
		return nil, fmt.Errorf("%w: universal Mach-O: %d slices", ErrMalformed, len(ff.Arches))
	}
	bf := &binFile{format: "macho-universal"}
	for _, a := range ff.Arches {
		if uint64(a.Offset) > uint64(len(data)) || uint64(a.Size) > uint64(len(data))-uint64(a.Offset) {
			return nil, fmt.Errorf("%w: universal Mach-O: slice at 0x%x size 0x%x runs past the end of the file", ErrMalformed, a.Offset, a.Size)
		}
		im, err := openMachO(data[a.Offset:a.Offset+a.Size], int64(a.Offset))
		if err != nil {
			return nil, fmt.Errorf("%w: universal Mach-O slice at 0x%x: %w", ErrMalformed, a.Offset, err)
		}
		im.label = im.arch
		bf.images = append(bf.images, im)
	}
	if len(bf.images) == 0 {
		return nil, fmt.Errorf("%w: universal Mach-O with no slices", ErrMalformed)
	}
	return bf, nil
}

// checkMachOTables rejects a load-command area larger than the file (see checkELFTables).
func checkMachOTables(data []byte) error {
	if len(data) < 28 {
		return fmt.Errorf("file too short for a Mach-O header (%d bytes)", len(data))
	}
	var order binary.ByteOrder = binary.LittleEndian
	if binary.BigEndian.Uint32(data) == macho.Magic32 || binary.BigEndian.Uint32(data) == macho.Magic64 {
		order = binary.BigEndian
	}
	hdr := uint64(28)
	if order.Uint32(data) == macho.Magic64 {
		hdr = 32
	}
	if cmdsz := uint64(order.Uint32(data[20:])); cmdsz > uint64(len(data)) || hdr > uint64(len(data))-cmdsz {
		return fmt.Errorf("load commands (%d bytes) run past the end of the file (%d bytes)", cmdsz, len(data))
	}
	return nil
}

func openMachO(data []byte, base int64) (*image, error) {
	if err := checkMachOTables(data); err != nil {
		return nil, err
	}
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	im := &image{data: data, base: base, order: f.ByteOrder, os: "darwin", ptrSize: 8}
	switch f.Cpu {
	case macho.CpuAmd64:
		im.arch = "amd64"
	case macho.CpuArm64:
		im.arch = "arm64"
	case macho.Cpu386:
		im.arch, im.ptrSize = "386", 4
	case macho.CpuArm:
		im.arch, im.ptrSize = "arm", 4
	case macho.CpuPpc64:
		im.arch = "ppc64"
	default:
		im.arch = strings.ToLower(f.Cpu.String())
	}
	if len(f.Sections) > maxSections {
		return nil, fmt.Errorf("%d sections is over the limit of %d", len(f.Sections), maxSections)
	}
	for _, s := range f.Sections {
		const zerofill, gbZerofill, tlvZerofill = 0x1, 0xc, 0x12
		if t := s.Flags & 0xff; t == zerofill || t == gbZerofill || t == tlvZerofill || s.Size == 0 {
			continue
		}
		if uint64(s.Offset) > uint64(len(data)) || s.Size > uint64(len(data))-uint64(s.Offset) {
			return nil, fmt.Errorf("section %s,%s (offset 0x%x, size 0x%x) runs past the end of the image", s.Seg, s.Name, s.Offset, s.Size)
		}
		const pureInstr, someInstr = 0x80000000, 0x400
		sec := section{name: s.Seg + "," + s.Name, off: int64(s.Offset), data: data[s.Offset : uint64(s.Offset)+s.Size], exec: s.Flags&(pureInstr|someInstr) != 0}
		sec.addr = s.Addr
		switch s.Name {
		case "__rodata", "__cstring", "__const", "__data", "__noptrdata", "__go_type":
			sec.strong = !sec.exec
		}
		im.sections = append(im.sections, sec)
		if strings.HasPrefix(s.Seg, "__UPX") || strings.HasPrefix(s.Name, "upx") {
			im.packer = "UPX"
		}
	}
	for i := range im.sections {
		if strings.HasSuffix(im.sections[i].name, ",__gopclntab") {
			im.pclntabSection = &im.sections[i]
		}
	}
	im.searchFirst = []string{"__DATA_CONST,__gopclntab", "__TEXT,__gopclntab", "__DATA_CONST,__rodata", "__TEXT,__rodata"}
	im.loadImports = func() { im.imports = machoImports(f) }
	im.libraries = machoLibraries(f)
	return im, nil
}
