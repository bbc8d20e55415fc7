// Package strictjson refuses JSON that two common parsers would read differently.
//
// candor's parsers are strict (encoding/json/v2: member names matched exactly, exact
// duplicates refused), but the same bytes are also read by others: Go's encoding/json
// matches member names case-insensitively and keeps the last duplicate, encoding/json/v2 in
// its case-insensitive mode also ignores '_' and '-', and protojson (the in-toto attestation
// library) accepts a field's proto name ("predicate_type") for its JSON name
// ("predicateType"). A document holding "subject" and "Subject" is then one statement to
// candor and another to them. [Check] walks a document once, streaming its tokens with
// encoding/json/jsontext, and refuses:
//
//   - two member names of one object, at any depth, that are equal under [FoldKey]: Unicode
//     simple case folding (the equivalence of [strings.EqualFold]) with '_' and '-' ignored
//     ([ErrDuplicate]);
//   - a member name that is not a field the [Schema] knows but folds onto one, such as a lone
//     "Subject", "SUBJECT" or "predicate_type" ([ErrFoldedName]);
//   - nesting deeper than [MaxDepth] ([ErrDepth]), before reading further, so a deep
//     document costs nothing more than its first [MaxDepth] levels;
//   - anything that is not exactly one valid JSON value in valid UTF-8 ([ErrSyntax]).
//
// Work and memory are linear in the input: each name is folded once and looked up in a set
// for its object; a path is built only for an error. Every error is an [*Error] naming the
// path where it was found (such as $.subject[0].digest) and the names concerned, and wraps
// one of the sentinels above.
//
// A [Schema] is derived from the Go type a document decodes into ([For], [Of]), from its
// json struct tags, recursively. [Names] and [Schema.Member] give other readers (the YAML
// documents of package attest) the same refusals.
package strictjson
