package cli

import (
	"strings"
	"testing"

	"github.com/candor-dev/candor/diff"
)

// TestDiffHelpIgnoreExamples: the ignore entries diff --help shows are a valid ignore file.
func TestDiffHelpIgnoreExamples(t *testing.T) {
	var lines []string
	for _, l := range strings.Split(diffLong, "\n") {
		if strings.HasPrefix(l, "  - {") {
			lines = append(lines, strings.TrimPrefix(l, "  "))
		}
	}
	if len(lines) < 3 {
		t.Fatalf("found %d example entries", len(lines))
	}
	ig, err := diff.ParseIgnore("help", []byte(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	if len(ig.Entries) != len(lines) {
		t.Errorf("%d entries from %d lines", len(ig.Entries), len(lines))
	}
}
