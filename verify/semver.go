package verify

import (
	"strconv"
	"strings"
)

// semver is a parsed semantic version: major, minor, patch and the pre-release identifiers.
type semver struct {
	num [3]int
	pre []string
}

// parseSemver reads "v1.2.3", "1.2.3-rc.1" or "v1.2.3+meta" (build metadata ignored), and Go
// pseudo-versions, which are pre-releases.
func parseSemver(s string) (semver, bool) {
	s = strings.TrimPrefix(s, "v")
	s, _, _ = strings.Cut(s, "+")
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return semver{}, false
	}
	var v semver
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p != strconv.Itoa(n) {
			return semver{}, false
		}
		v.num[i] = n
	}
	if hasPre {
		if pre == "" {
			return semver{}, false
		}
		v.pre = strings.Split(pre, ".")
		for _, id := range v.pre {
			if id == "" {
				return semver{}, false
			}
		}
	}
	return v, true
}

// compare orders versions as semantic versioning does: numbers first, then a pre-release
// before its release, pre-release identifiers numerically or lexically.
func (a semver) compare(b semver) int {
	for i := range a.num {
		if a.num[i] != b.num[i] {
			return a.num[i] - b.num[i]
		}
	}
	switch {
	case len(a.pre) == 0 && len(b.pre) == 0:
		return 0
	case len(a.pre) == 0:
		return 1
	case len(b.pre) == 0:
		return -1
	}
	for i := 0; i < len(a.pre) && i < len(b.pre); i++ {
		x, errx := strconv.Atoi(a.pre[i])
		y, erry := strconv.Atoi(b.pre[i])
		switch {
		case errx == nil && erry == nil:
			if x != y {
				return x - y
			}
		case errx == nil:
			return -1
		case erry == nil:
			return 1
		default:
			if c := strings.Compare(a.pre[i], b.pre[i]); c != 0 {
				return c
			}
		}
	}
	return len(a.pre) - len(b.pre)
}
