// Package startup pauses the garbage collector while the program's packages
// initialise, and lets main turn it back on.
//
// candor links large libraries (the cloud KMS SDKs and their protocol buffer and
// gRPC dependencies) whose initialisation allocates a few megabytes; with the
// default GOGC that triggers collections worth a noticeable part of a short
// command's wall time. Since Go 1.21 packages initialise in import-path order
// among those whose dependencies are ready, so this package (importing only
// runtime/debug) initialises before most of the heavy packages that sort after
// it. Import it for its side effect from main only, and call [Done] first thing
// in main.
package startup

import "runtime/debug"

// before is the GC percentage in force when the program started (GOGC).
var before = debug.SetGCPercent(-1)

// Done restores the garbage collector's setting from the environment.
func Done() { debug.SetGCPercent(before) }
