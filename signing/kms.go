package signing

import (
	"context"
	"crypto"
	"fmt"
	"slices"
	"strings"

	"github.com/sigstore/sigstore/pkg/signature/kms"
)

// KMSSchemes are the key reference schemes served by sigstore's built-in KMS providers.
// A provider serves its scheme only in a program that imports its package (see the
// package documentation).
var KMSSchemes = []string{"awskms", "gcpkms", "azurekms", "hashivault"}

// kmsProviderPackage is the import path of the sigstore package that registers the
// provider of a built-in scheme: awskms is served by .../kms/aws, hashivault by
// .../kms/hashivault.
func kmsProviderPackage(scheme string) string {
	return "github.com/sigstore/sigstore/pkg/signature/kms/" + strings.TrimSuffix(scheme, "kms")
}

func loadKMS(ctx context.Context, ref, scheme string, opts Options) (*Signer, error) {
	// Compared case-sensitively, as sigstore matches its providers: "AWSKMS://" would
	// otherwise reach the plugin fallback.
	builtin := slices.Contains(KMSSchemes, scheme)
	// An unregistered built-in scheme is refused even with AllowKMSPluginsUnsafe: sigstore
	// would hand it to the plugin fallback and run sigstore-kms-awskms from PATH, which
	// nobody asking for an AWS key means.
	if builtin && !slices.Contains(kms.SupportedProviders(), scheme+"://") {
		return nil, fmt.Errorf("%w: %q: no KMS provider for %s:// is linked into this program: import %s",
			ErrKeyScheme, ref, scheme, kmsProviderPackage(scheme))
	}
	if !builtin && !opts.AllowKMSPluginsUnsafe {
		return nil, fmt.Errorf("%w: %q: candor signs with key files and %s:// key references; "+
			"other schemes would run a sigstore-kms-%s program from PATH, which candor does only when "+
			"explicitly allowed (AllowKMSPluginsUnsafe, flag --allow-kms-plugin-unsafe)",
			ErrKeyScheme, ref, strings.Join(KMSSchemes, "://, "), scheme)
	}
	// KMS keys sign with SHA-256, as cosign does for them.
	sv, err := kms.Get(ctx, ref, crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKey, ref, err)
	}
	return NewSigner(ctx, sv, ref)
}
