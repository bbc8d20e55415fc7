package inspect_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/inspect/inspecttest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

// releaseDir writes n artifacts, each with a bundle beside it holding a disclosure, an SLSA
// provenance and a CycloneDX SBOM, signed by one key; it returns the directory and the
// public key's path (kept outside it).
func releaseDir(b *testing.B, n int) (dir, pub string) {
	b.Helper()
	dir = b.TempDir()
	s, pub := inspecttest.Key(b, b.TempDir(), "vendor")
	mods := []inspecttest.Module{{Path: "golang.org/x/net", Version: "v0.30.0"}, {Path: "github.com/spf13/cobra", Version: "v1.8.0"}}
	for i := range n {
		name := fmt.Sprintf("app-%04d", i)
		content := []byte("\x7fELF artifact " + name)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o755); err != nil {
			b.Fatal(err)
		}
		sha := sum(content)
		var bundle bytes.Buffer
		bundle.Write(inspecttest.Sign(b, s, inspecttest.Statement(b, name, sha, predicate.PredicateType, disclosure(name, sha, benchMods...)), true))
		bundle.Write(inspecttest.Sign(b, s, inspecttest.Statement(b, name, sha, inspect.ProvenanceV1, inspecttest.Provenance("https://github.com/acme/agent", "0123456789abcdef0123456789abcdef01234567")), true))
		bundle.Write(inspecttest.Sign(b, s, inspecttest.Statement(b, name, sha, inspect.CycloneDXBOM, inspecttest.CycloneDX("example.com/agent", mods...)), true))
		if err := os.WriteFile(p+".intoto.jsonl", bundle.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir, pub
}

var benchMods = []scan.Module{{Path: "golang.org/x/net", Version: "v0.30.0"}, {Path: "github.com/spf13/cobra", Version: "v1.8.0"}}

// BenchmarkInspectRelease inspects a directory of 1,000 artifacts, each with a disclosure,
// a provenance and an SBOM attestation: 3,000 envelopes read, verified and cross-checked.
// The bar is 2 s on 2 cores (go test -bench InspectRelease -cpu 2).
func BenchmarkInspectRelease(b *testing.B) {
	dir, pub := releaseDir(b, 1000)
	keys, err := verify.LoadKeys(context.Background(), []string{pub}, signing.Options{})
	if err != nil {
		b.Fatal(err)
	}
	in, err := inspect.New(keys, []string{pub})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rep, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: []string{dir}})
		if err != nil {
			b.Fatal(err)
		}
		if !rep.Passed || len(rep.Chains) != 1000 {
			b.Fatalf("passed %v, %d chains", rep.Passed, len(rep.Chains))
		}
	}
}
