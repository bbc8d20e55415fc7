package signing

import (
	"bytes"
	"context"
	"crypto"

	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// Verifier checks signatures made by one public key. It implements go-securesystemslib's
// dsse.Verifier. Obtain one from [NewVerifier].
type Verifier struct {
	v     signature.Verifier
	pub   crypto.PublicKey
	keyID string
}

var _ ssldsse.Verifier = (*Verifier)(nil)

// Verify checks sig over data.
func (v *Verifier) Verify(ctx context.Context, data, sig []byte) error {
	return v.v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(data), options.WithContext(ctx))
}

// KeyID returns [KeyID] of the public key.
func (v *Verifier) KeyID() (string, error) { return v.keyID, nil }

// Public returns the public key.
func (v *Verifier) Public() crypto.PublicKey { return v.pub }
