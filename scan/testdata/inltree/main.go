// Command inltree is the fixture of scan's inline tree tests: small functions
// the compiler certainly inlines (leaf into mid into outer, os.Executable into
// exe), functions it certainly does not (//go:noinline), and a chain that
// prints its own inlined frames with runtime.CallersFrames, which is the
// runtime's view of the same inline trees.
package main

import (
	"fmt"
	"os"
	"runtime"
)

// total makes every inlined copy of leaf keep code of its own: a store the
// compiler cannot merge with its neighbours' arithmetic.
var total int

func leaf(x int) int {
	total = total*31 + x
	return total
}

func mid(x int) int { return leaf(x) + leaf(x^5) }

//go:noinline
func outer(x int) int { return mid(x) * 2 }

//go:noinline
func notInlined(x int) int { return x - 7 }

//go:noinline
func callsNot(x int) int { return notInlined(x) + notInlined(x+1) }

//go:noinline
func exe() string {
	p, _ := os.Executable()
	return p
}

type counter struct{ n int }

func (c *counter) add(k int) { c.n += k }

//go:noinline
func useCounter(c *counter, k int) int {
	c.add(k)
	notInlined(k) // a call between, so that the two adds' stores stay apart
	c.add(leaf(k))
	return c.n
}

//go:noinline
func trace() {
	pcs := make([]uintptr, 16)
	n := runtime.Callers(2, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	var prev string
	for {
		f, more := frames.Next()
		if prev != "" {
			fmt.Printf("frame %s called-by %s\n", prev, f.Function)
		}
		prev = f.Function
		if f.Function == "main.main" || !more {
			break
		}
	}
}

func tracedLeaf() { trace() }

func tracedMid() { tracedLeaf() }

//go:noinline
func tracedOuter() { tracedMid() }

func main() {
	if len(os.Args) > 1 && os.Args[1] == "trace" {
		tracedOuter()
		return
	}
	fmt.Println(outer(len(os.Args)), callsNot(3), exe(), useCounter(&counter{}, 2))
}
