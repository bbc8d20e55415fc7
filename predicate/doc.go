// Package predicate is candor's disclosure attestation predicate: its wire types, the model
// of what a vendor declares, and the matcher that says which declaration covers a finding.
// Package attest builds predicates and package verify checks them; each imports this
// package and neither imports the other.
//
// [Predicate] is the predicate of an in-toto statement of type [PredicateType], as defined
// by schemas/predicate.v1.json: the [Product], the vendor's [Security] commitment, the
// [Declarations] (endpoints, listeners, remote control, telemetry, updates, accepted
// findings), the [Analysis] of every subject ([ArtifactAnalysis], whose [Finding]s are the
// analyser's with the declaration that covers each) and a [Verdict] per commitment. It
// travels in a DSSE envelope of payload type [PayloadType].
//
// [Declarations.Cover] returns the entry that covers a finding, by the coverage rules
// written beside it; host patterns, wildcards included, are normalised by [NormalizeHost]
// and matched by [MatchHost].
package predicate
