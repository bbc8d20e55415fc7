package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// A subcommand with a persistent pre-run hook of its own still gets the root's config
// handling first: the root built by newRootCommand runs every hook from the root down.
func TestSubcommandHookKeepsRootConfig(t *testing.T) {
	for _, tt := range []struct {
		format   string
		code     int
		childRan bool
		json     bool
	}{
		{format: "json", code: ExitOK, childRan: true, json: true},
		{format: "yaml", code: ExitUsage}, // the root's hook refuses it before the child's runs
	} {
		t.Run(tt.format, func(t *testing.T) {
			t.Setenv("CANDOR_FORMAT", tt.format)
			root := newRootCommand()
			version, _, err := root.Find([]string{"version"})
			if err != nil {
				t.Fatal(err)
			}
			childRan := false
			version.PersistentPreRunE = func(*cobra.Command, []string) error { childRan = true; return nil }
			var stdout, stderr bytes.Buffer
			code := execute(context.Background(), root, []string{"version", "--config", ""}, nil, &stdout, &stderr)
			if code != tt.code || childRan != tt.childRan {
				t.Fatalf("CANDOR_FORMAT=%s: code %d, child hook ran %v; want %d, %v (stderr %q)", tt.format, code, childRan, tt.code, tt.childRan, stderr.String())
			}
			if got := strings.HasPrefix(stdout.String(), "{"); got != tt.json {
				t.Errorf("CANDOR_FORMAT=%s: JSON output %v, want %v: %q", tt.format, got, tt.json, stdout.String())
			}
		})
	}
}
