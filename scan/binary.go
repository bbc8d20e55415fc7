package scan

import (
	"bytes"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"fmt"
	"sort"
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
			return nil, fmt.Errorf("%w: ELF: %v", ErrMalformed, err)
		}
		return &binFile{format: "elf", images: []*image{im}}, nil
	case bytes.HasPrefix(data, []byte("MZ")):
		im, err := openPE(data)
		if err != nil {
			return nil, fmt.Errorf("%w: PE: %v", ErrMalformed, err)
		}
		return &binFile{format: "pe", images: []*image{im}}, nil
	case bytes.HasPrefix(data, magicFat) && len(data) >= 8 && binary.BigEndian.Uint32(data[4:]) < 40:
		// 0xcafebabe is also the Java class magic; a fat header has a small arch count there (under 40)
		// where a class file has its version (45 and up).
		return openFat(data)
	case len(data) >= 4 && isMachO(data):
		im, err := openMachO(data, 0)
		if err != nil {
			return nil, fmt.Errorf("%w: Mach-O: %v", ErrMalformed, err)
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

func openELF(data []byte) (*image, error) {
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
	if libs, err := f.ImportedLibraries(); err == nil {
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

func elfStringSection(name string) bool {
	for _, p := range []string{".rodata", ".data", ".noptrdata", ".data.rel.ro"} {
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

func openPE(data []byte) (*image, error) {
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
		im.sections = append(im.sections, sec)
		if strings.HasPrefix(s.Name, "UPX") {
			im.packer = "UPX"
		}
	}
	im.searchFirst = []string{".rdata", ".data"}
	if syms, err := f.ImportedSymbols(); err == nil {
		seen := map[string]bool{}
		for _, s := range syms {
			fn, dll, _ := strings.Cut(s, ":")
			im.imports = append(im.imports, fn)
			dll = strings.ToLower(dll)
			if dll != "" && !seen[dll] {
				seen[dll] = true
				im.libraries = append(im.libraries, dll)
			}
		}
		sort.Strings(im.libraries)
	}
	return im, nil
}

func openFat(data []byte) (*binFile, error) {
	ff, err := macho.NewFatFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: universal Mach-O: %v", ErrMalformed, err)
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
			return nil, fmt.Errorf("%w: universal Mach-O slice at 0x%x: %v", ErrMalformed, a.Offset, err)
		}
		im.label = im.arch
		bf.images = append(bf.images, im)
	}
	if len(bf.images) == 0 {
		return nil, fmt.Errorf("%w: universal Mach-O with no slices", ErrMalformed)
	}
	return bf, nil
}

func openMachO(data []byte, base int64) (*image, error) {
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
		switch s.Name {
		case "__rodata", "__cstring", "__const", "__data", "__noptrdata":
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
	im.loadImports = func() {
		if syms, err := f.ImportedSymbols(); err == nil {
			for _, s := range syms {
				im.imports = append(im.imports, strings.TrimPrefix(normImport(s), "_"))
			}
		}
	}
	if libs, err := f.ImportedLibraries(); err == nil {
		im.libraries = libs
	}
	return im, nil
}
