package verify

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// Options.Hashed gives digests hashed ahead: Run takes them, and hashes a file itself when
// Hashed has none for it.
func TestRunHashedAhead(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	art := filepath.Join(dir, "phonehome")
	ctx := context.Background()
	var asked []string
	none := func(path string) (string, bool) { asked = append(asked, path); return "", false }
	res, err := Run(ctx, Options{Keys: []string{pub}, Artifacts: []string{art}, Now: testNow, Hashed: none})
	if err != nil || !res.Passed {
		t.Fatalf("no digest hashed ahead: %v", err)
	}
	if len(asked) != 1 || asked[0] != art {
		t.Errorf("Hashed asked for %q, want [%s]", asked, art)
	}
	wrong := func(string) (string, bool) { return strings.Repeat("0", 64), true }
	res, err = Run(ctx, Options{Keys: []string{pub}, Artifacts: []string{art}, Now: testNow, Hashed: wrong})
	if !errors.Is(err, ErrSubject) || res.Passed {
		t.Fatalf("a digest hashed ahead was not used: %v", err)
	}
}
