package scan

import (
	"bytes"
	"debug/elf"
	"debug/gosym"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/internal/testbuild"
)

// oracle is what the standard library says about a binary: the text section,
// runtime.text (from the symbol table when there is one) and the function
// table's bytes when a section names them.
type oracle struct {
	textAddr uint64
	text     []byte
	runtime  uint64 // runtime.text symbol, 0 when stripped
	pcheader uint64 // runtime.pcheader symbol, 0 when stripped
	pcln     []byte // .gopclntab / __gopclntab contents, nil when unnamed
}

func elfOracle(t *testing.T, data []byte) oracle {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var o oracle
	if s := f.Section(".text"); s != nil {
		o.textAddr = s.Addr
		if o.text, err = s.Data(); err != nil {
			t.Fatal(err)
		}
	}
	if s := f.Section(".gopclntab"); s != nil {
		if o.pcln, err = s.Data(); err != nil {
			t.Fatal(err)
		}
	}
	syms, _ := f.Symbols()
	for _, s := range syms {
		switch s.Name {
		case "runtime.text":
			o.runtime = s.Value
		case "runtime.pcheader":
			o.pcheader = s.Value
		}
	}
	return o
}

func peOracle(t *testing.T, data []byte) oracle {
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var o oracle
	base := f.OptionalHeader.(*pe.OptionalHeader64).ImageBase
	s := f.Section(".text")
	o.textAddr = base + uint64(s.VirtualAddress)
	if o.text, err = s.Data(); err != nil {
		t.Fatal(err)
	}
	for _, sym := range f.Symbols {
		if sym.SectionNumber < 1 || int(sym.SectionNumber) > len(f.Sections) {
			continue
		}
		v := base + uint64(f.Sections[sym.SectionNumber-1].VirtualAddress) + uint64(sym.Value)
		switch sym.Name {
		case "runtime.text":
			o.runtime = v
		case "runtime.pcheader":
			o.pcheader = v
		}
	}
	return o
}

func machoOracle(t *testing.T, data []byte) oracle {
	f, err := macho.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var o oracle
	s := f.Section("__text")
	o.textAddr = s.Addr
	if o.text, err = s.Data(); err != nil {
		t.Fatal(err)
	}
	if s := f.Section("__gopclntab"); s != nil {
		if o.pcln, err = s.Data(); err != nil {
			t.Fatal(err)
		}
	}
	if f.Symtab != nil {
		for _, sym := range f.Symtab.Syms {
			switch sym.Name {
			case "runtime.text":
				o.runtime = sym.Value
			case "runtime.pcheader":
				o.pcheader = sym.Value
			}
		}
	}
	return o
}

// checkFuncsAgainstGosym reads the functions of one image with candor's reader
// and with debug/gosym, and requires the same functions: same count, and for
// each the same name, entry and end. text is the runtime.text given to gosym.
// It returns the number of functions checked.
func checkFuncsAgainstGosym(t *testing.T, data []byte, format string, text func(o oracle, tab *pclntab) uint64) int {
	t.Helper()
	bf, err := openBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(bf.images) != 1 {
		t.Fatalf("%d images", len(bf.images))
	}
	im := bf.images[0]
	var o oracle
	switch format {
	case "elf":
		o = elfOracle(t, data)
	case "pe":
		o = peOracle(t, data)
	case "macho":
		o = machoOracle(t, data)
	}
	tab := findPclntab(im)
	if tab == nil {
		t.Fatal("no function table found")
	}
	// The table found is the one the format names, at the address the symbol
	// table gives, when they are there.
	if o.pcln != nil && !bytes.HasPrefix(tab.sec.data[tab.start:], o.pcln[:64]) {
		t.Errorf("table found at %s+0x%x is not the named section's", tab.sec.name, tab.start)
	}
	if o.pcheader != 0 && tab.sec.addr+uint64(tab.start) != o.pcheader {
		t.Errorf("table found at 0x%x, runtime.pcheader is 0x%x", tab.sec.addr+uint64(tab.start), o.pcheader)
	}
	sec, got, err := im.codeFuncs(tab)
	if err != nil {
		t.Fatalf("codeFuncs: %v", err)
	}
	if sec.addr != o.textAddr || !bytes.Equal(sec.data, o.text) {
		t.Errorf("text section %s at 0x%x (%d bytes), want 0x%x (%d bytes)", sec.name, sec.addr, len(sec.data), o.textAddr, len(o.text))
	}
	start := text(o, tab)
	if rt, err := im.textStart(tab); err != nil || rt != start {
		t.Errorf("textStart = 0x%x, %v; want 0x%x", rt, err, start)
	}
	// The runtime's moduledata, the authoritative anchor, gives the same address
	// (on Go 1.26+ the header's field is 0, so it is what textStart uses).
	if v, ok := im.moduledataText(tab); !ok || v != start {
		t.Errorf("moduledata text = 0x%x, %v; want 0x%x", v, ok, start)
	}
	lt := gosym.NewLineTable(tab.sec.data[tab.start:], start)
	st, err := gosym.NewTable(nil, lt)
	if err != nil {
		t.Fatalf("gosym: %v", err)
	}
	want := st.Funcs
	if len(got) != len(want) {
		t.Fatalf("%d functions, gosym has %d", len(got), len(want))
	}
	bad := 0
	for i, f := range got {
		w := want[i]
		if string(f.name) != w.Name || f.entry != w.Entry || f.end != w.End {
			if bad++; bad <= 5 {
				t.Errorf("function %d: %s [0x%x, 0x%x), gosym %s [0x%x, 0x%x)", i, f.name, f.entry, f.end, w.Name, w.Entry, w.End)
			}
		}
		if f.entry < sec.addr || f.end > sec.addr+uint64(len(sec.data)) {
			t.Errorf("function %s [0x%x, 0x%x) outside the text", f.name, f.entry, f.end)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d functions differ from gosym", bad, len(got))
	}
	return len(got)
}

// oracleText is runtime.text from the symbol table, or else the text section's
// start, which it is when Go links internally (the fixtures build with cgo off).
func oracleText(o oracle, _ *pclntab) uint64 {
	if o.runtime != 0 {
		return o.runtime
	}
	return o.textAddr
}

// TestPclntabFuncsFixtures checks every function of every fixture binary of
// internal/testbuild's matrix (ELF, PE and Mach-O; amd64 and arm64; PIE or not;
// stripped or not) against debug/gosym.
func TestPclntabFuncsFixtures(t *testing.T) {
	bins := testbuild.Fixtures(t)
	var (
		mu     sync.Mutex
		counts = map[string]int{}
	)
	t.Run("bin", func(t *testing.T) {
		for _, b := range bins {
			t.Run(b.Name(), func(t *testing.T) {
				t.Parallel()
				data, err := os.ReadFile(b.Path)
				if err != nil {
					t.Fatal(err)
				}
				n := checkFuncsAgainstGosym(t, data, wantFormatOf(b.GOOS), oracleText)
				mu.Lock()
				counts[b.Target.String()] += n
				mu.Unlock()
			})
		}
	})
	targets := make([]string, 0, len(counts))
	for k := range counts {
		targets = append(targets, k)
	}
	sort.Strings(targets)
	for _, k := range targets {
		t.Logf("%s: %d functions checked against debug/gosym", k, counts[k])
	}
}

func wantFormatOf(goos string) string {
	switch goos {
	case "windows":
		return "pe"
	case "darwin":
		return "macho"
	}
	return "elf"
}

// TestPclntabFuncsCorpus checks the Go binaries of the corpus (Debian's, Go
// 1.19, stripped, some linked externally so that runtime.text is not the text
// section's start). The oracle's runtime.text is the header's field, read here
// by hand, or the symbol when there is one.
func TestPclntabFuncsCorpus(t *testing.T) {
	root := os.Getenv("CANDOR_CORPUS")
	if root == "" {
		t.Skip("set CANDOR_CORPUS to run the corpus tests")
	}
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if f, err := os.Open(p); err == nil {
				var m [4]byte
				f.Read(m[:])
				f.Close()
				if string(m[:]) == "\x7fELF" {
					paths = append(paths, p)
				}
			}
		}
		return nil
	})
	checked := 0
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		t.Run(rel, func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			bf, err := openBinary(data)
			if err != nil || findPclntab(bf.images[0]) == nil {
				t.Skip("not a Go binary")
			}
			n := checkFuncsAgainstGosym(t, data, "elf", func(o oracle, tab *pclntab) uint64 {
				if o.runtime != 0 {
					return o.runtime
				}
				d := tab.sec.data[tab.start:]
				if tab.magic == pclnGo116 || tab.magic == pclnGo12 {
					return o.textAddr
				}
				if ts := binary.LittleEndian.Uint64(d[8+2*8:]); ts != 0 { // textStart, the third word
					return ts
				}
				// Go 1.26+ leaves the header's textStart 0; internally linked
				// programs start runtime.text at the text section.
				return o.textAddr
			})
			t.Logf("%s: %d functions checked against debug/gosym", rel, n)
			checked += n
		})
	}
	t.Logf("corpus: %d functions checked", checked)
}

// TestPclntabFuncsBroken cuts and corrupts a real table: the reader returns an
// error or functions inside the text, never panics.
func TestPclntabFuncsBroken(t *testing.T) {
	t.Parallel()
	good := buildPclntab([]string{"main.main", "os.Exit", "runtime.main"}, []string{"fmt.Println"})
	tab := parsePclntab(&section{data: good}, 0, binary.LittleEndian)
	if tab == nil {
		t.Fatal("valid table rejected")
	}
	fs, err := tab.funcs(tab.textStart)
	if err != nil {
		t.Fatal(err)
	}
	want := []funcRange{{[]byte("main.main"), 0x1000, 0x1040}, {[]byte("os.Exit"), 0x1040, 0x1080}, {[]byte("runtime.main"), 0x1080, 0x10c0}}
	if len(fs) != len(want) {
		t.Fatalf("funcs = %v", fs)
	}
	for i := range want {
		if string(fs[i].name) != string(want[i].name) || fs[i].entry != want[i].entry || fs[i].end != want[i].end {
			t.Errorf("function %d = %s [%#x, %#x), want %s [%#x, %#x)", i, fs[i].name, fs[i].entry, fs[i].end, want[i].name, want[i].entry, want[i].end)
		}
	}
	// Records after parsePclntab's checks: a _func whose name offset leaves the
	// name table, a _func entry that disagrees, entries out of order, a text
	// address that overflows.
	recs := len(good) - 3*16 - 4*8
	mutate := map[string]func(b []byte){
		"name offset":     func(b []byte) { binary.LittleEndian.PutUint32(b[len(b)-3*16+16+4:], 1<<30) },
		"_func entry":     func(b []byte) { binary.LittleEndian.PutUint32(b[len(b)-3*16+16:], 7) },
		"entries reverse": func(b []byte) { binary.LittleEndian.PutUint32(b[recs+3*8:], 0x10) },
	}
	for name, m := range mutate {
		b := append([]byte(nil), good...)
		m(b)
		tab := &pclntab{}
		*tab = *parsePclntab(&section{data: good}, 0, binary.LittleEndian)
		tab.sec = &section{data: b}
		tab.nameBlob = b[tab.blobOff : tab.blobOff+int64(len(tab.nameBlob))]
		if _, err := tab.funcs(tab.textStart); !errors.Is(err, errFuncTable) {
			t.Errorf("%s: err = %v, want errFuncTable", name, err)
		}
	}
	if _, err := tab.funcs(1<<64 - 0x10); !errors.Is(err, errFuncTable) {
		t.Errorf("overflowing text: err = %v", err)
	}
}

// buildOldPclntab writes a Go 1.2–1.15 (pclnGo12) or 1.16–1.17 (pclnGo116)
// table, whose entries are absolute PCs: function i of names starts at
// base+i*0x20, and the table ends at base+len(names)*0x20.
func buildOldPclntab(magic uint32, ptr int, order binary.ByteOrder, base uint64, names []string) []byte {
	n := len(names)
	var b []byte
	u32 := func(v uint32) { b = order.(binary.AppendByteOrder).AppendUint32(b, v) }
	word := func(v uint64) {
		if ptr == 4 {
			u32(uint32(v))
		} else {
			b = order.(binary.AppendByteOrder).AppendUint64(b, v)
		}
	}
	setWord := func(at int, v uint64) {
		if ptr == 4 {
			order.PutUint32(b[at:], uint32(v))
		} else {
			order.PutUint64(b[at:], v)
		}
	}
	pad := func(a int) {
		for len(b)%a != 0 {
			b = append(b, 0)
		}
	}
	u32(magic)
	b = append(b, 0, 0, 1, byte(ptr))
	word(uint64(n))
	var nameBase, pcln int // where name offsets and funcoffs count from
	hdrWords := len(b)
	if magic == pclnGo116 {
		for range 6 {
			word(0) // nfiles, funcname, cu, filetab, pctab, pcln offsets: set below
		}
		setWord(hdrWords+ptr, uint64(len(b))) // funcnameOffset
		nameBase = len(b)
	}
	nameOff := make([]uint32, n)
	if magic == pclnGo116 {
		for i, s := range names {
			nameOff[i] = uint32(len(b) - nameBase)
			b = append(append(b, s...), 0)
		}
		pad(ptr)
		for k := 2; k <= 4; k++ {
			setWord(hdrWords+k*ptr, uint64(len(b))) // cu, filetab, pctab: empty
		}
		setWord(hdrWords+5*ptr, uint64(len(b))) // pclnOffset
		pcln = len(b)
	} else {
		pcln = 0 // 1.2: funcoffs and name offsets count from the header
	}
	ftab := len(b)
	funcSize := ptr + 5*4
	funcs := ftab + (2*n+2)*ptr
	if magic == pclnGo12 {
		funcs += 4 // the file table offset after the end PC
	}
	for i := range n {
		word(base + uint64(i)*0x20)
		word(uint64(funcs + i*funcSize - pcln))
	}
	word(base + uint64(n)*0x20)
	fileoffAt := len(b)
	if magic == pclnGo12 {
		u32(0) // file table offset, set below
	}
	word(0)
	for i := range n {
		word(base + uint64(i)*0x20)
		u32(nameOff[i]) // 1.2: set below
		b = append(b, make([]byte, 4*4)...)
	}
	if magic == pclnGo12 {
		for i, s := range names {
			order.PutUint32(b[funcs+i*funcSize+ptr:], uint32(len(b)))
			b = append(append(b, s...), 0)
		}
		pad(4)
		order.PutUint32(b[fileoffAt:], uint32(len(b)))
		u32(1) // one file
	}
	return append(b, make([]byte, 16)...)
}

// TestPclntabFuncsOldLayouts checks the 1.2 and 1.16 layouts, 32- and 64-bit,
// both byte orders, against debug/gosym.
func TestPclntabFuncsOldLayouts(t *testing.T) {
	t.Parallel()
	names := []string{"runtime.text", "main.main", "net.(*Dialer).DialContext", "main.main.func1"}
	for _, magic := range []uint32{pclnGo12, pclnGo116} {
		for _, ptr := range []int{4, 8} {
			for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
				b := buildOldPclntab(magic, ptr, order, 0x401000, names)
				tab := searchPclntab(&section{name: "x", data: b}, order)
				if tab == nil {
					t.Fatalf("%#x/%d/%v: table rejected", magic, ptr, order)
				}
				got, err := tab.funcs(0)
				if err != nil {
					t.Fatalf("%#x/%d/%v: %v", magic, ptr, order, err)
				}
				st, err := gosym.NewTable(nil, gosym.NewLineTable(b, 0))
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(names) || len(st.Funcs) != len(names) {
					t.Fatalf("%#x/%d/%v: %d functions, gosym %d, want %d", magic, ptr, order, len(got), len(st.Funcs), len(names))
				}
				for i, f := range got {
					w := st.Funcs[i]
					if string(f.name) != w.Name || f.name == nil || f.entry != w.Entry || f.end != w.End || f.entry != 0x401000+uint64(i)*0x20 {
						t.Errorf("%#x/%d/%v: function %d: %s [%#x, %#x), gosym %s [%#x, %#x)", magic, ptr, order, i, f.name, f.entry, f.end, w.Name, w.Entry, w.End)
					}
				}
			}
		}
	}
}

// TestPclntabTextStartSources: a header's runtime.text wins; a zero one (Go
// 1.26+) is taken from the moduledata that points at the table; without either,
// the text section's start; an address that puts functions outside the text is
// refused.
func TestPclntabTextStartSources(t *testing.T) {
	t.Parallel()
	load := func(b []byte) (*image, *pclntab) {
		im := &image{order: binary.LittleEndian, ptrSize: 8, sections: []section{
			{name: ".text", exec: true, addr: 0x1000, data: make([]byte, 0x4000)},
			{name: ".data.rel.ro", addr: 0x10000, data: b},
		}}
		tab := findPclntab(im)
		if tab == nil {
			t.Fatal("table not found")
		}
		return im, tab
	}
	cases := []struct {
		name string
		b    []byte
		want uint64
	}{
		{"header", buildPclntab([]string{"main.main", "os.Exit"}, nil), 0x1000},
		{"moduledata", moduledataTable(0x2400), 0x2400},
		{"text section", moduledataTable(0)[:len(moduledataTable(0))-30*8], 0x1000},
		{"moduledata outside the text falls back", moduledataTable(0x4f90), 0x1000},
	}
	for _, c := range cases {
		im, tab := load(c.b)
		got, err := im.textStart(tab)
		if err != nil || got != c.want {
			t.Errorf("%s: textStart = %#x, %v; want %#x", c.name, got, err, c.want)
		}
		if _, fs, err := im.codeFuncs(tab); err != nil || fs[0].entry != c.want || fs[1].end != c.want+0x80 {
			t.Errorf("%s: codeFuncs = %v, %v", c.name, fs, err)
		}
	}
	// Text too small for the functions wherever they start.
	im, tab := load(moduledataTable(0x2400))
	im.sections[0].data = im.sections[0].data[:0x40]
	if _, err := im.textStart(tab); !errors.Is(err, errFuncTable) {
		t.Errorf("functions larger than the text: err = %v", err)
	}
}

// BenchmarkPclntabFuncs finds the table of the go command (a large real
// binary) and reads its functions; the bytes are those of its text section.
func BenchmarkPclntabFuncs(b *testing.B) {
	data, err := os.ReadFile(goCommand(b))
	if err != nil {
		b.Skip(err)
	}
	bf, err := openBinary(data)
	if err != nil {
		b.Fatal(err)
	}
	im := bf.images[0]
	var n int
	for b.Loop() {
		tab := findPclntab(im)
		text, fs, err := im.codeFuncs(tab)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(text.data)))
		n = len(fs)
	}
	b.ReportMetric(float64(n), "funcs")
}

// TestPclntabFuncsGoCommand checks the go command of the toolchain running the
// tests, a large real binary of the newest layout.
func TestPclntabFuncsGoCommand(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(goCommand(t))
	if err != nil {
		t.Skip(err)
	}
	if !bytes.HasPrefix(data, []byte("\x7fELF")) {
		t.Skip("not an ELF go command")
	}
	t.Logf("go command: %d functions checked against debug/gosym", checkFuncsAgainstGosym(t, data, "elf", oracleText))
}

// goCommand is the go command of the toolchain that runs the tests (go env GOROOT; the
// toolchain GOTOOLCHAIN selects, not the one on PATH).
func goCommand(tb testing.TB) string {
	tb.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		tb.Skipf("go env GOROOT: %v", err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin", "go")
}
