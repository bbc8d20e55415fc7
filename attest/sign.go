package attest

import (
	"context"
	"crypto"
	"fmt"

	"github.com/candor-dev/candor/predicate"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// Signer signs the pre-authentication encoding of a DSSE envelope. It has the method set of
// go-securesystemslib's dsse.Signer; keys loaded by candor's key loader implement it, and a
// keyless signer can later.
type Signer interface {
	Sign(ctx context.Context, data []byte) ([]byte, error)
	// KeyID is written in the signature's keyid; empty is allowed.
	KeyID() (string, error)
	Public() crypto.PublicKey
}

// Sign wraps a statement in a DSSE envelope with payload type [predicate.PayloadType], signed by every
// signer: one envelope, one signature per signer.
func Sign(ctx context.Context, statement []byte, signers ...Signer) (*dsse.Envelope, error) {
	if len(signers) == 0 {
		return nil, fmt.Errorf("%w: no signing key", ErrKey)
	}
	ds := make([]dsse.Signer, len(signers))
	for i, s := range signers {
		ds[i] = s
	}
	es, err := dsse.NewEnvelopeSigner(ds...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	env, err := es.SignPayload(ctx, predicate.PayloadType, statement)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	return env, nil
}
