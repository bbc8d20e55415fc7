package verify

import (
	"strings"

	"golang.org/x/mod/semver"
)

// semVersion is a valid semantic version in the "v" form golang.org/x/mod/semver compares.
type semVersion string

// parseSemver reads "v1.2.3", "1.2.3-rc.1" or "v1.2.3+meta" (build metadata ignored), and Go
// pseudo-versions, which are pre-releases. Major, minor and patch are all required: the
// shorthands "v1" and "v1.2" that golang.org/x/mod/semver also accepts are refused, as is
// "devel" and anything else that is not a release version.
func parseSemver(s string) (semVersion, bool) {
	if !strings.HasPrefix(s, "v") {
		s = "v" + s
	}
	if !semver.IsValid(s) {
		return "", false
	}
	// Canonical fills in a missing minor or patch and drops build metadata: a version
	// written in full reads the same without its metadata.
	full, _, _ := strings.Cut(s, "+")
	if semver.Canonical(s) != full {
		return "", false
	}
	return semVersion(s), true
}

// compare orders versions as semantic versioning does: numbers first, then a pre-release
// before its release, pre-release identifiers numerically or lexically.
func (a semVersion) compare(b semVersion) int {
	return semver.Compare(string(a), string(b))
}
