package testbuild

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// A cache entry is built under a lock file beside it, so that test processes
// started together (go test ./... runs packages in parallel) build each entry
// once and the others wait for it. The holder touches the lock file every
// lockBeat; a lock untouched for lockStale is left from a killed process and is
// taken over. Correctness never depends on the lock: builds still go to a
// temporary directory renamed into place.
const (
	lockBeat  = 2 * time.Second
	lockStale = 30 * time.Second
	lockPoll  = 250 * time.Millisecond
)

// lockEntry waits until it holds path (or ctx ends) and returns the release
// function, or until done reports that another process finished the work, in
// which case it returns a nil release function.
func lockEntry(ctx context.Context, path string, done func() bool) (release func(), err error) {
	for {
		if done() {
			return nil, nil
		}
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintf(f, "pid %d\n", os.Getpid())
			f.Close()
			stop := make(chan struct{})
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				t := time.NewTicker(lockBeat)
				defer t.Stop()
				for {
					select {
					case <-stop:
						return
					case now := <-t.C:
						_ = os.Chtimes(path, now, now)
					}
				}
			}()
			return func() {
				close(stop)
				<-finished
				os.Remove(path)
			}, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if fi, err := os.Stat(path); err == nil && time.Since(fi.ModTime()) > lockStale {
			os.Remove(path) // abandoned; whoever creates it next holds it
			continue
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-time.After(lockPoll):
		}
	}
}
