package scan

import (
	"sync"
	"sync/atomic"
)

// Progress is what a progress callback (see [WithProgress]) is told.
type Progress struct {
	// Done counts the input bytes read so far; an image's layers may be read
	// twice, so Done can pass Total before the end.
	Done int64
	// Total is the size of the inputs, as far as known before reading
	// (directories count 0).
	Total int64
	// Members counts the executables analysed so far, archive members included.
	Members int64
	// Finished is true on the last call of a run.
	Finished bool
}

// WithProgress makes [Scanner.Run] call fn as the scan advances, at most
// every megabyte read or executable analysed, from any goroutine but never
// concurrently. The scanner never writes to a terminal itself.
func WithProgress(fn func(Progress)) Option {
	return func(s *Scanner) error { s.progress = fn; return nil }
}

// tracker aggregates progress across the parallel scans of one run.
type tracker struct {
	fn      func(Progress)
	mu      sync.Mutex
	total   int64
	done    atomic.Int64
	members atomic.Int64
}

func (t *tracker) add(read int64) {
	if t == nil || read == 0 {
		return
	}
	t.done.Add(read)
	t.report(false)
}

func (t *tracker) member() {
	if t == nil {
		return
	}
	t.members.Add(1)
	t.report(false)
}

func (t *tracker) report(finished bool) {
	if t == nil || t.fn == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fn(Progress{Done: t.done.Load(), Total: t.total, Members: t.members.Load(), Finished: finished})
}
