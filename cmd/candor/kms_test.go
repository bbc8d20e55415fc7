package main

import (
	"slices"
	"testing"

	"github.com/candor-dev/candor/signing"
	"github.com/sigstore/sigstore/pkg/signature/kms"
)

// TestKMSProvidersLinked: the CLI serves every KMS scheme it documents; the library links
// none of them, so this program must.
func TestKMSProvidersLinked(t *testing.T) {
	for _, s := range signing.KMSSchemes {
		if !slices.Contains(kms.SupportedProviders(), s+"://") {
			t.Errorf("no KMS provider for %s:// is registered in candor (have %v)", s, kms.SupportedProviders())
		}
	}
}
