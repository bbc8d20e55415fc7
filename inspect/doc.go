// Package inspect collects, verifies and reads every attestation about an artifact, and
// checks whether the chain they form hangs together. It is the library behind
// candor inspect, for the security team that reads attestation chains.
//
// [Run] takes artifacts, directories and attestation files ([Inputs]) and an [Inspector]
// made by [New] with the trusted keys, and returns a [Report]: one [Chain] per artifact,
// each with its attestations ([Attestation]: who signed it, what it says) and its
// cross-checks ([Check]: pass, fail or not possible, with a reason).
//
// Collection: beside an artifact, ARTIFACT.intoto.json (one DSSE envelope),
// ARTIFACT.intoto.jsonl (an in-toto bundle: JSON Lines of envelopes) and
// ARTIFACT.sigstore.json (a Sigstore bundle); in a directory, every *.intoto.json,
// *.intoto.jsonl and *.sigstore.json at any level up to [Limits.MaxDepth]; any
// attestation file named explicitly; and the attestations fetched for an artifact known by
// digest ([Inputs.Fetched], such as an image's from its registry), which form that
// artifact's chain. Attestations are matched to artifacts by the SHA-256 the statement's
// subjects list, never by order; an envelope beside an artifact belongs to it even when
// its subject names something else (the subject check then fails). A line or file whose
// mediaType names a Sigstore bundle is read as one (package sigbundle, v0.1 to v0.3), so
// bundles and envelopes mix in one .jsonl. A line that is neither, or a bundle of a
// message signature (no in-toto statement), is skipped and reported in
// [Report.Problems]; so is a key-signed bundle holding the same signed envelope as an
// envelope read (candor attest --bundle and attach --legacy-att write both), listed once.
//
// Signatures: each envelope's signatures are checked over the DSSE pre-authentication
// encoding of the exact payload bytes with every trusted key; the attestation names the
// keys that signed it by fingerprint ([signing.KeyID]), or says it is unverified and why
// ([Attestation.Unverified]). A Sigstore bundle is verified by sigstore-go through
// package sigbundle: signed with a key, with the trusted keys; keyless (a certificate),
// only with a trusted root and an identity policy ([WithSigstore]), else it is unverified:
// a certificate alone proves nothing. A verified bundle's statement is read from the
// exact payload its signature covers. An unverified attestation is shown with what it
// claims, and fails the chain's signature check: nothing unsigned is trusted silently.
//
// Predicates read: candor's disclosure ([predicate.PredicateType]), SLSA provenance v0.2
// and v1, SPDX 2.3 and CycloneDX 1.4 to 1.6 JSON SBOMs, SLSA verification summaries v1,
// OpenVEX and in-toto links v0.3. Other predicate types are listed as present and not evaluated.
//
// Every reader is bounded: file sizes, envelope counts and JSON nesting (see [Limits]).
package inspect
