// Package hygiene holds repository-wide checks run as tests: every Go file is
// gofmt-formatted, go vet and staticcheck (a tool in go.mod) are clean, go mod tidy
// leaves go.mod and go.sum unchanged, no package outside cmd/ links a cloud SDK (the
// KMS providers are linked by cmd/candor alone), and a module outside candor builds
// against its public packages.
package hygiene
