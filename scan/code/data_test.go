package code

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// dataSection is one loaded section of a test binary.
type dataSection struct {
	Name string
	Addr uint64
	Data []byte
	Exec bool
}

// dataImage is a Go binary of any format as the data tests read it: its loaded sections,
// text, function table, the section that holds string literals and, unstripped, its
// symbols (name to address).
type dataImage struct {
	Path    string
	Format  string
	Arch    string
	Order   binary.ByteOrder
	Secs    []dataSection
	Text    Text
	Funcs   []Func
	Strings *dataSection // where go:string.* lives: ELF .rodata, PE .rdata, Mach-O __TEXT,__rodata
	Pcln    uint64       // address of the pclntab
	Syms    map[string]uint64
}

func (im *dataImage) section(name string) *dataSection {
	for i := range im.Secs {
		if im.Secs[i].Name == name {
			return &im.Secs[i]
		}
	}
	return nil
}

// at returns the section holding [addr, addr+n), or nil.
func (im *dataImage) at(addr, n uint64) *dataSection {
	for i := range im.Secs {
		s := &im.Secs[i]
		if addr >= s.Addr && n <= uint64(len(s.Data)) && addr-s.Addr <= uint64(len(s.Data))-n {
			return s
		}
	}
	return nil
}

// bytes returns the n bytes at addr, or nil.
func (im *dataImage) bytes(addr, n uint64) []byte {
	if s := im.at(addr, n); s != nil {
		return s.Data[addr-s.Addr : addr-s.Addr+n]
	}
	return nil
}

func (im *dataImage) word(addr uint64) uint64 {
	b := im.bytes(addr, 8)
	if b == nil {
		return 0
	}
	return im.Order.Uint64(b)
}

// IsData accepts ranges of the string-literal section.
func (im *dataImage) IsData(addr, n uint64) bool {
	s := im.Strings
	return addr >= s.Addr && n <= uint64(len(s.Data)) && addr-s.Addr <= uint64(len(s.Data))-n
}

// StringBytes is a DataLimits.Bytes for the string-literal section.
func (im *dataImage) StringBytes(addr, n uint64) []byte {
	if !im.IsData(addr, n) {
		return nil
	}
	return im.Strings.Data[addr-im.Strings.Addr : addr-im.Strings.Addr+n]
}

// dataSections are the loaded, non-executable sections ScanData is run on (all but the
// pclntab, which holds offsets, not pointers).
func (im *dataImage) dataSections() []*dataSection {
	var out []*dataSection
	for i := range im.Secs {
		s := &im.Secs[i]
		if s.Exec || s.Addr == 0 || strings.Contains(s.Name, "gopclntab") || strings.Contains(s.Name, "debug") || strings.Contains(s.Name, "DWARF") || s.Name == ".symtab" || s.Name == ".reloc" || strings.HasPrefix(s.Name, ".rela") || strings.HasPrefix(s.Name, ".dyn") || strings.HasPrefix(s.Name, ".gnu") || s.Name == ".hash" || s.Name == ".idata" || s.Name == ".pdata" || s.Name == ".xdata" {
			continue
		}
		out = append(out, s)
	}
	return out
}

// loadImage reads a 64-bit Go binary (ELF, PE or Mach-O).
func loadImage(tb testing.TB, path string) *dataImage {
	tb.Helper()
	im := &dataImage{Path: path, Order: binary.LittleEndian}
	var pclnName, textName, strName string
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		im.Format, pclnName, textName, strName = "elf", ".gopclntab", ".text", ".rodata"
		im.Arch = map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
		for _, s := range f.Sections {
			if s.Type == elf.SHT_NOBITS || s.Flags&elf.SHF_ALLOC == 0 {
				continue
			}
			d, err := s.Data()
			if err != nil {
				tb.Fatal(err)
			}
			im.Secs = append(im.Secs, dataSection{s.Name, s.Addr, d, s.Flags&elf.SHF_EXECINSTR != 0})
		}
		if syms, err := f.Symbols(); err == nil {
			im.Syms = map[string]uint64{}
			for _, s := range syms {
				im.Syms[s.Name] = s.Value
			}
		}
	} else if f, err := macho.Open(path); err == nil {
		defer f.Close()
		im.Format, pclnName, textName, strName = "macho", "__TEXT,__gopclntab", "__TEXT,__text", "__TEXT,__rodata"
		im.Arch = map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
		for _, s := range f.Sections {
			if t := s.Flags & 0xff; t == 0x1 || t == 0xc || t == 0x12 || s.Seg == "__DWARF" {
				continue
			}
			d, err := s.Data()
			if err != nil {
				tb.Fatal(err)
			}
			im.Secs = append(im.Secs, dataSection{s.Seg + "," + s.Name, s.Addr, d, s.Flags&0x80000400 != 0})
		}
		if f.Symtab != nil && len(f.Symtab.Syms) > 0 {
			im.Syms = map[string]uint64{}
			for _, s := range f.Symtab.Syms {
				im.Syms[strings.TrimPrefix(s.Name, "_")] = s.Value
			}
		}
	} else if f, err := pe.Open(path); err == nil {
		defer f.Close()
		im.Format, textName, strName = "pe", ".text", ".rdata"
		im.Arch = map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
		base := peBase(f)
		for _, s := range f.Sections {
			d, err := s.Data()
			if err != nil {
				tb.Fatal(err)
			}
			if uint32(len(d)) > s.VirtualSize {
				d = d[:s.VirtualSize]
			}
			im.Secs = append(im.Secs, dataSection{s.Name, base + uint64(s.VirtualAddress), d, s.Characteristics&0x20000020 != 0})
		}
		if len(f.Symbols) > 0 {
			im.Syms = map[string]uint64{}
			for _, s := range f.Symbols {
				if s.SectionNumber > 0 && int(s.SectionNumber) <= len(f.Sections) {
					im.Syms[s.Name] = base + uint64(f.Sections[s.SectionNumber-1].VirtualAddress) + uint64(s.Value)
				}
			}
		}
	} else {
		tb.Fatalf("%s: not ELF, Mach-O or PE", path)
	}
	if im.Arch == "" {
		tb.Fatalf("%s: not amd64 or arm64", path)
	}
	text, str := im.section(textName), im.section(strName)
	if text == nil || str == nil {
		tb.Fatalf("%s: no %s or %s", path, textName, strName)
	}
	im.Text, im.Strings = Text{Arch: im.Arch, Addr: text.Addr, Data: text.Data}, str
	var tab []byte
	if s := im.section(pclnName); pclnName != "" && s != nil {
		tab, im.Pcln = s.Data, s.Addr
	} else {
		// PE names no pclntab section: search .rdata for the Go 1.20+ header magic.
		tab, im.Pcln = findPclntab(im.section(".rdata"), text.Addr)
	}
	if tab == nil {
		tb.Fatalf("%s: no pclntab", path)
	}
	st, err := gosym.NewTable(nil, gosym.NewLineTable(tab, text.Addr))
	if err != nil {
		tb.Fatal(err)
	}
	for _, fn := range st.Funcs {
		im.Funcs = append(im.Funcs, Func{Name: fn.Name, Entry: fn.Entry, End: fn.End})
	}
	return im
}

// findPclntab finds the pclntab in s by its header (magic 0xfffffff1, two zero bytes,
// quantum, pointer size 8) and a successful parse with main.main in it.
func findPclntab(s *dataSection, textAddr uint64) ([]byte, uint64) {
	if s == nil {
		return nil, 0
	}
	for off := 0; ; {
		i := bytes.Index(s.Data[off:], []byte{0xf1, 0xff, 0xff, 0xff, 0, 0})
		if i < 0 {
			return nil, 0
		}
		off += i
		if off+8 <= len(s.Data) && s.Data[off+7] == 8 {
			st, err := gosym.NewTable(nil, gosym.NewLineTable(s.Data[off:], textAddr))
			if err == nil && st.LookupFunc("main.main") != nil {
				return s.Data[off:], s.Addr + uint64(off)
			}
		}
		off++
	}
}

// Offsets in runtime.moduledata (go1.27, 64-bit: runtime/symtab.go) and abi types.
const (
	mdText       = 176 // text
	mdTypes      = 296 // types
	mdItabOffset = 320 // itaboffset
	mdItabSize   = 328 // itabsize
	interMethods = 56  // abi.InterfaceType.Methods (after Type, 48 bytes, and PkgPath)
	itabFun      = 24  // abi.ITab.Fun
)

// moduledata finds runtime.firstmoduledata: by symbol, or (stripped) as the word in a
// data section that equals the pclntab's address and is followed, at the text field, by
// the text's address.
func (im *dataImage) moduledata(tb testing.TB) uint64 {
	tb.Helper()
	if a, ok := im.Syms["runtime.firstmoduledata"]; ok {
		return a
	}
	for _, s := range im.dataSections() {
		for off := uint64(0); off+mdItabSize+8 <= uint64(len(s.Data)); off += 8 {
			a := s.Addr + off
			if im.word(a) == im.Pcln && im.word(a+mdText) == im.Text.Addr {
				return a
			}
		}
	}
	tb.Fatalf("%s: no moduledata", im.Path)
	return 0
}

// itabFuns returns, for each fun[i] of each itab the linker built, its address and
// target, walking the itab region of moduledata as runtime.addModuleItabs does.
func (im *dataImage) itabFuns(tb testing.TB) []FuncPtr {
	tb.Helper()
	md := im.moduledata(tb)
	types := im.word(md + mdTypes)
	p := types + im.word(md+mdItabOffset)
	end := p + im.word(md+mdItabSize)
	if im.at(p, end-p) == nil {
		tb.Fatalf("%s: itab region [%#x, %#x) is not in a section", im.Path, p, end)
	}
	var out []FuncPtr
	for p < end {
		inter := im.word(p)
		n := im.word(inter + interMethods + 8)
		if n == 0 || n > 1000 {
			tb.Fatalf("%s: itab at %#x: interface %#x has %d methods", im.Path, p, inter, n)
		}
		for k := uint64(0); k < n; k++ {
			a := p + itabFun + 8*k
			out = append(out, FuncPtr{At: a, Target: im.word(a)})
		}
		p += itabFun + 8*n
	}
	return out
}

// scanAll runs ScanData over every data section of im.
func scanAll(tb testing.TB, im *dataImage, text bool) (*DataRefs, map[uint64]string) {
	tb.Helper()
	isEntry, err := Entries(im.Funcs)
	if err != nil {
		tb.Fatal(err)
	}
	lim := DataLimits{}
	if text {
		lim.Bytes = im.StringBytes
	}
	all := &DataRefs{}
	where := map[uint64]string{}
	for _, s := range im.dataSections() {
		r, err := ScanData(Section{Addr: s.Addr, Data: s.Data, PtrSize: 8, Order: im.Order}, im.IsData, isEntry, lim)
		if err != nil {
			tb.Fatal(err)
		}
		if r.Truncated {
			tb.Fatalf("%s: %s: truncated", im.Path, s.Name)
		}
		for _, h := range r.Strings {
			where[h.At] = s.Name
		}
		for _, f := range r.Funcs {
			where[f.At] = s.Name
		}
		all.Strings = append(all.Strings, r.Strings...)
		all.Funcs = append(all.Funcs, r.Funcs...)
	}
	return all, where
}

// fixtureTables are the strings codetables keeps in static data, by table.
func fixtureTables() map[string][]string {
	t := map[string][]string{
		"providers": {"Alpha", "https://alpha.example.com/v1", "Beta", "https://beta.example.org/api", "Gamma", "https://gamma.example.net/"},
		"hosts":     {"one.example.com", "two.example.com:443", "three.example.com"},
		"greeters":  {"en.example.com", "fr.example.com"},
	}
	for _, r := range fixtureRegions {
		t["regions"] = append(t["regions"], r, "s3."+r+".example.com")
	}
	return t
}

var fixtureRegions = []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1", "me-south-1", "me-central-1", "sa-east-1", "mx-central-1"}

var dataTargets = []struct{ goos, goarch string }{
	{"linux", "amd64"}, {"linux", "arm64"}, {"windows", "amd64"}, {"darwin", "arm64"},
}

// TestScanDataFixture builds the tables fixture for each target, stripped and not, and
// checks: every string of its tables is found as a header with exactly its bytes (and,
// unstripped, the headers of main.providers' backing array and of main.hosts are found
// at exactly their addresses); every fun[] word of every itab the linker built is found
// as a function pointer; the funcvals of main.callbacks are found.
func TestScanDataFixture(t *testing.T) {
	t.Parallel()
	for _, tg := range dataTargets {
		for _, stripped := range []bool{false, true} {
			name := fmt.Sprintf("%s-%s-stripped=%v", tg.goos, tg.goarch, stripped)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				im := loadImage(t, buildFixture(t, "tables", tg.goos, tg.goarch, stripped))
				checkFixtureData(t, im, stripped)
			})
		}
	}
}

// TestScanDataPIE checks the same on a position-independent linux/amd64 build: Go's
// linker writes each pointer's link-time address into the file as well as into the
// relocation (.rela), so the words read as stored are the pointers.
func TestScanDataPIE(t *testing.T) {
	t.Parallel()
	src, err := filepath.Abs(filepath.Join("..", "..", "testdata", "code", "tables"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "tables")
	cmd := exec.CommandContext(t.Context(), "go", "build", "-trimpath", "-buildmode=pie", "-o", out, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=mod")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", src, err, msg)
	}
	im := loadImage(t, out)
	if im.section(".data.rel.ro.go.type") == nil {
		t.Fatalf("%s: no .data.rel.ro.go.type: not the PIE layout", out)
	}
	checkFixtureData(t, im, false)
}

func checkFixtureData(t *testing.T, im *dataImage, stripped bool) {
	refs, where := scanAll(t, im, true)
	byAt := map[uint64]StringHeader{}
	found := map[string]int{}
	for _, h := range refs.Strings {
		byAt[h.At] = h
		found[string(im.StringBytes(h.Addr, h.Len))]++
	}
	for table, strs := range fixtureTables() {
		for _, s := range strs {
			if found[s] == 0 {
				t.Errorf("%s: %s: no header for %q", im.Path, table, s)
			}
		}
	}
	if !stripped {
		if im.Syms == nil {
			t.Fatalf("%s: unstripped but no symbols", im.Path)
		}
		// main.providers is a slice header; its array holds Name, URL pairs.
		prov, ok := im.Syms["main.providers"]
		if !ok {
			t.Fatalf("%s: no main.providers symbol", im.Path)
		}
		arr, n := im.word(prov), im.word(prov+8)
		want := fixtureTables()["providers"]
		if n != uint64(len(want)/2) {
			t.Fatalf("%s: main.providers has %d elements, want %d", im.Path, n, len(want)/2)
		}
		hosts := im.Syms["main.hosts"]
		check := func(at uint64, s string) {
			h, ok := byAt[at]
			if !ok {
				t.Errorf("%s: no header at %#x (%q)", im.Path, at, s)
				return
			}
			if got := string(im.StringBytes(h.Addr, h.Len)); got != s || h.Addr != im.word(at) {
				t.Errorf("%s: header at %#x is %q at %#x, want %q", im.Path, at, got, h.Addr, s)
			}
		}
		for i, s := range want {
			check(arr+16*uint64(i), s)
		}
		for i, s := range fixtureTables()["hosts"] {
			check(hosts+16*uint64(i), s)
		}
	}
	// Every fun[] word of every itab.
	fps := map[uint64]uint64{}
	for _, f := range refs.Funcs {
		fps[f.At] = f.Target
	}
	funs := im.itabFuns(t)
	names := map[uint64]string{}
	for _, f := range im.Funcs {
		names[f.Entry] = f.Name
	}
	var mainFuns []string
	for _, f := range funs {
		if tg, ok := fps[f.At]; !ok || tg != f.Target {
			t.Errorf("%s: itab fun at %#x (%#x %s) not found", im.Path, f.At, f.Target, names[f.Target])
		}
		if strings.HasPrefix(names[f.Target], "main.") {
			mainFuns = append(mainFuns, names[f.Target])
		}
	}
	for _, w := range []string{"main.(*english).Greet", "main.(*english).Host", "main.(*french).Greet", "main.(*french).Host"} {
		if !contains(mainFuns, w) {
			t.Errorf("%s: no itab method %s among %v", im.Path, w, mainFuns)
		}
	}
	// main.callbacks[1] is main.hello's funcval (the method value english{}.Greet is
	// made at init). Itab methods of a value type are the pointer wrappers.
	targets := map[string]string{}
	for _, f := range refs.Funcs {
		targets[names[f.Target]] = where[f.At]
	}
	if _, ok := targets["main.hello"]; !ok {
		t.Errorf("%s: no function pointer to main.hello", im.Path)
	}
	t.Logf("%s: %d string headers, %d function pointers (%d itab funs; main.hello's funcval in %s)", im.Path, len(refs.Strings), len(refs.Funcs), len(funs), targets["main.hello"])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestScanDataInput checks the argument errors and the limit.
func TestScanDataInput(t *testing.T) {
	isData := func(addr, n uint64) bool { return addr >= 0x1000 && addr+n <= 0x2000 }
	if _, err := ScanData(Section{PtrSize: 3}, isData, nil, DataLimits{}); !errors.Is(err, ErrInput) {
		t.Errorf("pointer size 3: %v, want ErrInput", err)
	}
	if _, err := ScanData(Section{PtrSize: 8}, nil, nil, DataLimits{}); !errors.Is(err, ErrInput) {
		t.Errorf("no isData: %v, want ErrInput", err)
	}
	if _, err := ScanData(Section{Addr: ^uint64(0) - 3, Data: make([]byte, 8), PtrSize: 8}, isData, nil, DataLimits{}); !errors.Is(err, ErrInput) {
		t.Errorf("wrapping section: %v, want ErrInput", err)
	}
	if _, err := Entries([]Func{{Entry: 2}, {Entry: 1}}); !errors.Is(err, ErrInput) {
		t.Errorf("unsorted functions: %v, want ErrInput", err)
	}
	// Ten headers of 5 bytes at 0x1000, then a function pointer; a limit of 4.
	var d []byte
	for i := 0; i < 10; i++ {
		d = binary.LittleEndian.AppendUint64(d, 0x1000+uint64(i))
		d = binary.LittleEndian.AppendUint64(d, 5)
	}
	d = binary.LittleEndian.AppendUint64(d, 0x500)
	isEntry := func(a uint64) bool { return a == 0x500 }
	r, err := ScanData(Section{Addr: 0x8000, Data: d, PtrSize: 8}, isData, isEntry, DataLimits{})
	if err != nil || len(r.Strings) != 10 || len(r.Funcs) != 1 || r.Truncated {
		t.Fatalf("got %+v, %v; want 10 headers and 1 function", r, err)
	}
	if r.Strings[3] != (StringHeader{At: 0x8030, Addr: 0x1003, Len: 5}) || r.Funcs[0] != (FuncPtr{At: 0x80a0, Target: 0x500}) {
		t.Errorf("got %+v and %+v", r.Strings[3], r.Funcs[0])
	}
	r, _ = ScanData(Section{Addr: 0x8000, Data: d, PtrSize: 8}, isData, isEntry, DataLimits{MaxResults: 4})
	if len(r.Strings) != 4 || !r.Truncated {
		t.Errorf("limit 4: %d headers, truncated %v", len(r.Strings), r.Truncated)
	}
	// Unaligned section start: words are aligned in the address space.
	r, _ = ScanData(Section{Addr: 0x7ffd, Data: append(make([]byte, 3), d...), PtrSize: 8}, isData, isEntry, DataLimits{})
	if len(r.Strings) != 10 || r.Strings[0].At != 0x8000 {
		t.Errorf("unaligned start: %+v", r.Strings)
	}
	// 4-byte big-endian pointers; a length over MaxStringLen is no header.
	var b []byte
	b = binary.BigEndian.AppendUint32(b, 0x1100)
	b = binary.BigEndian.AppendUint32(b, 7)
	b = binary.BigEndian.AppendUint32(b, 0x1200)
	b = binary.BigEndian.AppendUint32(b, 0x300)
	r, _ = ScanData(Section{Addr: 0x100, Data: b, PtrSize: 4, Order: binary.BigEndian}, isData, nil, DataLimits{MaxStringLen: 0x2ff})
	if len(r.Strings) != 1 || r.Strings[0] != (StringHeader{At: 0x100, Addr: 0x1100, Len: 7}) {
		t.Errorf("32-bit big-endian: %+v", r.Strings)
	}
}

// TestLooksText checks the text test on its edges.
func TestLooksText(t *testing.T) {
	long := strings.Repeat("a", 300)
	for _, c := range []struct {
		s    string
		want bool
	}{
		{"https://example.com/", true}, {"tab\tnewline\n", true}, {"héllo, 世界", true},
		{"", false}, {"nul\x00", false}, {"\x01\x02", false}, {"del\x7f", false}, {"\xff\xfe", false},
		{"\xe4\xb8", false}, // a cut rune in a short string
		{long, true}, {"\x00" + long, false}, {long + "\x00", false},
		{long[:100] + "\x00" + long[:100], true}, // the middle of a long string is not read
	} {
		if got := looksText([]byte(c.s)); got != c.want {
			t.Errorf("looksText(%q) = %v, want %v", c.s, got, c.want)
		}
	}
}

// peBase is the preferred load address of a PE image, which its section addresses are
// relative to.
func peBase(f *pe.File) uint64 {
	switch h := f.OptionalHeader.(type) {
	case *pe.OptionalHeader64:
		return h.ImageBase
	case *pe.OptionalHeader32:
		return uint64(h.ImageBase)
	}
	return 0
}

// dwarfLayout is what a binary's DWARF says its static data holds: the addresses of the
// string fields and slice headers of global variables and of what they point to (slice
// backing arrays, pointed-to structs, followed through the file's words), and the extents
// of those objects.
type dwarfLayout struct {
	Strings, Slices map[uint64]bool
	Objects         []dwarfObject
}

type dwarfObject struct {
	Name     string
	Lo, Size uint64
}

// at returns the object holding a, or nil.
func (l *dwarfLayout) at(a uint64) *dwarfObject {
	for i := range l.Objects {
		if o := &l.Objects[i]; a >= o.Lo && a-o.Lo < o.Size {
			return o
		}
	}
	return nil
}

// dwarfLayoutOf reads the global variables of an ELF binary's DWARF (nil without DWARF).
func dwarfLayoutOf(tb testing.TB, im *dataImage) *dwarfLayout {
	tb.Helper()
	f, err := elf.Open(im.Path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	d, err := f.DWARF()
	if err != nil {
		return nil
	}
	l := &dwarfLayout{Strings: map[uint64]bool{}, Slices: map[uint64]bool{}}
	w := &dwarfWalker{im: im, l: l, seen: map[uint64]bool{}}
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			tb.Fatal(err)
		}
		if e == nil {
			break
		}
		if e.Tag != dwarf.TagVariable {
			continue
		}
		loc, ok := e.Val(dwarf.AttrLocation).([]byte)
		toff, ok2 := e.Val(dwarf.AttrType).(dwarf.Offset)
		if !ok || !ok2 || len(loc) != 9 || loc[0] != 0x03 { // DW_OP_addr
			continue
		}
		typ, err := d.Type(toff)
		if err != nil {
			continue
		}
		name, _ := e.Val(dwarf.AttrName).(string)
		w.object(name, binary.LittleEndian.Uint64(loc[1:]), typ, 0)
	}
	return l
}

type dwarfWalker struct {
	im   *dataImage
	l    *dwarfLayout
	seen map[uint64]bool
	work int
}

// object records an object of type t at a and walks it.
func (w *dwarfWalker) object(name string, a uint64, t dwarf.Type, depth int) {
	if a == 0 || w.seen[a] || w.im.at(a, 1) == nil || t.Size() <= 0 {
		return
	}
	w.seen[a] = true
	w.l.Objects = append(w.l.Objects, dwarfObject{name, a, uint64(t.Size())})
	w.walk(name, t, a, depth)
}

// walk marks the string fields and slice headers of t at a and follows slices and
// pointers to structs (through the words the file holds there).
func (w *dwarfWalker) walk(name string, t dwarf.Type, a uint64, depth int) {
	if w.work++; depth > 8 || w.work > 1<<20 {
		return
	}
	switch t := t.(type) {
	case *dwarf.TypedefType:
		w.walk(name, t.Type, a, depth)
	case *dwarf.PtrType:
		if st, ok := t.Type.(*dwarf.StructType); ok {
			w.object(name+"→", w.im.word(a), st, depth+1)
		}
	case *dwarf.StructType:
		switch {
		case t.StructName == "string":
			w.l.Strings[a] = true
		case strings.HasPrefix(t.StructName, "[]"):
			w.l.Slices[a] = true
			if len(t.Field) == 3 {
				if pt, ok := t.Field[0].Type.(*dwarf.PtrType); ok && pt.Type.Size() > 0 {
					p, n, es := w.im.word(a), w.im.word(a+8), uint64(pt.Type.Size())
					if n > 0 && n < 1<<14 && w.im.at(p, n*es) != nil && !w.seen[p] {
						w.seen[p] = true
						w.l.Objects = append(w.l.Objects, dwarfObject{name + "[]", p, n * es})
						for i := uint64(0); i < n; i++ {
							w.walk(name+"[]", pt.Type, p+i*es, depth+1)
						}
					}
				}
			}
		default:
			for _, f := range t.Field {
				w.walk(name, f.Type, a+uint64(f.ByteOffset), depth+1)
			}
		}
	case *dwarf.ArrayType:
		es := t.Type.Size()
		for i := int64(0); es > 0 && i < t.Count && i < 1<<14; i++ {
			w.walk(name, t.Type, a+uint64(i*es), depth+1)
		}
	}
}

// TestScanDataPrecision measures, on unstripped ELF builds with DWARF (the tables fixture
// and gofmt), how ScanData's headers match the program's variables: every string field of
// a global variable whose words are a header of text in string data must be found (recall,
// asserted); a header found inside a variable at an offset that is not a string field is a
// false hit, one at a slice header is a []T that looks like a string, and one in type data
// (.go.type, .go.func, where no string headers are) is a false hit; headers elsewhere
// (composite-literal arrays, map literal arrays, data with no variable) are counted as
// unattributed. The rates are logged, with and without the text test; with it, false
// hits must stay under 1% of the headers (on go1.27.3 there are none).
func TestScanDataPrecision(t *testing.T) {
	t.Parallel()
	bins := map[string]string{
		"tables-amd64": buildFixture(t, "tables", "linux", "amd64", false),
		"tables-arm64": buildFixture(t, "tables", "linux", "arm64", false),
	}
	bins["gofmt-amd64"] = buildGofmt(t, "amd64")
	for name, path := range bins {
		im := loadImage(t, path)
		l := dwarfLayoutOf(t, im)
		if l == nil {
			t.Fatalf("%s: no DWARF", name)
		}
		code, err := Scan(im.Text, im.Funcs, im.IsData, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		leaTargets := map[uint64]bool{}
		if im.Arch == "amd64" {
			// RIP-relative LEAs (REX.W 8D /r, mod 00, r/m 101): what the code takes the
			// address of, such as a constant string boxed in an interface.
			d := im.Text.Data
			for i := 0; i+7 <= len(d); i++ {
				if d[i]&0xf8 == 0x48 && d[i+1] == 0x8d && d[i+2]&0xc7 == 0x05 {
					leaTargets[im.Text.Addr+uint64(i)+7+uint64(int64(int32(binary.LittleEndian.Uint32(d[i+3:]))))] = true
				}
			}
		}
		loaded := map[[2]uint64]bool{}
		for _, r := range code.Strings {
			loaded[[2]uint64{r.Addr, uint64(r.Len)}] = true
		}
		for _, text := range []bool{true, false} {
			refs, where := scanAll(t, im, text)
			otherBySec := map[string]int{}
			var otherLoaded, otherLEA int
			found := map[uint64]StringHeader{}
			for _, h := range refs.Strings {
				found[h.At] = h
			}
			var inObj, strField, slice, falseObj, typeData, other int
			var falseSample, otherSample []string
			for _, h := range refs.Strings {
				sec := where[h.At]
				switch {
				case strings.Contains(sec, "go.type") || strings.Contains(sec, "go.func"):
					typeData++
					continue
				case l.Strings[h.At]:
					strField++
				case l.Slices[h.At]:
					slice++
				case l.at(h.At) != nil:
					falseObj++
					if len(falseSample) < 5 {
						falseSample = append(falseSample, fmt.Sprintf("%s %s+%#x %q", sec, l.at(h.At).Name, h.At-l.at(h.At).Lo, im.StringBytes(h.Addr, min(h.Len, 40))))
					}
				default:
					other++
					otherBySec[sec]++
					if loaded[[2]uint64{h.Addr, h.Len}] {
						otherLoaded++
					}
					if leaTargets[h.At] {
						otherLEA++
					}
					if len(otherSample) < 5 && (!leaTargets[h.At] || im.Arch != "amd64") {
						otherSample = append(otherSample, fmt.Sprintf("%s %#x %q", sec, h.At, im.StringBytes(h.Addr, min(h.Len, 40))))
					}
					continue
				}
				inObj++
			}
			// Recall: every string field of a variable that holds a header of string data.
			var fields, missed int
			for a := range l.Strings {
				p, n := im.word(a), im.word(a+8)
				if n == 0 || n > 64<<10 || !im.IsData(p, n) || im.at(a, 16) == nil || text && !looksText(im.StringBytes(p, n)) {
					continue
				}
				fields++
				if h, ok := found[a]; !ok || h.Addr != p || h.Len != n {
					if missed++; missed <= 5 {
						t.Errorf("%s: string field at %#x (%q) not found", name, a, im.StringBytes(p, min(n, 40)))
					}
				}
			}
			if text && 100*(falseObj+typeData) > len(refs.Strings) {
				t.Errorf("%s: %d false headers in variables and %d in type data of %d: over 1%%", name, falseObj, typeData, len(refs.Strings))
			}
			t.Logf("%s text=%v: %d headers: %d in objects DWARF describes (%d string fields, %d slice headers, %d false: %.2f%%), %d in type data (false), %d unattributed (by section %v; %d of them give exactly a string the code also loads, %d are at an address an amd64 LEA takes); recall %d/%d string fields; false %v; unattributed e.g. %v",
				name, text, len(refs.Strings), inObj, strField, slice, falseObj, pct(falseObj, inObj), typeData, other, otherBySec, otherLoaded, otherLEA, fields-missed, fields, falseSample, otherSample)
		}
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// TestScanDataPE checks the rule ScanData's doc gives for PE, where the string
// literals, the type data and the pclntab all sit in .rdata: with IsData accepting all of
// .rdata, slices of the type descriptors are taken for strings; with the type data and
// the pclntab left out, no header is found inside or into them, and every header of the
// fixture's tables is still found.
func TestScanDataPE(t *testing.T) {
	t.Parallel()
	for _, stripped := range []bool{false, true} {
		im := loadImage(t, buildFixture(t, "tables", "windows", "amd64", stripped))
		md := im.moduledata(t)
		types, etypes := im.word(md+mdTypes), im.word(md+mdTypes+16)
		if types < im.Pcln || etypes <= types || im.at(types, etypes-types) != im.Strings {
			t.Fatalf("%s: type data [%#x, %#x) is not in .rdata after the pclntab at %#x", im.Path, types, etypes, im.Pcln)
		}
		// The pclntab ends before the type data; bound it by the types' start.
		bad := func(a uint64) bool { return a >= im.Pcln && a < etypes }
		count := func(refs *DataRefs) (n int) {
			for _, h := range refs.Strings {
				if bad(h.At) || bad(h.Addr) {
					n++
				}
			}
			return n
		}
		refs, _ := scanAll(t, im, true)
		before := count(refs)
		all := im.Strings
		lit := *all
		lit.Data = all.Data[:im.Pcln-all.Addr] // the strings precede the pclntab
		im.Strings = &lit
		refs, _ = scanAll(t, im, true)
		if n := count(refs); n != 0 {
			t.Errorf("%s: %d headers in or into type data and pclntab with them left out", im.Path, n)
		}
		checkFixtureData(t, im, stripped)
		t.Logf("%s: IsData on all of .rdata: %d of %d headers in or into type data or pclntab; on the strings before the pclntab: %d headers, 0 there", im.Path, before, before+len(refs.Strings), len(refs.Strings))
	}
}

// BenchmarkScanData scans the go command's .data, .rodata and .noptrdata (about 1 MB)
// for string headers (with the text test) and function pointers.
func BenchmarkScanData(b *testing.B) {
	im := loadImage(b, goToolBinary(b))
	isEntry, err := Entries(im.Funcs)
	if err != nil {
		b.Fatal(err)
	}
	var secs []*dataSection
	var size int64
	for _, name := range []string{".data", ".rodata", ".noptrdata"} {
		s := im.section(name)
		if s == nil {
			b.Fatalf("%s: no %s", im.Path, name)
		}
		secs = append(secs, s)
		size += int64(len(s.Data))
	}
	lim := DataLimits{Bytes: im.StringBytes}
	b.SetBytes(size)
	b.ReportAllocs()
	var strs, funcs int
	for b.Loop() {
		strs, funcs = 0, 0
		for _, s := range secs {
			r, err := ScanData(Section{Addr: s.Addr, Data: s.Data, PtrSize: 8}, im.IsData, isEntry, lim)
			if err != nil {
				b.Fatal(err)
			}
			strs, funcs = strs+len(r.Strings), funcs+len(r.Funcs)
		}
	}
	b.ReportMetric(float64(strs), "headers")
	b.ReportMetric(float64(funcs), "funcptrs")
}

// TestScanDataRelease checks that DataLimits.Release is given the section's bytes in
// order, each once, in pieces of at least releaseStep bytes but the last, and that giving
// them changes no result.
func TestScanDataRelease(t *testing.T) {
	im := loadImage(t, goToolBinary(t))
	isEntry, err := Entries(im.Funcs)
	if err != nil {
		t.Fatal(err)
	}
	several := false
	for _, s := range im.dataSections() {
		sec := Section{Addr: s.Addr, Data: s.Data, PtrSize: 8, Order: im.Order}
		want, err := ScanData(sec, im.IsData, isEntry, DataLimits{Bytes: im.StringBytes})
		if err != nil {
			t.Fatal(err)
		}
		var pieces [][2]int // [start, end) offsets in s.Data
		got, err := ScanData(sec, im.IsData, isEntry, DataLimits{Bytes: im.StringBytes, Release: func(b []byte) {
			off := len(s.Data) - cap(b) // b is a slice of s.Data that runs to its end
			pieces = append(pieces, [2]int{off, off + len(b)})
		}})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the results differ when the section is released", s.Name)
		}
		next := 0
		for i, p := range pieces {
			if p[0] != next || i < len(pieces)-1 && p[1]-p[0] < releaseStep {
				t.Errorf("%s: piece %d [%d, %d) does not follow [0, %d) or is under %d bytes", s.Name, i, p[0], p[1], next, releaseStep)
			}
			next = p[1]
		}
		if next != len(s.Data) {
			t.Errorf("%s: released [0, %d) of %d bytes", s.Name, next, len(s.Data))
		}
		several = several || len(pieces) > 1
	}
	if !several {
		t.Errorf("%s: no section was released in more than one piece", im.Path)
	}
}
