package inspect_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/inspect/inspecttest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// disclosure returns a candor disclosure predicate analysing one artifact with modules.
func disclosure(name, sha string, mods ...scan.Module) *predicate.Predicate {
	return &predicate.Predicate{
		Product:    predicate.Product{Name: "agent", Version: "1.0.0", Vendor: "ACME"},
		Security:   predicate.Security{Contact: "security@acme.example", Policy: "https://acme.example/security", NotificationDays: 30},
		Disclosure: predicate.Declarations{Endpoints: []predicate.Endpoint{{Host: "api.acme.example", Purpose: "licence check", Data: []string{"licence key"}, Consent: predicate.ConsentAlways}}},
		Analysis: predicate.Analysis{
			Analyzer: scan.Analyzer{Name: "candor", Version: "v1.2.3", RulesVersion: "7", RulesDigest: "sha256:" + strings.Repeat("ab", 32)},
			Artifacts: []predicate.ArtifactAnalysis{{Name: name, Digest: map[string]string{"sha256": sha}, Format: "elf", Arch: "amd64",
				MainModule: &scan.Module{Path: "example.com/agent"}, Modules: mods, Findings: []predicate.Finding{}}},
		},
		Verdict: predicate.Verdict{NoUndisclosedRemoteControl: predicate.CommitmentVerdict{Holds: true},
			NoUndisclosedExfiltration: predicate.CommitmentVerdict{Holds: true}, NoForcedUpgrade: predicate.CommitmentVerdict{Holds: true}},
	}
}

var mods = []scan.Module{{Path: "golang.org/x/net", Version: "v0.30.0"}, {Path: "github.com/spf13/cobra", Version: "v1.8.0"}}

type fixture struct {
	dir, artifact, sha, pub string
	signer                  *signing.Signer
	lines                   [][]byte // the bundle's envelopes, one line each
}

// chain writes an artifact, and beside it a bundle of a disclosure, a provenance and an
// SBOM, all signed by one key.
func chain(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	f := &fixture{dir: dir, artifact: filepath.Join(dir, "agent")}
	content := []byte("\x7fELF pretend agent binary")
	if err := os.WriteFile(f.artifact, content, 0o755); err != nil {
		t.Fatal(err)
	}
	f.sha = sum(content)
	f.signer, f.pub = inspecttest.Key(t, dir, "vendor")
	f.lines = [][]byte{
		inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", f.sha, predicate.PredicateType, disclosure("agent", f.sha, mods...)), true),
		inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", f.sha, inspect.ProvenanceV1, inspecttest.Provenance("https://github.com/acme/agent", strings.Repeat("c", 40))), true),
		inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", f.sha, inspect.CycloneDXBOM, inspecttest.CycloneDX("example.com/agent",
			inspecttest.Module{Path: "golang.org/x/net", Version: "v0.30.0"}, inspecttest.Module{Path: "github.com/spf13/cobra", Version: "v1.8.0"})), true),
	}
	f.writeBundle(t, f.lines...)
	return f
}

func (f *fixture) writeBundle(t *testing.T, lines ...[]byte) {
	t.Helper()
	if err := os.WriteFile(f.artifact+".intoto.jsonl", bytes.Join(lines, nil), 0o644); err != nil {
		t.Fatal(err)
	}
}

func run(t *testing.T, paths []string, pubs ...string) *inspect.Report {
	t.Helper()
	keys, err := verify.LoadKeys(context.Background(), pubs, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := inspect.New(keys, pubs)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func check(t *testing.T, ch *inspect.Chain, name string) inspect.Check {
	t.Helper()
	for _, c := range ch.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %s in %+v", name, ch.Checks)
	return inspect.Check{}
}

func TestChainHangsTogether(t *testing.T) {
	f := chain(t)
	rep := run(t, []string{f.artifact}, f.pub)
	if !rep.Passed || len(rep.Chains) != 1 {
		t.Fatalf("report: passed %v, %d chains: %+v", rep.Passed, len(rep.Chains), rep.Chains)
	}
	ch := rep.Chains[0]
	for _, c := range ch.Checks {
		if c.Status == inspect.Fail {
			t.Errorf("check %s failed: %s %v", c.Name, c.Detail, c.Items)
		}
	}
	for _, name := range []string{inspect.CheckSignatures, inspect.CheckSubjects, inspect.CheckPredicates, inspect.CheckProvenance, inspect.CheckModules, inspect.CheckAnalyser} {
		if c := check(t, ch, name); c.Status != inspect.Pass {
			t.Errorf("check %s: %s (%s), want pass", name, c.Status, c.Detail)
		}
	}
	if c := check(t, ch, inspect.CheckVSAInputs); c.Status != inspect.NotPossible {
		t.Errorf("vsa-inputs without a VSA: %s, want not possible", c.Status)
	}
	kinds := []inspect.Kind{}
	for _, a := range ch.Attestations {
		kinds = append(kinds, a.Kind)
		if !a.Verified || len(a.Signers) != 1 || a.Signers[0].Name != f.pub || !strings.HasPrefix(a.Signers[0].Fingerprint, "SHA256:") {
			t.Errorf("%s: signers %+v", a.Source, a.Signers)
		}
	}
	if !slices.Equal(kinds, []inspect.Kind{inspect.KindDisclosure, inspect.KindProvenance, inspect.KindSBOM}) {
		t.Errorf("kinds %v", kinds)
	}
	p := ch.Attestations[1].Provenance
	if p.Builder != "https://github.com/actions/runner/github-hosted" || p.SourceCommit != strings.Repeat("c", 40) || !strings.Contains(p.SourceRepo, "github.com/acme/agent") {
		t.Errorf("provenance %+v", p)
	}
	if got := ch.Attestations[2].SBOM.GoModules; len(got) != 3 {
		t.Errorf("SBOM Go modules %+v", got)
	}
	if !strings.Contains(check(t, ch, inspect.CheckAnalyser).Detail, "v1.2.3") {
		t.Errorf("analyser detail %q", check(t, ch, inspect.CheckAnalyser).Detail)
	}
}

// A bundle's lines are read whatever their order, and a line that is not an envelope is
// skipped and named.
func TestBundleOrderAndBadLines(t *testing.T) {
	f := chain(t)
	f.writeBundle(t, f.lines[2], []byte("{not an envelope}\n"), f.lines[0], []byte("\n"), f.lines[1])
	rep := run(t, []string{f.artifact}, f.pub)
	if !rep.Passed {
		t.Fatalf("reordered bundle failed: %+v", rep.Chains[0].Checks)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "agent.intoto.jsonl#2: line skipped") {
		t.Errorf("problems %q", rep.Problems)
	}
	var srcs []string
	for _, a := range rep.Chains[0].Attestations {
		srcs = append(srcs, filepath.Base(a.Source))
	}
	if !slices.Equal(srcs, []string{"agent.intoto.jsonl#1", "agent.intoto.jsonl#3", "agent.intoto.jsonl#5"}) {
		t.Errorf("sources %v", srcs)
	}
}

func TestUnverifiedIsShownNotTrusted(t *testing.T) {
	f := chain(t)
	_, otherPub := inspecttest.Key(t, f.dir, "other")
	for _, keys := range [][]string{{otherPub}, nil} {
		rep := run(t, []string{f.artifact}, keys...)
		if rep.Passed {
			t.Fatalf("keys %v: passed with no trusted signature", keys)
		}
		ch := rep.Chains[0]
		if c := check(t, ch, inspect.CheckSignatures); c.Status != inspect.Fail || len(c.Items) != 3 {
			t.Errorf("signatures check %+v", c)
		}
		for _, a := range ch.Attestations {
			if a.Verified || a.Signer() != "unverified" || a.Kind == inspect.KindInvalid {
				t.Errorf("%s: verified %v signer %q kind %s", a.Source, a.Verified, a.Signer(), a.Kind)
			}
		}
	}
	// A changed payload no longer verifies with the vendor's key.
	var env map[string]any
	if err := json.Unmarshal(f.lines[1], &env); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	env["payload"] = base64.StdEncoding.EncodeToString(bytes.Replace(payload, []byte("acme/agent"), []byte("evil/agent"), 1))
	tampered, _ := json.Marshal(env)
	tampered = append(tampered, '\n')
	f.writeBundle(t, f.lines[0], tampered, f.lines[2])
	rep := run(t, []string{f.artifact}, f.pub)
	if c := check(t, rep.Chains[0], inspect.CheckSignatures); c.Status != inspect.Fail || len(c.Items) != 1 {
		t.Errorf("tampered: signatures check %+v", c)
	}
}

func TestSubjectOfAnotherArtifact(t *testing.T) {
	f := chain(t)
	other := strings.Repeat("0", 64)
	prov := inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", other, inspect.ProvenanceV1, inspecttest.Provenance("https://github.com/acme/agent", "abc")), true)
	f.writeBundle(t, f.lines[0], prov, f.lines[2])
	rep := run(t, []string{f.artifact}, f.pub)
	ch := rep.Chains[0]
	if c := check(t, ch, inspect.CheckSubjects); c.Status != inspect.Fail || len(c.Items) != 1 || !strings.Contains(c.Items[0], "#2") {
		t.Errorf("subjects %+v", c)
	}
	if c := check(t, ch, inspect.CheckProvenance); c.Status != inspect.Fail {
		t.Errorf("provenance %+v", c)
	}
	if rep.Passed {
		t.Error("passed")
	}
}

func TestModulesDisagree(t *testing.T) {
	f := chain(t)
	sbom := inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", f.sha, inspect.CycloneDXBOM+"/v1.5", inspecttest.CycloneDX("example.com/agent",
		inspecttest.Module{Path: "golang.org/x/net", Version: "v0.31.0"}, inspecttest.Module{Path: "github.com/evil/extra", Version: "v0.0.1"})), true)
	f.writeBundle(t, f.lines[0], f.lines[1], sbom)
	c := check(t, run(t, []string{f.artifact}, f.pub).Chains[0], inspect.CheckModules)
	want := []string{
		"missing from the SBOM: github.com/spf13/cobra@v1.8.0",
		"in the SBOM, not analysed: github.com/evil/extra@v0.0.1",
		"other version: golang.org/x/net: analysed v0.30.0, SBOM v0.31.0",
	}
	if c.Status != inspect.Fail || !slices.Equal(c.Items, want) {
		t.Errorf("modules %s %q, want fail %q", c.Status, c.Items, want)
	}
}

func vsa(inputs ...map[string]any) map[string]any {
	return map[string]any{
		"verifier":           map[string]any{"id": "https://candor.dev/verify/v1"},
		"timeVerified":       "2026-01-02T03:04:05Z",
		"resourceUri":        "file:///release/agent",
		"policy":             map[string]any{"uri": "https://candor.dev/policy/default/v1"},
		"inputAttestations":  inputs,
		"verificationResult": "PASSED",
		"verifiedLevels":     []string{"CANDOR_DISCLOSURE_VERIFIED"},
	}
}

func TestVSAInputsResolve(t *testing.T) {
	f := chain(t)
	lineDigest := sum(bytes.TrimSuffix(f.lines[0], []byte("\n")))
	good := inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", f.sha, inspect.SummaryV1,
		vsa(map[string]any{"uri": "agent.intoto.jsonl", "digest": map[string]string{"sha256": lineDigest}})), false)
	if err := os.WriteFile(filepath.Join(f.dir, "agent.vsa.intoto.json"), good, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := run(t, []string{f.artifact, filepath.Join(f.dir, "agent.vsa.intoto.json")}, f.pub)
	ch := rep.Chains[0]
	if c := check(t, ch, inspect.CheckVSAInputs); c.Status != inspect.Pass {
		t.Fatalf("vsa-inputs %+v", c)
	}
	var v *inspect.VSA
	for _, a := range ch.Attestations {
		if a.VSA != nil {
			v = a.VSA
		}
	}
	if v == nil || v.Result != "PASSED" || v.Verifier != "https://candor.dev/verify/v1" || v.Policy.URI != "https://candor.dev/policy/default/v1" {
		t.Fatalf("vsa %+v", v)
	}
	bad := inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", f.sha, inspect.SummaryV1,
		vsa(map[string]any{"uri": "gone.intoto.json", "digest": map[string]string{"sha256": strings.Repeat("1", 64)}})), false)
	if err := os.WriteFile(filepath.Join(f.dir, "agent.vsa.intoto.json"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	rep = run(t, []string{f.artifact, filepath.Join(f.dir, "agent.vsa.intoto.json")}, f.pub)
	if c := check(t, rep.Chains[0], inspect.CheckVSAInputs); c.Status != inspect.Fail || !strings.Contains(c.Items[0], "not among the attestations read") {
		t.Errorf("vsa-inputs %+v", c)
	}
}

// A directory is searched for attestation files; each is matched to its artifacts by
// digest, and files no attestation is about make no chain.
func TestDirectory(t *testing.T) {
	f := chain(t)
	if err := os.WriteFile(filepath.Join(f.dir, "README"), []byte("not attested"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := run(t, []string{f.dir}, f.pub)
	if len(rep.Chains) != 1 || rep.Chains[0].Artifact != f.artifact || !rep.Passed {
		t.Fatalf("chains %+v", rep.Chains)
	}
}

// Attestation files alone make one chain, with nothing to match subjects against.
func TestAttestationsAlone(t *testing.T) {
	f := chain(t)
	rep := run(t, []string{f.artifact + ".intoto.jsonl"}, f.pub)
	if len(rep.Chains) != 1 || rep.Chains[0].Artifact != "" || len(rep.Chains[0].Attestations) != 3 {
		t.Fatalf("chains %+v", rep.Chains)
	}
	if c := check(t, rep.Chains[0], inspect.CheckSubjects); c.Status != inspect.NotPossible {
		t.Errorf("subjects %+v", c)
	}
}

func TestUnknownPredicateListed(t *testing.T) {
	f := chain(t)
	other := inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", f.sha, "https://example.com/custom/v1", map[string]any{"x": 1}), true)
	f.writeBundle(t, f.lines[0], other)
	ch := run(t, []string{f.artifact}, f.pub).Chains[0]
	if a := ch.Attestations[1]; a.Kind != inspect.KindUnknown || a.PredicateType != "https://example.com/custom/v1" || a.Error != "" {
		t.Errorf("unknown %+v", a)
	}
	if c := check(t, ch, inspect.CheckPredicates); c.Status != inspect.Pass || !strings.Contains(c.Detail, "not evaluated") {
		t.Errorf("predicates %+v", c)
	}
}

func TestNoAttestation(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "lonely")
	os.WriteFile(p, []byte("x"), 0o644)
	rep := run(t, []string{p})
	if rep.Passed || rep.Chains[0].Checks[0].Status != inspect.Fail {
		t.Errorf("no attestation: %+v", rep.Chains[0].Checks)
	}
	in, _ := inspect.New(nil, nil)
	if _, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: []string{filepath.Join(dir, "missing")}}); !errors.Is(err, inspect.ErrInput) {
		t.Errorf("missing file: %v", err)
	}
}

func TestLimits(t *testing.T) {
	f := chain(t)
	os.WriteFile(filepath.Join(f.dir, "b.intoto.json"), f.lines[0], 0o644)
	in, _ := inspect.New(nil, nil, inspect.WithLimits(inspect.Limits{MaxFiles: 1}))
	if _, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: []string{f.dir}}); !errors.Is(err, inspect.ErrLimit) || !errors.Is(err, inspect.ErrInput) {
		t.Errorf("max files: %v", err)
	}
	in, _ = inspect.New(nil, nil, inspect.WithLimits(inspect.Limits{MaxEnvelopes: 2}))
	if _, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: []string{f.artifact}}); !errors.Is(err, inspect.ErrLimit) {
		t.Errorf("max envelopes: %v", err)
	}
	in, _ = inspect.New(nil, nil, inspect.WithLimits(inspect.Limits{MaxBytes: 100}))
	if _, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: []string{f.artifact}}); !errors.Is(err, inspect.ErrLimit) {
		t.Errorf("max bytes: %v", err)
	}
	keys, _ := verify.LoadKeys(context.Background(), []string{f.pub}, signing.Options{})
	in, _ = inspect.New(keys, nil, inspect.WithLimits(inspect.Limits{MaxSignatureChecks: 2}))
	if _, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: []string{f.artifact}}); !errors.Is(err, inspect.ErrLimit) || !strings.Contains(err.Error(), "need 3 signature checks") {
		t.Errorf("max signature checks: %v", err)
	}
	deep := filepath.Join(f.dir, "a", "b", "c")
	os.MkdirAll(deep, 0o755)
	os.WriteFile(filepath.Join(deep, "x.intoto.json"), f.lines[0], 0o644)
	in, _ = inspect.New(nil, nil, inspect.WithLimits(inspect.Limits{MaxDepth: 2}))
	rep, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: []string{f.dir}})
	if err != nil || !slices.ContainsFunc(rep.Problems, func(s string) bool { return strings.Contains(s, "deeper than 2 levels") }) {
		t.Errorf("depth: %v %q", err, rep.Problems)
	}
}
