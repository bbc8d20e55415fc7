package scan

import "runtime/debug"

// version is the analyser version, set at release time with
// -ldflags "-X github.com/candor-dev/candor/scan.version=v1.2.3".
var version = ""

// Version returns the analyser version: the linker-set value, else the module
// version from the build info, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range append([]*debug.Module{&bi.Main}, bi.Deps...) {
			if d.Path == "github.com/candor-dev/candor" && d.Version != "" && d.Version != "(devel)" {
				return d.Version
			}
		}
	}
	return "devel"
}
