// Package output renders a [scan.Report] for people and for tools.
//
// Every format sits behind one small interface, [Renderer], and the command line
// picks one at the edge with [New]:
//
//   - [FormatText]: a readable report per artifact, findings grouped by the
//     commitment they threaten (remote control, exfiltration, forced upgrade), with
//     the evidence a person can check and a closing summary line;
//   - [FormatJSON]: the report itself, indented, byte-for-byte deterministic;
//   - [FormatSARIF]: a SARIF 2.1.0 log for code-scanning dashboards, one result per
//     finding, one rule per rule id present.
//
// Renderers never write anywhere but the [io.Writer] they are given. Text output
// escapes control and formatting characters taken from scanned binaries, so a hostile
// string cannot drive the reader's terminal; JSON and SARIF write the characters
// encoding/json leaves raw (DEL, C1 controls, bidirectional and zero-width characters)
// as \u escapes, so they decode to exactly the scanned strings (see [termsafe]).
package output
