package yamldoc

import (
	"fmt"
	"slices"
	"strings"

	"github.com/candor-dev/candor/schemas"
)

// Problem is one thing wrong with a document, located in its source.
type Problem struct {
	// Line and Col are 1-based; zero when the problem concerns the whole file.
	Line, Col int
	// Field is the path of the field concerned, such as endpoints[2].host; empty for the file.
	Field string
	// Message says what is wrong and, where it can, how to fix it.
	Message string
	// Err is the kind of problem when it has a sentinel (such as strictjson.ErrDuplicate),
	// else nil. The error listing the problem wraps it.
	Err error `json:"-"`
}

// Format renders problems found in file as "file:line:col: field: message" lines, the form
// every located error of a YAML document takes.
func Format(file string, problems []Problem) string {
	var b strings.Builder
	for i, p := range problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(file)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
			if p.Col > 0 {
				fmt.Fprintf(&b, ":%d", p.Col)
			}
		}
		b.WriteString(": ")
		if p.Field != "" {
			b.WriteString(p.Field + ": ")
		}
		b.WriteString(p.Message)
	}
	return b.String()
}

// Kinds appends to errs the distinct kinds ([Problem.Err]) of problems.
func Kinds(errs []error, problems []Problem) []error {
	for _, p := range problems {
		if p.Err != nil && !slices.Contains(errs, p.Err) {
			errs = append(errs, p.Err)
		}
	}
	return errs
}

// Sort orders problems by line, then column, keeping the order of problems at one place.
func Sort(problems []Problem) {
	slices.SortStableFunc(problems, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Col - b.Col
	})
}

// FieldPath writes JSON pointer tokens as a field path such as endpoints[2].host (see
// [schemas.FieldPath]); no tokens give "".
func FieldPath(tokens []string) string {
	if len(tokens) == 0 {
		return ""
	}
	return schemas.FieldPath(tokens)
}
