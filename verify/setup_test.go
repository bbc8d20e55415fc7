package verify

import (
	"os"
	"testing"
)

// must stops the test when a setup step fails: a test that went on would assert
// against a state it did not make.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// readFile returns the file's bytes or stops the test.
func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	must(t, err)
	return b
}
