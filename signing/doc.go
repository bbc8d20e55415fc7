// Package signing loads the keys candor signs and verifies with, and generates new ones.
//
// [LoadSigner] takes a key reference: a PEM file (PKCS#8, SEC 1 or PKCS#1 private key, or
// cosign's encrypted "ENCRYPTED SIGSTORE PRIVATE KEY" format), or a KMS URI with one of the
// schemes awskms://, gcpkms://, azurekms:// or hashivault://, served by sigstore's KMS
// providers. Any other scheme is refused: sigstore would otherwise run a program named
// sigstore-kms-<scheme> from PATH, so a key reference in a config file could run a program.
// [Options.AllowKMSPluginsUnsafe] lifts that refusal for users who install such plugins on
// purpose.
//
// Accepted keys are ECDSA P-256 and P-384, Ed25519, and RSA of 2048 bits or more. ECDSA P-256
// and RSA sign with SHA-256 (RSA as PKCS #1 v1.5), ECDSA P-384 with SHA-384, Ed25519 as pure
// Ed25519: the choices of sigstore's algorithm registry and cosign, so that
// cosign verify-blob-attestation --key accepts the signatures (for P-384 keys it needs
// --signature-digest-algorithm sha384).
//
// The password of an encrypted key comes from [Options.Password], or else from the
// environment variable CANDOR_PASSWORD, then COSIGN_PASSWORD, then a prompt when standard
// input is a terminal; otherwise loading fails with [ErrPassword].
//
// [Generate] writes a new key pair: the private key encrypted in cosign's format, the public
// key as a PEM "PUBLIC KEY", refusing to overwrite either file unless told to.
//
// Every error wraps [ErrKey].
package signing
