package testbuild

import (
	"debug/buildinfo"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFixtures checks that every target builds and that the binaries are what
// Target says: format, architecture, PIE and stripping, build info.
func TestFixtures(t *testing.T) {
	bins := Fixtures(t)
	progs, err := Programs()
	if err != nil {
		t.Fatal(err)
	}
	if want := len(progs) * len(Matrix()); len(bins) < want {
		t.Fatalf("got %d binaries, want at least %d (%d programs × %d targets)", len(bins), want, len(progs), len(Matrix()))
	}
	for _, b := range bins {
		t.Run(b.Name(), func(t *testing.T) {
			t.Parallel()
			checkFormat(t, b)
			bi, err := buildinfo.ReadFile(b.Path)
			if err != nil {
				t.Fatalf("build info: %v", err)
			}
			if bi.GoVersion != b.GoVersion {
				t.Errorf("build info Go version %s, want %s", bi.GoVersion, b.GoVersion)
			}
			if want := "candor.test/fixtures/cmd/" + b.Program; bi.Path != want {
				t.Errorf("build info path %s, want %s", bi.Path, want)
			}
			settings := map[string]string{}
			for _, s := range bi.Settings {
				settings[s.Key] = s.Value
			}
			if settings["GOOS"] != b.GOOS || settings["GOARCH"] != b.GOARCH || settings["CGO_ENABLED"] != "0" {
				t.Errorf("build settings %v, want GOOS=%s GOARCH=%s CGO_ENABLED=0", settings, b.GOOS, b.GOARCH)
			}
			if got := settings["-trimpath"] == "true"; got != b.Trimpath {
				t.Errorf("-trimpath setting %v, want %v", got, b.Trimpath)
			}
			// -trimpath leaves -ldflags out of the build info (it may hold paths).
			if got := strings.Contains(settings["-ldflags"], "-s -w"); !b.Trimpath && got != b.Stripped {
				t.Errorf("-ldflags %q, want stripped=%v", settings["-ldflags"], b.Stripped)
			}
		})
	}
}

func checkFormat(t *testing.T, b Binary) {
	t.Helper()
	switch b.GOOS {
	case "linux":
		f, err := elf.Open(b.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		wantMachine := map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64}[b.GOARCH]
		if f.Machine != wantMachine {
			t.Errorf("machine %v, want %v", f.Machine, wantMachine)
		}
		if pie := f.Type == elf.ET_DYN; pie != b.PIE {
			t.Errorf("ELF type %v, want PIE=%v", f.Type, b.PIE)
		}
		if stripped := f.Section(".symtab") == nil; stripped != b.Stripped {
			t.Errorf("has .symtab: %v, want stripped=%v", !stripped, b.Stripped)
		}
	case "windows":
		f, err := pe.Open(b.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
			t.Errorf("machine %#x, want amd64", f.Machine)
		}
		oh, ok := f.OptionalHeader.(*pe.OptionalHeader64)
		if !ok || oh.DllCharacteristics&pe.IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE == 0 {
			t.Errorf("not a dynamic-base (PIE) image")
		}
		// Go keeps an empty .symtab section in a stripped PE file.
		if stripped := len(f.Symbols) == 0; stripped != b.Stripped {
			t.Errorf("stripped=%v, want %v", stripped, b.Stripped)
		}
	case "darwin":
		f, err := macho.Open(b.Path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if f.Cpu != macho.CpuArm64 {
			t.Errorf("cpu %v, want arm64", f.Cpu)
		}
		if f.Flags&macho.FlagPIE == 0 {
			t.Errorf("Mach-O PIE flag not set")
		}
		if dwarf := f.Segment("__DWARF") != nil; dwarf == b.Stripped {
			t.Errorf("has __DWARF: %v, want stripped=%v", dwarf, b.Stripped)
		}
	default:
		t.Fatalf("unexpected GOOS %s", b.GOOS)
	}
}

// TestCacheReuse checks that a second Build of the same target finds the cache.
func TestCacheReuse(t *testing.T) {
	tg := Target{GOOS: "linux", GOARCH: "amd64"}
	first := Build(t, "", tg)
	fi, err := os.Stat(first[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	// Forget the in-process result, so the cache directory is looked up again.
	mu.Lock()
	for k := range entries {
		delete(entries, k)
	}
	mu.Unlock()
	second := Build(t, "", tg)
	if first[0].Path != second[0].Path {
		t.Fatalf("path changed: %s, then %s", first[0].Path, second[0].Path)
	}
	fi2, err := os.Stat(second[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(fi2.ModTime()) {
		t.Errorf("binary rebuilt: mtime %v, then %v", fi.ModTime(), fi2.ModTime())
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(first[0].Path), "KEY")); err != nil {
		t.Errorf("cache entry without KEY: %v", err)
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"1.23.4", "1.25.0", -1},
		{"1.25", "1.25.0", 0},
		{"1.27.3", "1.25.0", 1},
		{"1.26rc1", "1.25.0", 1},
		{"1.9", "1.10", -1},
	} {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestLegacyModfile(t *testing.T) {
	dir, err := FixturesDir()
	if err != nil {
		t.Fatal(err)
	}
	tc := &toolchain{version: "go1.23.4", fixtures: dir}
	mod, err := writeLegacyModfile(tc, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(mod)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.Contains(s, "\ngo 1.23\n") || strings.Contains(s, "sentry-go") || !strings.Contains(s, "github.com/minio/selfupdate") {
		t.Errorf("legacy go.mod:\n%s", s)
	}
	if _, err := os.Stat(strings.TrimSuffix(mod, ".mod") + ".sum"); err != nil {
		t.Error(err)
	}
}

func TestLockEntry(t *testing.T) {
	path := filepath.Join(t.TempDir(), "entry.lock")
	never := func() bool { return false }
	release, err := lockEntry(t.Context(), path, never)
	if err != nil || release == nil {
		t.Fatalf("first lock: %v", err)
	}
	// While held, a waiter returns as soon as the work is done.
	if r, err := lockEntry(t.Context(), path, func() bool { return true }); r != nil || err != nil {
		t.Fatalf("waiter with the work done: release %v, err %v", r != nil, err)
	}
	release()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("lock file left after release: %v", err)
	}
	// A lock left by a killed process is taken over.
	if err := os.WriteFile(path, []byte("pid 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * lockStale)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	release, err = lockEntry(t.Context(), path, never)
	if err != nil || release == nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	release()
}
