// Package attest turns a scan report and a vendor's disclosure into a signed in-toto
// attestation.
//
// The flow is: [LoadDisclosure] reads and validates the vendor's disclosure manifest (YAML,
// schema schemas/disclosure.v1.json, errors located by file, line and field); the analyser
// (package scan) reports findings; [predicate.Declarations.Cover] matches each finding with
// the disclosure entry that covers it, and [Disclosure.Suggest] writes the YAML that would
// cover one that is not ([SuggestYAML] groups them in one block, and [NewDraft] drafts a
// whole disclosure from a scan, merged with an existing one); [BuildPredicate] records the disclosure, the analysis and a verdict
// per commitment (a [predicate.Predicate] of type [predicate.PredicateType], schema
// schemas/predicate.v1.json); [Statement] wraps it in an in-toto Statement v1 with one
// subject per artifact; [signing.SignEnvelope] puts the statement in a DSSE envelope signed
// by one or more [signing.EnvelopeSigner]s, written (Options.Output) without ever leaving a
// partial file. [Run] does all of it from an [Options] value, as candor attest does.
//
// Package predicate owns the predicate's types, host patterns ([predicate.NormalizeHost],
// [predicate.MatchHost]) and the coverage rules ([predicate.Declarations.Cover]), which
// package verify applies again without importing this package.
//
// The verdict is judged on substance: findings no entry covers make their commitment false;
// an automatic update the user cannot turn off makes "no forced upgrade" false even when it is
// disclosed; an obfuscated or packed artifact (analysis.obfuscated) makes all three false.
//
// Each finding is recorded with its disposition (disclosed, accepted with the accepted
// entry's reason, or undisclosed), and each commitment's verdict counts them. An accepted
// entry that matches no finding of the release stops [Run] ([ErrStaleAccepted]) unless
// Options.AllowStaleAccepted is set; [StaleAccepted] lists such entries.
//
// Errors wrap one of the sentinels [ErrUndisclosed] (exit code 1), [ErrDisclosure],
// [ErrKey], [ErrArtifact], [ErrStaleAccepted], [ErrOptions] or [ErrOutput] (exit code 2).
package attest
