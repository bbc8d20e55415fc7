package diff

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
)

// Hand-made inputs: each finding says what the test needs and nothing else.

func fnd(rule string, c scan.Capability, conf scan.Confidence, host string, ev ...string) predicate.Finding {
	f := predicate.Finding{Finding: scan.Finding{Rule: rule, Capability: c, Confidence: conf, Host: host}}
	f.Commitment, _ = scan.CommitmentOf(c)
	for _, v := range ev {
		f.Evidence = append(f.Evidence, scan.Evidence{Kind: scan.EvidenceFunction, Value: v, Where: ".gopclntab+0x10"})
	}
	f.EvidenceTotal = len(f.Evidence)
	return f
}

func endpoint(host string) predicate.Finding {
	return fnd("endpoint.literal", scan.NetworkEndpoint, scan.Referenced, host, "https://"+host+"/v1")
}

func table(name string, hosts ...string) predicate.Finding {
	f := fnd("endpoint.table", scan.NetworkEndpoint, scan.Referenced, "")
	f.Hosts, f.Table = hosts, name
	for _, h := range hosts {
		f.Evidence = append(f.Evidence, scan.Evidence{Kind: scan.EvidenceString, Value: h, Where: ".rodata+0x1"})
	}
	f.EvidenceTotal = len(f.Evidence)
	return f
}

func art(name string, fs ...predicate.Finding) predicate.ArtifactAnalysis {
	return predicate.ArtifactAnalysis{Name: name, Format: "elf", Arch: "amd64", Findings: fs}
}

func withModules(a predicate.ArtifactAnalysis, mods ...string) predicate.ArtifactAnalysis {
	for _, m := range mods {
		p, v, _ := strings.Cut(m, "@")
		a.Modules = append(a.Modules, scan.Module{Path: p, Version: v})
	}
	return a
}

func report(path string, arts ...predicate.ArtifactAnalysis) *Input {
	return &Input{Path: path, Kind: KindReport, Analyzer: scan.Analyzer{Name: "candor", Version: "v1", RulesVersion: "1"}, Artifacts: arts}
}

// keyOf names a change for comparisons: op, kind, and what it is about.
func keyOf(c Change) string {
	s := string(c.Op) + " " + string(c.Kind) + " "
	switch c.Kind {
	case SubjectCapability:
		s += string(c.Capability)
	case SubjectHost:
		s += c.Host
	case SubjectFinding:
		s += c.Rule + "/" + string(c.Capability)
		if c.Host != "" {
			s += "/" + c.Host
		}
	case SubjectModule:
		s += c.Module
	}
	return s
}

func keys(cs []Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = keyOf(c)
	}
	return out
}

func find(t *testing.T, cs []Change, key string) Change {
	t.Helper()
	for _, c := range cs {
		if keyOf(c) == key {
			return c
		}
	}
	t.Fatalf("no change %q in %q", key, keys(cs))
	return Change{}
}

func TestCompareEachKind(t *testing.T) {
	old := report("old.json", withModules(art("app",
		fnd("go.http.client", scan.NetworkConnect, scan.Referenced, "", "net/http.(*Client).Do"),
		endpoint("api.example.com"),
		endpoint("old.example.com"),
		fnd("go.exec", scan.ProcessExec, scan.Linked, "", "os/exec.(*Cmd).Start"),
	), "golang.org/x/net@v0.1.0", "example.com/gone@v1.0.0", "example.com/same@v1.0.0"))
	new := report("new.json", withModules(art("app",
		fnd("go.http.client", scan.NetworkConnect, scan.Linked, "", "net/http.(*Client).Do", "net/http.(*Transport).roundTrip"),
		endpoint("api.example.com"),
		endpoint("new.example.com"),
		fnd("go.net.listen", scan.NetworkListen, scan.Linked, "", "net.(*TCPListener).accept"),
	), "golang.org/x/net@v0.2.0", "example.com/added@v1.0.0", "example.com/same@v1.0.0"))

	res := Compare(old, new)
	want := []string{
		"added capability network.listen",
		"added host new.example.com",
		"changed finding go.http.client/network.connect",
		"added module example.com/added",
		"changed module golang.org/x/net",
		"removed capability process.exec",
		"removed host old.example.com",
		"removed module example.com/gone",
	}
	if got := keys(res.Changes); !slices.Equal(got, want) {
		t.Fatalf("changes:\n got %q\nwant %q", got, want)
	}
	ch := find(t, res.Changes, "changed finding go.http.client/network.connect")
	if len(ch.Fields) != 2 || ch.Fields[0].Field != "confidence" || ch.Fields[0].Old != "referenced" || ch.Fields[0].New != "linked" ||
		ch.Fields[1].Field != "evidence" || !slices.Equal(ch.Fields[1].Added, []string{"function net/http.(*Transport).roundTrip"}) {
		t.Errorf("fields of the changed finding: %+v", ch.Fields)
	}
	mod := find(t, res.Changes, "changed module golang.org/x/net")
	if mod.OldVersion != "v0.1.0" || mod.NewVersion != "v0.2.0" {
		t.Errorf("module versions: %+v", mod)
	}
	listen := find(t, res.Changes, "added capability network.listen")
	if !listen.Counts || listen.Risk != RiskRemoteControl || len(listen.Evidence) != 1 || listen.Evidence[0].Value != "net.(*TCPListener).accept" ||
		!slices.Equal(listen.Rules, []string{"go.net.listen"}) {
		t.Errorf("new capability: %+v", listen)
	}
	host := find(t, res.Changes, "added host new.example.com")
	if !host.Counts || host.Rule != "endpoint.literal" || len(host.Evidence) != 1 || host.Evidence[0].Value != "https://new.example.com/v1" {
		t.Errorf("new host: %+v", host)
	}
	// The endpoint findings of new and removed hosts are shown by the host changes alone.
	for _, c := range res.Changes {
		if c.Kind == SubjectFinding && c.Rule == "endpoint.literal" {
			t.Errorf("endpoint finding listed besides its host: %+v", c)
		}
	}
	s := res.Summary
	if !s.New || s.Capabilities != (Counts{Added: 1, Removed: 1}) || s.Hosts != (Counts{Added: 1, Removed: 1}) ||
		s.Findings != (Counts{Changed: 1}) || s.Modules != (Counts{Added: 1, Changed: 1, Removed: 1}) {
		t.Errorf("summary: %+v", s)
	}
}

func TestRanking(t *testing.T) {
	old := report("old", art("app",
		fnd("go.exec", scan.ProcessExec, scan.Linked, "", "os/exec.(*Cmd).Start"),
		fnd("go.plugin", scan.CodeDynamic, scan.Linked, "", "plugin.Open"),
		endpoint("kept.example.com"),
	))
	new := report("new", art("app",
		fnd("go.exec", scan.ProcessExec, scan.Linked, "", "os/exec.(*Cmd).Start"),
		fnd("go.syscall.exec", scan.ProcessExec, scan.Linked, "", "syscall.Exec"),    // a new linked finding
		fnd("exec.string", scan.ProcessExec, scan.Referenced, "", "/bin/sh"),         // a new referenced one
		fnd("go.update.check", scan.UpdateCheck, scan.Referenced, "", "checkUpdate"), // update
		fnd("go.telemetry.sdk", scan.TelemetrySDK, scan.Linked, "", "sentry.Init"),   // exfiltration
		fnd("go.ssh.server", scan.RemoteAdmin, scan.Linked, "", "ssh.NewServerConn"), // remote control
		endpoint("kept.example.com"),
		endpoint("a.example.net"),
	))
	res := Compare(old, new)
	want := []string{
		"added capability remote.admin",
		"added capability telemetry.sdk",
		"added capability update.check",
		"added host a.example.net",
		"added finding go.syscall.exec/process.exec",
		"added finding exec.string/process.exec",
		"removed capability code.dynamic",
	}
	if got := keys(res.Changes); !slices.Equal(got, want) {
		t.Fatalf("order:\n got %q\nwant %q", got, want)
	}
	counts := map[string]bool{}
	for _, c := range res.Changes {
		counts[keyOf(c)] = c.Counts
	}
	if counts["added finding exec.string/process.exec"] || !counts["added finding go.syscall.exec/process.exec"] || counts["removed capability code.dynamic"] {
		t.Errorf("counts: %v", counts)
	}
}

func TestExitStatus(t *testing.T) {
	base := []predicate.Finding{fnd("go.exec", scan.ProcessExec, scan.Linked, "", "os/exec.(*Cmd).Start"), endpoint("a.example.com")}
	for _, tc := range []struct {
		name    string
		new     []predicate.Finding
		wantNew bool
	}{
		{"same", base, false},
		{"removals only", base[:1], false},
		{"referenced finding of a known capability", append(slices.Clone(base), fnd("exec.string", scan.ProcessExec, scan.Referenced, "", "/bin/sh")), false},
		{"changed confidence", []predicate.Finding{fnd("go.exec", scan.ProcessExec, scan.Referenced, "", "os/exec.(*Cmd).Start"), endpoint("a.example.com")}, false},
		{"linked finding of a known capability", append(slices.Clone(base), fnd("go.syscall.exec", scan.ProcessExec, scan.Linked, "", "syscall.Exec")), true},
		{"new host", append(slices.Clone(base), endpoint("b.example.com")), true},
		{"new host in a table", append(slices.Clone(base), table("example.com/x.init", "c.example.com")), true},
		{"new capability", append(slices.Clone(base), fnd("go.net.listen", scan.NetworkListen, scan.Referenced, "", "net.Listen")), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := Compare(report("old", art("app", base...)), report("new", art("app", tc.new...)))
			if res.HasNew() != tc.wantNew {
				t.Errorf("HasNew = %v, want %v; changes %q", res.HasNew(), tc.wantNew, keys(res.Changes))
			}
		})
	}
}

func TestPairArtifacts(t *testing.T) {
	single := Compare(report("o", art("dist/v1/app", endpoint("a.example"))), report("n", art("build/app-2", endpoint("a.example"))))
	if len(single.Artifacts) != 1 || single.Artifacts[0].Old != "dist/v1/app" || single.Artifacts[0].New != "build/app-2" || len(single.Changes) != 0 {
		t.Errorf("one artifact each side: %+v %q", single.Artifacts, keys(single.Changes))
	}
	res := Compare(
		report("o", art("old/cli", endpoint("a.example")), art("old/agent"), art("old/tool")),
		report("n", art("new/agent", endpoint("b.example")), art("new/cli", endpoint("a.example")), art("new/extra")))
	var got []string
	for _, a := range res.Artifacts {
		got = append(got, a.Old+"|"+a.New)
	}
	want := []string{"old/agent|new/agent", "old/cli|new/cli", "|new/extra", "old/tool|"}
	if !slices.Equal(got, want) {
		t.Fatalf("pairs: got %q want %q", got, want)
	}
	if k := keys(res.Changes); !slices.Equal(k, []string{"added capability network.endpoint", "added host b.example"}) {
		t.Errorf("changes: %q", k)
	}
	if res.Changes[0].Artifact != "new/agent" {
		t.Errorf("artifact of the change: %q", res.Changes[0].Artifact)
	}

	// Members of containers are matched by path, and a single member each side whatever its path.
	tarball := func(name string, members ...predicate.ArtifactAnalysis) predicate.ArtifactAnalysis {
		a := art(name)
		a.Format, a.Members = "tar+gzip", members
		return a
	}
	res = Compare(
		report("o", tarball("app-1.0.tar.gz", art("app-1.0/bin/app"))),
		report("n", tarball("app-1.1.tar.gz", art("app-1.1/bin/app", fnd("go.exec", scan.ProcessExec, scan.Linked, "", "os/exec.(*Cmd).Start")))))
	if len(res.Artifacts) != 2 || res.Artifacts[1].Name != "app-1.1.tar.gz!/app-1.1/bin/app" || res.Artifacts[1].Old != "app-1.0/bin/app" {
		t.Fatalf("members: %+v", res.Artifacts)
	}
	if k := keys(res.Changes); !slices.Equal(k, []string{"added capability process.exec"}) || res.Changes[0].Artifact != "app-1.1.tar.gz!/app-1.1/bin/app" {
		t.Errorf("member change: %q %+v", k, res.Changes)
	}
}

func TestEndpointTables(t *testing.T) {
	old := report("o", art("app",
		table("static data at 0x2ab0400 (no code the pass reads refers to it)", "a.example.com", "b.example.com"),
		table("static data at 0x2ac0000 (no code the pass reads refers to it)", "x.example.org", "y.example.org"),
	))
	new := report("n", art("app",
		table("static data at 0x2bc1000 (no code the pass reads refers to it)", "x.example.org", "y.example.org", "z.example.org"),
		table("static data at 0x2bb0000 (no code the pass reads refers to it)", "a.example.com", "b.example.com"),
	))
	res := Compare(old, new)
	want := []string{"added host z.example.org", "changed finding endpoint.table/network.endpoint"}
	if got := keys(res.Changes); !slices.Equal(got, want) {
		t.Fatalf("tables that moved: got %q want %q", got, want)
	}
	f := res.Changes[1].Fields
	if len(f) < 1 || f[0].Field != "hosts" || !slices.Equal(f[0].Added, []string{"z.example.org"}) {
		t.Errorf("table fields: %+v", f)
	}
}

func TestAttestedDisposition(t *testing.T) {
	cover := func(f predicate.Finding, by string) predicate.Finding {
		f.CoveredBy, f.Disposition = by, predicate.DispositionOf(by)
		return f
	}
	old := &Input{Path: "o", Kind: KindAttestation, Artifacts: []predicate.ArtifactAnalysis{art("app", cover(endpoint("a.example.com"), "endpoints[0]"))}}
	new := &Input{Path: "n", Kind: KindAttestation, Artifacts: []predicate.ArtifactAnalysis{art("app", cover(endpoint("a.example.com"), "accepted[2]"))}}
	res := Compare(old, new)
	if len(res.Changes) != 1 {
		t.Fatalf("changes: %q", keys(res.Changes))
	}
	var fields []string
	for _, f := range res.Changes[0].Fields {
		fields = append(fields, fmt.Sprintf("%s %s→%s", f.Field, f.Old, f.New))
	}
	if want := []string{"coveredBy endpoints[0]→accepted[2]", "disposition disclosed→accepted"}; !slices.Equal(fields, want) {
		t.Errorf("fields: %q", fields)
	}
	// A report against an attestation: the disposition is not a change.
	if res := Compare(report("o", art("app", endpoint("a.example.com"))), new); len(res.Changes) != 0 {
		t.Errorf("report vs attestation: %q", keys(res.Changes))
	}
}

func TestHostEvidence(t *testing.T) {
	lit := endpoint("a.example.com")
	for _, v := range []string{"https://a.example.com/x", "unrelated", "https://A.EXAMPLE.COM/y", "wss://a.example.com/z"} {
		lit.Evidence = append(lit.Evidence, scan.Evidence{Kind: scan.EvidenceString, Value: v})
	}
	lit.EvidenceTotal = len(lit.Evidence)
	res := Compare(report("o", art("app", endpoint("b.example.com"))), report("n", art("app", endpoint("b.example.com"), lit, table("t", "c.example.com", "d.example.com"))))
	a, c := find(t, res.Changes, "added host a.example.com"), find(t, res.Changes, "added host c.example.com")
	if len(a.Evidence) != maxEvidence || a.EvidenceTotal != 4 {
		t.Errorf("literal host: %d items shown, total %d; want %d of 4", len(a.Evidence), a.EvidenceTotal, maxEvidence)
	}
	if len(c.Evidence) != 1 || c.Evidence[0].Value != "c.example.com" || c.EvidenceTotal != 1 {
		t.Errorf("table host: %+v", c)
	}
}

// TestManySameKey: a report with many findings of one key (a hostile one) compares in time
// linear in its size.
func TestManySameKey(t *testing.T) {
	var old, new []predicate.Finding
	for i := range 20000 {
		old = append(old, table(fmt.Sprintf("static data at 0x%x", i), fmt.Sprintf("h%d.example", i)))
		new = append(new, table(fmt.Sprintf("static data at 0x%x", i+1), fmt.Sprintf("h%d.example", i)))
	}
	start := time.Now()
	res := Compare(report("o", art("app", old...)), report("n", art("app", new...)))
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
	if len(res.Changes) != 0 {
		t.Errorf("%d changes, first %q", len(res.Changes), keys(res.Changes[:1]))
	}
}
