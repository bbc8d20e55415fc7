package scan

import (
	"bytes"
	"context"
	"debug/macho"
	"debug/pe"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/testbuild"
)

// readSynthPE parses a synthetic PE and reads its import table.
func readSynthPE(t testing.TB, data []byte) (peImportTable, error) {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("debug/pe rejects the file: %v", err)
	}
	return readPEImports(data, f, true)
}

// put32 writes v at the file offset of an RVA in the synthetic .idata section.
func put32(data []byte, rva, v uint32) {
	binary.LittleEndian.PutUint32(data[rva-synthIdata+synthIdataFile:], v)
}

func get32(data []byte, rva uint32) uint32 {
	return binary.LittleEndian.Uint32(data[rva-synthIdata+synthIdataFile:])
}

func TestPEImportsOrdinalNames(t *testing.T) {
	t.Parallel()
	data := synthPE{imports: []synthImport{
		{dll: "WS2_32.dll", ordinals: []uint16{4, 10, 11, 12, 300}},
		{dll: "wsock32", ordinals: []uint16{4, 10, 11, 12, 1141}},
		{dll: "OLEAUT32.dll", ordinals: []uint16{2}},
	}}.build()
	got, err := readSynthPE(t, data)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"connect", "ioctlsocket", "inet_addr", "inet_ntoa", "ws2_32.dll#300", "AcceptEx", "oleaut32.dll#2"}
	if !slices.Equal(got.symbols, want) {
		t.Errorf("symbols %q, want %q (names once each, unknown ordinals as dll#N)", got.symbols, want)
	}
	if want := []string{"oleaut32.dll", "ws2_32.dll", "wsock32"}; !slices.Equal(got.libraries, want) {
		t.Errorf("libraries %q, want %q", got.libraries, want)
	}
	// Only the DLL names when the symbols are not asked for.
	names, err := readPEImports(data, mustPE(t, data), false)
	if err != nil || names.symbols != nil || !slices.Equal(names.libraries, got.libraries) {
		t.Errorf("libraries only: %+v, %v", names, err)
	}
}

func mustPE(t testing.TB, data []byte) *pe.File {
	t.Helper()
	f, err := pe.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestPEImageMap checks RVA translation: file bytes within a section's raw
// data, zeros in its virtual tail, nothing outside; strings may end at the
// raw data's end when zeros follow.
func TestPEImageMap(t *testing.T) {
	t.Parallel()
	data := []byte("HDR.\x00\x00\x00\x00name\x00abcdefgh")
	m := &peImageMap{data: data, headers: 4, secs: []pe.SectionHeader{
		{VirtualAddress: 0x1000, VirtualSize: 0x100, Size: 8, Offset: 8},          // "name\x00abc", then zeros
		{VirtualAddress: 0x2000, VirtualSize: 4, Size: 0x1000, Offset: 13},        // "abcd" (raw size past the file, clipped by vsize)
		{VirtualAddress: 0x3000, VirtualSize: 0, Size: 0x7fffffff, Offset: 0x100}, // offset past the file
	}}
	tests := []struct {
		rva  uint32
		n    int
		want string
		ok   bool
	}{
		{0x1000, 4, "name", true},
		{0x1005, 100, "abc", true},
		{0x1008, 100, strings.Repeat("\x00", len(peZeros)), true},
		{0x10ff, 100, "\x00", true},
		{0x1100, 1, "", false},
		{0x2000, 100, "abcd", true},
		{0x2004, 1, "", false},
		{0x3000, 1, "", false},
		{0, 100, "HDR.", true},
		{4, 1, "", false},
		{0xffffffff, 100, "", false},
	}
	for _, tc := range tests {
		b := m.at(tc.rva, tc.n)
		if string(b) != tc.want || (b != nil) != tc.ok {
			t.Errorf("at(0x%x, %d) = %q, want %q", tc.rva, tc.n, b, tc.want)
		}
	}
	strs := []struct {
		rva  uint32
		want string
		ok   bool
	}{
		{0x1000, "name", true},
		{0x1005, "abc", true}, // runs into the zero tail
		{0x2000, "", false},   // runs out of the section into nothing
		{0x1000, "name", true},
		{0x5000, "", false},
	}
	for _, tc := range strs {
		s, ok := m.cstring(tc.rva, 16)
		if string(s) != tc.want || ok != tc.ok {
			t.Errorf("cstring(0x%x) = %q, %v; want %q, %v", tc.rva, s, ok, tc.want, tc.ok)
		}
	}
	if s, ok := m.cstring(0x1000, 3); ok {
		t.Errorf("cstring over the length limit = %q", s)
	}
	var buf [12]byte
	if !m.read(0x1004, buf[:]) || string(buf[:]) != "\x00abc\x00\x00\x00\x00\x00\x00\x00\x00" {
		t.Errorf("read across the raw end = %q", buf)
	}
}

// TestPEImportsCorrupt: broken import tables give fewer names and an
// ErrMalformed, never a panic, a failed scan or unbounded work. Not parallel:
// it measures the process's allocations.
func TestPEImportsCorrupt(t *testing.T) {
	ws2 := synthImport{dll: "WS2_32.dll", names: []string{"connect", "listen"}}
	base := func() []byte { return synthPE{imports: []synthImport{ws2}}.build() }
	lookupRVA := func(data []byte) uint32 { return get32(data, synthIdata) } // OriginalFirstThunk of descriptor 0

	tests := []struct {
		name  string
		data  func() []byte
		syms  []string
		libs  []string
		limit bool // the error is a limit, not a bad reference
	}{
		{"directory outside the image", func() []byte {
			return assemblePE(false, []byte("x"), map[int]pe.DataDirectory{pe.IMAGE_DIRECTORY_ENTRY_IMPORT: {VirtualAddress: 0x7fff0000, Size: 40}})
		}, nil, nil, false},
		{"directory at the top of the address space", func() []byte {
			return assemblePE(false, []byte("x"), map[int]pe.DataDirectory{pe.IMAGE_DIRECTORY_ENTRY_IMPORT: {VirtualAddress: 0xfffffff0}})
		}, nil, nil, false},
		{"DLL name outside the image", func() []byte {
			d := base()
			put32(d, synthIdata+12, 0x90000000)
			return d
		}, nil, nil, false},
		{"function name outside the image", func() []byte {
			d := base()
			put32(d, lookupRVA(d), 0x7ffffff0)
			return d
		}, []string{"listen"}, []string{"ws2_32.dll"}, false},
		{"lookup table outside the image", func() []byte {
			d := base()
			put32(d, synthIdata, 0x00fff000)
			return d
		}, nil, []string{"ws2_32.dll"}, false},
		{"lookup table is the descriptor array", func() []byte {
			d := base()
			put32(d, synthIdata, synthIdata)
			return d
		}, nil, []string{"ws2_32.dll"}, false},
		{"64-bit thunk with bits 31-62 set", func() []byte {
			d := base()
			l := lookupRVA(d)
			put32(d, l+4, 1) // high half of the first 8-byte thunk
			return d
		}, []string{"listen"}, []string{"ws2_32.dll"}, false},
		{"descriptor list runs off the section", func() []byte {
			le := binary.LittleEndian
			idata := []byte("WS2_32.dll\x00\x00\x00\x00\x00\x00") // +0: the DLL name
			idata = le.AppendUint64(idata, 1<<63|4)               // +16: the thunks
			idata = le.AppendUint64(idata, 0)
			for i := 0; i < 3; i++ { // +32: three descriptors, no terminator, then the section ends
				idata = le.AppendUint32(idata, synthIdata+16)
				idata = append(idata, make([]byte, 8)...)
				idata = le.AppendUint32(idata, synthIdata)
				idata = le.AppendUint32(idata, synthIdata+16)
			}
			return assemblePE(false, idata, map[int]pe.DataDirectory{pe.IMAGE_DIRECTORY_ENTRY_IMPORT: {VirtualAddress: synthIdata + 32}})
		}, []string{"connect"}, []string{"ws2_32.dll"}, false},
		{"more descriptors than the limit", func() []byte {
			return repeatedDescriptors(2*maxPEImportDLLs, 1)
		}, []string{"connect"}, []string{"ws2_32.dll"}, true},
		{"unterminated thunk array", func() []byte {
			return repeatedDescriptors(1, 2*maxPEThunksPerDLL)
		}, []string{"connect"}, []string{"ws2_32.dll"}, true},
		{"thunks over the total limit", func() []byte {
			return repeatedDescriptors(maxPEImportDLLs, maxPEThunksPerDLL)
		}, []string{"connect"}, []string{"ws2_32.dll"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			start := time.Now()
			got, err := readSynthPE(t, data)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("err = %v, want ErrMalformed", err)
			} else if limit := errors.Is(err, errImportLimit); limit != tc.limit {
				t.Errorf("err = %v; a limit error: %v, want %v", err, limit, tc.limit)
			}
			if !slices.Equal(got.symbols, tc.syms) || !slices.Equal(got.libraries, tc.libs) {
				t.Errorf("symbols %q libraries %q, want %q %q", got.symbols, got.libraries, tc.syms, tc.libs)
			}
			// Bounded: the biggest case reads 2^17 thunks from a 1 MiB table.
			if elapsed > 10*time.Second { // milliseconds in fact; generous for -race and loaded machines
				t.Errorf("took %v", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
				t.Errorf("allocated %d bytes (file %d)", alloc, len(data))
			}
			// The scan goes on: the broken table only costs imports.
			a := scanSynth(t, tc.name, data)
			wantRules := []string(nil)
			if slices.Contains(tc.syms, "connect") {
				wantRules = []string{"native.socket.connect"}
			}
			if got := ruleSet(a); !slices.Equal(got, wantRules) {
				t.Errorf("rules %q, want %q", got, wantRules)
			}
		})
	}
}

// repeatedDescriptors builds a PE32+ whose import directory holds n
// descriptors (then a terminator) sharing one lookup table of k thunks, all
// WS2_32 ordinal 4, with no terminating thunk when k is over the per-DLL limit.
func repeatedDescriptors(n, k int) []byte {
	le := binary.LittleEndian
	descs := (n + 1) * 20
	nameRVA := uint32(synthIdata + descs)
	lookupRVA := nameRVA + 16
	idata := make([]byte, 0, descs+16+8*(k+1))
	for i := 0; i < n; i++ {
		idata = le.AppendUint32(idata, lookupRVA)
		idata = append(idata, make([]byte, 8)...)
		idata = le.AppendUint32(idata, nameRVA)
		idata = le.AppendUint32(idata, lookupRVA)
	}
	idata = append(idata, make([]byte, 20)...)
	idata = append(idata, "WS2_32.dll\x00\x00\x00\x00\x00\x00"...)
	for i := 0; i < k; i++ {
		idata = le.AppendUint64(idata, 1<<63|4)
	}
	if k <= maxPEThunksPerDLL {
		idata = le.AppendUint64(idata, 0)
	} else {
		idata = le.AppendUint64(idata, 1<<63|4) // still no terminator at the section's end: runs off
	}
	return assemblePE(false, idata, map[int]pe.DataDirectory{pe.IMAGE_DIRECTORY_ENTRY_IMPORT: {VirtualAddress: synthIdata}})
}

// TestPEImportsGoFixtures: on PE files written by a real linker (Go's, for
// the windows fixtures) the reader finds what debug/pe finds, in the same
// order. Go imports only by name, so the two must agree exactly.
func TestPEImportsGoFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the windows fixtures")
	}
	bins := testbuild.Build(t, "", testbuild.Target{GOOS: "windows", GOARCH: "amd64", PIE: true, Trimpath: true})
	for _, b := range bins {
		data, err := os.ReadFile(b.Path)
		if err != nil {
			t.Fatal(err)
		}
		f := mustPE(t, data)
		std, err := f.ImportedSymbols()
		if err != nil {
			t.Fatal(err)
		}
		var wantSyms, wantLibs []string
		for _, s := range std {
			fn, dll, _ := strings.Cut(s, ":")
			if !slices.Contains(wantSyms, fn) {
				wantSyms = append(wantSyms, fn)
			}
			if dll = strings.ToLower(dll); !slices.Contains(wantLibs, dll) {
				wantLibs = append(wantLibs, dll)
			}
		}
		slices.Sort(wantLibs)
		got, err := readPEImports(data, f, true)
		if err != nil {
			t.Errorf("%s: %v", b.Name(), err)
		}
		if !slices.Equal(got.symbols, wantSyms) || !slices.Equal(got.libraries, wantLibs) {
			t.Errorf("%s: symbols %q libraries %q\ndebug/pe: %q %q", b.Name(), got.symbols, got.libraries, wantSyms, wantLibs)
		}
		if !slices.Contains(got.libraries, "kernel32.dll") || len(got.symbols) < 10 {
			t.Errorf("%s: %d symbols from %q; Go programs import kernel32.dll", b.Name(), len(got.symbols), got.libraries)
		}
	}
}

// TestMachOImportsGoFixtures: on the darwin fixtures, which Go links against
// libSystem, machoImports and machoLibraries agree with debug/macho.
func TestMachOImportsGoFixtures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the darwin fixtures")
	}
	for _, b := range testbuild.Build(t, "", testbuild.Target{GOOS: "darwin", GOARCH: "arm64", PIE: true, Trimpath: true}) {
		f, err := macho.Open(b.Path)
		if err != nil {
			t.Fatal(err)
		}
		std, err := f.ImportedSymbols()
		if err != nil {
			t.Fatal(err)
		}
		for i := range std {
			std[i] = strings.TrimPrefix(std[i], "_")
		}
		stdLibs, _ := f.ImportedLibraries()
		if got := machoImports(f); !slices.Equal(got, std) || !slices.Contains(got, "write") {
			t.Errorf("%s: machoImports %q\ndebug/macho %q", b.Name(), got, std)
		}
		if got := machoLibraries(f); !slices.Equal(got, stdLibs) || !slices.Contains(got, "/usr/lib/libSystem.B.dylib") {
			t.Errorf("%s: machoLibraries %q, debug/macho %q", b.Name(), got, stdLibs)
		}
		f.Close()
	}
}

// FuzzPEImports runs the import reader on arbitrary files that debug/pe
// accepts, without the scanner's panic recovery: any crash is the reader's.
func FuzzPEImports(f *testing.F) {
	for _, s := range synthSeeds() {
		if bytes.HasPrefix(s, []byte("MZ")) {
			f.Add(s)
		}
	}
	f.Add(repeatedDescriptors(3, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		if checkPETables(data) != nil {
			return
		}
		pf, err := func() (pf *pe.File, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("debug/pe: %v", r) // not the reader's crash
				}
			}()
			return pe.NewFile(bytes.NewReader(data))
		}()
		if err != nil {
			return
		}
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("import reader on %d bytes ran over 5s", len(data))) })
		defer watchdog.Stop()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		libsOnly, _ := readPEImports(data, pf, false)
		tab, err := readPEImports(data, pf, true)
		runtime.ReadMemStats(&after)
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Fatalf("error %v is not ErrMalformed", err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(32*len(data))+8<<20 {
			t.Fatalf("reading the imports of %d bytes allocated %d", len(data), alloc)
		}
		if !slices.Equal(libsOnly.libraries, tab.libraries) || libsOnly.symbols != nil {
			t.Fatalf("libraries differ when symbols are read: %q vs %q", libsOnly.libraries, tab.libraries)
		}
		if len(tab.libraries) > 2*maxPEImportDLLs || !slices.IsSorted(tab.libraries) {
			t.Fatalf("%d libraries, sorted %v", len(tab.libraries), slices.IsSorted(tab.libraries))
		}
		for _, l := range tab.libraries {
			if l == "" || len(l) > maxPEDLLNameLen || l != strings.ToLower(l) {
				t.Fatalf("bad library %q", l)
			}
		}
		if len(tab.symbols) > maxPEImportSymbols {
			t.Fatalf("%d symbols", len(tab.symbols))
		}
		seen := map[string]bool{}
		for _, s := range tab.symbols {
			if s == "" || len(s) > maxPEImportNameLen || seen[s] {
				t.Fatalf("bad or repeated symbol %q", s)
			}
			seen[s] = true
		}
	})
}

// TestScanPEImportsLargeTable: the largest corrupt table the limits allow,
// scanned end to end, stays fast and still yields what was read.
func TestScanPEImportsLargeTable(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	data := repeatedDescriptors(maxPEImportDLLs, maxPEThunksPerDLL)
	start := time.Now()
	a, err := s.ScanBytes(context.Background(), "large", data)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("scan took %v", d)
	}
	if got := ruleSet(a); !slices.Equal(got, []string{"native.socket.connect"}) {
		t.Errorf("rules %q", got)
	}
}
