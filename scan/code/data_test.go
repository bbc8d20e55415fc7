package code

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
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
		if s.Exec || s.Addr == 0 || strings.Contains(s.Name, "gopclntab") || strings.Contains(s.Name, "debug") || strings.Contains(s.Name, "DWARF") || s.Name == ".symtab" || s.Name == ".reloc" || s.Name == ".idata" || s.Name == ".pdata" || s.Name == ".xdata" {
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
