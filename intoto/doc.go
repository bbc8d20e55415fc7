// Package intoto fits candor into an in-toto supply chain (https://in-toto.io), through
// github.com/in-toto/in-toto-golang.
//
// [RecordLink] records the link of candor's attest step: the artifacts are its materials,
// the attestation file its product, and the link is signed with the vendor's key (any
// [Signer]; candor's *signing.Signer is one) and written as STEP.KEYID8.link, the name
// in-toto verifiers look for. [SignLayout] signs a layout, for a project owner who writes
// theirs with candor.
//
// [VerifyLayout] verifies a root layout and the links in a directory with in-toto-golang:
// the layout's signatures and expiry, each step's signature threshold, the artifact rules,
// and sublayouts as in-toto-golang resolves them. It reads its inputs itself first, bounded
// (see [Options]), and copies them into a private directory that in-toto-golang then reads:
// so a link file that does not parse, which in-toto-golang would skip without a word, is an
// error naming the file, and a file swapped while the verification runs is never read. A
// layout (or sublayout) with inspections is refused unless [Options.AllowInspectionsUnsafe]:
// inspections run commands on the verifier's machine. The result has one line per step.
//
// Key ids are in-toto's: the SHA-256 of the canonical JSON of the public key in
// securesystemslib's format ([KeyFromPublic]), not candor's DSSE key id. Ed25519, ECDSA
// (P-256, P-384) and RSA (RSASSA-PSS) keys verify; candor's own signers sign links with
// Ed25519 and ECDSA keys (in-toto's RSA scheme is PSS, and candor's RSA keys sign PKCS #1
// v1.5, which RecordLink detects and refuses).
package intoto
