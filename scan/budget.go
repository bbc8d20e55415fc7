package scan

import (
	"context"
	"sync"
)

// budget bounds the bytes of archive members held in memory at once, across
// every scan a [Scanner] runs: a member is read into memory only once its
// size has been reserved, and released when its analysis ends.
type budget struct {
	mu      sync.Mutex
	free    int64
	max     int64
	waiters []chan struct{}
}

// defaultBudget is the memory budget for archive members in flight.
const defaultBudget = 2 << 30

func newBudget(max int64) *budget { return &budget{free: max, max: max} }

// acquire reserves n bytes (at most the whole budget), waiting for releases.
func (b *budget) acquire(ctx context.Context, n int64) (int64, error) {
	n = max(0, min(n, b.max))
	for {
		b.mu.Lock()
		if b.free >= n {
			b.free -= n
			b.mu.Unlock()
			return n, nil
		}
		ch := make(chan struct{})
		b.waiters = append(b.waiters, ch)
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// release returns n bytes and wakes every waiter to try again.
func (b *budget) release(n int64) {
	b.mu.Lock()
	b.free += n
	ws := b.waiters
	b.waiters = nil
	b.mu.Unlock()
	for _, ch := range ws {
		close(ch)
	}
}
