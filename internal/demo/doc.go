// Package demo is candor's guided first run, behind 'candor demo'.
//
// [Run] writes a small sample program (embedded in this package; it phones home to a
// hard-coded telemetry host and serves HTTP), builds it with the go command on PATH,
// scans the binary and prints the report, explaining each step in plain words. It
// needs no network. Without a go command, or when the build fails, it scans candor's
// own executable instead and says so.
//
// The demo is a list of steps sharing one session, so the vendor and buyer steps
// (attest, verify) can be added in order as those commands land.
package demo
