// Command codestrings is a fixture of scan/code: string literals that a reader of raw
// bytes glues together (a URL next to a literal starting with a lower-case letter,
// "%s" neighbours, literals starting with an upper-case letter), each passed by one
// function to a sink so that the compiler keeps the literal and the function.
package main

var sink string

type header struct{ Name, Value string }

var hsink *header

//go:noinline
func use(s string) { sink = s }

//go:noinline
func use2(a, b string) { sink = a + b }

//go:noinline
func urls() {
	use("https://api.example.com")
	use("login")
	use("%s:%d")
}

//go:noinline
func global() { sink = "telemetry.example.net" }

//go:noinline
func pair() { use2("Hello", "%s") }

//go:noinline
func headers() { hsink = &header{"User-Agent", "fixture/1.0"} }

//go:noinline
func helper() int { return len(sink) }

func main() {
	urls()
	global()
	pair()
	headers()
	println(helper())
}
