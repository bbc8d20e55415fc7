package scan

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// synthProgram builds a program from call edges between named functions,
// reached from main.main.
func synthProgram(calls [][2]string) *program {
	p := &program{byName: map[string]int32{}, modules: &moduleIndex{}}
	id := func(name string) int32 {
		if n, ok := p.byName[name]; ok {
			return n
		}
		p.byName[name] = int32(len(p.names))
		p.names = append(p.names, name)
		return p.byName[name]
	}
	var cs [][2]int32
	for _, c := range calls {
		cs = append(cs, [2]int32{id(c[0]), id(c[1])})
	}
	p.link(cs, nil)
	p.walk(nil)
	return p
}

// builtinCode returns the code condition of the built-in rule id.
func builtinCode(t *testing.T, id string) *CodeSpec {
	t.Helper()
	r, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Specs() {
		if s.ID == id {
			if s.Code == nil {
				t.Fatalf("rule %s has no code condition", id)
			}
			return s.Code
		}
	}
	t.Fatalf("no rule %s", id)
	return nil
}

// evidenceValues lists the function names of a match's evidence.
func evidenceValues(ev []Evidence) []string {
	var out []string
	for _, e := range ev {
		out = append(out, e.Value)
	}
	return out
}

// TestFetchExecShapes judges go.fetch.exec.code on call graphs of the shapes
// it must tell apart: a git client that probes its server and runs git is no
// fetch-and-run, and the standard library's own chmod (os.MkdirAll on a
// sticky directory) does not make it one; a download the program chmods
// itself, reached from the function that starts a program, is one, also when
// it lies a few calls deeper than the exec: the evidence names the closest
// function that downloads and chmods, and its witnesses.
func TestFetchExecShapes(t *testing.T) {
	t.Parallel()
	spec := builtinCode(t, "go.fetch.exec.code")
	gitClone := [][2]string{
		{"main.main", "x.io/git.clone"},
		{"x.io/git.clone", "os/exec.(*Cmd).Run"},
		{"os/exec.(*Cmd).Run", "os/exec.(*Cmd).Start"},
		{"x.io/git.clone", "x.io/git.supportsShallow"},
		{"x.io/git.supportsShallow", "net/http.(*Client).Get"},
		{"x.io/git.clone", "os.MkdirAll"},
		{"os.MkdirAll", "os.Mkdir"},
		{"os.Mkdir", "os.setStickyBit"},
		{"os.setStickyBit", "os.Chmod"},
	}
	tests := []struct {
		name  string
		calls [][2]string
		want  []string // evidence functions; nil for no match
	}{
		{"git clone", gitClone, nil},
		{"git clone that chmods", append(slices.Clone(gitClone), [2]string{"x.io/git.clone", "os.Chmod"}),
			[]string{"x.io/git.clone", "net/http.(*Client).Get", "os.Chmod", "os/exec.(*Cmd).Start"}},
		{"download, chmod, exec, the download deeper", [][2]string{
			{"main.main", "x.io/core.run"},
			{"x.io/core.run", "x.io/core.execTool"},
			{"x.io/core.execTool", "syscall.Exec"},
			{"x.io/core.run", "x.io/core.install"},
			{"x.io/core.install", "x.io/core.toCache"},
			{"x.io/core.toCache", "x.io/dl.Binary"},
			{"x.io/dl.Binary", "os.Chmod"},
			{"x.io/dl.Binary", "x.io/dl.get"},
			{"x.io/dl.get", "net/http.(*Client).Do"},
		}, []string{"x.io/core.run", "x.io/core.toCache", "net/http.(*Client).Do", "os.Chmod", "syscall.Exec"}},
		{"chmod and download, no exec", [][2]string{
			{"main.main", "x.io/dl.Binary"},
			{"x.io/dl.Binary", "os.Chmod"},
			{"x.io/dl.Binary", "net/http.(*Client).Do"},
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := synthProgram(tc.calls)
			ev, ok := p.codeMatch(spec)
			if ok != (tc.want != nil) {
				t.Fatalf("match %v, want %v; evidence %q", ok, tc.want != nil, evidenceValues(ev))
			}
			got, want := evidenceValues(ev), slices.Clone(tc.want)
			slices.Sort(got)
			slices.Sort(want)
			if ok && !slices.Equal(got, want) {
				t.Errorf("evidence %q, want %q", got, want)
			}
		})
	}
}

// TestCodeDirect: a group marked direct counts a member only when the
// program's own code calls it, while the same member reached through the
// standard library satisfies a group that is not.
func TestCodeDirect(t *testing.T) {
	t.Parallel()
	calls := [][2]string{
		{"main.main", "x.io/r.loop"},
		{"x.io/r.loop", "x.io/r.post"},
		{"x.io/r.post", "net/http.(*Client).Do"},
		{"x.io/r.loop", "context.WithTimeout"},
		{"context.WithTimeout", "time.AfterFunc"},
	}
	p := synthProgram(calls)
	for _, direct := range []bool{false, true} {
		spec := &CodeSpec{Within: 2, Together: []CodeGroup{
			{Functions: []string{"time.AfterFunc"}, Direct: direct},
			{Functions: []string{"net/http.(*Client).Do"}},
		}}
		if _, ok := p.codeMatch(spec); ok == direct {
			t.Errorf("direct %v: match %v", direct, ok)
		}
	}
	// The ticker the reporter itself starts.
	p = synthProgram(append(slices.Clone(calls), [2]string{"x.io/r.loop", "time.NewTicker"}))
	spec := &CodeSpec{Within: 2, Together: []CodeGroup{
		{Functions: []string{"time.NewTicker"}, Direct: true},
		{Functions: []string{"net/http.(*Client).Do"}},
	}}
	if ev, ok := p.codeMatch(spec); !ok || ev[0].Value != "x.io/r.loop" {
		t.Errorf("own ticker: match %v, evidence %q", ok, evidenceValues(ev))
	}
}

// TestCodeSchema: nested conditions and direct groups load; a nested
// condition nests no further and follows the same rules as the outer one.
func TestCodeSchema(t *testing.T) {
	t.Parallel()
	const head = "version: \"1\"\nrules:\n  - id: a.b\n    capability: update.fetch-exec\n    summary: s\n    source: x\n    code:\n"
	ok := head + `      within: 3
      together:
        - functions: [os/exec.(*Cmd).Start]
        - code:
            together:
              - functions: [os.Chmod]
                direct: true
              - functions: [net/http.(*Client).Do]
`
	r, err := LoadRules(fstest.MapFS{"r.yaml": {Data: []byte(ok)}})
	if err != nil {
		t.Fatal(err)
	}
	nested := r.Specs()[0].Code.Together[1].Code
	if nested == nil || nested.Within != 2 || !nested.Together[0].Direct {
		t.Fatalf("nested condition %+v: want within 2 (the default) and a direct first group", nested)
	}
	bad := map[string]string{
		"nested twice": strings.Replace(ok, "              - functions: [net/http.(*Client).Do]\n",
			"              - code: {together: [{functions: [os.Exit]}]}\n", 1),
		"nested within 5":          strings.Replace(ok, "            together:\n", "            within: 5\n            together:\n", 1),
		"nested first group empty": strings.Replace(ok, "              - functions: [os.Chmod]\n", "              - strings: [x]\n", 1),
		"direct only":              strings.Replace(ok, "        - functions: [os/exec.(*Cmd).Start]\n", "        - functions: [os/exec.(*Cmd).Start]\n        - direct: true\n", 1),
		"first group nested":       head + "      together:\n        - code: {together: [{functions: [os.Chmod]}]}\n",
	}
	for name, body := range bad {
		if body == ok {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if _, err := LoadRules(fstest.MapFS{"r.yaml": {Data: []byte(body)}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
