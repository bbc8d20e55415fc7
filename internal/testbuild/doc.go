// Package testbuild builds the fixture programs under testdata/fixtures for the
// tests, for a matrix of platforms and build flags, and caches the binaries.
//
// It is for tests only: every function takes a [testing.TB] and fails or skips
// it instead of returning an error.
//
// # The matrix
//
// [Matrix] lists the [Target]s: linux/amd64 and linux/arm64 each built plain,
// stripped (-ldflags=-s -w), PIE (-buildmode=pie) and PIE+stripped;
// windows/amd64 and darwin/arm64 (PIE by default) each built with -trimpath,
// plain and stripped. Every target is one `go build -o DIR/ ./cmd/...` of the
// fixtures module with CGO_ENABLED=0, GOWORK=off and
// GOFLAGS="-mod=readonly -buildvcs=false". In -short mode only linux/amd64
// plain and linux/amd64 PIE+stripped are built.
//
// # Caching
//
// Binaries are cached in $CANDOR_TESTBUILD_CACHE, or else in
// os.UserCacheDir()/candor-testbuild, one directory per target, named by a hash
// of the fixture sources (every file under testdata/fixtures), the Go version
// and the build flags, so a rerun with nothing changed builds nothing. A build
// goes to a temporary directory that is renamed into place, under a lock file
// beside the entry, so test processes started together (go test ./... runs
// packages in parallel) build each entry once while the others wait; a lock
// left by a killed process goes stale within seconds.
// Delete the cache directory to reclaim its space; stale entries are never
// reused because their key no longer matches.
//
// # Toolchains
//
// The go command found in PATH builds every target, with the environment's
// GOTOOLCHAIN. Set CANDOR_TESTBUILD_GOTOOLCHAINS to a space-separated list of
// further GOTOOLCHAIN values (for example "go1.23.4 go1.25.0") to build the whole
// matrix again with each; a toolchain the go command cannot obtain (offline and
// not in the module cache) is logged and skipped. The fixtures module needs
// Go 1.25 (github.com/getsentry/sentry-go v0.46.2 does); a toolchain older than
// that builds the module through a derived go.mod (-modfile) that drops the
// modules needing a newer Go, and the programs using them carry a
// //go:build go1.25 line, so such a toolchain builds every program except those.
package testbuild
