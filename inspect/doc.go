// Package inspect collects, verifies and reads every attestation about an artifact, and
// checks whether the chain they form hangs together. It is the library behind
// candor inspect, for the security team that reads attestation chains.
//
// [Run] takes artifacts, directories and attestation files ([Inputs]) and an [Inspector]
// made by [New] with the trusted keys, and returns a [Report]: one [Chain] per artifact,
// each with its attestations ([Attestation]: who signed it, what it says) and its
// cross-checks ([Check]: pass, fail or not possible, with a reason).
//
// Collection: beside an artifact, ARTIFACT.intoto.json (one DSSE envelope) and
// ARTIFACT.intoto.jsonl (an in-toto bundle: JSON Lines of envelopes); in a directory,
// every *.intoto.json and *.intoto.jsonl at any level up to [Limits.MaxDepth]; and any
// attestation file named explicitly. Attestations are matched to artifacts by the SHA-256
// the statement's subjects list, never by order; an envelope beside an artifact belongs to
// it even when its subject names something else (the subject check then fails). A bundle
// line that is not an envelope is skipped and reported in [Report.Problems].
//
// Signatures: each envelope's signatures are checked over the DSSE pre-authentication
// encoding of the exact payload bytes with every trusted key; the attestation names the
// keys that signed it by fingerprint ([signing.KeyID]), or says it is unverified. An
// unverified attestation is shown with what it claims, and fails the chain's signature
// check: nothing unsigned is trusted silently.
//
// Predicates read: candor's disclosure ([predicate.PredicateType]), SLSA provenance v0.2
// and v1, SPDX 2.3 and CycloneDX 1.4 to 1.6 JSON SBOMs, SLSA verification summaries v1,
// OpenVEX and in-toto links v0.3. Other predicate types are listed as present and not evaluated.
//
// Every reader is bounded: file sizes, envelope counts and JSON nesting (see [Limits]).
package inspect
