package verify

import (
	"errors"
	"testing"

	"github.com/candor-dev/candor/schemas"
)

func TestSemverOrder(t *testing.T) {
	t.Parallel()
	// Each version is older than the next; pseudo-versions sort as the pre-releases they are.
	order := []string{
		"v0.0.0-20261101120000-abcdef123456",
		"v0.9.9",
		"v1.0.0-0.20261101120000-abcdef123456", // a commit before v1.0.0 was tagged
		"v1.0.0-alpha",
		"v1.0.0-alpha.1",
		"v1.0.0-alpha.beta",
		"v1.0.0-beta.2",
		"v1.0.0-beta.11",
		"v1.0.0-rc.1",
		"v1.0.0",
		"v1.0.1-0.20261101120000-abcdef123456", // a commit after v1.0.0
		"v1.0.1",
		"v1.10.0",
		"v2.0.0",
	}
	for i := 1; i < len(order); i++ {
		a, okA := parseSemver(order[i-1])
		b, okB := parseSemver(order[i])
		if !okA || !okB || a.compare(b) >= 0 || b.compare(a) <= 0 {
			t.Errorf("%s < %s does not hold", order[i-1], order[i])
		}
	}
}

func TestSemverEquivalentSpellings(t *testing.T) {
	t.Parallel()
	for _, tt := range [][2]string{
		{"1.2.3", "v1.2.3"},
		{"v1.2.3+meta", "v1.2.3"},
		{"1.2.3-rc.1+build.5", "v1.2.3-rc.1"},
		{"v0.0.0-20261101120000-abcdef123456+dirty", "v0.0.0-20261101120000-abcdef123456"},
	} {
		a, okA := parseSemver(tt[0])
		b, okB := parseSemver(tt[1])
		if !okA || !okB || a.compare(b) != 0 {
			t.Errorf("%s and %s: parsed %v %v, want equal versions", tt[0], tt[1], okA, okB)
		}
	}
}

func TestSemverRefusesNonReleases(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{
		"", "devel", "(devel)", "devel+0123456789ab", "devel+0123456789ab-dirty", "latest",
		"v1", "v1.2", "1.2", // shorthands golang.org/x/mod/semver itself accepts
		"v1.2.3-", "v1.2.3-a..b", "v1.2.3+", "v01.2.3", "v1.02.3", "v1.0.0-01",
		"1.2.x", "vv1.2.3", "V1.2.3", " v1.2.3", "v1.2.3.4",
	} {
		if v, ok := parseSemver(bad); ok {
			t.Errorf("%q parsed as %q", bad, v)
		}
	}
}

// A build without a module version ("devel", "devel+<revision>") never meets a minimum; a
// pseudo-version meets it only when it is later.
func TestAnalyzerReasonsDevelNeverMeetsMinVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		version, min string
		ok           bool
	}{
		{"devel", "v0.0.0", false},
		{"devel+0123456789ab", "v0.0.0", false},
		{"devel+0123456789ab-dirty", "v1.0.0", false},
		{"(devel)", "v0.0.0", false},
		{"", "v0.0.0", false},
		{"v1.0.0", "v1.0.0", true},
		{"v1.0.0", "1.0.0", true},
		{"v1.2.0", "v1.10.0", false},
		{"v1.0.0-rc.1", "v1.0.0", false},
		{"v0.0.0-20261101120000-abcdef123456", "v1.0.0", false},
		{"v1.0.1-0.20261101120000-abcdef123456", "v1.0.0", true},
	}
	for _, tt := range tests {
		reasons := analyzerReasons(tt.version, tt.min)
		if got := len(reasons) == 0; got != tt.ok {
			t.Errorf("analyser %q, minVersion %s: passed %v, want %v (%q)", tt.version, tt.min, got, tt.ok, reasons)
		}
	}
}

// A minVersion that the schema's pattern lets through but that is not a semantic version is
// still a located policy error at analyzer.minVersion; one the pattern refuses is a schema error.
func TestPolicyMinVersionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		min    string
		schema bool
	}{
		{"v01.2.3", false},
		{"v1.0.0-01", false},
		{"v1.2.3-a..b", false},
		{"v1.2", true},
		{"devel", true},
	}
	for _, tt := range tests {
		_, err := ParsePolicy("buyer.yaml", []byte("apiVersion: candor.dev/policy/v1\nanalyzer: {minVersion: \""+tt.min+"\"}\n"))
		var pe *PolicyError
		if !errors.As(err, &pe) || !errors.Is(err, ErrPolicyFile) {
			t.Fatalf("minVersion %q: got %v, want a *PolicyError", tt.min, err)
		}
		if errors.Is(err, schemas.ErrInvalid) != tt.schema {
			t.Errorf("minVersion %q: schema error %v, want %v: %v", tt.min, errors.Is(err, schemas.ErrInvalid), tt.schema, err)
		}
		if p := pe.Problems[0]; p.Field != "analyzer.minVersion" || p.Line != 2 {
			t.Errorf("minVersion %q: problem at line %d field %q, want line 2 analyzer.minVersion", tt.min, p.Line, p.Field)
		}
	}
	for _, good := range []string{"v1.2.0", "1.2.0", "v1.2.0-rc.1", "v1.2.0+meta"} {
		if _, err := ParsePolicy("buyer.yaml", []byte("apiVersion: candor.dev/policy/v1\nanalyzer: {minVersion: \""+good+"\"}\n")); err != nil {
			t.Errorf("minVersion %q refused: %v", good, err)
		}
	}
}
