// Command funcvals is a fixture of scan/code: the ways Go code takes a function value (a
// go statement, a closure, a method value, a method expression) and refers to a global
// variable, each in a function of its own.
package main

type T struct{ n int }

//go:noinline
func (t *T) M() { println(t.n) }

// Global is a global variable that main.readGlobal loads.
var Global = &T{n: 1}

var sinkf func()
var sinkm func(*T)
var done = make(chan bool)

//go:noinline
func work(n int) { println(n); done <- true }

//go:noinline
func spawn() { go work(3) }

//go:noinline
func closure() { sinkf = func() { println("closure") } }

//go:noinline
func methodValue(t *T) { sinkf = t.M }

//go:noinline
func methodExpr() { sinkm = (*T).M }

//go:noinline
func readGlobal() int { return Global.n }

func main() {
	spawn()
	<-done
	closure()
	methodValue(Global)
	methodExpr()
	sinkf()
	sinkm(Global)
	println(readGlobal())
}
