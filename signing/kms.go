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
var KMSSchemes = []string{"awskms", "gcpkms", "azurekms", "hashivault"}

func loadKMS(ctx context.Context, ref, scheme string, opts Options) (*Signer, error) {
	// Compared case-sensitively, as sigstore matches its providers: "AWSKMS://" would
	// otherwise reach the plugin fallback.
	builtin := slices.Contains(KMSSchemes, scheme)
	if builtin && !slices.Contains(kms.SupportedProviders(), scheme+"://") {
		return nil, fmt.Errorf("%w: %q: the %s provider is not built in", ErrKeyScheme, ref, scheme)
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
