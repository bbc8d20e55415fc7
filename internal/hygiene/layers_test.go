package hygiene

import (
	"slices"
	"strings"
	"testing"
)

// layers says which packages of the module a library package must not link, directly or
// through another package (go list -deps, tests excluded). attest makes attestations and
// verify checks them: each builds on predicate, signing and scan, and neither on the other.
// predicate is the attestation's format, over the analyser's types; signing knows keys and
// envelopes, not what they sign; scan is the foundation. internal/output renders the
// results of scan, attest and verify for the command: it may import them all, and none
// of the libraries imports it (libraries return results, the command renders them).
// inspect and diff read attestations as verify does; intoto, sigbundle and registry
// carry envelopes in other ecosystems' forms and know nothing of what they say.
var layers = map[string][]string{
	"scan":             {"predicate", "signing", "attest", "verify", "internal/output"},
	"scan/archive":     {"scan", "predicate", "signing", "attest", "verify", "internal/output"},
	"signing":          {"scan", "predicate", "attest", "verify", "internal/output"},
	"predicate":        {"signing", "attest", "verify", "internal/output"},
	"attest":           {"verify", "internal/output"},
	"verify":           {"attest", "internal/output"},
	"internal/yamldoc": {"scan", "predicate", "signing", "attest", "verify", "internal/output"},
	"internal/output":  nil,
	// Security teams' tools read attestations through verify (inspect reads Sigstore
	// bundles through sigbundle, as verify does, and takes fetched attestations as bytes:
	// the command asks the registry); none makes them.
	"inspect": {"attest", "internal/output"},
	"diff":    {"attest", "internal/output"},
	// The formats of other ecosystems know keys at most, never candor's analysis.
	"intoto":    {"scan", "predicate", "attest", "verify", "internal/output"},
	"sigbundle": {"scan", "predicate", "attest", "verify", "internal/output"},
	"registry":  {"scan", "predicate", "attest", "verify", "internal/output"},
}

// TestLayers: no library package imports, even through another, a package above it or
// beside it (see layers); none imports the command (cmd/...).
func TestLayers(t *testing.T) {
	t.Parallel()
	const module = "github.com/candor-dev/candor/"
	args := []string{"list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}"}
	for pkg := range layers {
		args = append(args, "./"+pkg)
	}
	out, err := goCommand(t, root(t), args...)
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	listed := map[string]bool{}
	for line := range strings.Lines(out) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, ok := strings.CutPrefix(fields[0], module)
		if !ok {
			t.Fatalf("go list named a package outside the module: %s", fields[0])
		}
		listed[pkg] = true
		for _, d := range fields[1:] {
			dep, ok := strings.CutPrefix(d, module)
			if !ok {
				continue
			}
			if slices.Contains(layers[pkg], dep) {
				t.Errorf("%s imports %s (directly or through another package): it must not; move what both need into a package below them", pkg, dep)
			}
			if strings.HasPrefix(dep, "cmd/") {
				t.Errorf("%s imports %s: a library never imports the command", pkg, dep)
			}
		}
	}
	for pkg := range layers {
		if !listed[pkg] {
			t.Errorf("go list did not list %s%s: update the layers in this test", module, pkg)
		}
	}
}
