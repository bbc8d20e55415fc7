package callpath

import (
	"strings"
	"testing"
)

func TestShort(t *testing.T) {
	short := []string{"main.main", "main.update", "os.Executable"}
	if got := Short(short, MaxFrames, MaxLen); got != "main.main → main.update → os.Executable" {
		t.Errorf("short path: %q", got)
	}
	long := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	if got := Short(long, MaxFrames, MaxLen); got != "a → b → …(3 more)… → f → g → h" {
		t.Errorf("long path: %q", got)
	}
	wide := []string{strings.Repeat("x", 100), "y", strings.Repeat("z", 100)}
	if got := Short(wide, MaxFrames, MaxLen); got != wide[0]+" → …(1 more)… → "+wide[2] {
		t.Errorf("wide path: %q", got)
	}
	if got := Short(nil, MaxFrames, MaxLen); got != "" {
		t.Errorf("empty path: %q", got)
	}
}
