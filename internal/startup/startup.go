// Package startup pauses the garbage collector while the program's packages
// initialise, and lets main turn it back on.
//
// candor links large libraries (cloud KMS SDKs, a JSON Schema compiler that
// compiles every draft's meta-schema in its init) whose initialisation allocates
// a few megabytes; with the default GOGC that triggers collections worth about a
// fifth of a short command's wall time. Since Go 1.21 packages initialise in
// import-path order among those whose dependencies are ready, so this package
// (importing only the runtime) initialises before github.com/santhosh-tekuri/...
// and most other heavy packages. Import it for its side effect from main only,
// and call [Done] first thing in main.
package startup

import "runtime/debug"

// before is the GC percentage in force when the program started (GOGC).
var before = debug.SetGCPercent(-1)

// Done restores the garbage collector's setting from the environment.
func Done() { debug.SetGCPercent(before) }
