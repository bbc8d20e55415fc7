// Package schemas holds candor's JSON Schemas (draft 2020-12) and validates documents against them.
//
// The schemas are the contract between candor and everything that reads its output:
//
//   - disclosure.v1.json ([DisclosureV1]): the vendor's disclosure manifest, written as YAML or JSON.
//   - predicate.v1.json ([PredicateV1]): the predicate of a disclosure attestation, predicate type
//     https://candor.dev/attestation/disclosure/v1.
//   - policy.v1.json ([PolicyV1]): the buyer's verification policy, read by candor verify.
//
// The files are embedded with go:embed and compiled once, on first use, by a small interpreter
// of the draft 2020-12 keywords they use, which refuses any other keyword; its tests hold its
// verdicts and messages to github.com/santhosh-tekuri/jsonschema/v6, which also checks the
// files against the draft 2020-12 meta-schema. The interpreter exists for speed alone:
// jsonschema/v6 compiles every draft's meta-schema in its package init (3.4 ms on every
// candor start) and checks each schema against it when compiling (about 5 ms more), which
// was a third of a `candor verify` run. [ValidateDisclosure],
// [ValidatePredicate] and [ValidatePolicy] take a decoded JSON value (map[string]any, []any,
// string, bool, nil and numbers); on failure they return an [*Error] that wraps [ErrInvalid] and lists every
// [Violation] with the instance location it concerns, so that callers can point at the field
// (the attest and verify packages map them back to YAML lines). Unknown fields are violations everywhere:
// a typo must not silently weaken a disclosure.
//
// Validation costs time and memory linear in the size of the document, whatever its shape: an
// [*Error] lists at most [MaxViolations] violations and counts the rest in [Error.Omitted], and
// a value nested deeper than [MaxDepth] is refused with [ErrDepth] (also an [ErrInvalid]) where
// it is met, without looking further. [ValidatePredicateJSON] refuses such JSON before it is
// decoded.
package schemas
