//go:build !linux

package fileio

// ReleaseExecutable does nothing here: see the Linux version.
func ReleaseExecutable() {}
