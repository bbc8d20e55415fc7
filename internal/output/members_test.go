package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan"
)

// TestMembers: an archive shows its members under it, the summary counts
// their findings, and SARIF locates them inside the archive.
func TestMembers(t *testing.T) {
	f := scan.Finding{Rule: "native.socket.connect", Capability: scan.NetworkConnect, Commitment: scan.CommitmentExfiltration,
		Confidence: scan.Linked, Evidence: []scan.Evidence{{Kind: scan.EvidenceImport, Value: "connect", Where: "dynamic imports"}}, EvidenceTotal: 1}
	rep := &scan.Report{Artifacts: []scan.Artifact{{
		Path: "app.tar.gz", Format: "tar+gzip", SHA256: "aa", Size: 10, Findings: []scan.Finding{},
		Members: []scan.Artifact{
			{Path: "bin/app", Format: "elf", OS: "linux", Arch: "amd64", SHA256: "bb", Layer: "sha256:cc", Findings: []scan.Finding{f}},
			{Path: "bin/quiet", Format: "elf", OS: "linux", Arch: "amd64", SHA256: "dd", Findings: []scan.Finding{}},
		},
	}}}
	var buf bytes.Buffer
	if err := (textRenderer{}).Scan(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"\napp.tar.gz\n  sha256    aa\n  format    tar+gzip, 10 bytes\n  members   2 executables\n",
		"\n  app.tar.gz!/bin/app\n    sha256    bb\n",
		"    layer     sha256:cc\n",
		"\n    exfiltration: 1 finding\n      network.connect  [linked]  rule native.socket.connect\n",
		"\n  app.tar.gz!/bin/quiet\n",
		"summary: 1 artifact (2 executables inside), 1 finding (remote control 0, exfiltration 1, forced upgrade 0)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}
	buf.Reset()
	if err := (sarifRenderer{}).Scan(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"uri": "app.tar.gz!/bin/app"`) {
		t.Errorf("SARIF does not locate the member inside the archive:\n%s", buf.String())
	}
}
