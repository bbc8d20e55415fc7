package attest

import (
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/candor-dev/candor/internal/yamldoc"
)

// isPlaceholder reports whether s is a placeholder a draft leaves for the vendor to
// replace: a whole value written "<...>", such as "<why the software contacts this host>".
func isPlaceholder(s string) bool {
	return len(s) >= 2 && strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">")
}

// placeholders lists every value of the document that is still a placeholder, so that a
// draft (see [NewDraft]) or a suggestion pasted unedited is refused: the schema alone
// would take a placeholder purpose or reason as the vendor's word. Fields the schema
// reported already are skipped.
func placeholders(doc *yamldoc.Document, reported map[string]bool) []Problem {
	var probs []Problem
	var walk func(v any, path []string)
	walk = func(v any, path []string) {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				walk(x[k], append(slices.Clip(path), k))
			}
		case []any:
			for i, e := range x {
				walk(e, append(slices.Clip(path), strconv.Itoa(i)))
			}
		case string:
			if isPlaceholder(x) && !reported[strings.Join(path, "/")] {
				line, col := doc.Position(path...)
				probs = append(probs, Problem{Line: line, Col: col, Field: yamldoc.FieldPath(path),
					Message: "still a placeholder from a draft: replace " + strconv.Quote(x) + " with what is true of the release"})
			}
		}
	}
	walk(doc.Value(), nil)
	return probs
}
