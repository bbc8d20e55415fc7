package testbuild

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// newGoModules need a newer Go than some toolchains worth covering; the programs
// that import them carry a matching //go:build line.
var newGoModules = []string{
	"github.com/getsentry/sentry-go", // v0.46.2: go 1.25.0
}

// writeLegacyModfile writes, into dir, a copy of the fixtures' go.mod whose go
// line is the toolchain's language version and which leaves out newGoModules,
// plus the go.sum beside it, and returns the go.mod's path for -modfile.
func writeLegacyModfile(tc *toolchain, dir string) (string, error) {
	src, err := os.ReadFile(filepath.Join(tc.fixtures, "go.mod"))
	if err != nil {
		return "", err
	}
	sum, err := os.ReadFile(filepath.Join(tc.fixtures, "go.sum"))
	if err != nil {
		return "", err
	}
	parts := strings.SplitN(strings.TrimPrefix(tc.version, "go"), ".", 3)
	if len(parts) < 2 {
		return "", fmt.Errorf("cannot derive a language version from %q", tc.version)
	}
	var out []string
	for _, line := range strings.Split(string(src), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "go":
			line = "go " + parts[0] + "." + parts[1]
		case len(f) == 2 && f[0] == "toolchain":
			continue
		case len(f) >= 2 && requiresNewGo(f):
			continue
		}
		out = append(out, line)
	}
	mod := filepath.Join(dir, "legacy.mod")
	if err := os.WriteFile(mod, []byte(strings.Join(out, "\n")), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "legacy.sum"), sum, 0o644); err != nil {
		return "", err
	}
	return mod, nil
}

// requiresNewGo reports whether a go.mod line (split into fields) requires one
// of newGoModules, inside or outside a require block.
func requiresNewGo(f []string) bool {
	if f[0] == "require" {
		f = f[1:]
	}
	for _, m := range newGoModules {
		if f[0] == m {
			return true
		}
	}
	return false
}
