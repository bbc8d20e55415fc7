package scan

import (
	"bufio"
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/internal/testbuild"
)

// inlFixture is the inline tree fixture built for one target, with what the
// compiler said it inlined.
type inlFixture struct {
	path string
	// sites maps each function of the fixture (its table name, main.F) to the
	// names the compiler reported inlining inside its body (-gcflags=-m=2
	// "inlining call to X", X in the compiler's form, in source order).
	sites map[string][]string
	// decls maps the fixture's function names (main.F, main.(*T).M) to true.
	decls map[string]bool
}

// buildInlFixture builds scan/testdata/inltree with -gcflags=-m=2 for goos/goarch
// with extra go build flags, with toolchain (a GOTOOLCHAIN value, "" for the
// environment's), and maps the compiler's inlining reports to the enclosing
// functions of the source. It builds a copy with a go.mod of its own, so that
// toolchains older than the main module's can build it.
func buildInlFixture(t *testing.T, toolchain, goos, goarch string, flags ...string) inlFixture {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	src, err := os.ReadFile(filepath.Join("testdata", "inltree", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module inltree\n\ngo 1.18\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "inltree.bin")
	args := append([]string{"build", "-o", out, "-gcflags=-m=2"}, flags...)
	// main.go rather than ".": go1.19.13 fails on "." here (import "": import
	// of unknown directory).
	cmd := exec.CommandContext(t.Context(), gobin, append(args, "main.go")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0", "GOWORK=off", "GOFLAGS=-buildvcs=false")
	if toolchain != "" {
		cmd.Env = append(cmd.Env, "GOTOOLCHAIN="+toolchain)
	}
	msg, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("building %s with %q: %v\n%s", dir, toolchain, err, msg)
	}
	fx := inlFixture{path: out, sites: map[string][]string{}, decls: map[string]bool{}}
	// Enclosing functions by line, from the source.
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "main.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	type span struct {
		name       string
		start, end int
	}
	var spans []span
	for _, d := range file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		name := "main." + fd.Name.Name
		if fd.Recv != nil && len(fd.Recv.List) == 1 {
			rt := fd.Recv.List[0].Type
			if st, ok := rt.(*ast.StarExpr); ok {
				name = "main.(*" + st.X.(*ast.Ident).Name + ")." + fd.Name.Name
			} else {
				name = "main." + rt.(*ast.Ident).Name + "." + fd.Name.Name
			}
		}
		fx.decls[name] = true
		spans = append(spans, span{name, fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line})
	}
	re := regexp.MustCompile(`^\./main\.go:(\d+):\d+: inlining call to (\S+)$`)
	sc := bufio.NewScanner(bytes.NewReader(msg))
	for sc.Scan() {
		m := re.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		line, _ := strconv.Atoi(m[1])
		for _, s := range spans {
			if line >= s.start && line <= s.end {
				fx.sites[s.name] = append(fx.sites[s.name], m[2])
			}
		}
	}
	if len(fx.sites) == 0 {
		t.Fatalf("the compiler reported no inlining:\n%s", msg)
	}
	return fx
}

// tableName maps the compiler's name of an inlined function (leaf,
// (*counter).add, os.Executable) to the function table's form.
func tableName(x string) string {
	if i := strings.IndexByte(x, '.'); i < 0 || strings.HasPrefix(x, "(") {
		return "main." + x
	}
	return x
}

// sameName says whether a table name (net/http.Get) is the compiler's (http.Get).
func sameName(table, compiler string) bool {
	c := tableName(compiler)
	if table == c {
		return true
	}
	i := strings.LastIndexByte(table, '/')
	return i >= 0 && table[i+1:] == c
}

// readInlined opens a binary and reads its functions and their inline trees.
func readInlined(t *testing.T, path string) ([]funcRange, [][]inlineCall, *image, *pclntab) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bf, err := openBinary(data)
	if err != nil {
		t.Fatal(err)
	}
	im := bf.images[0]
	tab := findPclntab(im)
	if tab == nil {
		t.Fatal("no function table")
	}
	_, fs, err := im.codeFuncs(tab)
	if err != nil {
		t.Fatal(err)
	}
	inl, err := tab.inlined(im, fs)
	if err != nil {
		t.Fatalf("inlined: %v", err)
	}
	if inl == nil {
		t.Fatal("inlined returned nothing (moduledata not found?)")
	}
	if len(inl) != len(fs) {
		t.Fatalf("%d inline lists for %d functions", len(inl), len(fs))
	}
	return fs, inl, im, tab
}

// checkInlFixture checks one build of the fixture against the compiler's report:
// for every function of the fixture in the table, each function it reported
// inlining in that body is in its tree (as many times as reported for the
// fixture's own functions), every node whose parent is a fixture function was
// reported inside that function's body, parents come first and call sites lie
// inside the function, and //go:noinline functions are never inlined.
func checkInlFixture(t *testing.T, fx inlFixture) {
	fs, inl, _, _ := readInlined(t, fx.path)
	byName := map[string]int{}
	for i, f := range fs {
		byName[string(f.name)] = i
	}
	total := 0
	for i, calls := range inl {
		for j, c := range calls {
			total++
			if c.parent < -1 || c.parent >= j {
				t.Errorf("%s: call %d (%s) has parent %d", fs[i].name, j, c.name, c.parent)
			}
			if c.parentPC < fs[i].entry || c.parentPC >= fs[i].end {
				t.Errorf("%s: call %d (%s) site 0x%x outside [0x%x, 0x%x)", fs[i].name, j, c.name, c.parentPC, fs[i].entry, fs[i].end)
			}
			switch string(c.name) {
			case "main.notInlined", "main.outer", "main.callsNot", "main.exe", "main.trace", "main.tracedOuter", "main.useCounter":
				t.Errorf("%s: //go:noinline function %s is inlined", fs[i].name, c.name)
			}
		}
	}
	checked := 0
	for fn, sites := range fx.sites {
		i, ok := byName[fn]
		if !ok {
			continue // inlined everywhere and dropped by the linker
		}
		calls := inl[i]
		for _, s := range sites {
			found := false
			for _, c := range calls {
				if sameName(string(c.name), s) {
					found = true
					break
				}
			}
			// A library function's inlined body can lose all its code to
			// later optimisation (errors.New on a path the compiler proves
			// dead), and then the linker has no node for it: only the
			// fixture's own functions, whose bodies have code, must be found.
			if !found && fx.decls[tableName(s)] {
				t.Errorf("%s: the compiler inlined %s, the tree has %v", fn, s, inlNames(calls))
			}
			if !found {
				t.Logf("%s: the compiler inlined %s, which left no code", fn, s)
			}
			checked++
		}
		// The fixture's own functions: the same names as the reports. (Not
		// always as many: Go 1.18–1.20 merge the two stores of
		// useCounter's adds and leave one node.)
		want := map[string]bool{}
		for _, s := range sites {
			if fx.decls[tableName(s)] {
				want[tableName(s)] = true
			}
		}
		got := map[string]bool{}
		for _, c := range calls {
			if fx.decls[string(c.name)] {
				got[string(c.name)] = true
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: inlined fixture functions %v, the compiler reported %v", fn, got, want)
		}
		// Nested calls: a node whose parent is a fixture function was
		// reported inside that function's own body.
		for _, c := range calls {
			if c.parent < 0 {
				continue
			}
			p := string(calls[c.parent].name)
			if !fx.decls[p] {
				continue
			}
			ok := false
			for _, s := range fx.sites[p] {
				if sameName(string(c.name), s) {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s: %s inlined into %s, which the compiler never reported there (%v)", fn, c.name, p, fx.sites[p])
			}
		}
	}
	if checked < 8 {
		t.Errorf("only %d inlining reports checked", checked)
	}
	// The certain cases, by hand.
	want := map[string][][2]string{ // function: (inlined, parent) pairs
		"main.outer":       {{"main.mid", ""}, {"main.leaf", "main.mid"}, {"main.leaf", "main.mid"}},
		"main.useCounter":  {{"main.(*counter).add", ""}, {"main.leaf", ""}, {"main.(*counter).add", ""}},
		"main.tracedOuter": {{"main.tracedMid", ""}, {"main.tracedLeaf", "main.tracedMid"}},
		"main.callsNot":    nil,
	}
	// os.Executable is inlined where the compiler says so (linux and windows;
	// darwin's is too large).
	if slices.Contains(fx.sites["main.exe"], "os.Executable") {
		want["main.exe"] = [][2]string{{"os.Executable", ""}}
	}
	for fn, pairs := range want {
		i, ok := byName[fn]
		if !ok {
			t.Errorf("%s not in the table", fn)
			continue
		}
		for _, p := range pairs {
			if !hasInlined(inl[i], p[0], p[1]) {
				t.Errorf("%s: no %s inlined into %q; tree %v", fn, p[0], p[1], inlNames(inl[i]))
			}
		}
		if pairs == nil && len(inl[i]) != 0 {
			t.Errorf("%s: inlined %v, want nothing", fn, inlNames(inl[i]))
		}
	}
	t.Logf("%d functions, %d inlined calls, %d compiler reports checked", len(fs), total, checked)
}

// hasInlined says whether calls has name inlined into parent ("" for the
// function itself).
func hasInlined(calls []inlineCall, name, parent string) bool {
	for _, c := range calls {
		if string(c.name) != name {
			continue
		}
		if parent == "" && c.parent == -1 || c.parent >= 0 && string(calls[c.parent].name) == parent {
			return true
		}
	}
	return false
}

func inlNames(calls []inlineCall) []string {
	var s []string
	for _, c := range calls {
		p := "-"
		if c.parent >= 0 {
			p = strconv.Itoa(c.parent)
		}
		s = append(s, string(c.name)+"<"+p)
	}
	return s
}

// TestInlinedFixture checks the inline trees of the fixture against the
// compiler's inlining report.
func TestInlinedFixture(t *testing.T) {
	type target struct {
		goos, goarch string
		flags        []string
	}
	strip := []string{"-ldflags=-s -w"}
	pie := []string{"-buildmode=pie"}
	targets := []target{
		{"linux", "amd64", nil},
		{"linux", "amd64", strip},
		{"linux", "amd64", pie},
		{"linux", "amd64", append(pie, strip...)},
		{"linux", "arm64", nil},
		{"linux", "arm64", strip},
		{"linux", "arm64", append(pie, strip...)},
		{"windows", "amd64", nil},
		{"windows", "amd64", strip},
		{"darwin", "arm64", nil},
		{"darwin", "arm64", strip},
	}
	for _, tg := range targets {
		name := tg.goos + "-" + tg.goarch + strings.NewReplacer("-buildmode=", "-", "-ldflags=-s -w", "-stripped").Replace(strings.Join(tg.flags, ""))
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkInlFixture(t, buildInlFixture(t, "", tg.goos, tg.goarch, tg.flags...))
		})
	}
}

// TestInlinedTrace runs the fixture, which prints its own inlined frames with
// runtime.CallersFrames (the runtime reading the same inline trees), and
// requires the same chain from the reader.
func TestInlinedTrace(t *testing.T) {
	fx := buildInlFixture(t, "", "linux", "amd64")
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skip("the fixture runs only on linux/amd64")
	}
	out, err := exec.CommandContext(t.Context(), fx.path, "trace").Output()
	if err != nil {
		t.Fatal(err)
	}
	// "frame X called-by Y": X was inlined into Y unless Y is main.main or
	// X is main.trace (both really called).
	fs, inl, _, _ := readInlined(t, fx.path)
	outer := -1
	for i, f := range fs {
		if string(f.name) == "main.tracedOuter" {
			outer = i
		}
	}
	if outer < 0 {
		t.Fatal("no main.tracedOuter")
	}
	pairs := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != "frame" {
			t.Fatalf("fixture printed %q", line)
		}
		callee, caller := f[1], f[3]
		if callee == "main.trace" || caller == "main.main" || callee == "main.tracedOuter" {
			continue
		}
		parent := caller
		if caller == "main.tracedOuter" {
			parent = ""
		}
		if !hasInlined(inl[outer], callee, parent) {
			t.Errorf("runtime: %s inlined into %s; reader: %v", callee, caller, inlNames(inl[outer]))
		}
		pairs++
	}
	if pairs != 2 {
		t.Errorf("%d inlined frames printed, want 2:\n%s", pairs, out)
	}
}

// TestInlinedGoCommand reads every inline tree of the go command (of each
// toolchain of testbuild.Toolchains): no error, every inlined name a whole name
// of the funcnametab, parents before children, call sites inside their
// function; it reports the counts.
func TestInlinedGoCommand(t *testing.T) {
	for _, tc := range testbuild.Toolchains() {
		name := tc
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			checkInlGoCommand(t, goCommandPath(t, tc))
		})
	}
}

func checkInlGoCommand(t *testing.T, path string) {
	fs, inl, _, tab := readInlined(t, path)
	names := map[string]bool{}
	tab.eachName(func(n []byte, _ int64) { names[string(n)] = true })
	own := map[string]bool{}
	for _, f := range fs {
		own[string(f.name)] = true
	}
	var total, funcs, nested, withEntry int
	executable := 0
	for i, calls := range inl {
		if len(calls) > 0 {
			funcs++
		}
		for j, c := range calls {
			total++
			if !names[string(c.name)] {
				t.Fatalf("%s: inlined call %d: %q is not a name of the table", fs[i].name, j, c.name)
			}
			if c.parent >= j || c.parent < -1 || c.parentPC < fs[i].entry || c.parentPC >= fs[i].end {
				t.Fatalf("%s: inlined call %d (%s): parent %d, site 0x%x", fs[i].name, j, c.name, c.parent, c.parentPC)
			}
			if c.parent >= 0 {
				nested++
			}
			if own[string(c.name)] {
				withEntry++
			}
			if string(c.name) == "os.Executable" {
				executable++
			}
		}
	}
	t.Logf("%s: %d functions, %d with inlined calls, %d inlined calls (%d nested, %d to functions that also have an entry), %d of os.Executable",
		path, len(fs), funcs, total, nested, withEntry, executable)
	if total < len(fs) || funcs < len(fs)/4 || nested == 0 || executable == 0 {
		t.Errorf("implausible: %d calls in %d of %d functions, %d nested, %d os.Executable", total, funcs, len(fs), nested, executable)
	}
}

// goCommandPath returns the go command of toolchain (a GOTOOLCHAIN value, ""
// for the environment's), a large real binary.
func goCommandPath(t *testing.T, toolchain string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), gobin, "env", "GOROOT")
	cmd.Dir = t.TempDir() // outside the module, whose go line older toolchains refuse
	if toolchain != "" {
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN="+toolchain)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go env GOROOT (%q): %v", toolchain, err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), "bin", "go")
}

// shortShape writes a generic instantiation's type arguments as "[...]", the
// form Go 1.20's function table uses (its DWARF has them in full).
func shortShape(name string) string {
	i := strings.IndexByte(name, '[')
	j := strings.LastIndexByte(name, ']')
	if i < 0 || j < i {
		return name
	}
	return name[:i] + "[...]" + name[j+1:]
}

// dwarfInlined reads, from the DWARF of a binary, each function's inlined
// calls as (name, parent name) pairs counted, parent "" for the function
// itself, keyed by the function's entry address. The compiler writes
// DW_TAG_inlined_subroutine entries from the same inlining decisions, nested as
// the calls are, and names them through DW_AT_abstract_origin.
func dwarfInlined(t *testing.T, d *dwarf.Data) map[uint64]map[[2]string]int {
	t.Helper()
	type call struct {
		fn             uint64
		origin, parent dwarf.Offset
	}
	names := map[dwarf.Offset]string{}
	described := map[uint64]bool{}
	var calls []call
	var stack []dwarf.Offset // per open entry: its origin if an inlined call, else 0
	var fn uint64
	r := d.Reader()
	for {
		e, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		if e == nil {
			break
		}
		if e.Tag == 0 {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		var cur dwarf.Offset
		switch e.Tag {
		case dwarf.TagSubprogram:
			if n, ok := e.Val(dwarf.AttrName).(string); ok {
				names[e.Offset] = n
			}
			if lo, ok := e.Val(dwarf.AttrLowpc).(uint64); ok {
				fn = lo
				described[lo] = true
			}
		case dwarf.TagInlinedSubroutine:
			cur, _ = e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
			var parent dwarf.Offset
			for i := len(stack) - 1; i >= 0; i-- {
				if stack[i] != 0 {
					parent = stack[i]
					break
				}
			}
			calls = append(calls, call{fn, cur, parent})
		}
		if e.Children {
			stack = append(stack, cur)
		}
	}
	out := map[uint64]map[[2]string]int{}
	for lo := range described {
		out[lo] = map[[2]string]int{}
	}
	for _, c := range calls {
		m := out[c.fn]
		if m == nil {
			m = map[[2]string]int{}
			out[c.fn] = m
		}
		m[[2]string{shortShape(names[c.origin]), shortShape(names[c.parent])}]++
	}
	return out
}

// TestInlinedDWARF compares every function's inline tree, parents included,
// with the DWARF the compiler wrote for the same binary (not stripped), on
// ELF, PE and Mach-O.
func TestInlinedDWARF(t *testing.T) {
	for _, tc := range testbuild.Toolchains() {
		for _, tg := range [][2]string{{"linux", "amd64"}, {"linux", "arm64"}, {"windows", "amd64"}, {"darwin", "arm64"}} {
			name := tg[0] + "-" + tg[1]
			if tc != "" {
				name = tc + "/" + name
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				fx := buildInlFixture(t, tc, tg[0], tg[1])
				checkInlFixture(t, fx)
				checkInlDWARF(t, fx.path, tg[0])
			})
		}
	}
}

// checkInlDWARF requires the same inlined calls, parents included, as the
// binary's DWARF, for every function.
func checkInlDWARF(t *testing.T, path, goos string) {
	t.Helper()
	want := dwarfInlined(t, openDWARF(t, path, goos))
	dwarfNodes := 0
	for _, m := range want {
		for _, n := range m {
			dwarfNodes += n
		}
	}
	fs, inl, _, _ := readInlined(t, path)
	var same, differ, nodes, undescribed, wrappers, lostMarks int
	for i, calls := range inl {
		w, ok := want[fs[i].entry]
		if !ok {
			// No DW_TAG_subprogram: Go 1.18 writes none for its
			// autogenerated wrappers, (*T).M inlining T.M.
			undescribed++
			continue
		}
		got := map[[2]string]int{}
		var lost []string
		for j, c := range calls {
			if j > 0 && c.parentPC == fs[i].entry {
				// A call site at +0: the compiler lost the call's inline
				// mark and the linker wrote parentPc 0, so the runtime
				// (and the reader) take the function itself as the parent
				// where DWARF keeps the real one (seen for a range-over-func
				// body, os/exec.pathExt-range1, on windows/amd64).
				lost = append(lost, shortShape(string(c.name)))
				continue
			}
			p := ""
			if c.parent >= 0 {
				p = shortShape(string(calls[c.parent].name))
			}
			got[[2]string{shortShape(string(c.name)), p}]++
		}
		nodes += len(calls)
		if len(lost) > 0 {
			w = maps.Clone(w)
			for _, name := range lost {
				for k, n := range w {
					if k[0] == name && n > 0 {
						if w[k]--; w[k] == 0 {
							delete(w, k)
						}
						lostMarks++
						break
					}
				}
			}
		}
		if maps.Equal(got, w) {
			same++
			continue
		}
		if len(w) == 0 && isWrapperOf(string(fs[i].name), calls) {
			// Before Go 1.21 the DWARF of an autogenerated wrapper
			// ((*T).M calling T.M) has no inlined subroutines.
			wrappers++
			dwarfNodes++
			continue
		}
		if differ++; differ <= 10 {
			t.Errorf("%s: tree %v, DWARF %v", fs[i].name, got, w)
		}
	}
	if nodes != dwarfNodes || nodes == 0 {
		t.Errorf("%d inlined calls, DWARF has %d", nodes, dwarfNodes)
	}
	if undescribed > len(fs)/20 {
		t.Errorf("%d of %d functions have no DWARF", undescribed, len(fs))
	}
	t.Logf("%d functions, %d inlined calls (DWARF %d): %d the same as DWARF, %d differ, %d not in DWARF, %d wrappers without DWARF inlining, %d calls with a lost inline mark", len(fs), nodes, dwarfNodes, same, differ, undescribed, wrappers, lostMarks)
}

// isWrapperOf says whether fn is the pointer-receiver wrapper pkg.(*T).M of the
// one function it inlined, pkg.T.M.
func isWrapperOf(fn string, calls []inlineCall) bool {
	if len(calls) != 1 {
		return false
	}
	i := strings.Index(fn, ".(*")
	j := strings.Index(fn, ").")
	if i < 0 || j < i {
		return false
	}
	return string(calls[0].name) == fn[:i]+"."+fn[i+3:j]+fn[j+1:]
}

func openDWARF(t *testing.T, path, goos string) *dwarf.Data {
	t.Helper()
	var (
		d   *dwarf.Data
		err error
	)
	switch goos {
	case "windows":
		f, e := pe.Open(path)
		if e != nil {
			t.Fatal(e)
		}
		defer f.Close()
		d, err = f.DWARF()
	case "darwin":
		f, e := macho.Open(path)
		if e != nil {
			t.Fatal(e)
		}
		defer f.Close()
		d, err = f.DWARF()
	default:
		f, e := elf.Open(path)
		if e != nil {
			t.Fatal(e)
		}
		defer f.Close()
		d, err = f.DWARF()
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// BenchmarkInlined reads every inline tree of the go command (the moduledata
// search included); bytes are the text section's, so MB/s is per MB of code.
func BenchmarkInlined(b *testing.B) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		b.Skipf("no go command: %v", err)
	}
	out, err := exec.Command(gobin, "env", "GOROOT").Output()
	if err != nil {
		b.Fatalf("go env GOROOT: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "bin", "go"))
	if err != nil {
		b.Fatal(err)
	}
	bf, err := openBinary(data)
	if err != nil {
		b.Fatal(err)
	}
	im := bf.images[0]
	tab := findPclntab(im)
	if tab == nil {
		b.Fatal("no function table")
	}
	text, fs, err := im.codeFuncs(tab)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(text.data)))
	b.ReportAllocs()
	calls := 0
	for b.Loop() {
		inl, err := tab.inlined(im, fs)
		if err != nil || inl == nil {
			b.Fatalf("inlined: %v", err)
		}
		calls = 0
		for _, c := range inl {
			calls += len(c)
		}
	}
	b.ReportMetric(float64(calls), "calls")
}

// TestInlinedFixturesMatrix reads the inline trees of every program of
// internal/testbuild's matrix: the same as DWARF where the binary has it, and
// a stripped binary's the same, function by function, as its unstripped twin's.
func TestInlinedFixturesMatrix(t *testing.T) {
	bins := testbuild.Fixtures(t)
	type key struct{ prog, goos, goarch, tc string }
	trees := map[key]map[string][]string{} // unstripped, non-PIE builds: function -> calls
	var mu sync.Mutex
	read := func(t *testing.T, b testbuild.Binary) map[string][]string {
		fs, inl, _, _ := readInlined(t, b.Path)
		m := map[string][]string{}
		for i, calls := range inl {
			m[string(fs[i].name)] = inlNames(calls)
		}
		return m
	}
	t.Run("dwarf", func(t *testing.T) {
		for _, b := range bins {
			if b.Stripped {
				continue
			}
			t.Run(b.Name(), func(t *testing.T) {
				t.Parallel()
				checkInlDWARF(t, b.Path, b.GOOS)
				m := read(t, b)
				mu.Lock()
				trees[key{b.Program, b.GOOS, b.GOARCH, b.Toolchain}] = m
				mu.Unlock()
			})
		}
	})
	t.Run("stripped", func(t *testing.T) {
		for _, b := range bins {
			if !b.Stripped {
				continue
			}
			want, ok := trees[key{b.Program, b.GOOS, b.GOARCH, b.Toolchain}]
			if !ok {
				continue
			}
			t.Run(b.Name(), func(t *testing.T) {
				t.Parallel()
				got := read(t, b)
				differ := 0
				for fn, calls := range want {
					g, ok := got[fn]
					if ok && !slices.Equal(g, calls) {
						if differ++; differ <= 5 {
							t.Errorf("%s: stripped %v, unstripped %v", fn, g, calls)
						}
					}
				}
			})
		}
	})
}

// TestInlinedDWARFGoCommand builds the go command from the toolchain's own
// source with DWARF (the distributed one has none) and compares every
// function's inline tree with it: a large real program.
func TestInlinedDWARFGoCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/go")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	out := filepath.Join(t.TempDir(), "go")
	cmd := exec.CommandContext(t.Context(), gobin, "build", "-o", out, "cmd/go")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building cmd/go: %v\n%s", err, msg)
	}
	checkInlDWARF(t, out, runtime.GOOS)
}

// TestInlinedCorpus reads the inline trees of every Go binary of the corpus
// ($CANDOR_CORPUS: Debian's Go 1.19 builds, upstream releases for ELF, PE and
// Mach-O, Go 1.20 to 1.26): no error, parents before children, call sites
// inside their function, names from the table.
func TestInlinedCorpus(t *testing.T) {
	root := os.Getenv("CANDOR_CORPUS")
	if root == "" {
		t.Skip("set CANDOR_CORPUS to run the corpus tests")
	}
	var paths []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil && info.Size() > 1<<20 {
				paths = append(paths, p)
			}
		}
		return nil
	})
	total := 0
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		bf, err := openBinary(data)
		if err != nil || len(bf.images) != 1 {
			continue
		}
		im := bf.images[0]
		tab := findPclntab(im)
		if tab == nil {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			_, fs, err := im.codeFuncs(tab)
			if err != nil {
				t.Fatal(err)
			}
			inl, err := tab.inlined(im, fs)
			if err != nil || (inl == nil && (tab.magic == pclnGo118 || tab.magic == pclnGo120)) {
				t.Fatalf("inlined: %v, %v", inl != nil, err)
			}
			names := map[string]bool{}
			tab.eachName(func(n []byte, _ int64) { names[string(n)] = true })
			n := 0
			for i, calls := range inl {
				for j, c := range calls {
					if !names[string(c.name)] || c.parent < -1 || c.parent >= j || c.parentPC < fs[i].entry || c.parentPC >= fs[i].end {
						t.Fatalf("%s: call %d: %s parent %d site 0x%x", fs[i].name, j, c.name, c.parent, c.parentPC)
					}
				}
				n += len(calls)
			}
			t.Logf("%s (%s): %d functions, %d inlined calls", rel, tab.goVersionRange(), len(fs), n)
			total += n
		})
	}
	t.Logf("corpus: %d inlined calls", total)
}
