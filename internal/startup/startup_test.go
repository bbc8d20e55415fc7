package startup

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// After Done, the collector waits for FirstCollection, then runs as GOGC says again.
func TestDoneRestoresAfterFirstCollection(t *testing.T) {
	if before != 100 || debug.SetMemoryLimit(-1) != math.MaxInt64 {
		t.Skip("GOGC or GOMEMLIMIT is set")
	}
	Done()
	if got := debug.SetMemoryLimit(-1); got != FirstCollection {
		t.Fatalf("memory limit %d after Done, want %d", got, FirstCollection)
	}
	runtime.GC()
	deadline := time.Now().Add(10 * time.Second)
	for debug.SetMemoryLimit(-1) != math.MaxInt64 {
		if time.Now().After(deadline) {
			t.Fatal("the memory limit stayed after a collection")
		}
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GC percent %d after the first collection, want 100", got)
	}
}
