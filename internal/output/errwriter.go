package output

import (
	"fmt"
	"io"
)

// errWriter keeps the first write error so that a sequence of prints checks it once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
