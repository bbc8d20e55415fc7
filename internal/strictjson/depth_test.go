package strictjson

import (
	"errors"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// nested returns n levels of objects (or arrays), the innermost empty.
func nested(n int, arrays bool) []byte {
	if arrays {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	return []byte(strings.Repeat(`{"a":`, n-1) + "{}" + strings.Repeat("}", n-1))
}

func TestDepthRefused(t *testing.T) {
	t.Parallel()
	for _, n := range []int{MaxDepth + 1, 100, 3300, 100_000} {
		for _, arrays := range []bool{false, true} {
			err := Check(nested(n, arrays), nil)
			var se *Error
			if !errors.Is(err, ErrDepth) || !errors.As(err, &se) {
				t.Fatalf("depth %d (arrays %v): got %v, want ErrDepth", n, arrays, err)
			}
			want := "$" + strings.Repeat(".a", MaxDepth)
			if arrays {
				want = "$" + strings.Repeat("[0]", MaxDepth)
			}
			if se.Path != want || !strings.Contains(err.Error(), strconv.Itoa(MaxDepth)) {
				t.Fatalf("depth %d: path %q, message %q", n, se.Path, err)
			}
		}
	}
	if err := Check(nested(MaxDepth, false), nil); err != nil {
		t.Fatalf("depth %d refused: %v", MaxDepth, err)
	}
}

// bytesAllocated returns the bytes allocated by f, averaged over runs: the least of three
// such measurements, since TotalAlloc also counts what the runtime and other goroutines
// allocate meanwhile (a loaded machine added 1 KB to one measurement).
func bytesAllocated(runs int, f func()) uint64 {
	least := uint64(1<<64 - 1)
	for range 3 {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for range runs {
			f()
		}
		runtime.ReadMemStats(&after)
		least = min(least, (after.TotalAlloc-before.TotalAlloc)/uint64(runs))
	}
	return least
}

// TestDepthCostIsBounded: refusing a deep document costs what its first MaxDepth levels
// cost, however deep it goes: no copy of the path per level, nothing quadratic.
func TestDepthCostIsBounded(t *testing.T) {
	for _, arrays := range []bool{false, true} {
		shallow, deep, deeper := nested(100, arrays), nested(3300, arrays), nested(1_000_000, arrays)
		a100 := testing.AllocsPerRun(20, func() { _ = Check(shallow, nil) })
		a3300 := testing.AllocsPerRun(20, func() { _ = Check(deep, nil) })
		a1m := testing.AllocsPerRun(5, func() { _ = Check(deeper, nil) })
		if a3300 > a100 || a1m > a100 {
			t.Errorf("arrays %v: allocations grow with depth: %v at 100, %v at 3300, %v at 1e6", arrays, a100, a3300, a1m)
		}
		b100 := bytesAllocated(20, func() { _ = Check(shallow, nil) })
		b3300 := bytesAllocated(20, func() { _ = Check(deep, nil) })
		b1m := bytesAllocated(5, func() { _ = Check(deeper, nil) })
		// The decoder reads the input in place; what is left is the stack of MaxDepth frames.
		if b3300 > b100+1024 || b1m > b100+1024 || b100 > 64<<10 {
			t.Errorf("arrays %v: bytes allocated %d at depth 100, %d at 3300, %d at 1e6", arrays, b100, b3300, b1m)
		}
		t.Logf("arrays %v: %v allocations, %d bytes at depth 100; %v, %d at 3300; %v, %d at 1e6", arrays, a100, b100, a3300, b3300, a1m, b1m)
	}
}

// TestCostIsLinear: a wide object and many small objects cost allocations in proportion to
// their members.
func TestCostIsLinear(t *testing.T) {
	wide := func(n int) []byte {
		var b strings.Builder
		b.WriteString(`{"x":[{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`"Member` + strconv.Itoa(i) + `":1`)
		}
		b.WriteString(`}`)
		for range n {
			b.WriteString(`,{"a":1,"b":2}`) // small objects after a wide one
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}
	small, large := wide(1000), wide(16000)
	if err := Check(large, nil); err != nil {
		t.Fatal(err)
	}
	a := testing.AllocsPerRun(5, func() { _ = Check(small, nil) })
	b := testing.AllocsPerRun(2, func() { _ = Check(large, nil) })
	if b > 20*a {
		t.Errorf("16 times the members cost %v allocations against %v", b, a)
	}
	ba := bytesAllocated(5, func() { _ = Check(small, nil) })
	bb := bytesAllocated(2, func() { _ = Check(large, nil) })
	if bb > 24*ba {
		t.Errorf("16 times the members cost %d bytes against %d", bb, ba)
	}
	t.Logf("1000 members: %v allocations, %d bytes; 16000: %v, %d", a, ba, b, bb)
}
