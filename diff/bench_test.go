package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/candor-dev/candor/scan"
)

// rcloneSized is a report the size of rclone's (v1.60: 328 findings, 285 hard-coded hosts
// and 29 endpoint tables holding 1,156 more, about 800 KB of JSON), with 300 modules; shift
// moves a tenth of the hosts and modules, so that two of them differ as two releases do.
func rcloneSized(shift int) []byte {
	rep := scan.Report{Analyzer: scan.Analyzer{Name: "candor", Version: "v1", RulesVersion: "1", RulesDigest: "sha256:00"}}
	a := scan.Artifact{Path: "rclone", Format: "elf", Arch: "amd64", SHA256: fmt.Sprintf("%064x", shift)}
	ev := func(v string) []scan.Evidence {
		return []scan.Evidence{{Kind: scan.EvidenceString, Value: v, Where: ".rodata+0x594101 (file offset 0x21b1101)", Reach: "indirect",
			Path: []string{"main.main", "github.com/rclone/rclone/cmd.Main", "github.com/spf13/cobra.(*Command).Execute", "github.com/rclone/rclone/backend/s3.NewFs"}}}
	}
	for i := range 285 {
		h := fmt.Sprintf("host%d.example%d.com", i+shift*28, i%7)
		a.Findings = append(a.Findings, scan.Finding{Rule: "endpoint.literal", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration,
			Confidence: scan.Referenced, Host: h, Evidence: ev("https://" + h + "/api"), EvidenceTotal: 1, Summary: "hard-coded host " + h})
	}
	for t := range 29 {
		f := scan.Finding{Rule: "endpoint.table", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration, Confidence: scan.Referenced,
			Table: fmt.Sprintf("static data at 0x%x (no code the pass reads refers to it)", 0x2ab0400+t*0x1000+shift), Summary: "table"}
		for i := range 40 {
			h := fmt.Sprintf("svc%d-%d.amazonaws.com", t, i+shift*4)
			f.Hosts = append(f.Hosts, h)
			f.Evidence = append(f.Evidence, ev(h)...)
		}
		f.EvidenceTotal = len(f.Evidence)
		a.Findings = append(a.Findings, f)
	}
	for _, c := range []scan.Capability{scan.NetworkListen, scan.RemoteAdmin, scan.NetworkConnect, scan.UpdateSelf, scan.UpdateCheck, scan.ProcessExec, scan.CodeDynamic} {
		cm, _ := scan.CommitmentOf(c)
		a.Findings = append(a.Findings, scan.Finding{Rule: "go." + string(c), Capability: c, Commitment: cm, Confidence: scan.Linked,
			Evidence: ev("fn." + string(c)), EvidenceTotal: 1, Summary: string(c)})
	}
	for i := range 300 {
		a.Modules = append(a.Modules, scan.Module{Path: fmt.Sprintf("github.com/org%d/mod%d", i%40, i), Version: fmt.Sprintf("v1.%d.0", i%30+shift*(i%10/9))})
	}
	rep.Artifacts = []scan.Artifact{a}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

// BenchmarkDiffReports reads two rclone-sized reports, compares them and writes the text
// and JSON results: what candor diff old.json new.json does after it starts.
// CANDOR_DIFF_OLD and CANDOR_DIFF_NEW name real reports to use instead (bench/diff.sh).
func BenchmarkDiffReports(b *testing.B) {
	old, new := rcloneSized(0), rcloneSized(1)
	if o, n := os.Getenv("CANDOR_DIFF_OLD"), os.Getenv("CANDOR_DIFF_NEW"); o != "" && n != "" {
		var err error
		if old, err = os.ReadFile(o); err != nil {
			b.Fatal(err)
		}
		if new, err = os.ReadFile(n); err != nil {
			b.Fatal(err)
		}
	}
	l, err := NewLoader()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(old) + len(new)))
	b.ReportAllocs()
	for b.Loop() {
		oi, err := l.Read(ctx, "old.json", old)
		if err != nil {
			b.Fatal(err)
		}
		ni, err := l.Read(ctx, "new.json", new)
		if err != nil {
			b.Fatal(err)
		}
		res := Compare(oi, ni)
		if err := res.WriteText(io.Discard); err != nil {
			b.Fatal(err)
		}
		if err := res.WriteJSON(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
