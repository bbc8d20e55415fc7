//go:build interop

package interop

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/internal/testbuild"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

// cyclonedxGomodVersion is the SBOM generator the chain test builds from the module proxy.
const cyclonedxGomodVersion = "v1.10.0"

var cyclonedxPath = sync.OnceValues(func() (string, error) {
	return goInstall("github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod", cyclonedxGomodVersion)
})

// TestInspectChainOfOtherTools: candor inspect reads a chain made by three tools: candor's
// disclosure of a fixture program, a CycloneDX SBOM of the same binary from cyclonedx-gomod,
// and an SLSA provenance, both signed by cosign attest-blob with cosign's own key. Every
// cross-check passes (the SBOM's Go modules are those candor analysed); without cosign's key
// the chain fails its signatures check; an SBOM of another program fails the modules check.
func TestInspectChainOfOtherTools(t *testing.T) {
	gen, err := cyclonedxPath()
	if err != nil {
		t.Fatal(err)
	}
	var bin string
	for _, b := range testbuild.Build(t, "", testbuild.Target{GOOS: "linux", GOARCH: "amd64"}) {
		if b.Program == "telemetry" {
			bin = b.Path
		}
	}
	if bin == "" {
		t.Fatal("no telemetry fixture")
	}
	dir := t.TempDir()
	app := filepath.Join(dir, "app")
	copyFile(t, bin, app)

	// candor's disclosure, accepting what the fixture does (the chain, not the verdict, is tested).
	priv, pub := candorKey(t, dir, signing.ECDSAP256)
	sc, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	rep, err := sc.Run(context.Background(), []string{app})
	if err != nil {
		t.Fatal(err)
	}
	disc := filepath.Join(dir, "disclosure.yaml")
	if err := os.WriteFile(disc, []byte(disclosure), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := attest.Run(context.Background(), attest.Options{
		DisclosurePath: disc, Report: rep, Keys: []string{priv}, AllowUndisclosed: true,
		KeyOptions: signing.Options{Password: signing.StaticPassword([]byte(password))},
		Output:     filepath.Join(dir, "candor.intoto.jsonl"),
	}); err != nil {
		t.Fatal(err)
	}

	// The SBOM, from the binary's build info.
	sbom := filepath.Join(dir, "sbom.cdx.json")
	if out, err := exec.Command(gen, "bin", "-json", "-output", sbom, app).CombinedOutput(); err != nil {
		t.Fatalf("cyclonedx-gomod bin: %v\n%s", err, out)
	}
	// A provenance predicate, as a builder would write it.
	prov := filepath.Join(dir, "provenance.json")
	writeJSON(t, prov, map[string]any{
		"buildDefinition": map[string]any{
			"buildType":          "https://example.com/go-build/v1",
			"externalParameters": map[string]any{"source": "git+https://example.com/app@refs/tags/v1.0.0"},
			"resolvedDependencies": []any{map[string]any{
				"uri": "git+https://example.com/app", "digest": map[string]string{"gitCommit": strings.Repeat("a1", 20)},
			}},
		},
		"runDetails": map[string]any{"builder": map[string]any{"id": "https://example.com/builder@v1"}},
	})
	if out, err := cosign(t, dir, "generate-key-pair", "--output-key-prefix", "builder"); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	var lines []string
	for _, att := range []struct{ typ, pred string }{{"cyclonedx", sbom}, {"slsaprovenance1", prov}} {
		stdout, stderr, err := cosignOut(t, dir, "attest-blob", "--key", "builder.key", "--type", att.typ,
			"--predicate", att.pred, "--tlog-upload=false", "--yes", app)
		if err != nil {
			t.Fatalf("cosign attest-blob --type %s: %v\n%s", att.typ, err, stderr)
		}
		lines = append(lines, strings.TrimSpace(stdout))
	}
	bundle := filepath.Join(dir, "app.intoto.jsonl")
	candorEnv, err := os.ReadFile(filepath.Join(dir, "candor.intoto.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bundle, []byte(string(candorEnv)+strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "candor.intoto.jsonl")); err != nil {
		t.Fatal(err)
	}

	inspectApp := func(keys ...string) *inspect.Chain {
		t.Helper()
		ks, err := verify.LoadKeys(context.Background(), keys, signing.Options{})
		if err != nil {
			t.Fatal(err)
		}
		in, err := inspect.New(ks, keys)
		if err != nil {
			t.Fatal(err)
		}
		r, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: []string{app}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Chains) != 1 {
			t.Fatalf("%d chains, want 1", len(r.Chains))
		}
		return r.Chains[0]
	}
	status := func(ch *inspect.Chain, name string) inspect.Check {
		for _, c := range ch.Checks {
			if c.Name == name {
				return c
			}
		}
		t.Fatalf("no %s check in %+v", name, ch.Checks)
		return inspect.Check{}
	}

	ch := inspectApp(pub, filepath.Join(dir, "builder.pub"))
	if len(ch.Attestations) != 3 {
		t.Fatalf("%d attestations, want candor's, the SBOM and the provenance", len(ch.Attestations))
	}
	for _, name := range []string{inspect.CheckSignatures, inspect.CheckSubjects, inspect.CheckPredicates, inspect.CheckProvenance, inspect.CheckModules} {
		if c := status(ch, name); c.Status != inspect.Pass {
			t.Errorf("%s: %s (%s) %v", name, c.Status, c.Detail, c.Items)
		}
	}
	if !ch.Passed {
		t.Errorf("the chain of three tools does not pass")
	}
	t.Logf("modules: %s", status(ch, inspect.CheckModules).Detail)

	// Without cosign's key the SBOM and provenance are unverified: the chain fails.
	if c := status(inspectApp(pub), inspect.CheckSignatures); c.Status != inspect.Fail {
		t.Errorf("signatures without the builder's key: %s, want fail", c.Status)
	}

	// An SBOM of another program: the modules disagree.
	var other string
	for _, b := range testbuild.Build(t, "", testbuild.Target{GOOS: "linux", GOARCH: "amd64"}) {
		if b.Program != "telemetry" {
			other = b.Path
			break
		}
	}
	if out, err := exec.Command(gen, "bin", "-json", "-output", sbom, other).CombinedOutput(); err != nil {
		t.Fatalf("cyclonedx-gomod bin: %v\n%s", err, out)
	}
	stdout, stderr, err := cosignOut(t, dir, "attest-blob", "--key", "builder.key", "--type", "cyclonedx",
		"--predicate", sbom, "--tlog-upload=false", "--yes", app)
	if err != nil {
		t.Fatalf("cosign attest-blob: %v\n%s", err, stderr)
	}
	if err := os.WriteFile(bundle, []byte(string(candorEnv)+strings.TrimSpace(stdout)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c := status(inspectApp(pub, filepath.Join(dir, "builder.pub")), inspect.CheckModules); c.Status != inspect.Fail {
		t.Errorf("modules with another program's SBOM: %s (%s), want fail", c.Status, c.Detail)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
