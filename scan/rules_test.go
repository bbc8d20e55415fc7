package scan

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestBuiltinRules(t *testing.T) {
	t.Parallel()
	r, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	if r.Version == "" || !strings.HasPrefix(r.Digest, "sha256:") || len(r.Digest) != len("sha256:")+64 {
		t.Errorf("version %q digest %q", r.Version, r.Digest)
	}
	seen := map[Capability]bool{}
	for _, s := range r.Specs() {
		seen[s.Capability] = true
		if s.Source == "" {
			t.Errorf("rule %s: no source: say where the rule's knowledge comes from", s.ID)
		}
	}
	for _, c := range Capabilities {
		if c.ID == NetworkEndpoint || c.ID == AnalysisObscured {
			continue // reported by code, not by rules
		}
		if !seen[c.ID] {
			t.Errorf("no rule reports %s", c.ID)
		}
	}
}

func TestLoadRulesErrors(t *testing.T) {
	t.Parallel()
	const ok = "version: \"1\"\nrules:\n  - id: a.b\n    capability: process.exec\n    summary: s\n    source: x\n    any: {functions: [os.StartProcess]}\n"
	tests := map[string]string{
		"unknown field":       "version: \"1\"\nrulez: []\n",
		"unknown capability":  strings.Replace(ok, "process.exec", "process.teleport", 1),
		"endpoint capability": strings.Replace(ok, "process.exec", "network.endpoint", 1),
		"bad id":              strings.Replace(ok, "a.b", "A B", 1),
		"no summary":          strings.Replace(ok, "summary: s", "summary: \"\"", 1),
		"empty any":           strings.Replace(ok, "any: {functions: [os.StartProcess]}", "any: {}", 1),
		"bad target":          strings.Replace(ok, "source: x", "source: x\n    target: wasm", 1),
		"no version":          strings.Replace(ok, "version: \"1\"\n", "", 1),
		"bad url regexp":      strings.Replace(ok, "functions: [os.StartProcess]", "urls: ['(']", 1),
		"upper nameContains":  strings.Replace(ok, "functions: [os.StartProcess]", "nameContains: [SelfUpdate]", 1),
	}
	for name, body := range tests {
		if _, err := LoadRules(fstest.MapFS{"r.yaml": {Data: []byte(body)}}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	dup := fstest.MapFS{"a.yaml": {Data: []byte(ok)}, "b.yaml": {Data: []byte(strings.Replace(ok, "version: \"1\"\n", "", 1))}}
	if _, err := LoadRules(dup); err == nil || !strings.Contains(err.Error(), "already defined") {
		t.Errorf("duplicate id: %v", err)
	}
	r1, err := LoadRules(fstest.MapFS{"r.yaml": {Data: []byte(ok)}})
	if err != nil {
		t.Fatal(err)
	}
	r2, err2 := LoadRules(fstest.MapFS{"r.yaml": {Data: []byte(ok + "\n")}})
	r3, err3 := LoadRules(fstest.MapFS{"r.yaml": {Data: []byte(ok)}})
	if err2 != nil || err3 != nil {
		t.Fatal(err2, err3)
	}
	if r1.Digest == r2.Digest || r1.Digest != r3.Digest {
		t.Errorf("digest must follow the bytes: %s %s %s", r1.Digest, r2.Digest, r3.Digest)
	}
}

// TestRuleCombinators checks all/unless/withCapabilities on a synthetic function table.
func TestRuleCombinators(t *testing.T) {
	t.Parallel()
	rules := `version: "t"
rules:
  - id: t.exec
    capability: process.exec
    summary: exec
    source: test
    any: {functions: [os.StartProcess]}
  - id: t.selfupdate
    capability: update.self
    summary: custom updater
    source: test
    any: {nameContains: [selfupdate]}
    all:
      - functions: [os.Executable]
  - id: t.dial
    capability: network.connect
    summary: dial
    source: test
    any: {functions: [net.(*Dialer).DialContext]}
    unless: {packages: [net/http]}
  - id: t.fetchexec
    capability: update.fetch-exec
    summary: installer
    source: test
    any: {literals: ["dpkg -i"]}
    withCapabilities: [process.exec]
`
	r, err := LoadRules(fstest.MapFS{"r.yaml": {Data: []byte(rules)}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(WithRules(r))
	if err != nil {
		t.Fatal(err)
	}
	scan := func(funcs []string, rodata string) map[Capability]bool {
		t.Helper()
		bin := buildELF(0x3e, []testSection{
			{".rodata", 2, []byte(rodata)},
			{".gopclntab", 2, buildPclntab(funcs, nil)},
		})
		a, err := s.ScanBytes(t.Context(), "t", bin)
		if err != nil {
			t.Fatal(err)
		}
		got := map[Capability]bool{}
		for _, f := range a.Findings {
			got[f.Capability] = true
		}
		return got
	}
	got := scan([]string{"github.com/v/app/upd.SelfUpdate", "main.main"}, "")
	if got[UpdateSelf] {
		t.Error("selfupdate name without os.Executable fired")
	}
	got = scan([]string{"github.com/v/app/upd.SelfUpdate", "os.Executable"}, "")
	if !got[UpdateSelf] {
		t.Error("selfupdate name with os.Executable did not fire")
	}
	got = scan([]string{"os.Executable", "runtime.selfupdate"}, "")
	if got[UpdateSelf] {
		t.Error("nameContains matched a standard-library name")
	}
	if got = scan([]string{"net.(*Dialer).DialContext"}, ""); !got[NetworkConnect] {
		t.Error("dial without net/http did not fire")
	}
	if got = scan([]string{"net.(*Dialer).DialContext", "net/http.init"}, ""); got[NetworkConnect] {
		t.Error("unless: dial with net/http fired")
	}
	if got = scan([]string{"main.main"}, "run dpkg -i now"); got[UpdateFetchExec] {
		t.Error("withCapabilities ignored")
	}
	if got = scan([]string{"os.StartProcess"}, "run dpkg -i now"); !got[UpdateFetchExec] || !got[ProcessExec] {
		t.Errorf("fetch-exec with exec: %v", got)
	}
}
