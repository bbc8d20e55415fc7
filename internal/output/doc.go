// Package output renders every result candor prints, for people and for tools: scan
// reports ([scan.Report]), attest outcomes ([Attestation]) and verify verdicts
// ([verify.Result]). The libraries return results; the command line renders them.
//
// Every format sits behind one small interface, [Renderer], with a method per kind of
// result, and the command line picks one at the edge with [New] from --format:
//
//   - [FormatText]: for people. A scan report per artifact, findings grouped by the
//     commitment they threaten (remote control, exfiltration, forced upgrade), with the
//     evidence a person can check and a closing summary line; an attest outcome as the
//     undisclosed findings with the YAML that would cover them, then what was signed;
//     a verification as a PASS or FAIL block per verdict and a closing count;
//   - [FormatJSON]: the scan report or the verification result itself, indented,
//     byte-for-byte deterministic;
//   - [FormatSARIF]: a scan report as a SARIF 2.1.0 log for code-scanning dashboards,
//     one result per finding, one rule per rule id present.
//
// A format without a form for a kind of result returns [ErrUnsupported].
//
// Renderers never write anywhere but the [io.Writer] they are given. Text output
// escapes control and formatting characters taken from binaries, attestations,
// policies and file names, so a hostile string cannot drive the reader's terminal; JSON
// and SARIF write the characters encoding/json leaves raw (DEL, C1 controls,
// bidirectional and zero-width characters) as \u escapes, so they decode to exactly the
// strings of the result (see [termsafe]).
package output
