package attest

import (
	"strings"

	"github.com/candor-dev/candor/scan"
)

// testReport is a hand-made analyser report for two builds of the acme-agent sample, every
// finding covered by testdata/disclosure.yaml.
func testReport() *scan.Report {
	sentry := scan.Evidence{Kind: scan.EvidenceModule, Value: "github.com/getsentry/sentry-go@v0.27.0", Where: "buildinfo"}
	linux := scan.Artifact{
		Path: "dist/linux-amd64/acme-agent", Size: 8123456,
		SHA256: strings.Repeat("a1", 32), Format: "elf", OS: "linux", Arch: "amd64",
		GoVersion:  "go1.27.3",
		MainModule: &scan.Module{Path: "acme.example/agent", Version: "v1.4.2"},
		Modules: []scan.Module{
			{Path: "github.com/getsentry/sentry-go", Version: "v0.27.0", Sum: "h1:abc="},
			{Path: "golang.org/x/net", Version: "v0.62.0", Replace: &scan.Module{Path: "../net"}},
		},
		BuildSettings: []scan.Setting{{Key: "GOOS", Value: "linux"}, {Key: "CGO_ENABLED", Value: "0"}},
		Functions:     12034, Packages: 211,
		Findings: []scan.Finding{
			{Rule: "go.net.listen", Capability: scan.NetworkListen, Commitment: scan.CommitmentRemoteControl, Confidence: scan.Linked,
				Evidence: []scan.Evidence{{Kind: scan.EvidenceFunction, Value: "net.(*TCPListener).accept", Where: "pclntab"}}, EvidenceTotal: 3,
				Summary: "accepts inbound TCP connections"},
			{Rule: "go.os.exec", Capability: scan.ProcessExec, Commitment: scan.CommitmentRemoteControl, Confidence: scan.Linked,
				Evidence: []scan.Evidence{{Kind: scan.EvidenceFunction, Value: "os/exec.(*Cmd).Start", Where: "pclntab"}}, EvidenceTotal: 1,
				Summary: "starts other programs"},
			{Rule: "go.net.dial", Capability: scan.NetworkConnect, Commitment: scan.CommitmentExfiltration, Confidence: scan.Linked,
				Evidence: []scan.Evidence{{Kind: scan.EvidenceFunction, Value: "net.(*Dialer).DialContext", Where: "pclntab"}}, EvidenceTotal: 2,
				Summary: "opens outbound connections"},
			{Rule: "endpoint.url", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration, Confidence: scan.Referenced,
				Host: "api.acme.example", Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://api.acme.example/v1/licence", Where: ".rodata+0x1a2b"}}, EvidenceTotal: 1,
				Summary: "hard-coded host api.acme.example"},
			{Rule: "endpoint.url", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration, Confidence: scan.Referenced,
				Host: "schemas.xmlsoap.org", Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "http://schemas.xmlsoap.org/soap/envelope/", Where: ".rodata+0x2c00"}}, EvidenceTotal: 1,
				Summary: "hard-coded host schemas.xmlsoap.org"},
			{Rule: "telemetry.sentry", Capability: scan.TelemetrySDK, Commitment: scan.CommitmentExfiltration, Confidence: scan.Linked,
				Evidence: []scan.Evidence{sentry}, EvidenceTotal: 1, Summary: "Sentry crash reporting SDK"},
			{Rule: "update.selfupdate", Capability: scan.UpdateSelf, Commitment: scan.CommitmentForcedUpgrade, Confidence: scan.Linked,
				Evidence: []scan.Evidence{{Kind: scan.EvidenceModule, Value: "github.com/minio/selfupdate@v0.6.0", Where: "buildinfo"}}, EvidenceTotal: 1,
				Summary: "replaces its own executable"},
		},
	}
	windows := scan.Artifact{
		Path: "dist/windows-amd64/acme-agent.exe", Size: 8234567,
		SHA256: strings.Repeat("b2", 32), Format: "pe", OS: "windows", Arch: "amd64",
		Libraries: []string{"kernel32.dll"}, Functions: 100, Packages: 0,
		Findings: []scan.Finding{
			{Rule: "endpoint.url", Capability: scan.NetworkEndpoint, Commitment: scan.CommitmentExfiltration, Confidence: scan.Referenced,
				Host: "o4501.ingest.sentry.io", Evidence: []scan.Evidence{{Kind: scan.EvidenceString, Value: "https://o4501.ingest.sentry.io/api/1", Where: ".rdata+0x10"}}, EvidenceTotal: 1,
				Summary: "hard-coded host o4501.ingest.sentry.io"},
		},
	}
	return &scan.Report{
		Analyzer:  scan.Analyzer{Name: "candor", Version: "0.1.0-test", RulesVersion: "1", RulesDigest: "sha256:" + strings.Repeat("0f", 32)},
		Artifacts: []scan.Artifact{linux, windows},
	}
}

// withFinding returns a copy of the report with one more finding in the first artifact.
func withFinding(r *scan.Report, f scan.Finding) *scan.Report {
	c := *r
	c.Artifacts = append([]scan.Artifact(nil), r.Artifacts...)
	c.Artifacts[0].Findings = append(append([]scan.Finding(nil), r.Artifacts[0].Findings...), f)
	return &c
}
