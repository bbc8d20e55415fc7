// Package callpath shortens call paths for reports people read: the scan text report and
// candor diff show the same shape (JSON keeps every frame).
package callpath

import (
	"fmt"
	"strings"
)

// Default bounds of a shortened path: frames kept whole, and the longest line.
const (
	MaxFrames = 6
	MaxLen    = 180
)

// Short renders path joined with " → ": whole when it has at most maxFrames frames and fits
// in maxLen bytes, else as many frames from both ends as fit (the entry and the program's
// own frame after it, then the frames that lead to the capability) around a count of those
// left out. A path that cannot be shortened enough comes back at its shortest form.
func Short(path []string, maxFrames, maxLen int) string {
	if whole := strings.Join(path, " → "); len(path) <= maxFrames && len(whole) <= maxLen {
		return whole
	}
	var s string
	for _, k := range [][2]int{{2, 3}, {2, 2}, {2, 1}, {1, 2}, {1, 1}} {
		head, tail := k[0], k[1]
		if head+tail >= len(path) {
			continue
		}
		s = strings.Join(path[:head], " → ") + fmt.Sprintf(" → …(%d more)… → ", len(path)-head-tail) + strings.Join(path[len(path)-tail:], " → ")
		if len(s) <= maxLen {
			return s
		}
	}
	if s == "" {
		return strings.Join(path, " → ")
	}
	return s
}
