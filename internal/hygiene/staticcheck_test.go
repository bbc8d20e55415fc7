package hygiene

import (
	"testing"
)

// TestStaticcheck runs staticcheck, a tool of this module (go.mod's tool directive, so it
// comes through the module proxy at the version go.mod names), over the whole module. A
// finding that is right as it stands takes a //lint:ignore CHECK reason on the line before.
func TestStaticcheck(t *testing.T) {
	if testing.Short() {
		t.Skip("staticcheck of the whole module is slow")
	}
	t.Parallel()
	dir := root(t)
	// go tool -n builds the tool, or says why it cannot.
	if out, err := goCommand(t, dir, "tool", "-n", "staticcheck"); err != nil {
		t.Skipf("cannot build staticcheck (go tool -n staticcheck): %v\n%s", err, out)
	}
	if out, err := goCommand(t, dir, "tool", "staticcheck", "./..."); err != nil {
		t.Errorf("go tool staticcheck ./...: %v\n%s", err, out)
	}
}
