package hygiene

import (
	"strings"
	"testing"
)

// cloudSDKs are the import path prefixes of the cloud SDKs that sigstore's KMS providers
// bring in, and of the providers themselves.
var cloudSDKs = map[string][]string{
	"aws":   {"github.com/aws/", "github.com/sigstore/sigstore/pkg/signature/kms/aws"},
	"gcp":   {"cloud.google.com/", "google.golang.org/api/", "github.com/sigstore/sigstore/pkg/signature/kms/gcp"},
	"azure": {"github.com/Azure/", "github.com/AzureAD/", "github.com/sigstore/sigstore/pkg/signature/kms/azure"},
	"vault": {"github.com/hashicorp/vault/", "github.com/sigstore/sigstore/pkg/signature/kms/hashivault"},
}

// cloudSDK returns the SDK family of an import path, or "".
func cloudSDK(path string) string {
	for family, prefixes := range cloudSDKs {
		for _, p := range prefixes {
			if strings.HasPrefix(path, p) {
				return family
			}
		}
	}
	return ""
}

// TestNoCloudSDKInLibrary: no package of the module outside cmd/ (scan, verify, attest,
// signing and their helpers) links a cloud SDK or a KMS provider; a program registers the
// providers it needs by importing them, as cmd/candor does. The CLI must link all four,
// which also shows that the prefixes above still name real packages.
func TestNoCloudSDKInLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("go list -deps of the whole module is slow")
	}
	t.Parallel()
	dir := root(t)
	out, err := goCommand(t, dir, "list", "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./...")
	if err != nil {
		t.Fatalf("go list ./...: %v\n%s", err, out)
	}
	const module = "github.com/candor-dev/candor/"
	cli := false
	for line := range strings.Lines(out) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		pkg, deps := fields[0], fields[1:]
		if pkg == module+"cmd/candor" {
			cli = true
			linked := map[string]bool{}
			for _, d := range deps {
				linked[cloudSDK(d)] = true
			}
			for family := range cloudSDKs {
				if !linked[family] {
					t.Errorf("cmd/candor does not link the %s KMS provider: import it in cmd/candor/kms.go", family)
				}
			}
			continue
		}
		if strings.HasPrefix(pkg, module+"cmd/") {
			continue
		}
		var bad []string
		for _, d := range deps {
			if cloudSDK(d) != "" {
				bad = append(bad, d)
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s links %d cloud SDK package(s), among them %s: only cmd/ may import KMS providers",
				pkg, len(bad), strings.Join(bad[:min(3, len(bad))], ", "))
		}
	}
	if !cli {
		t.Errorf("go list ./... did not list %scmd/candor", module)
	}
}
