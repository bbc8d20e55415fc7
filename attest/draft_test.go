package attest

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/testbuild"
	"github.com/candor-dev/candor/scan"
)

// scanFixtures scans the named fixture programs, built for linux/amd64 by testbuild.
func scanFixtures(t *testing.T, programs ...string) *scan.Report {
	t.Helper()
	var paths []string
	for _, b := range testbuild.Build(t, "", testbuild.Target{GOOS: "linux", GOARCH: "amd64"}) {
		if slices.Contains(programs, b.Program) {
			paths = append(paths, b.Path)
		}
	}
	if len(paths) != len(programs) {
		t.Fatalf("found %d of the fixtures %v", len(paths), programs)
	}
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Run(t.Context(), paths)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// fillDraft replaces every placeholder of a draft as a vendor would.
func fillDraft(draft []byte) []byte {
	s := strings.NewReplacer(
		// JSON quotes what YAML writes plain
		`"<true|false>"`, "true", `"<days within which users hear of a serious vulnerability>"`, "30",
		"<always|opt-out|opt-in|user-initiated>", "opt-in",
		"<loopback|configurable|all>", "loopback",
		"<none|password|token|mtls|os|other>", "token",
		"<user-approved|automatic>", "user-approved",
		"<notify|user-approved|automatic>", "notify",
		"<true|false>", "true",
		`"<port: a number or a range such as 8000-8100>"`, "6060",
		"<host the data goes to>", "o0.ingest.sentry.io",
		"<host updates come from>", "releases.selfupdater-fixture.io",
		"<security contact as an email address or an https URL>", "security@example.com",
		"<https URL of the vulnerability disclosure policy>", "https://example.com/security",
		"<days within which users hear of a serious vulnerability>", "30",
	).Replace(string(draft))
	return []byte(freeText.ReplaceAllString(s, "text the vendor wrote"))
}

// hexAddr scrubs addresses that name endpoint tables ("static data at 0x9a5c10"): they move
// with the toolchain.
var hexAddr = regexp.MustCompile(`0x[0-9a-f]+`)

func checkDraftGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = hexAddr.ReplaceAll(got, []byte("0x<n>"))
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -run %s -update rewrites it):\n%s", path, t.Name(), got)
	}
}

// allFindings lists every finding of the report.
func allFindings(rep *scan.Report) []scan.Finding {
	var fs []scan.Finding
	for _, l := range reportFindings(rep) {
		fs = append(fs, l.f)
	}
	return fs
}

// TestDraftFixtures: the draft for six fixture programs groups their findings (one entry per
// host, one accepted entry for the endpoint table's module, one listener, one remoteControl
// entry per capability, one telemetry entry with its sdk, one updates section) and is the
// golden byte for byte; unedited it is refused, placeholders that the schema alone would take
// included; filled in as a vendor would, it loads and covers every finding.
func TestDraftFixtures(t *testing.T) {
	t.Parallel()
	rep := scanFixtures(t, "phonehome", "pprofserver", "revshell", "sdktable", "selfupdater", "telemetry")
	d, err := NewDraft(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	y := d.YAML()
	checkDraftGolden(t, "draft.golden.yaml", y)
	if again, _ := NewDraft(rep, nil); !bytes.Equal(again.YAML(), y) {
		t.Error("two drafts of the same report differ")
	}
	if d.Findings != len(allFindings(rep)) || d.Uncovered != d.Findings || d.Kept != 0 || d.Stale != 0 {
		t.Errorf("counts: %+v", d)
	}
	for _, want := range []string{
		"\n  - rule: endpoint.table\n    module: candor.test/fixtures\n    reason: \"<why these 34 hosts are harmless",
		"\n  - capability: process.exec\n", "\n  - capability: remote.admin\n",
		"\n    sdk: github.com/getsentry/sentry-go\n", "\nupdates:\n  mechanism: <user-approved|automatic>\n",
		"\nlisteners:\n  # candor: network.listen, 2 finding(s)",
	} {
		if !bytes.Contains(y, []byte(want)) {
			t.Errorf("draft lacks %q", want)
		}
	}

	// Unedited: refused, and a placeholder reason is refused although the schema takes any text.
	_, err = ParseDisclosure("draft.yaml", y)
	var derr *DisclosureError
	if !errors.As(err, &derr) || !errors.Is(err, ErrDisclosure) {
		t.Fatalf("unedited draft: %v", err)
	}
	var placeholderFields []string
	for _, p := range derr.Problems {
		if strings.Contains(p.Message, "still a placeholder") {
			placeholderFields = append(placeholderFields, p.Field)
		}
	}
	for _, f := range []string{"accepted[0].reason", "endpoints[0].purpose", "product.name", "remoteControl[0].purpose"} {
		if !slices.Contains(placeholderFields, f) {
			t.Errorf("no placeholder problem for %s: %v", f, placeholderFields)
		}
	}

	// Filled in: loads and covers every finding, YAML and JSON alike.
	j, err := d.JSON()
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string][]byte{"yaml": fillDraft(y), "json": fillDraft(j)} {
		filled, err := ParseDisclosure("filled."+name, doc)
		if err != nil {
			t.Fatalf("%s: filled draft does not load: %v\n%s", name, err, doc)
		}
		for _, f := range allFindings(rep) {
			if filled.Cover(f) == "" {
				t.Errorf("%s: filled draft does not cover %s %s %s", name, f.Rule, f.Capability, f.Host)
			}
		}
		if _, un, err := BuildPredicate(filled, rep, time.Unix(0, 0)); err != nil || len(un) != 0 {
			t.Errorf("%s: predicate: %d uncovered, %v", name, len(un), err)
		}
	}
}

const existingDisclosure = `apiVersion: candor.dev/disclosure/v1
product: {name: Phone Home, version: "2.0", vendor: ACME}
security:
  contact: security@acme.example
  policy: https://acme.example/security
  notificationDays: 14
endpoints:
  - host: collect.phonehome-fixture.net
    purpose: usage report
    data: [product version]
    consent: opt-in
  - host: gone.example.com
    purpose: last year's licence server
    data: []
    consent: always
  - host: "*.phonehome-fixture.net"
    purpose: every host of the vendor
    data: []
    consent: opt-in
remoteControl:
  - capability: code.dynamic
    purpose: plugins, dropped in 2.0
    consent: opt-in
accepted:
  - rule: endpoint.literal
    value: never.example.org
    reason: a documentation link that is no longer in the binary
updates:
  mechanism: none
`

// TestDraftMerge: run against an existing disclosure, the draft keeps its product, security
// and every entry in order, marks exactly the entries no finding matches (an entry is judged
// alone: a wildcard that covers a host another entry names is not stale; "mechanism: none" is
// never stale), adds entries for what it does not cover, and says why the kept updates
// section does not cover the update code.
func TestDraftMerge(t *testing.T) {
	t.Parallel()
	rep := scanFixtures(t, "phonehome", "selfupdater")
	existing, err := ParseDisclosure("existing.yaml", []byte(existingDisclosure))
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDraft(rep, existing)
	if err != nil {
		t.Fatal(err)
	}
	y := d.YAML()
	checkDraftGolden(t, "draft_merge.golden.yaml", y)
	if d.Kept != 6 || d.Stale != 3 {
		t.Errorf("kept %d, stale %d; want 6 and 3", d.Kept, d.Stale)
	}
	s := string(y)
	if n := strings.Count(s, "# "+StaleMark+"\n"); n != 3 {
		t.Errorf("%d stale marks, want 3:\n%s", n, s)
	}
	for _, stale := range []string{"- host: gone.example.com", "- capability: code.dynamic", "- rule: endpoint.literal\n    value: never.example.org"} {
		if !strings.Contains(s, "# "+StaleMark+"\n  "+stale) {
			t.Errorf("%q is not marked stale:\n%s", stale, s)
		}
	}
	for _, kept := range []string{"name: Phone Home", "contact: security@acme.example", "notificationDays: 14",
		"- host: collect.phonehome-fixture.net\n    purpose: usage report", "- host: \"*.phonehome-fixture.net\"", "mechanism: none"} {
		if !strings.Contains(s, kept) {
			t.Errorf("draft lost %q", kept)
		}
	}
	// Kept first, in their order, then the new host.
	if i, j := strings.Index(s, "gone.example.com"), strings.Index(s, "- host: releases.selfupdater-fixture.io"); i < 0 || j < i {
		t.Errorf("new endpoint not after the kept ones:\n%s", s)
	}
	if !strings.Contains(s, "# candor: this section does not cover the update findings below: change the mechanism to <user-approved|automatic>") {
		t.Errorf("no note on the kept updates section:\n%s", s)
	}
	// The kept entries parse back as they were.
	filled, err := ParseDisclosure("merged.yaml", fillDraft(y))
	if err != nil {
		t.Fatalf("filled merge does not load: %v", err)
	}
	if len(filled.Endpoints) != 4 || filled.Endpoints[1].Purpose != "last year's licence server" || len(filled.Accepted) != 1 {
		t.Errorf("merged entries: %+v", filled.Declarations)
	}
}

// TestDraftEscapes: strings from the binary reach the draft only escaped: no control
// character, and a newline in an evidence value cannot end a comment and add a key.
func TestDraftEscapes(t *testing.T) {
	t.Parallel()
	evil := "https://x.example/\n  foo: bar\r\x1b[2J\u202e"
	rep := &scan.Report{Artifacts: []scan.Artifact{{Path: "dist/app\nname", SHA256: "00", Findings: []scan.Finding{
		{Rule: "endpoint.literal", Capability: scan.NetworkEndpoint, Confidence: scan.Referenced, Host: "x.example",
			Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: evil, Path: []string{"main.main", "main.f\n# x"}}}},
		{Rule: "endpoint.literal", Capability: scan.NetworkEndpoint, Confidence: scan.Referenced, Host: "bad\x1bhost",
			Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "bad\x1bhost"}}},
	}}}}
	d, err := NewDraft(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	y := d.YAML()
	for i, c := range y {
		if c < 0x20 && c != '\n' || c == 0x7f {
			t.Fatalf("raw control %q at %d:\n%s", c, i, y)
		}
	}
	if bytes.Contains(y, []byte("\u202e")) {
		t.Errorf("raw bidi override:\n%s", y)
	}
	filled, err := ParseDisclosure("draft.yaml", fillDraft(y))
	if err != nil {
		t.Fatalf("filled draft does not load (a comment escaped?): %v\n%s", err, y)
	}
	if len(filled.Endpoints) != 1 || len(filled.Accepted) != 1 || filled.Accepted[0].Value != "bad\x1bhost" {
		t.Errorf("entries: %+v", filled.Declarations)
	}
}

// TestWildcardSuggestion: three hosts below one registrable domain become one wildcard (the
// domain itself keeps its entry); never a wildcard under a public suffix, above a private
// one, or for addresses.
func TestWildcardSuggestion(t *testing.T) {
	t.Parallel()
	var ls []located
	for _, h := range []string{"a.acme.example.com", "b.acme.example.com", "c.x.acme.example.com", "example.com",
		"api.example.com", "one.github.io", "two.github.io", "three.github.io", "10.0.0.1", "10.0.0.2", "10.0.0.3",
		// us-east-1.amazonaws.com is a public suffix (private section): *.amazonaws.com would cover others' names
		"a.ca-central-1.amazonaws.com", "b.ca-central-1.amazonaws.com", "c.ca-central-1.amazonaws.com", "x.us-east-1.amazonaws.com"} {
		ls = append(ls, located{artifact: "app", f: scan.Finding{Rule: "endpoint.literal", Capability: scan.NetworkEndpoint, Host: h}})
	}
	var hosts []string
	for _, s := range suggest(ls) {
		hosts = append(hosts, s.entry.get("host").(string))
	}
	want := []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "a.ca-central-1.amazonaws.com", "b.ca-central-1.amazonaws.com", "c.ca-central-1.amazonaws.com",
		"*.example.com", "example.com", "one.github.io", "three.github.io", "two.github.io", "x.us-east-1.amazonaws.com"}
	if !slices.Equal(hosts, want) {
		t.Errorf("hosts %v, want %v", hosts, want)
	}
}

// TestDraftReporterWithoutModule: a usage reporter in a binary without module information
// (Debian builds GOPATH-style) gets a telemetry entry whose sdk is the reporting code's
// package, and that entry, filled in, covers it (an entry naming only a host would not:
// the finding names none).
func TestDraftReporterWithoutModule(t *testing.T) {
	f := scan.Finding{Rule: "go.usage.reporter", Capability: scan.TelemetrySDK, Commitment: scan.CommitmentExfiltration, Confidence: scan.Linked,
		Evidence: []scan.Evidence{
			{Kind: scan.EvidenceFunction, Value: "net/http.(*Client).Do"},
			{Kind: scan.EvidenceFunction, Value: "github.com/google/certificate-transparency/go/client.(*LogClient).addChainWithRetry"},
		}}
	rep := &scan.Report{Artifacts: []scan.Artifact{{Path: "ovrouter", SHA256: strings.Repeat("ab", 32), Format: "elf", Findings: []scan.Finding{f}}}}
	d, err := NewDraft(rep, nil)
	if err != nil {
		t.Fatal(err)
	}
	y := d.YAML()
	if !strings.Contains(string(y), "sdk: github.com/google/certificate-transparency/go/client\n") {
		t.Fatalf("no sdk of the reporting package in the draft:\n%s", y)
	}
	filled, err := ParseDisclosure("filled.yaml", fillDraft(y))
	if err != nil {
		t.Fatalf("filled draft does not load: %v\n%s", err, fillDraft(y))
	}
	if filled.Cover(f) == "" {
		t.Errorf("the filled draft does not cover the reporter:\n%s", fillDraft(y))
	}
	for _, v := range []string{"net/http", "main"} {
		g := f
		g.Evidence = []scan.Evidence{{Kind: scan.EvidenceFunction, Value: v + ".F"}}
		if p := reporterPackage(g); p != "" {
			t.Errorf("reporterPackage(%s.F) = %q, want none: standard library or main", v, p)
		}
	}
}
