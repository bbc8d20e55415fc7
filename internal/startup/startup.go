// Package startup keeps the garbage collector from running while the program starts: not
// during the initialisation of its packages, and, unless settings say otherwise, not before
// the heap has grown to [FirstCollection].
//
// candor links large libraries (the cloud KMS SDKs and their protocol buffer and gRPC
// dependencies) whose initialisation allocates a few megabytes. With the default GOGC the
// heap goal starts at 4 MiB, so a short command such as candor verify of one artifact ran a
// collection that marked all of it, at about a tenth of its wall time, and freed almost
// nothing. Since Go 1.21 packages initialise in import-path order among those whose
// dependencies are ready, so this package (importing only runtime/debug and what it needs)
// initialises before most of the heavy packages. Import it from main only, and call [Done]
// first thing in main.
package startup

import (
	"math"
	"runtime"
	"runtime/debug"
)

// FirstCollection is the heap size at which the first collection runs when GOGC is at its
// default and GOMEMLIMIT is not set. After it, the collector runs as GOGC says.
const FirstCollection = 32 << 20

// before is the GC percentage in force when the program started (GOGC).
var before = debug.SetGCPercent(-1)

// Done lets the collector run again: at once as GOGC and GOMEMLIMIT say when either is set,
// otherwise from the first collection on, which a memory limit of [FirstCollection] starts.
func Done() {
	if before != 100 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		debug.SetGCPercent(before)
		return
	}
	debug.SetMemoryLimit(FirstCollection)
	// A finalizer runs after the first collection, which finds its object unreachable.
	runtime.SetFinalizer(new(sentinel), func(*sentinel) {
		debug.SetGCPercent(before)
		debug.SetMemoryLimit(math.MaxInt64)
	})
}

// sentinel is an object for the finalizer, too large for the tiny allocator (whose objects
// share a block and may never be finalized).
type sentinel struct{ _ [32]byte }
