package fileio

// Reworded returns an error that reads text and wraps err, so that errors.Is(err,
// fs.ErrNotExist) and errors.As(err, **fs.PathError) still hold: it puts an operating
// system's error the way a person expects ("app: no such file") without losing it.
func Reworded(text string, err error) error { return &reworded{text: text, err: err} }

type reworded struct {
	text string
	err  error
}

func (e *reworded) Error() string { return e.text }

func (e *reworded) Unwrap() error { return e.err }
