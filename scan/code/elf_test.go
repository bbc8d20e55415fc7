package code

import (
	"debug/elf"
	"debug/gosym"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// elfBinary is a Go ELF binary as the tests of this package read it: its text, its
// function table (from .gopclntab, which survives stripping) and its .rodata.
type elfBinary struct {
	Path   string
	Text   Text
	Funcs  []Func
	Rodata []byte
	RoAddr uint64
	Syms   []elf.Symbol // nil when stripped
}

// IsData accepts ranges inside .rodata (Go 1.26 and later keep type data out of it).
func (b *elfBinary) IsData(addr, n uint64) bool {
	return addr >= b.RoAddr && n <= uint64(len(b.Rodata)) && addr-b.RoAddr <= uint64(len(b.Rodata))-n
}

// Bytes returns the n bytes of .rodata at addr; the range must satisfy IsData.
func (b *elfBinary) Bytes(addr, n uint64) []byte { return b.Rodata[addr-b.RoAddr : addr-b.RoAddr+n] }

// Func returns the index in Funcs of the function named name, or -1.
func (b *elfBinary) Func(name string) int {
	for i, f := range b.Funcs {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// loadELF reads the ELF Go binary at path for arch ("amd64" or "arm64").
func loadELF(tb testing.TB, path, arch string) *elfBinary {
	tb.Helper()
	f, err := elf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	b := &elfBinary{Path: path}
	text, pcln, ro := f.Section(".text"), f.Section(".gopclntab"), f.Section(".rodata")
	if text == nil || pcln == nil || ro == nil {
		tb.Fatalf("%s: no .text, .gopclntab or .rodata", path)
	}
	data, err := text.Data()
	if err != nil {
		tb.Fatal(err)
	}
	b.Text = Text{Arch: arch, Addr: text.Addr, Data: data}
	if b.Rodata, err = ro.Data(); err != nil {
		tb.Fatal(err)
	}
	b.RoAddr = ro.Addr
	tab, err := pcln.Data()
	if err != nil {
		tb.Fatal(err)
	}
	st, err := gosym.NewTable(nil, gosym.NewLineTable(tab, text.Addr))
	if err != nil {
		tb.Fatal(err)
	}
	for _, fn := range st.Funcs {
		b.Funcs = append(b.Funcs, Func{Name: fn.Name, Entry: fn.Entry, End: fn.End})
	}
	b.Syms, _ = f.Symbols()
	return b
}

// goToolBinary is the go command of the running toolchain: a large real Go binary.
func goToolBinary(tb testing.TB) string {
	tb.Helper()
	p := goCommandPath()
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("no go command at %s: %v", p, err)
	}
	return p
}

// goCommandPath is where the go command of the toolchain that runs the tests is (go env
// GOROOT: the toolchain GOTOOLCHAIN selects, not the one on PATH), "" when it cannot say.
func goCommandPath() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return ""
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin", "go")
}

// buildFixture builds testdata/code/<name> (a module of its own) for goos/goarch with
// -trimpath, stripped (-ldflags=-s -w) or not, into a temporary directory of tb, and
// returns the binary's path.
func buildFixture(tb testing.TB, name, goos, goarch string, stripped bool) string {
	tb.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		tb.Skipf("no go command: %v", err)
	}
	src, err := filepath.Abs(filepath.Join("..", "..", "testdata", "code", name))
	if err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(tb.TempDir(), name)
	args := []string{"build", "-trimpath", "-o", out}
	if stripped {
		args = append(args, "-ldflags=-s -w")
	}
	cmd := exec.CommandContext(tb.Context(), gobin, append(args, ".")...)
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-mod=mod")
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("building %s: %v\n%s", src, err, msg)
	}
	return out
}
