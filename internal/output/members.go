package output

import (
	"strings"

	"github.com/candor-dev/candor/scan"
)

// memberSep joins an archive's path and a member's path inside it.
const memberSep = "!/"

// flatten returns the report with every archive member listed as an artifact
// of its own right after its archive, its path prefixed with the archive's
// ("app.tar.gz!/bin/app"). Formats without nesting (SARIF) render this.
func flatten(r *scan.Report) *scan.Report {
	out := &scan.Report{Analyzer: r.Analyzer}
	var add func(prefix string, a scan.Artifact)
	add = func(prefix string, a scan.Artifact) {
		members := a.Members
		a.Members = nil
		if prefix != "" {
			a.Path = prefix + memberSep + a.Path
		}
		out.Artifacts = append(out.Artifacts, a)
		for _, m := range members {
			add(a.Path, m)
		}
	}
	for _, a := range r.Artifacts {
		add("", a)
	}
	return out
}

// isContainer reports an archive, package or image artifact.
func isContainer(a *scan.Artifact) bool {
	if len(a.Members) > 0 {
		return true
	}
	f := a.Format
	for _, p := range []string{"tar", "zip", "deb", "gzip", "bzip2", "xz", "zstd", "docker-archive", "oci-"} {
		if strings.HasPrefix(f, p) {
			return true
		}
	}
	return false
}
