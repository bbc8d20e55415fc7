package scan

import (
	"runtime/debug"
	"testing"
)

func TestVersionOf(t *testing.T) {
	t.Parallel()
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: rev},
			{Key: "vcs.time", Value: "2026-11-01T12:00:00Z"},
			{Key: "vcs.modified", Value: modified},
		}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	main := func(version string, settings []debug.BuildSetting) *debug.BuildInfo {
		return &debug.BuildInfo{Main: debug.Module{Path: modulePath, Version: version}, Settings: settings}
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "devel"},
		{"go install at a tag", main("v1.2.3", nil), "v1.2.3"},
		{"tag with vcs settings", main("v1.2.3", vcs(rev, "false")), "v1.2.3"},
		{"pre-release tag", main("v1.3.0-rc.1", nil), "v1.3.0-rc.1"},
		{"pseudo-version", main("v1.2.4-0.20261101120000-0123456789ab", vcs(rev, "false")), "v1.2.4-0.20261101120000-0123456789ab"},
		{"dirty pseudo-version", main("v0.0.0-20261101120000-0123456789ab+dirty", vcs(rev, "true")), "v0.0.0-20261101120000-0123456789ab+dirty"},
		{"(devel) with a clean checkout", main("(devel)", vcs(rev, "false")), "devel+0123456789ab"},
		{"(devel) with local changes", main("(devel)", vcs(rev, "true")), "devel+0123456789ab-dirty"},
		{"(devel) with a short revision", main("(devel)", vcs("abc123", "false")), "devel+abc123"},
		{"(devel) without vcs settings", main("(devel)", nil), "devel"},
		{"(devel) with -buildvcs=false settings", main("(devel)", []debug.BuildSetting{{Key: "-trimpath", Value: "true"}}), "devel"},
		{"empty version", main("", nil), "devel"},
		{"library user: candor as a dependency", &debug.BuildInfo{
			Main:     debug.Module{Path: "example.com/tool", Version: "v0.4.0"},
			Deps:     []*debug.Module{{Path: "golang.org/x/mod", Version: "v0.42.0"}, {Path: modulePath, Version: "v1.5.0"}},
			Settings: vcs(rev, "false"),
		}, "v1.5.0"},
		{"library user: the main module's version is not the analyser's", &debug.BuildInfo{
			Main:     debug.Module{Path: "example.com/tool", Version: "v9.9.9"},
			Settings: vcs(rev, "false"),
		}, "devel"},
		{"library user: candor replaced by a directory", &debug.BuildInfo{
			Main:     debug.Module{Path: "example.com/tool", Version: "(devel)"},
			Deps:     []*debug.Module{{Path: modulePath, Version: "v1.5.0", Replace: &debug.Module{Path: "../candor"}}},
			Settings: vcs(rev, "false"),
		}, "devel"},
		{"library user: candor replaced by a fork's version", &debug.BuildInfo{
			Main: debug.Module{Path: "example.com/tool", Version: "(devel)"},
			Deps: []*debug.Module{{Path: modulePath, Version: "v1.5.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.5.1-fork.1"}}},
		}, "v1.5.1-fork.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := versionOf(tt.bi); got != tt.want {
				t.Errorf("versionOf = %q, want %q", got, tt.want)
			}
		})
	}
}

// Version is what every report and attestation records, and it does not change within a run.
func TestVersionIsTheAnalyzerVersion(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	bi, _ := debug.ReadBuildInfo()
	if got, want := s.Analyzer().Version, versionOf(bi); got != want || Version() != want {
		t.Errorf("Analyzer().Version = %q, Version() = %q, want %q from the build information", got, Version(), want)
	}
}
