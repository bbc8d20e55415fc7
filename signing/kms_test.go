package signing

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	// The Vault provider only, for TestKMSProviderReached: the other built-in schemes stay
	// unregistered in this test binary, as in a library user's program that imports none.
	_ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault"
)

// TestKMSProviderReached: a built-in scheme whose provider is imported goes to sigstore's
// provider (which here fails to reach the Vault server on a closed local port), never to
// the scheme check.
func TestKMSProviderReached(t *testing.T) {
	t.Setenv("VAULT_ADDR", "http://127.0.0.1:1")
	t.Setenv("VAULT_TOKEN", "test")
	t.Setenv("VAULT_MAX_RETRIES", "0")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := LoadSigner(ctx, "hashivault://candor-test", Options{})
	if err == nil || errors.Is(err, ErrKeyScheme) || !errors.Is(err, ErrKey) {
		t.Fatalf("got %v, want a provider error wrapping ErrKey", err)
	}
}

// TestKMSProviderNotLinked: a built-in scheme whose provider package this program does not
// import is refused with ErrKeyScheme, naming the package to import, and never reaches
// sigstore's plugin fallback, even with AllowKMSPluginsUnsafe and a sigstore-kms-<scheme>
// program on PATH (which would leave a mark if run).
func TestKMSProviderNotLinked(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake plugin is a shell script")
	}
	bin := t.TempDir()
	mark := filepath.Join(t.TempDir(), "ran")
	for _, scheme := range []string{"awskms", "gcpkms", "azurekms"} {
		script := "#!/bin/sh\ntouch '" + mark + "'\nexit 1\n"
		if err := os.WriteFile(filepath.Join(bin, "sigstore-kms-"+scheme), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PATH", bin)
	for _, tt := range []struct{ ref, pkg string }{
		{"awskms:///alias/release", "github.com/sigstore/sigstore/pkg/signature/kms/aws"},
		{"awskms://localhost:4566/alias/release", "github.com/sigstore/sigstore/pkg/signature/kms/aws"},
		{"gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k", "github.com/sigstore/sigstore/pkg/signature/kms/gcp"},
		{"azurekms://vault.vault.azure.net/key", "github.com/sigstore/sigstore/pkg/signature/kms/azure"},
	} {
		for _, allow := range []bool{false, true} {
			_, err := LoadSigner(context.Background(), tt.ref, Options{AllowKMSPluginsUnsafe: allow, LookupEnv: noEnv})
			if !errors.Is(err, ErrKeyScheme) || !errors.Is(err, ErrKey) {
				t.Errorf("%s (plugins allowed: %v): got %v, want ErrKeyScheme", tt.ref, allow, err)
				continue
			}
			if !strings.Contains(err.Error(), "import "+tt.pkg) {
				t.Errorf("%s: the error does not say to import %s: %v", tt.ref, tt.pkg, err)
			}
		}
	}
	if _, err := os.Stat(mark); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a sigstore-kms plugin ran for a built-in scheme (stat: %v)", err)
	}
}

// TestKMSProviderPackages: every built-in scheme names a sigstore package that exists.
func TestKMSProviderPackages(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"awskms":     "github.com/sigstore/sigstore/pkg/signature/kms/aws",
		"gcpkms":     "github.com/sigstore/sigstore/pkg/signature/kms/gcp",
		"azurekms":   "github.com/sigstore/sigstore/pkg/signature/kms/azure",
		"hashivault": "github.com/sigstore/sigstore/pkg/signature/kms/hashivault",
	}
	if len(KMSSchemes) != len(want) {
		t.Fatalf("KMSSchemes = %v, want the %d schemes of %v", KMSSchemes, len(want), want)
	}
	for _, s := range KMSSchemes {
		if got := kmsProviderPackage(s); got != want[s] {
			t.Errorf("kmsProviderPackage(%q) = %q, want %q", s, got, want[s])
		}
	}
}
