//go:build !unix

package fileio

// syncDir does nothing here: directories cannot be opened and synced like files (Windows
// makes a rename durable itself).
func syncDir(string) error { return nil }
