//go:build !unix

package code

import "time"

// cpuTime is 0 where the tests do not read the process's CPU time.
func cpuTime() time.Duration { return 0 }
