// Package demo is candor's guided first run, behind 'candor demo'.
//
// [Run] walks a newcomer through candor's whole workflow in one directory, without network:
// it writes a small sample program (embedded in this package; it phones home to a hard-coded
// telemetry host and serves HTTP), builds it with the go command on PATH, scans the binary
// and explains the report; then, as the vendor, makes a throwaway key (a constant password,
// never a prompt), writes a disclosure, attests the build and shows attest refusing a
// disclosure that misses an endpoint; then, as the buyer, verifies the release against a
// policy with a re-scan, and verifies a tampered copy that fails. Each step is announced and
// explained in plain words on the narration writer; reports and verdicts go to the results
// writer. Without a go command, or when the build fails, it scans candor's own executable
// instead and skips the vendor and buyer steps, saying so.
//
// The demo is a list of steps sharing one session: demo.go has the sample and the scan,
// workflow.go the vendor's and the buyer's steps.
package demo
