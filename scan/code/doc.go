// Package code reads the machine code of Go binaries: for each function of the function
// table, the direct calls it makes and the string literals it loads, exactly as the
// instructions give them (an address and a length), so that a string is the program's
// literal and not a guess at where a run of bytes ends.
//
// It is the first layer of candor's code pass (issue 11): [Scan] takes the text section,
// the function boundaries and a test for what is static data, and returns [Refs]. The
// decoders read only the instruction shapes Go's compiler emits for these (amd64:
// RIP-relative LEA followed by a MOV of an immediate length, CALL rel32; arm64: ADRP+ADD
// followed by a MOVZ/ORR of the length, BL), and the bulk copies it makes of a long
// constant into a []byte (amd64: REP MOVSQ, or a loop of MOVUPS for 64 bytes to 1 KiB;
// arm64: a loop of post-indexed load pairs), whose length is the copy's extent: a JSON
// document of endpoints an SDK parses is one string its code loads, not bytes no code
// uses. They are written for speed over whole text
// sections and tested against golang.org/x/arch as the oracle: every instruction the fast
// path reads decodes the same there.
//
// It also reports, for the caller to filter with [Limits.KeepAddr], the other static
// addresses the code takes ([AddrRef]: function values, global variables, tables), and
// decodes the functions in parallel chunks ([Limits.Workers]) with the same result as one.
//
// Speed: amd64 lengths come from a fast path of few branches over small tables (99.6% of
// the go command's instructions; the rest through the full length decoder, which the fast
// path is tested against), and [Scan] decodes a chunk's functions in batches whose length
// chains run two at a time (each instruction's length waits on the look-up of the one
// before; two chains overlap those waits), then reads each function's references from
// the records in order; arm64 takes the instructions that only write their destination
// register without building a decoded instruction. Results are preallocated from the code
// size and nothing is allocated per instruction. On the go command, one core of a shared
// machine: amd64 about 250-275 MB of text per CPU second, arm64 about 110.
package code
