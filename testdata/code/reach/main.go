// Command reach is a fixture for the code pass's reachability: each function
// below is reached one way only, and the test (scan/program_test.go) checks how
// the pass classifies it and the call path it reports.
package main

import (
	"fmt"
	"os"
	"reflect"
	"sync"
)

// direct is called by main.main.
//
//go:noinline
func direct() { fmt.Println("direct") }

// deeper is called by direct2, which main.main calls.
//
//go:noinline
func deeper() { fmt.Println("deeper") }

//go:noinline
func direct2() { deeper() }

// inGoroutine only runs as a goroutine that main.main starts.
//
//go:noinline
func inGoroutine(wg *sync.WaitGroup) {
	defer wg.Done()
	fmt.Println("goroutine")
}

type speaker interface{ Speak() string }

type dog struct{ name string }

type cat struct{}

func (cat) Speak() string { return "meow" }

// pick returns a speaker the compiler cannot see through, so the call to Speak
// stays a call through the interface (no devirtualisation).
//
//go:noinline
func pick(name string) speaker {
	if name == "" {
		return cat{}
	}
	return &dog{name: name}
}

// Speak is called only through the speaker interface.
//
//go:noinline
func (d *dog) Speak() string { return d.name + " barks" }

type hidden struct{}

// Secret is called only through reflection (MethodByName): no code names it,
// only its type's method table, which the linker keeps for the reflective call;
// a method of the main module's types kept there is a root of indirect reach.
func (hidden) Secret() { fmt.Println("secret") }

// callback runs only as a function value stored in a package-level table.
//
//go:noinline
func callback() { fmt.Println("callback") }

var table = []func(){callback}

func main() {
	direct()
	direct2()
	var wg sync.WaitGroup
	wg.Add(1)
	go inGoroutine(&wg)
	wg.Wait()
	s := pick(os.Getenv("DOG"))
	fmt.Println(s.Speak())
	if len(os.Args) > 1 {
		reflect.ValueOf(hidden{}).MethodByName(os.Args[1]).Call(nil)
		table[0]()
	}
}
