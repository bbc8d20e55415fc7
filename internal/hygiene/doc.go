// Package hygiene holds repository-wide checks run as tests: every Go file is
// gofmt-formatted, go vet is clean, and go mod tidy leaves go.mod and go.sum
// unchanged.
package hygiene
