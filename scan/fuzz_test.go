package scan

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// buildELF writes a minimal little-endian ELF64 executable holding the given
// sections (name → contents, in order), enough for the scanner's ELF path.
func buildELF(machine elf.Machine, secs []struct {
	name  string
	flags elf.SectionFlag
	data  []byte
}) []byte {
	var shstr bytes.Buffer
	shstr.WriteByte(0)
	nameOff := make([]uint32, len(secs)+1)
	for i, s := range secs {
		nameOff[i] = uint32(shstr.Len())
		shstr.WriteString(s.name)
		shstr.WriteByte(0)
	}
	nameOff[len(secs)] = uint32(shstr.Len())
	shstr.WriteString(".shstrtab\x00")
	var body bytes.Buffer
	offs := make([]uint64, len(secs)+1)
	for i, s := range secs {
		offs[i] = 64 + uint64(body.Len())
		body.Write(s.data)
	}
	offs[len(secs)] = 64 + uint64(body.Len())
	body.Write(shstr.Bytes())
	shoff := 64 + uint64(body.Len())
	var b bytes.Buffer
	le := binary.LittleEndian
	b.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	binary.Write(&b, le, uint16(elf.ET_EXEC))
	binary.Write(&b, le, uint16(machine))
	binary.Write(&b, le, uint32(1))
	binary.Write(&b, le, uint64(0x401000)) // entry
	binary.Write(&b, le, uint64(0))        // phoff
	binary.Write(&b, le, shoff)
	binary.Write(&b, le, uint32(0))
	binary.Write(&b, le, uint16(64)) // ehsize
	binary.Write(&b, le, uint16(56))
	binary.Write(&b, le, uint16(0))
	binary.Write(&b, le, uint16(64)) // shentsize
	binary.Write(&b, le, uint16(len(secs)+2))
	binary.Write(&b, le, uint16(len(secs)+1)) // shstrndx
	b.Write(body.Bytes())
	sh := func(name uint32, typ elf.SectionType, flags elf.SectionFlag, off, size uint64) {
		binary.Write(&b, le, name)
		binary.Write(&b, le, uint32(typ))
		binary.Write(&b, le, uint64(flags))
		binary.Write(&b, le, uint64(0)) // addr
		binary.Write(&b, le, off)
		binary.Write(&b, le, size)
		binary.Write(&b, le, uint32(0))
		binary.Write(&b, le, uint32(0))
		binary.Write(&b, le, uint64(1))
		binary.Write(&b, le, uint64(0))
	}
	sh(0, elf.SHT_NULL, 0, 0, 0)
	for i, s := range secs {
		sh(nameOff[i], elf.SHT_PROGBITS, s.flags, offs[i], uint64(len(s.data)))
	}
	sh(nameOff[len(secs)], elf.SHT_STRTAB, 0, offs[len(secs)], uint64(shstr.Len()))
	return b.Bytes()
}

type testSection = struct {
	name  string
	flags elf.SectionFlag
	data  []byte
}

// syntheticGoELF is a tiny "Go binary": a function table naming a listener and
// an HTTP client, and a data section with a phone-home URL.
func syntheticGoELF() []byte {
	return buildELF(elf.EM_X86_64, []testSection{
		{".text", elf.SHF_ALLOC | elf.SHF_EXECINSTR, []byte{0xc3}},
		{".rodata", elf.SHF_ALLOC, []byte("\x00https://collect.vendor-corp.com/v1\x00")},
		{".gopclntab", elf.SHF_ALLOC, buildPclntab([]string{"main.main", "net.(*netFD).accept", "net/http.(*Transport).roundTrip"}, []string{"net/http.Get"})},
	})
}

func TestSyntheticELF(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	a, err := s.ScanBytes(context.Background(), "synthetic", syntheticGoELF())
	if err != nil {
		t.Fatal(err)
	}
	if a.Format != "elf" || a.Arch != "amd64" || a.Functions != 4 {
		t.Errorf("facts: format %s arch %s functions %d", a.Format, a.Arch, a.Functions)
	}
	got := map[string]bool{}
	for _, f := range a.Findings {
		got[string(f.Capability)+":"+f.Host] = true
	}
	want := map[string]bool{"network.listen:": true, "network.connect:": true, "network.endpoint:collect.vendor-corp.com": true}
	if len(got) != len(want) {
		t.Errorf("findings %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing %s in %v", k, got)
		}
	}
	// Without its function table, a Go binary is reported as unanalysable.
	noTab := buildELF(elf.EM_X86_64, []testSection{
		{".text", elf.SHF_ALLOC | elf.SHF_EXECINSTR, []byte{0xc3}},
		{".note.go.buildid", elf.SHF_ALLOC, []byte("\x04\x00\x00\x00Go\x00\x00")},
	})
	a, err = s.ScanBytes(context.Background(), "stripped-table", noTab)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Findings) != 1 || a.Findings[0].Capability != AnalysisObscured {
		t.Errorf("findings = %+v, want one analysis.obfuscated", a.Findings)
	}
}

func TestMalformedInputs(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	good := syntheticGoELF()
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrUnsupported},
		{"text file", []byte("#!/bin/sh\necho hi\n"), ErrUnsupported},
		{"java class", []byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 52}, ErrUnsupported},
		{"truncated ELF header", good[:20], ErrMalformed},
		{"truncated ELF body", good[:len(good)-100], ErrMalformed},
		{"MZ only", []byte("MZ"), ErrMalformed},
	}
	for _, tt := range tests {
		_, err := s.ScanBytes(context.Background(), tt.name, tt.data)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestScanFileErrors(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := s.ScanFile(context.Background(), filepath.Join(dir, "missing")); !errors.Is(err, ErrInput) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := s.ScanFile(context.Background(), dir); !errors.Is(err, ErrInput) {
		t.Errorf("directory: %v", err)
	}
	p := filepath.Join(dir, "bin")
	if err := os.WriteFile(p, syntheticGoELF(), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := s.ScanFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if a.Path != p || a.Size != int64(len(syntheticGoELF())) || len(a.SHA256) != 64 {
		t.Errorf("artifact %s size %d sha %q", a.Path, a.Size, a.SHA256)
	}
}

// seedFixtures adds the first bytes of real binaries when the test build cache
// or the corpus holds some; the synthetic seeds always run.
func seedFixtures(f *testing.F) {
	f.Add(syntheticGoELF())
	f.Add([]byte("MZ\x90\x00"))
	f.Add([]byte{0xcf, 0xfa, 0xed, 0xfe, 0x0c, 0x00, 0x00, 0x01})
	f.Add([]byte{0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2})
	for _, s := range synthSeeds() {
		f.Add(s)
	}
	if dir := os.Getenv("CANDOR_CORPUS"); dir != "" {
		for _, p := range []string{"age/usr/bin/age", "wget/usr/bin/wget"} {
			if b, err := os.ReadFile(filepath.Join(dir, p)); err == nil {
				f.Add(b[:min(len(b), 256<<10)])
			}
		}
	}
}

// FuzzScanBytes: no input may crash the scanner, and every failure is one of
// the scanner's error kinds.
func FuzzScanBytes(f *testing.F) {
	seedFixtures(f)
	s, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// A scan of a small input that takes seconds is a bug: crash the worker
		// so the fuzzer saves the input.
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("scan of %d bytes ran over 5s", len(data))) })
		defer watchdog.Stop()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		a, err := s.ScanBytes(context.Background(), "fuzz", data)
		runtime.ReadMemStats(&after)
		// Memory must stay a small multiple of the input, whatever its headers claim.
		// The standard library's debug/* readers may allocate one 10 MiB chunk for a
		// table before finding it runs past the end (internal/saferio); candor checks
		// the main header tables first, so that allowance is rarely used.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > uint64(32*len(data))+12<<20 {
			t.Fatalf("scan of %d bytes allocated %d bytes", len(data), alloc)
		}
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrInput) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if a.Findings == nil || a.Modules == nil {
			t.Fatal("nil slices in a successful scan")
		}
	})
}

// FuzzPclntab runs the table parser on arbitrary bytes, without the scanner's
// panic recovery, so any crash in candor's own parser is reported. Each table
// found also gives its functions (funcs, codeFuncs): sorted, each ending where
// the next starts, inside the text, or an error.
func FuzzPclntab(f *testing.F) {
	f.Add(buildPclntab([]string{"main.main", "os.Exit"}, []string{"fmt.Println"}))
	f.Add([]byte{0xf1, 0xff, 0xff, 0xff, 0, 0, 1, 8, 1})
	f.Add([]byte{0xfa, 0xff, 0xff, 0xff, 0, 0, 4, 4, 1, 0, 0, 0})
	f.Add([]byte{0xfb, 0xff, 0xff, 0xff, 0, 0, 1, 8, 1, 0, 0, 0, 0, 0, 0, 0})
	f.Add(moduledataTable(0x1000))
	for _, magic := range []uint32{pclnGo12, pclnGo116} {
		for _, ptr := range []int{4, 8} {
			f.Add(buildOldPclntab(magic, ptr, binary.LittleEndian, 0x1000, []string{"main.main", "os.Exit", "runtime.main"}))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
			sec := &section{name: "x", data: data}
			if tab := searchPclntab(sec, order); tab != nil {
				n := 0
				tab.eachName(func(name []byte, off int64) {
					n++
					if len(name) == 0 || off < 0 || off >= int64(len(data)) && tab.names12 == nil {
						t.Fatalf("bad name %q at %d", name, off)
					}
				})
				if tab.end > int64(len(data)) || tab.start < 0 {
					t.Fatalf("table bounds %d..%d outside %d bytes", tab.start, tab.end, len(data))
				}
				for _, text := range []uint64{tab.textStart, 0x1000, 1<<64 - 1} {
					if fs, err := tab.funcs(text); err == nil {
						checkFuncRanges(t, fs, fs[0].entry, fs[len(fs)-1].end)
					}
				}
			}
			// The same bytes loaded at 0x10000 beside a 16 KiB text section at
			// 0x1000, for the runtime.text search and the text bounds.
			im := &image{order: order, ptrSize: 8, sections: []section{
				{name: ".text", exec: true, addr: 0x1000, data: make([]byte, 0x4000)},
				{name: "x", addr: 0x10000, data: data},
			}}
			if tab := searchPclntab(&im.sections[1], order); tab != nil {
				if text, fs, err := im.codeFuncs(tab); err == nil {
					checkFuncRanges(t, fs, text.addr, text.addr+uint64(len(text.data)))
				}
			}
		}
	})
}

// checkFuncRanges fails t unless fs is non-empty, sorted, each function ending
// where the next starts, named, and inside [lo, hi).
func checkFuncRanges(t *testing.T, fs []funcRange, lo, hi uint64) {
	t.Helper()
	if len(fs) == 0 {
		t.Fatal("no functions and no error")
	}
	for i, f := range fs {
		if len(f.name) == 0 || f.entry > f.end || f.entry < lo || f.end > hi || i > 0 && f.entry != fs[i-1].end {
			t.Fatalf("function %d %q [%#x, %#x) in [%#x, %#x), previous ends at %#x", i, f.name, f.entry, f.end, lo, hi, fs[max(i-1, 0)].end)
		}
	}
}

// moduledataTable is a Go 1.26-style table (header textStart 0) to be loaded
// at 0x10000, followed by a moduledata that points at it and says runtime.text
// is text.
func moduledataTable(text uint64) []byte {
	b := buildPclntab([]string{"main.main", "os.Exit"}, nil)
	binary.LittleEndian.PutUint64(b[8+2*8:], 0)
	nameOff := binary.LittleEndian.Uint64(b[8+3*8:])
	cuOff := binary.LittleEndian.Uint64(b[8+4*8:])
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	md := make([]uint64, 30)
	md[0], md[1], md[2], md[3] = 0x10000, 0x10000+nameOff, cuOff-nameOff, cuOff-nameOff
	md[22], md[23] = text, text+0x80
	for _, w := range md {
		b = binary.LittleEndian.AppendUint64(b, w)
	}
	return b
}

// FuzzHosts runs the string pass on arbitrary bytes.
func FuzzHosts(f *testing.F) {
	f.Add([]byte("https://usage.influxdata.cominconsistent"))
	f.Add([]byte("bitssum.golang.org\x00https://sum.golang.org/lookup"))
	f.Add([]byte("http://[::1]:80/ http://[fe80::1%25eth0]/ tcp://1.2.3.4:5"))
	f.Add([]byte("0/\xa0-\xa0+\x86)http://crl.certigna.fr/certignarootca.crl01\xa0"))
	f.Add([]byte("\x06\x08+\x06\x01\x05\x05\x07\x02\x01\x16\x81\x80https://cps.a.example/"))
	f.Add([]byte("\x00\x00\x00\x19tEXtSoftware\x00www.inkscape.org\x9b\xee<\x1a"))
	f.Add([]byte("https://www.googleapis.com/auth/drivehttps://graph.microsoft.com/.default\x00http://[::ffff:127.0.0.1]:2019/stop"))
	r, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("syncthing.net"))
	f.Add([]byte("\xffSoftware\x00QR-PNG http://qr.swtch.com/\t"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// A whole literal of two labels: the host is the literal, or its
		// name before the port.
		if host, ok := twoLabelHost(data); ok && (host == "" || !bytes.HasPrefix(data, []byte(host))) {
			t.Fatalf("twoLabelHost(%q) = %q", data, host)
		}
		findHosts(&section{data: data}, func(h hostRef) {
			if h.host == "" || h.off < 0 || h.off >= int64(len(data)) {
				t.Fatalf("bad ref %+v", h)
			}
			// The endpoint filter judges any reference without panicking.
			r.filter.inert(h)
			r.filter.reserved(h.host)
			r.filter.identifier(h)
			inCertificate(data, h.off) // never panic, read only data
			inImageText(data, h.off)
			if cs, off := cString(data, h.off); cs != nil && (off < 0 || off >= int64(len(cs))) {
				t.Fatalf("cString(%d) = %q, %d", h.off, cs, off)
			}
		})
	})
}
