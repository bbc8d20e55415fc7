package scan

import (
	"runtime/debug"
	"sync"
)

// modulePath is the module the analyser belongs to.
const modulePath = "github.com/candor-dev/candor"

// develVersion is the version of a build that has no module version.
const develVersion = "devel"

// Version returns the analyser version recorded in every report and attestation (and
// printed by candor version): the version of the candor module in this program's build
// information, read once, when first asked.
//
// A release is built from a tagged module version,
// go install github.com/candor-dev/candor/cmd/candor@v1.2.3, and reports v1.2.3; no
// linker flag is needed. A build from a version-control checkout reports the pseudo-version
// the go command stamps (v1.2.4-0.20260101120000-0123456789ab, with +dirty for uncommitted
// changes), which sorts before the next release. A build without a module version reports
// "devel", or "devel+<12-digit revision>[-dirty]" when the revision is stamped; neither is a
// semantic version, so neither meets a policy's analyzer minVersion.
func Version() string { return buildVersion() }

var buildVersion = sync.OnceValue(func() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
})

// versionOf is [Version] for the build information bi (nil when there is none).
func versionOf(bi *debug.BuildInfo) string {
	if bi == nil {
		return develVersion
	}
	m := &bi.Main
	if m.Path != modulePath {
		// A program that imports the analyser as a library: candor is one of its dependencies.
		m = nil
		for _, d := range bi.Deps {
			if d.Path == modulePath {
				m = d
				break
			}
		}
		if m == nil {
			return develVersion
		}
	}
	v := m.Version
	if m.Replace != nil {
		// The code is the replacement's: a module version, or none for a local directory.
		v = m.Replace.Version
	}
	if v != "" && v != "(devel)" {
		return v
	}
	if m != &bi.Main {
		// Version-control settings describe the main module only.
		return develVersion
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return develVersion
	}
	v = develVersion + "+" + rev[:min(len(rev), 12)]
	if modified == "true" {
		v += "-dirty"
	}
	return v
}
