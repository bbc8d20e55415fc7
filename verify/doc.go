// Package verify is the buyer's side of candor: it checks a vendor's disclosure attestation
// against an artifact, the vendor's public keys and the buyer's policy, can re-scan the
// artifact itself, and can sign a SLSA verification summary of the outcome.
//
// Verification runs these steps in order ([Steps]) and stops at the first that fails, with
// an error wrapping the step's sentinel, every one of which wraps [ErrVerification]:
//
//  1. parse ([ErrParse]): the DSSE envelope is read strictly by [ParseEnvelope]: at most
//     [MaxEnvelopeSize] bytes, one JSON object, no duplicate or unknown members, no two
//     member names that differ only in case, '_' or '-', no name that folds onto a known
//     member, at most 64 levels deep, no trailing data, base64 payload and signatures. A
//     .intoto.jsonl file holds one envelope per line ([SplitBundle]). A Sigstore bundle
//     (ARTIFACT.sigstore.json, *.sigstore.json, or a line of a .jsonl file that
//     sigbundle.IsBundle tells from an envelope) is read by sigbundle.Parse instead; a
//     message-signature bundle is no attestation, and is skipped.
//  2. signature ([ErrSignature]): signatures over the DSSE pre-authentication encoding are
//     checked with the trusted keys ([LoadKeys]: PEM public keys or KMS URIs; a key that
//     does not bind signatures, such as a small-order Ed25519 point, is refused); at least
//     the threshold of distinct keys must have signed. A key counts once, however often it
//     is listed or the envelope repeats its signature; signatures by other keys are
//     ignored. An envelope with more than [Limits.MaxSignatures] signatures fails unchecked.
//     A bundle is verified by sigstore-go (package sigbundle): key-signed with the trusted
//     keys, keyless with [WithSigstore]'s trusted root and identity policy (a keyless
//     bundle without one stops the run with [ErrOptions]); its one signature cannot meet
//     a threshold above 1. The step's detail names the signer and whether a transparency
//     log was checked.
//  3. payload type ([ErrPayloadType]): application/vnd.in-toto+json.
//  4. statement ([ErrStatement]): the verified payload bytes, and only those, are parsed
//     strictly by [ParseStatement] (duplicate members, members that differ only in case,
//     '_' or '-', and names that fold onto a known field rejected at every level, the
//     predicate included: two parsers must never read two statements from one payload) as an in-toto Statement v1 with predicate type
//     [predicate.PredicateType], or [SummaryPredicateType]: a SLSA verification summary
//     (such as one [SummaryOptions] wrote) has the subject step, then its predicate step
//     reads the summary (its resourceUri must name the artifact, its result must be
//     PASSED; [Verdict.Summary] reports it), and no policy or re-scan.
//  5. subject ([ErrSubject]): the artifact's SHA-256 is the digest of a subject, and every
//     other digest that subject lists in an algorithm verify checks (SHA-512) is the
//     artifact's too: the file is hashed in SHA-512 only when a subject lists one. A subject
//     that agrees in one algorithm and disagrees in another fails the step; digests in
//     algorithms verify does not check are ignored, and a subject with only those cannot
//     match.
//  6. predicate ([ErrPredicate]): the predicate matches schemas/predicate.v1.json and
//     analyses that subject, and holds nothing attest would not sign: every host pattern of
//     its disclosure (endpoints, telemetry and update endpoints, accepted hosts) is one
//     attest accepts, in normal form (a hand-signed "*.com" or "*.0.1" fails); every
//     finding's disposition and reason are what its coveredBy and the disclosure give; each
//     commitment's counts are those of the findings. The verdict then counts the artifact's
//     findings per commitment ([Verdict.Findings]: disclosed, accepted, undisclosed) and
//     lists those the vendor accepted, with the entry and its reason ([Verdict.Accepted]).
//  7. policy ([ErrPolicy]): the buyer's [Policy], or the defaults, which always refuse
//     undisclosed findings and forced upgrades unless a policy relaxes them explicitly.
//     Coverage is judged again with candor's matcher on the declared entries, not taken
//     from the attestation.
//  8. rescan ([ErrRescan], when asked): the artifact is scanned again; every finding must be
//     in the attested analysis (same rule and host, or same capability and host when the
//     rules differ) and covered.
//
// A [Verifier] holds who is trusted and what is accepted. [NewVerifier] takes the trusted
// keys (loaded by [LoadKeys]) and options: [WithKeyNames] (the keys' names in messages),
// [WithThreshold], [WithPolicy] (a policy read by [LoadPolicy] or [ParsePolicy]),
// [WithRescan], [WithClock] and [WithLimits]. It runs the steps: [Verifier.Open] the four
// that concern the envelope alone, [Verifier.Check] the others for one artifact,
// [Verifier.Verify] all of them.
//
// [Run] is the batch entry point behind candor verify: given a Verifier and [Inputs]
// (artifacts and release directories, digests, attestation files, attestations in memory
// ([Blob], such as those read from an OCI registry) and artifacts known by digest
// ([Inputs.Targets], such as an image's manifest), and the run's own settings), it finds the attestations beside the artifacts or in the files given, gives
// one [Verdict] per artifact and attestation, checked in parallel, and writes an optional
// signed SLSA verification summary ([SummaryOptions], predicate type
// [SummaryPredicateType]). Nothing is loaded from a file name inside Run but the artifacts
// and attestations: keys, the policy and the summary's signer are loaded before.
// [Inputs.Check] refuses inconsistent inputs before anything is loaded.
//
//	keys, err := verify.LoadKeys(ctx, []string{"vendor.pub"}, signing.Options{})
//	...
//	v, err := verify.NewVerifier(keys, verify.WithKeyNames("vendor.pub"), verify.WithPolicy(pol))
//	...
//	res, err := verify.Run(ctx, v, verify.Inputs{Artifacts: []string{"./release"}})
//
// The work and memory of a run are bounded by [Limits]; a limit reached gives an error
// wrapping [ErrLimit]. Every input file is opened only when it is a regular file, checked
// on the opened descriptor: a FIFO or a device fails at once instead of blocking. In a
// release directory nothing is read through a symbolic link, and every entry that is not
// verified is listed in [Result.Unverified] with the reason.
//
// Errors that prevent a verdict (bad options, keys, policy or unreadable files) wrap
// [ErrOptions], [ErrKey], [ErrPolicyFile], [ErrInput] or [ErrOutput] instead; candor verify
// exits 2 for them, 1 for a negative verdict.
package verify
