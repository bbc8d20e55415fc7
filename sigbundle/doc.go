// Package sigbundle reads, verifies and writes Sigstore bundles, with sigstore-go.
//
// A Sigstore bundle (media types application/vnd.dev.sigstore.bundle+json;version=0.1, 0.2
// and 0.3, and application/vnd.dev.sigstore.bundle.v0.3+json) carries one signature, a
// message signature over a file or a DSSE envelope, with what verifies it: a public key
// hint or a Fulcio certificate, transparency-log entries and RFC 3161 timestamps. It is what
// cosign --new-bundle-format, gh attestation download and OCI referrers of the bundle
// artifact type hold.
//
// # Reading
//
// [Parse] reads one bundle: at most [MaxBundleSize] bytes, one JSON object nested at most
// 64 levels, no two member names of one object that differ only in case,
// '_' or '-' (protojson reads "mediaType" and "media_type" as one field), no unknown member,
// a media type sigstore-go supports (v0.1 to v0.3), and at most [MaxTlogEntries]
// transparency-log entries and [MaxTimestamps] signed timestamps. [ParseFile] reads a file's
// bytes: one bundle per line when the name ends in .jsonl, else one bundle; [ReadFile] opens
// a regular file of at most [MaxFileSize] bytes. Every error wraps [ErrParse] and names the
// file, and the line of a .jsonl file. [IsBundle] tells a bundle from a DSSE envelope by its
// mediaType member.
//
// # Verifying
//
// A [Verifier] holds what is trusted ([Options]): public keys (the keys package signing
// reads) for key-signed bundles, a trusted root ([LoadTrustedRoot]: a Sigstore
// trusted_root.json, used offline, never fetched) and a certificate identity policy
// ([Identity], cosign's --certificate-identity, --certificate-identity-regexp,
// --certificate-oidc-issuer and --certificate-oidc-issuer-regexp) for keyless ones.
// [Verifier.Verify] checks one bundle against an [Artifact] with sigstore-go's verifier:
//
//   - A key-signed bundle verifies with one of the trusted keys (the bundle's key hint only
//     orders the attempts). Without a trusted root, its transparency-log entries and
//     timestamps are not checked ([Result.TlogChecked] is false), as for candor's plain DSSE
//     envelopes. With a trusted root that lists Rekor logs, at least one log entry must
//     verify (its inclusion proof, or the signed entry timestamp of a v0.1 bundle), as
//     cosign requires.
//   - A keyless bundle (a certificate) needs a trusted root and an identity policy naming
//     both the identity (SAN) and the OIDC issuer, exactly or by regular expression: one
//     without is refused ([ErrOptions]), never accepted on the certificate alone. The
//     certificate must chain to a Fulcio CA of the root, carry at least one SCT from a CT
//     log of the root, and be valid at a verified time, since Fulcio certificates live ten
//     minutes.
//
// The thresholds are sigstore-go's and cosign's: with a trusted root that lists Rekor logs,
// at least one transparency-log entry must verify (its inclusion proof and checkpoint, or the
// signed entry timestamp of a v0.1 bundle; Rekor v2 entries included); an entry of a log the
// root does not list is not counted, and an entry whose body does not match the bundle, or
// whose inclusion proof fails, fails the bundle; at least one SCT of the certificate must verify with a CT log of
// the root. A certificate is checked at verified times only, never the current time
// (sigstore-go's WithObserverTimestamps(1)): the integrated time of a log entry with a signed
// entry timestamp (Rekor v1), and each RFC 3161 timestamp that verifies with a timestamp
// authority of the root (Rekor v2 entries have no integrated time, so their bundles need
// one). At least one such time is required, and the certificate chain must be valid at every
// one of them; a timestamp that does not verify with the root is not counted (it adds no
// evidence, and one verified time is still required). A keyless bundle with no verified time
// fails. A key-signed bundle is checked against the same log and time evidence when a
// trusted root is given, but a trusted key has no validity period, so it needs no time.
//
// A message-signature bundle verifies against the artifact's bytes. A DSSE bundle must hold
// an in-toto statement one of whose subjects has the artifact's digest; [Result.Payload] is
// then the statement, the exact bytes the signature covers, for the caller to parse.
//
// # Writing
//
// [FromEnvelope] turns a DSSE envelope signed by one key (what candor attest signs) into a
// Sigstore bundle v0.3 with a public key hint, which sigstore-go and cosign verify with the
// key.
//
// Errors wrap [ErrParse] (the bundle cannot be read), [ErrOptions] (what is trusted does not
// allow a verdict: no key for a key-signed bundle, no identity policy for a keyless one) or
// [ErrVerify] (the bundle does not verify).
package sigbundle
