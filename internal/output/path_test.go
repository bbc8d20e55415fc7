package output

import (
	"strings"
	"testing"
)

// TestShortPath: short paths are written whole; long ones keep the entry, the
// frame after it and the last frames, say how many are left out, and fit.
func TestShortPath(t *testing.T) {
	t.Parallel()
	short := []string{"main.main", "main.update", "os.Executable"}
	if got := shortPath(short); got != "main.main → main.update → os.Executable" {
		t.Errorf("short path: %q", got)
	}
	long := []string{"main.main", "main.run", "a.b", "c.d", "e.f", "g.h", "net/http.(*Client).Do", "net/http.(*Client).do"}
	got := shortPath(long)
	if want := "main.main → main.run → …(3 more)… → g.h → net/http.(*Client).Do → net/http.(*Client).do"; got != want {
		t.Errorf("long path:\n got %q\nwant %q", got, want)
	}
	wide := []string{"main.main", strings.Repeat("x", 150), "a", strings.Repeat("y", 150), "leaf.F"}
	got = shortPath(wide)
	if !strings.HasPrefix(got, "main.main → ") || !strings.HasSuffix(got, "leaf.F") || !strings.Contains(got, "more)…") {
		t.Errorf("wide path: %q", got)
	}
}
