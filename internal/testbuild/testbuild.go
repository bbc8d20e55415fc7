package testbuild

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// keyVersion changes whenever the layout or the meaning of a cache entry changes.
const keyVersion = "candor-testbuild v1"

// Target is one platform and set of build flags.
type Target struct {
	GOOS   string
	GOARCH string
	// Stripped: linked with -ldflags=-s -w (no symbol table, no DWARF).
	Stripped bool
	// PIE: a position-independent executable. On linux it is asked for with
	// -buildmode=pie; windows/amd64 and darwin/arm64 build PIE by default.
	PIE bool
	// Trimpath: built with -trimpath.
	Trimpath bool
}

// String names the target for test names and cache directories, such as
// "linux-amd64-pie-stripped".
func (t Target) String() string {
	s := t.GOOS + "-" + t.GOARCH
	if t.PIE {
		s += "-pie"
	}
	if t.Trimpath {
		s += "-trimpath"
	}
	if t.Stripped {
		s += "-stripped"
	}
	return s
}

// explicitPIE reports whether PIE must be asked for with -buildmode=pie.
func (t Target) explicitPIE() bool {
	return t.PIE && !(t.GOOS == "windows" || (t.GOOS == "darwin" && t.GOARCH == "arm64"))
}

// buildFlags are the go build flags for t, before -o and the package pattern.
func (t Target) buildFlags() []string {
	var f []string
	if t.explicitPIE() {
		f = append(f, "-buildmode=pie")
	}
	if t.Trimpath {
		f = append(f, "-trimpath")
	}
	if t.Stripped {
		f = append(f, "-ldflags=-s -w")
	}
	return f
}

// Matrix returns the targets [Fixtures] builds; in -short mode only two of them.
func Matrix() []Target {
	if testing.Short() {
		return []Target{
			{GOOS: "linux", GOARCH: "amd64"},
			{GOOS: "linux", GOARCH: "amd64", PIE: true, Stripped: true},
		}
	}
	var m []Target
	for _, arch := range []string{"amd64", "arm64"} {
		for _, pie := range []bool{false, true} {
			for _, strip := range []bool{false, true} {
				m = append(m, Target{GOOS: "linux", GOARCH: arch, PIE: pie, Stripped: strip})
			}
		}
	}
	for _, p := range [][2]string{{"windows", "amd64"}, {"darwin", "arm64"}} {
		for _, strip := range []bool{false, true} {
			m = append(m, Target{GOOS: p[0], GOARCH: p[1], PIE: true, Trimpath: true, Stripped: strip})
		}
	}
	return m
}

// Binary is one built fixture program.
type Binary struct {
	// Program is the fixture's name, its directory under testdata/fixtures/cmd.
	Program string
	Target
	// Toolchain is the GOTOOLCHAIN value it was built with; empty for the
	// environment's own.
	Toolchain string
	// GoVersion is the version of the go command that built it, such as "go1.27.3".
	GoVersion string
	// Path is the binary's absolute path in the cache. Do not modify the file.
	Path string
}

// Name identifies the binary in test names: "program/target", plus
// "/toolchain" when built with an extra toolchain.
func (b Binary) Name() string {
	n := b.Program + "/" + b.Target.String()
	if b.Toolchain != "" {
		n += "/" + b.Toolchain
	}
	return n
}

// Fixtures builds (or finds in the cache) every fixture program for every target
// of [Matrix], with the environment's toolchain and then with each toolchain in
// CANDOR_TESTBUILD_GOTOOLCHAINS. It skips tb when there is no go command.
func Fixtures(tb testing.TB) []Binary {
	tb.Helper()
	var all []Binary
	for _, tc := range Toolchains() {
		if tc != "" {
			if _, err := resolve(tb, tc); err != nil {
				tb.Logf("testbuild: skipping toolchain %s: %v", tc, err)
				continue
			}
		}
		for _, t := range Matrix() {
			all = append(all, Build(tb, tc, t)...)
		}
	}
	return all
}

// Toolchains returns "" (the environment's toolchain) followed by the values of
// CANDOR_TESTBUILD_GOTOOLCHAINS.
func Toolchains() []string {
	tcs := []string{""}
	for _, f := range strings.Fields(os.Getenv("CANDOR_TESTBUILD_GOTOOLCHAINS")) {
		if !slices.Contains(tcs, f) {
			tcs = append(tcs, f)
		}
	}
	return tcs
}

// Build builds (or finds in the cache) every fixture program for one target with
// one toolchain ("" for the environment's own) and returns them sorted by
// program. It skips tb when there is no go command and fails it when the build
// fails.
func Build(tb testing.TB, toolchain string, t Target) []Binary {
	tb.Helper()
	env, err := resolve(tb, toolchain)
	if err != nil {
		tb.Fatalf("testbuild: %v", err)
	}
	e := entryFor(env, t)
	e.once.Do(func() { e.bins, e.err = e.build(tb.Context(), tb) })
	if e.err != nil {
		tb.Fatalf("testbuild: %v", e.err)
	}
	return slices.Clone(e.bins)
}

// toolchain is a resolved go command with its version and the fixture tree.
type toolchain struct {
	name      string // GOTOOLCHAIN value, "" for the inherited one
	goBin     string
	version   string // go1.27.3
	fixtures  string // absolute path of testdata/fixtures
	srcHash   string // hash of every file under fixtures
	modGo     string // the go line of the fixtures go.mod, such as "1.25.0"
	cacheRoot string
}

var (
	mu         sync.Mutex
	toolchains = map[string]*toolchainResult{}
	entries    = map[string]*entry{}
	buildMu    sync.Mutex // one go build at a time: each already uses every core
)

type toolchainResult struct {
	tc  *toolchain
	err error
}

// resolve finds the go command, the fixtures and the toolchain's version, once
// per process. A missing go command skips tb.
func resolve(tb testing.TB, name string) (*toolchain, error) {
	tb.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		tb.Skipf("testbuild: no go command in PATH (%v); the fixture tests build their programs with the Go toolchain", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if r, ok := toolchains[name]; ok {
		return r.tc, r.err
	}
	tc, err := newToolchain(tb.Context(), goBin, name)
	toolchains[name] = &toolchainResult{tc, err}
	return tc, err
}

func newToolchain(ctx context.Context, goBin, name string) (*toolchain, error) {
	fixtures, err := FixturesDir()
	if err != nil {
		return nil, err
	}
	srcHash, err := hashTree(fixtures)
	if err != nil {
		return nil, err
	}
	modGo, err := goLine(filepath.Join(fixtures, "go.mod"))
	if err != nil {
		return nil, err
	}
	cacheRoot, err := cacheDir()
	if err != nil {
		return nil, err
	}
	tc := &toolchain{name: name, goBin: goBin, fixtures: fixtures, srcHash: srcHash, modGo: modGo, cacheRoot: cacheRoot}
	// Ask outside any module, so that the fixtures' go line cannot make the go
	// command refuse an older toolchain or switch to a newer one.
	cmd := exec.CommandContext(ctx, goBin, "env", "GOVERSION")
	cmd.Dir = os.TempDir()
	cmd.Env = tc.environ("", "")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go env GOVERSION with GOTOOLCHAIN=%q: %w%s", name, err, stderrOf(err))
	}
	tc.version = strings.TrimSpace(string(out))
	if !strings.HasPrefix(tc.version, "go1.") {
		return nil, fmt.Errorf("go env GOVERSION with GOTOOLCHAIN=%q printed %q", name, tc.version)
	}
	return tc, nil
}

// environ is the build environment: the process's, less the variables the
// build sets itself.
func (tc *toolchain) environ(goos, goarch string) []string {
	drop := []string{"GOOS", "GOARCH", "CGO_ENABLED", "GOFLAGS", "GOWORK", "GO111MODULE"}
	if tc.name != "" {
		drop = append(drop, "GOTOOLCHAIN")
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	env = append(env, "CGO_ENABLED=0", "GOWORK=off", "GO111MODULE=on", "GOFLAGS=-mod=readonly -buildvcs=false")
	if tc.name != "" {
		env = append(env, "GOTOOLCHAIN="+tc.name)
	}
	if goos != "" {
		env = append(env, "GOOS="+goos, "GOARCH="+goarch)
	}
	return env
}

// legacy reports whether the toolchain is older than the fixtures' go line.
func (tc *toolchain) legacy() bool {
	return compareVersions(strings.TrimPrefix(tc.version, "go"), tc.modGo) < 0
}

// entry is one (toolchain, target) build, done at most once per process.
type entry struct {
	tc   *toolchain
	t    Target
	key  string
	once sync.Once
	bins []Binary
	err  error
}

func entryFor(tc *toolchain, t Target) *entry {
	mu.Lock()
	defer mu.Unlock()
	key := tc.name + "\x00" + t.String()
	e, ok := entries[key]
	if !ok {
		e = &entry{tc: tc, t: t}
		e.key = cacheKey(tc, t)
		entries[key] = e
	}
	return e
}

// cacheKey hashes everything that can change the binaries.
func cacheKey(tc *toolchain, t Target) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s/%s\n%q\nlegacy=%v\n", keyVersion, tc.srcHash, tc.version, t.GOOS, t.GOARCH, t.buildFlags(), tc.legacy())
	return hex.EncodeToString(h.Sum(nil))[:16]
}

func (e *entry) dir() string {
	return filepath.Join(e.tc.cacheRoot, e.tc.version+"-"+e.t.String()+"-"+e.key)
}

func (e *entry) build(ctx context.Context, tb testing.TB) ([]Binary, error) {
	dir := e.dir()
	exists := func() bool { _, err := os.Stat(dir); return err == nil }
	if !exists() {
		buildMu.Lock()
		defer buildMu.Unlock()
		if err := os.MkdirAll(e.tc.cacheRoot, 0o755); err != nil {
			return nil, err
		}
		release, err := lockEntry(ctx, dir+".lock", exists)
		if err != nil {
			return nil, err
		}
		if release != nil {
			defer release()
			// Temporary directories left by killed builds of this entry.
			if stale, _ := filepath.Glob(filepath.Join(e.tc.cacheRoot, "tmp-"+filepath.Base(dir)+"-*")); len(stale) > 0 {
				for _, d := range stale {
					os.RemoveAll(d)
				}
			}
			if !exists() {
				if err := e.buildInto(ctx, tb, dir); err != nil {
					return nil, err
				}
			}
		}
	}
	return e.collect(dir)
}

// buildInto runs go build into a temporary directory and renames it to dir.
func (e *entry) buildInto(ctx context.Context, tb testing.TB, dir string) error {
	tmp, err := os.MkdirTemp(e.tc.cacheRoot, "tmp-"+filepath.Base(dir)+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	out := filepath.Join(tmp, "bin")
	if err := os.Mkdir(out, 0o755); err != nil {
		return err
	}
	args := append([]string{"build"}, e.t.buildFlags()...)
	if e.tc.legacy() {
		modfile, err := writeLegacyModfile(e.tc, tmp)
		if err != nil {
			return err
		}
		args = append(args, "-modfile="+modfile)
	}
	args = append(args, "-o", out+string(filepath.Separator), "./cmd/...")
	cmd := exec.CommandContext(ctx, e.tc.goBin, args...)
	cmd.Dir = e.tc.fixtures
	cmd.Env = e.tc.environ(e.t.GOOS, e.t.GOARCH)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s (GOOS=%s GOARCH=%s GOTOOLCHAIN=%q in %s): %w\n%s",
			strings.Join(cmd.Args, " "), e.t.GOOS, e.t.GOARCH, e.tc.name, cmd.Dir, err, stderr.Bytes())
	}
	key := fmt.Sprintf("%s\nsources %s\n%s\n%s\nflags %q\nlegacy %v\n", keyVersion, e.tc.srcHash, e.tc.version, e.t, e.t.buildFlags(), e.tc.legacy())
	if err := os.WriteFile(filepath.Join(out, "KEY"), []byte(key), 0o644); err != nil {
		return err
	}
	if err := os.Rename(out, dir); err != nil {
		if _, statErr := os.Stat(dir); statErr == nil {
			return nil // another process built the same entry first
		}
		return err
	}
	tb.Logf("testbuild: built %s with %s in %v", e.t, e.tc.version, time.Since(start).Round(time.Millisecond))
	return nil
}

// collect lists the programs built in dir.
func (e *entry) collect(dir string) ([]Binary, error) {
	progs, err := Programs()
	if err != nil {
		return nil, err
	}
	var bins []Binary
	for _, p := range progs {
		name := p
		if e.t.GOOS == "windows" {
			name += ".exe"
		}
		path := filepath.Join(dir, name)
		if _, err := os.Stat(path); err != nil {
			if e.tc.legacy() {
				continue // needs a newer Go than this toolchain
			}
			return nil, fmt.Errorf("%s missing from %s: %w (delete the directory to rebuild it)", name, dir, err)
		}
		bins = append(bins, Binary{Program: p, Target: e.t, Toolchain: e.tc.name, GoVersion: e.tc.version, Path: path})
	}
	if len(bins) == 0 {
		return nil, fmt.Errorf("no fixture program in %s", dir)
	}
	return bins, nil
}

// Programs lists the fixture programs: the directories under testdata/fixtures/cmd.
func Programs() ([]string, error) {
	dir, err := FixturesDir()
	if err != nil {
		return nil, err
	}
	des, err := os.ReadDir(filepath.Join(dir, "cmd"))
	if err != nil {
		return nil, err
	}
	var progs []string
	for _, de := range des {
		if de.IsDir() {
			progs = append(progs, de.Name())
		}
	}
	return progs, nil
}

// FixturesDir finds testdata/fixtures of the candor repository by walking up from
// the working directory (a test runs in its package's directory).
func FixturesDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; {
		f := filepath.Join(d, "testdata", "fixtures")
		if _, err := os.Stat(filepath.Join(f, "go.mod")); err == nil {
			return f, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no testdata/fixtures/go.mod in %s or above", wd)
		}
		d = parent
	}
}

func cacheDir() (string, error) {
	if d := os.Getenv("CANDOR_TESTBUILD_CACHE"); d != "" {
		return filepath.Abs(d)
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory (%w): set CANDOR_TESTBUILD_CACHE", err)
	}
	return filepath.Join(d, "candor-testbuild"), nil
}

// hashTree hashes the names and contents of every regular file under dir.
func hashTree(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hashing fixture sources: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// goLine returns the version on the go line of a go.mod file.
func goLine(gomod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "go" {
			return f[1], nil
		}
	}
	return "", fmt.Errorf("%s: no go line", gomod)
}

// compareVersions compares dotted Go versions such as "1.23.4" and "1.25.0"
// numerically; a missing part counts as 0 and a pre-release suffix is ignored.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		na, nb := versionPart(pa, i), versionPart(pb, i)
		if na != nb {
			if na < nb {
				return -1
			}
			return 1
		}
	}
	return 0
}

func versionPart(p []string, i int) int {
	if i >= len(p) {
		return 0
	}
	s := p[i]
	if j := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); j >= 0 {
		s = s[:j]
	}
	n, _ := strconv.Atoi(s)
	return n
}

func stderrOf(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return ": " + strings.TrimSpace(string(ee.Stderr))
	}
	return ""
}
