package output

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	gosarif "github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/candor-dev/candor/scan"
)

// sarifModule is the module whose copy of the OASIS SARIF 2.1.0 schema the tests
// validate against: it comes from the Go module proxy like every dependency.
const sarifModule = "github.com/owenrumney/go-sarif/v3"

// sarifSchema210 compiles the SARIF 2.1.0 JSON schema (draft-04) from the source of
// sarifModule in the module cache, where it is a Go string constant.
var sarifSchema210 = sync.OnceValues(func() (*jsonschema.Schema, error) {
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == sarifModule {
				version = d.Version
			}
		}
	}
	cache, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil || version == "" {
		return nil, err
	}
	src, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(cache)), sarifModule+"@"+version, "pkg/report/v210/sarif/schema.go"))
	if err != nil {
		return nil, err
	}
	_, text, ok := strings.Cut(string(src), "const schema = `")
	if ok {
		text, _, ok = strings.Cut(text, "`")
	}
	if !ok {
		return nil, os.ErrNotExist
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft4)
	if err := c.AddResource("sarif-schema-2.1.0.json", doc); err != nil {
		return nil, err
	}
	return c.Compile("sarif-schema-2.1.0.json")
})

// validateSARIF checks a log against the SARIF 2.1.0 schema, and that the go-sarif types
// read it back with the same results and artifacts (a second reader, as a dashboard is;
// its own Validate checks its re-encoding, which adds empty members, not our bytes).
func validateSARIF(t *testing.T, log []byte) {
	t.Helper()
	sch, err := sarifSchema210()
	if err != nil || sch == nil {
		t.Fatalf("SARIF 2.1.0 schema from %s: %v (is the module in the module cache? go mod download)", sarifModule, err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(log))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Fatalf("SARIF log does not match the SARIF 2.1.0 schema: %v\n%s", err, log)
	}
	rep, err := gosarif.FromBytes(log)
	if err != nil {
		t.Fatalf("go-sarif cannot read the log: %v", err)
	}
	var mine sarifLog
	if err := json.Unmarshal(log, &mine); err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 1 || len(rep.Runs[0].Results) != len(mine.Runs[0].Results) || len(rep.Runs[0].Artifacts) != len(mine.Runs[0].Artifacts) {
		t.Fatalf("go-sarif reads %d run(s) with other results or artifacts than written", len(rep.Runs))
	}
}

// sarifMemberReport is a report with an archive holding two executables, one of them
// with findings whose evidence has file offsets.
func sarifMemberReport(archive string) *scan.Report {
	f := scan.Finding{Rule: "str.endpoint", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
		Confidence: scan.Referenced, Host: "telemetry.example.com", Summary: "hard-coded remote host",
		Evidence: []scan.Evidence{
			{Kind: scan.EvidenceString, Value: "https://telemetry.example.com/v1", Where: ".rodata+0x10 (file offset 0x1010)"},
			{Kind: scan.EvidenceFunction, Value: "main.ping", Where: ".gopclntab+0x20 (file offset 0x2020)"},
			{Kind: scan.EvidenceModule, Value: "example.com/x@v1.0.0", Where: "buildinfo"},
		}, EvidenceTotal: 3}
	return &scan.Report{Analyzer: scan.Analyzer{Name: "candor", Version: "0.1.0-test"}, Artifacts: []scan.Artifact{{
		Path: archive, Format: "deb", SHA256: "aa", Size: 10, Findings: []scan.Finding{},
		Members: []scan.Artifact{
			{Path: "usr/bin/app", Format: "elf", SHA256: "bb", Size: 5, Findings: []scan.Finding{f}},
			{Path: "usr/bin/my tool", Format: "elf", SHA256: "cc", Size: 5, Findings: []scan.Finding{}},
		},
	}}}
}

// TestSARIFSchema validates every shape of log candor writes against the SARIF 2.1.0
// schema: the sample report, archive members, a base directory, a disclosure.
func TestSARIFSchema(t *testing.T) {
	cover := WithDisclosure(func(f scan.Finding) (string, bool) {
		return "disclosed by endpoints[0]: usage statistics", f.Host == "telemetry.example.com"
	})
	cases := []struct {
		name string
		rep  *scan.Report
		opts []Option
	}{
		{"sample", sampleReport(), []Option{WithRuleSpecs(sampleSpecs)}},
		{"sample with base and disclosure", sampleReport(), []Option{WithBaseDir("/work/project"), cover}},
		{"members", sarifMemberReport("dist/app_1.0_amd64.deb"), nil},
		{"members with base", sarifMemberReport("/srv/release/app_1.0_amd64.deb"), []Option{WithBaseDir("/work/project"), cover}},
		{"empty", &scan.Report{}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			validateSARIF(t, render(t, FormatSARIF, c.rep, c.opts...))
		})
	}
}

func TestSARIFLocations(t *testing.T) {
	base := filepath.FromSlash("/work/project")
	decode := func(t *testing.T, rep *scan.Report, opts ...Option) sarifRun {
		t.Helper()
		var log sarifLog
		if err := json.Unmarshal(render(t, FormatSARIF, rep, opts...), &log); err != nil {
			t.Fatal(err)
		}
		return log.Runs[0]
	}
	t.Run("one base for both spellings of a path", func(t *testing.T) {
		for _, p := range []string{"dist/app", "./dist/app", filepath.Join(base, "dist/app"), "dist/../dist/app"} {
			run := decode(t, &scan.Report{Artifacts: []scan.Artifact{{Path: p, Findings: []scan.Finding{}}}}, WithBaseDir(base))
			if got := run.OriginalURIBaseIDs[srcRoot].URI; got != "file:///work/project/" {
				t.Errorf("%s: base %q, want file:///work/project/", p, got)
			}
			if loc := run.Artifacts[0].Location; loc.URI != "dist/app" || loc.URIBaseID != srcRoot {
				t.Errorf("%s: artifact location %+v, want dist/app relative to %s", p, loc, srcRoot)
			}
		}
	})
	t.Run("outside the base: the deepest common directory, no ..", func(t *testing.T) {
		rep := &scan.Report{Artifacts: []scan.Artifact{
			{Path: "dist/app", Findings: []scan.Finding{}},
			{Path: "../other/tool", Findings: []scan.Finding{}},
		}}
		run := decode(t, rep, WithBaseDir(base))
		if got := run.OriginalURIBaseIDs[srcRoot].URI; got != "file:///work/" {
			t.Errorf("base %q, want file:///work/", got)
		}
		for i, want := range []string{"project/dist/app", "other/tool"} {
			if got := run.Artifacts[i].Location.URI; got != want {
				t.Errorf("artifact %d: uri %q, want %q", i, got, want)
			}
		}
	})
	t.Run("members, regions and related locations", func(t *testing.T) {
		run := decode(t, sarifMemberReport("dist/app_1.0_amd64.deb"), WithBaseDir(base))
		want := []string{"dist/app_1.0_amd64.deb", "dist/app_1.0_amd64.deb!/usr/bin/app", "dist/app_1.0_amd64.deb!/usr/bin/my%20tool"}
		if len(run.Artifacts) != len(want) {
			t.Fatalf("got %d artifacts, want %d", len(run.Artifacts), len(want))
		}
		for i, w := range want {
			a := run.Artifacts[i]
			if a.Location.URI != w {
				t.Errorf("artifact %d: uri %q, want %q", i, a.Location.URI, w)
			}
			if (i == 0) != (a.ParentIndex == nil) || a.ParentIndex != nil && *a.ParentIndex != 0 {
				t.Errorf("artifact %d: parentIndex %v, want the archive (0) for members only", i, a.ParentIndex)
			}
		}
		if len(run.Results) != 1 {
			t.Fatalf("got %d results, want 1", len(run.Results))
		}
		res := run.Results[0]
		loc := res.Locations[0].PhysicalLocation
		if *loc.ArtifactLocation.Index != 1 || loc.Region == nil || loc.Region.ByteOffset != 0x1010 || *loc.Region.ByteLength != int64(len("https://telemetry.example.com/v1")) {
			t.Errorf("location %+v region %+v, want the member (1) at byte 0x1010", loc.ArtifactLocation, loc.Region)
		}
		if len(res.RelatedLocations) != 1 || res.RelatedLocations[0].PhysicalLocation.Region.ByteOffset != 0x2020 {
			t.Errorf("related locations %+v, want the function name at byte 0x2020 (the module has no offset)", res.RelatedLocations)
		}
		if res.Suppressions != nil {
			t.Errorf("suppressions %+v without a disclosure, want none", res.Suppressions)
		}
	})
	t.Run("suppressions from a disclosure", func(t *testing.T) {
		run := decode(t, sampleReport(), WithDisclosure(func(f scan.Finding) (string, bool) {
			return "accepted by accepted[0]: never contacted\x1b[2J", f.Host == "telemetry.example.com"
		}))
		n := 0
		for _, r := range run.Results {
			if r.Suppressions == nil {
				t.Fatalf("%s: no suppressions list, want one on every result evaluated against a disclosure", r.RuleID)
			}
			if len(*r.Suppressions) == 0 {
				continue
			}
			n++
			s := (*r.Suppressions)[0]
			if s.Kind != "external" || s.Status != "accepted" || strings.ContainsRune(s.Justification, 0x1b) || !strings.Contains(s.Justification, "accepted by accepted[0]: never contacted") {
				t.Errorf("suppression %+v", s)
			}
		}
		if n != 1 {
			t.Errorf("%d suppressed results, want 1 (the covered host)", n)
		}
	})
}

func TestEscapePath(t *testing.T) {
	for in, want := range map[string]string{
		"a.deb!/usr/bin/x": "a.deb!/usr/bin/x",
		"my app":           "my%20app",
		"x#y?z%":           "x%23y%3Fz%25",
		"caf\u00e9":        "caf%C3%A9",
	} {
		if got := escapePath(in); got != want {
			t.Errorf("escapePath(%q) = %q, want %q", in, got, want)
		}
	}
}
