package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/internal/prehash"
	"github.com/spf13/pflag"
)

// internal/prehash guesses which arguments of candor verify are artifact files before the
// command line is parsed: the value of a flag must never be taken for one, and what follows
// a boolean flag must.
func TestPrehashKnowsVerifyFlags(t *testing.T) {
	art := filepath.Join(t.TempDir(), "art")
	if err := os.WriteFile(art, make([]byte, prehash.MinSize), 0o644); err != nil {
		t.Fatal(err)
	}
	root := newRootCommand()
	cmd, _, err := root.Find([]string{"verify"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(f *pflag.Flag) {
		_, hashed := prehash.Start([]string{"candor", "verify", "--" + f.Name, art}).SHA256(art)
		if takesValue := f.Value.Type() != "bool"; hashed == takesValue {
			t.Errorf("--%s %s: hashed ahead %v, but the flag takes a value: %v", f.Name, art, hashed, takesValue)
		}
	}
	cmd.LocalFlags().VisitAll(check)
	cmd.InheritedFlags().VisitAll(check)
}
