// Package signing loads the keys candor signs and verifies with, and generates new ones.
//
// A [Signer] signs DSSE envelopes with one key; a [Verifier] checks signatures made by a
// public key. Both carry the key id candor writes in signatures ([KeyID]).
//
// [LoadSigner] (and [LoadSigners], for several keys) takes a key reference: the path of a
// PEM private key (PKCS#8, SEC 1 or PKCS#1, or cosign's encrypted
// "ENCRYPTED SIGSTORE PRIVATE KEY" format), or a KMS URI. [LoadPublicKey] reads a PEM
// public key for [NewVerifier]; [NewSigner] wraps a sigstore signer this package does not
// load itself. [Options] holds what loading needs besides the reference: the password
// source and the plugin opt-in.
//
// # KMS keys
//
// The schemes awskms://, gcpkms://, azurekms:// and hashivault:// ([KMSSchemes]) are served
// by sigstore's KMS providers, and only in a program that links them: each provider
// registers its scheme when its package is imported, and this package imports none of
// them, so a program that signs with key files does not link the cloud SDKs. A program that
// accepts KMS keys imports the providers it needs, as the candor command does:
//
//	import _ "github.com/sigstore/sigstore/pkg/signature/kms/aws"        // awskms://
//	import _ "github.com/sigstore/sigstore/pkg/signature/kms/azure"      // azurekms://
//	import _ "github.com/sigstore/sigstore/pkg/signature/kms/gcp"        // gcpkms://
//	import _ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault" // hashivault://
//
// A reference with one of these schemes whose provider is not linked fails with
// [ErrKeyScheme], naming the package to import.
//
// Any other scheme is refused with [ErrKeyScheme] too: sigstore would otherwise run a
// program named sigstore-kms-<scheme> from PATH, so a key reference in a config file could
// run a program. [Options.AllowKMSPluginsUnsafe] lifts that refusal for users who install
// such plugins on purpose; it never sends the four schemes above to a plugin.
//
// # Algorithms
//
// Accepted keys are ECDSA P-256 and P-384, Ed25519, and RSA of 2048 bits or more, checked by
// [CheckPublicKey] wherever a public key enters (weak keys fail with [ErrWeakKey]). ECDSA
// P-256 and RSA sign with SHA-256 (RSA as PKCS #1 v1.5), ECDSA P-384 with SHA-384, Ed25519
// as pure Ed25519: the choices of sigstore's algorithm registry and cosign, so that
// cosign verify-blob-attestation --key accepts the signatures (for P-384 keys it needs
// --signature-digest-algorithm sha384). KMS keys sign with SHA-256.
//
// # Passwords
//
// The password of an encrypted key comes from [Options.Password], or else from the
// environment variable CANDOR_PASSWORD, then COSIGN_PASSWORD, then a prompt when standard
// input is a terminal ([DefaultPassword]); otherwise loading fails with [ErrPassword].
//
// # Key generation
//
// [Generate] writes a new key pair: the private key encrypted in cosign's format, the public
// key as a PEM "PUBLIC KEY", refusing to overwrite either file unless told to.
//
// # Envelopes
//
// [SignEnvelope] wraps a payload, such as an in-toto statement, in a DSSE envelope signed by
// one or more [EnvelopeSigner]s (a [*Signer], or a signer of your own); [MarshalEnvelope]
// writes it as indented JSON or as one JSON line ([Format], [FormatFor]).
//
// Every error wraps [ErrKey], except those of [MarshalEnvelope] ([ErrFormat]).
package signing
