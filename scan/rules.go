package scan

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
)

// The rules are data (scan/rules/*.yaml), embedded and versioned; their digest
// goes into every report so a verifier can tell which rules produced a finding.

//go:embed rules/*.yaml
var builtinRules embed.FS

// maxRulesFile bounds one rules file.
const maxRulesFile = 1 << 20

// Rules is a loaded, compiled, versioned rule set. Build one with [Builtin] or [LoadRules].
type Rules struct {
	// Version is the rule set's declared version.
	Version string
	// Digest is "sha256:<hex>" over the rule files (name, length and content, in name order).
	Digest string
	rules  []*rule
	filter *endpointFilter
	atoms  atomIndex
}

// Matcher lists facts that make a rule fire. Within one matcher any fact suffices.
type Matcher struct {
	// Functions are exact function names in linker form: net.(*Dialer).DialContext.
	Functions []string `yaml:"functions"`
	// Packages are import paths, matched as whole path elements against the
	// packages of the binary's function names and the modules of its build info.
	Packages []string `yaml:"packages"`
	// NameContains are lower-case fragments of function names outside the standard library.
	NameContains []string `yaml:"nameContains"`
	// Imports are dynamically imported symbols of native binaries (connect, CreateProcessW).
	Imports []string `yaml:"imports"`
	// Libraries are needed shared libraries, as path.Match globs (libcurl.so*).
	Libraries []string `yaml:"libraries"`
	// Literals are byte strings searched for in the data sections.
	Literals []string `yaml:"literals"`
	// URLs are regular expressions matched against URLs found in the data sections.
	URLs []string `yaml:"urls"`
}

func (m *Matcher) empty() bool {
	return len(m.Functions)+len(m.Packages)+len(m.NameContains)+len(m.Imports)+len(m.Libraries)+len(m.Literals)+len(m.URLs) == 0
}

// RuleSpec is one rule as written in a rules file.
type RuleSpec struct {
	ID         string     `yaml:"id"`
	Capability Capability `yaml:"capability"`
	Summary    string     `yaml:"summary"`
	// Source says where the rule's knowledge comes from.
	Source string `yaml:"source"`
	// Target limits the rule to Go binaries ("go"), other binaries ("native") or both ("any", the default).
	Target string `yaml:"target"`
	// Any fires the rule when any of its facts is present.
	Any Matcher `yaml:"any"`
	// All adds conditions that must each hold as well.
	All []Matcher `yaml:"all"`
	// WithCapabilities requires other rules to have found these capabilities in the same artifact.
	WithCapabilities []Capability `yaml:"withCapabilities"`
	// Unless suppresses the rule when any of these facts is present.
	Unless *Matcher `yaml:"unless"`
	// Reach limits the function facts that count to those the code pass
	// reaches: "reached" from an entry point by any path it follows (calls,
	// function values, method tables, package variables); "anchored" by a
	// path through code alone (not starting at a package variable). A function
	// nothing leads to (a library's helper nobody calls, kept by the linker for
	// its method table) does not count. Binaries the code pass cannot read are
	// judged as if every function were reached.
	Reach string `yaml:"reach"`
	// Code requires one function outside the standard library that does all of
	// the listed things itself or through the functions it calls (see [CodeSpec]).
	Code *CodeSpec `yaml:"code"`
}

// CodeSpec is a condition on the code: some function F outside the standard
// library, reached from an entry point, such that for every group of Together
// F or a function F reaches in at most Within steps (calls, inlined calls,
// function values) is one of the group's Functions, satisfies the group's own
// Code condition, or loads a string that contains one of the group's Strings.
type CodeSpec struct {
	// Within is the most call steps from F (default 2, at most 4).
	Within int `yaml:"within"`
	// Together lists the groups; the first must name functions.
	Together []CodeGroup `yaml:"together"`
}

// CodeGroup is one thing the function must do.
type CodeGroup struct {
	// Functions are exact function names in linker form.
	Functions []string `yaml:"functions"`
	// Strings are byte strings one of the string literals the code loads contains.
	Strings []string `yaml:"strings"`
	// Patterns are regular expressions one of the string literals the code loads matches.
	Patterns []string `yaml:"patterns"`
	// Code, when set, makes every function that satisfies it (as F does the
	// outer condition: outside the standard library, reached) a member: "a
	// function that downloads and makes a file executable". It cannot nest
	// further.
	Code *CodeSpec `yaml:"code"`
	// Direct: the member must be reached from F through the program's own code,
	// every step taken from a function outside the standard library (os.Chmod
	// called by the program, not by os.MkdirAll on its behalf).
	Direct   bool `yaml:"direct"`
	patterns []*regexp.Regexp
}

type rulesFile struct {
	Version   string         `yaml:"version"`
	Rules     []RuleSpec     `yaml:"rules"`
	Endpoints *endpointsSpec `yaml:"endpoints"`
}

type rule struct {
	spec       RuleSpec
	commitment Commitment
	any        []int   // atom ids
	all        [][]int // atom ids per condition
	unless     []int
}

var builtinOnce = sync.OnceValues(func() (*Rules, error) {
	sub, err := fs.Sub(builtinRules, "rules")
	if err != nil {
		return nil, err
	}
	return LoadRules(sub)
})

// Builtin returns the embedded rules, loaded once.
func Builtin() (*Rules, error) { return builtinOnce() }

// LoadRules loads every *.yaml file at the top of fsys as one rule set. Exactly one
// file must declare the version; unknown fields, duplicate ids and unknown
// capabilities are errors.
func LoadRules(fsys fs.FS) (*Rules, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("rules: no *.yaml files")
	}
	sort.Strings(names)
	h := sha256.New()
	r := &Rules{}
	ids := map[string]string{}
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		if len(b) > maxRulesFile {
			return nil, fmt.Errorf("rules: %s: %d bytes is over the %d byte limit", name, len(b), maxRulesFile)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
		var rf rulesFile
		dec := yaml.NewDecoder(bytes.NewReader(b))
		dec.KnownFields(true)
		if err := dec.Decode(&rf); err != nil {
			return nil, fmt.Errorf("rules: %s: %w", name, err)
		}
		if rf.Version != "" {
			if r.Version != "" {
				return nil, fmt.Errorf("rules: %s: version declared twice", name)
			}
			r.Version = rf.Version
		}
		if rf.Endpoints != nil {
			if r.filter != nil {
				return nil, fmt.Errorf("rules: %s: endpoints section declared twice", name)
			}
			f, err := compileEndpointFilter(rf.Endpoints)
			if err != nil {
				return nil, fmt.Errorf("rules: %s: %w", name, err)
			}
			r.filter = f
		}
		for i := range rf.Rules {
			spec := rf.Rules[i]
			if err := checkSpec(&spec); err != nil {
				return nil, fmt.Errorf("rules: %s: rule %d (%s): %w", name, i+1, spec.ID, err)
			}
			if prev, dup := ids[spec.ID]; dup {
				return nil, fmt.Errorf("rules: %s: rule id %s already defined in %s", name, spec.ID, prev)
			}
			ids[spec.ID] = name
			c, _ := CommitmentOf(spec.Capability)
			ru := &rule{spec: spec, commitment: c}
			ru.any = r.atoms.add(&spec.Any)
			for j := range spec.All {
				ru.all = append(ru.all, r.atoms.add(&spec.All[j]))
			}
			if spec.Unless != nil {
				ru.unless = r.atoms.add(spec.Unless)
			}
			r.rules = append(r.rules, ru)
		}
	}
	if r.Version == "" {
		return nil, fmt.Errorf("rules: no file declares a version")
	}
	if r.filter == nil {
		r.filter = &endpointFilter{}
	}
	if err := r.atoms.compile(); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	r.Digest = "sha256:" + hex.EncodeToString(h.Sum(nil))
	return r, nil
}

var ruleID = regexp.MustCompile(`^[a-z0-9]+(?:[.-][a-z0-9]+)*$`)

func checkSpec(s *RuleSpec) error {
	if !ruleID.MatchString(s.ID) {
		return fmt.Errorf("id must be lower-case words joined by '.' or '-'")
	}
	if _, ok := CommitmentOf(s.Capability); !ok || s.Capability == NetworkEndpoint || s.Capability == AnalysisObscured {
		return fmt.Errorf("capability %q is not one a rule can report", s.Capability)
	}
	if strings.TrimSpace(s.Summary) == "" {
		return fmt.Errorf("summary is required")
	}
	switch s.Target {
	case "":
		s.Target = "any"
	case "any", "go", "native":
	default:
		return fmt.Errorf("target %q: want go, native or any", s.Target)
	}
	if s.Any.empty() && s.Code == nil {
		return fmt.Errorf("any: at least one fact is required (or a code condition)")
	}
	switch s.Reach {
	case "", "reached", "anchored":
	default:
		return fmt.Errorf("reach %q: want reached, anchored or nothing", s.Reach)
	}
	if c := s.Code; c != nil {
		if err := c.validate("code", true); err != nil {
			return err
		}
	}
	for i := range s.All {
		if s.All[i].empty() {
			return fmt.Errorf("all[%d]: empty condition", i)
		}
	}
	for _, c := range s.WithCapabilities {
		if _, ok := CommitmentOf(c); !ok {
			return fmt.Errorf("withCapabilities: unknown capability %q", c)
		}
	}
	for _, l := range append(append([]string{}, s.Any.Libraries...), libs(s.All)...) {
		if _, err := path.Match(l, ""); err != nil {
			return fmt.Errorf("library pattern %q: %w", l, err)
		}
	}
	for _, n := range s.Any.NameContains {
		if n != strings.ToLower(n) {
			return fmt.Errorf("nameContains %q must be lower case", n)
		}
	}
	return nil
}

// validate checks a code condition named where and fills its defaults; a
// nested condition (outer false) may not nest another.
func (c *CodeSpec) validate(where string, outer bool) error {
	if c.Within == 0 {
		c.Within = 2
	}
	if c.Within < 0 || c.Within > 4 {
		return fmt.Errorf("%s: within %d: want 1 to 4", where, c.Within)
	}
	if len(c.Together) == 0 || len(c.Together[0].Functions) == 0 {
		return fmt.Errorf("%s: together must list groups, the first naming functions", where)
	}
	for i := range c.Together {
		g := &c.Together[i]
		gw := fmt.Sprintf("%s: together[%d]", where, i)
		if len(g.Functions)+len(g.Strings)+len(g.Patterns) == 0 && g.Code == nil {
			return fmt.Errorf("%s: empty group", gw)
		}
		if g.Code != nil {
			if !outer {
				return fmt.Errorf("%s: code: a nested condition cannot nest another", gw)
			}
			if err := g.Code.validate(gw+": code", false); err != nil {
				return err
			}
		}
		for _, pat := range g.Patterns {
			re, err := regexp.Compile(pat)
			if err != nil {
				return fmt.Errorf("%s: pattern %q: %w", gw, pat, err)
			}
			g.patterns = append(g.patterns, re)
		}
	}
	return nil
}

func libs(ms []Matcher) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Libraries...)
	}
	return out
}

// Specs returns the rule specifications, in file order.
func (r *Rules) Specs() []RuleSpec {
	out := make([]RuleSpec, len(r.rules))
	for i, ru := range r.rules {
		out[i] = ru.spec
	}
	return out
}
