package scan_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/candor-dev/candor/internal/testbuild"
	"github.com/candor-dev/candor/scan"
)

func fixture(t *testing.T, program string, target testbuild.Target) []byte {
	t.Helper()
	for _, b := range testbuild.Build(t, "", target) {
		if b.Program == program {
			data, err := os.ReadFile(b.Path)
			if err != nil {
				t.Fatal(err)
			}
			return data
		}
	}
	t.Fatalf("no fixture %s for %s", program, target)
	return nil
}

func capabilitySet(a *scan.Artifact) []string {
	var out []string
	for _, f := range a.Findings {
		k := string(f.Capability)
		if f.Host != "" {
			k += ":" + f.Host
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func scanData(t *testing.T, name string, data []byte) *scan.Artifact {
	t.Helper()
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := s.ScanFile(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestUniversalMachO joins darwin/amd64 and darwin/arm64 builds into a universal
// binary, as lipo does, and checks that both slices are read.
func TestUniversalMachO(t *testing.T) {
	t.Parallel()
	amd := fixture(t, "phonehome", testbuild.Target{GOOS: "darwin", GOARCH: "amd64", Stripped: true})
	arm := fixture(t, "phonehome", testbuild.Target{GOOS: "darwin", GOARCH: "arm64", Stripped: true, PIE: true, Trimpath: true})
	const align = 1 << 14
	var fat bytes.Buffer
	be := binary.BigEndian
	binary.Write(&fat, be, uint32(0xcafebabe))
	binary.Write(&fat, be, uint32(2))
	off1 := uint32(align)
	off2 := (off1 + uint32(len(amd)) + align - 1) &^ (align - 1)
	for _, a := range []struct{ cpu, sub, off, size uint32 }{
		{0x01000007, 3, off1, uint32(len(amd))},
		{0x0100000c, 0, off2, uint32(len(arm))},
	} {
		binary.Write(&fat, be, a.cpu)
		binary.Write(&fat, be, a.sub)
		binary.Write(&fat, be, a.off)
		binary.Write(&fat, be, a.size)
		binary.Write(&fat, be, uint32(14))
	}
	out := make([]byte, int(off2)+len(arm))
	copy(out, fat.Bytes())
	copy(out[off1:], amd)
	copy(out[off2:], arm)

	a := scanData(t, "universal", out)
	if a.Format != "macho-universal" || a.Arch != "amd64+arm64" || a.OS != "darwin" {
		t.Errorf("format %s arch %s os %s", a.Format, a.Arch, a.OS)
	}
	single := scanData(t, "arm64", arm)
	if got, want := capabilitySet(a), capabilitySet(single); !slices.Equal(got, want) {
		t.Errorf("universal capabilities %v, single-slice %v", got, want)
	}
	for _, f := range a.Findings {
		for _, e := range f.Evidence {
			if e.Kind == scan.EvidenceFunction && !bytes.HasPrefix([]byte(e.Where), []byte("amd64 slice")) && !bytes.HasPrefix([]byte(e.Where), []byte("arm64 slice")) {
				t.Errorf("evidence %q does not name its slice", e.Where)
			}
		}
	}
}

// TestNoBuildInfo removes the build-info magic: the function table alone must
// still give the same capabilities, and the binary is not called obfuscated.
func TestNoBuildInfo(t *testing.T) {
	t.Parallel()
	for _, target := range []testbuild.Target{
		{GOOS: "linux", GOARCH: "amd64", Stripped: true},
		{GOOS: "windows", GOARCH: "amd64", Stripped: true, PIE: true, Trimpath: true},
	} {
		data := fixture(t, "selfupdater", target)
		orig := scanData(t, "orig", data)
		magic := []byte("\xff Go buildinf:")
		i := bytes.Index(data, magic)
		if i < 0 {
			t.Fatalf("%s: no build info magic in the fixture", target)
		}
		mod := slices.Clone(data)
		copy(mod[i:], make([]byte, len(magic)))
		a := scanData(t, "nobuildinfo", mod)
		if a.GoVersion != "" || len(a.Modules) != 0 || a.MainModule != nil {
			t.Errorf("%s: build info still reported: %q %v", target, a.GoVersion, a.Modules)
		}
		if got, want := capabilitySet(a), capabilitySet(orig); !slices.Equal(got, want) {
			t.Errorf("%s: without build info %v, with %v", target, got, want)
		}
	}
}

// TestNoFunctionTable destroys the pclntab header of a Go binary: it must be
// reported as unanalysable, never as clean.
func TestNoFunctionTable(t *testing.T) {
	t.Parallel()
	data := slices.Clone(fixture(t, "quiet", testbuild.Target{GOOS: "linux", GOARCH: "amd64", Stripped: true}))
	n := 0
	for _, m := range [][]byte{{0xf1, 0xff, 0xff, 0xff, 0, 0}, {0xf0, 0xff, 0xff, 0xff, 0, 0}} {
		for i := bytes.Index(data, m); i >= 0; i = bytes.Index(data, m) {
			data[i+4] = 0x55 // break the padding bytes of every candidate header
			n++
		}
	}
	if n == 0 {
		t.Fatal("no pclntab magic found in the fixture")
	}
	a := scanData(t, "notable", data)
	if got := capabilitySet(a); !slices.Equal(got, []string{"analysis.obfuscated"}) {
		t.Errorf("capabilities %v, want only analysis.obfuscated", got)
	}
}
