package attest

import (
	"fmt"

	"github.com/candor-dev/candor/internal/fileio"
)

// writeOutput writes an envelope to path, replacing any file there atomically and durably
// (see [fileio.WriteFile]): path holds its old content or the whole envelope, never a part.
// Errors wrap [ErrOutput] and the operating system's error.
func writeOutput(path string, b []byte) error {
	if err := fileio.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("%w: %w", ErrOutput, err)
	}
	return nil
}
