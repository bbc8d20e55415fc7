package scan

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// dynamicELFs returns dynamically linked ELF files of the system (and of the corpus,
// when CANDOR_CORPUS is set): programs whose dynamic section lists needed libraries.
func dynamicELFs(t *testing.T) []string {
	t.Helper()
	var out []string
	cands := []string{"/bin/ls", "/bin/sh", "/usr/bin/env", "/usr/bin/curl", "/usr/bin/wget"}
	if c := os.Getenv("CANDOR_CORPUS"); c != "" {
		cands = append(cands, filepath.Join(c, "curl", "usr", "bin", "curl"), filepath.Join(c, "wget", "usr", "bin", "wget"))
	}
	if f := os.Getenv("CANDOR_BENCH_FILE"); f != "" {
		cands = append(cands, f)
	}
	for _, p := range cands {
		f, err := elf.Open(p)
		if err != nil {
			continue
		}
		if libs, err := f.ImportedLibraries(); err == nil && len(libs) > 0 {
			out = append(out, p)
		}
		f.Close()
	}
	if len(out) == 0 {
		t.Skip("no dynamically linked ELF program found")
	}
	return out
}

// TestELFLibraries checks that elfLibraries, which reads the dynamic section in place,
// returns what debug/elf's ImportedLibraries does: on real programs, and on copies whose
// dynamic section or string table is broken in the ways ImportedLibraries reads them.
func TestELFLibraries(t *testing.T) {
	for _, path := range dynamicELFs(t) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if f.Class != elf.ELFCLASS64 || f.ByteOrder != binary.ByteOrder(binary.LittleEndian) {
			continue
		}
		dyn := slices.IndexFunc(f.Sections, func(s *elf.Section) bool { return s.Type == elf.SHT_DYNAMIC })
		link := f.Sections[dyn].Link
		shoff := binary.LittleEndian.Uint64(data[40:])
		shent := uint64(binary.LittleEndian.Uint16(data[58:]))
		hdr := func(b []byte, i uint32) []byte { return b[shoff+uint64(i)*shent:][:shent] }
		// Each case breaks a copy of the file: sh_link at 40, sh_offset at 24, sh_size at 32.
		cases := []struct {
			name  string
			spoil func(b []byte)
		}{
			{"as is", func([]byte) {}},
			{"no string table link", func(b []byte) { binary.LittleEndian.PutUint32(hdr(b, uint32(dyn))[40:], 0) }},
			{"link past the sections", func(b []byte) { binary.LittleEndian.PutUint32(hdr(b, uint32(dyn))[40:], 60000) }},
			{"string table past the end", func(b []byte) { binary.LittleEndian.PutUint64(hdr(b, link)[24:], uint64(len(b))) }},
			{"string table cut short", func(b []byte) { binary.LittleEndian.PutUint64(hdr(b, link)[32:], 3) }},
			{"dynamic section of odd size", func(b []byte) {
				h := hdr(b, uint32(dyn))
				binary.LittleEndian.PutUint64(h[32:], binary.LittleEndian.Uint64(h[32:])-8)
			}},
			{"dynamic section past the end", func(b []byte) { binary.LittleEndian.PutUint64(hdr(b, uint32(dyn))[24:], uint64(len(b))-8) }},
			{"dynamic section not loaded", func(b []byte) { binary.LittleEndian.PutUint32(hdr(b, uint32(dyn))[4:], uint32(elf.SHT_NOBITS)) }},
		}
		for _, c := range cases {
			b := slices.Clone(data)
			c.spoil(b)
			bf, err := elf.NewFile(bytes.NewReader(b))
			if err != nil {
				continue // debug/elf refuses the copy: openELF never gets that far
			}
			want, werr := bf.ImportedLibraries()
			got, gerr := elfLibraries(bf, b)
			if !slices.Equal(got, want) || (gerr == nil) != (werr == nil) {
				t.Errorf("%s, %s: elfLibraries = %q, %v; ImportedLibraries = %q, %v", path, c.name, got, gerr, want, werr)
			}
			if c.name == "as is" && len(got) == 0 {
				t.Errorf("%s: no libraries read", path)
			}
		}
	}
}
