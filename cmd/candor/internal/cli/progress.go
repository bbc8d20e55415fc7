package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/candor-dev/candor/scan"
	"golang.org/x/term"
)

// progressTiming is how long a scan runs before its progress bar shows (a scan that ends
// sooner never draws one, so it cannot flicker), and how often the bar is redrawn. The
// terminal tests shorten both (progress_pty_test.go); nothing else changes them.
var progressTiming = struct{ delay, interval time.Duration }{
	delay:    500 * time.Millisecond,
	interval: 100 * time.Millisecond,
}

// progressBar draws one line on a terminal, as wide as the terminal allows, and erases it
// when the scan ends, so that nothing of it is left before the result or an error message.
type progressBar struct {
	f               *os.File
	delay, interval time.Duration

	mu    sync.Mutex
	start time.Time
	last  time.Time
	line  string // the line drawn last
	shown bool
	done  bool
}

// newProgress returns a progress bar drawing on stderr when it is a terminal and quiet is
// off, and nil otherwise. Its update method is the scanner's progress callback; stop must
// be called when the scan returns (a failed scan reports no last progress).
func newProgress(stderr io.Writer, quiet bool) *progressBar {
	f, ok := stderr.(*os.File)
	if quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &progressBar{f: f, delay: progressTiming.delay, interval: progressTiming.interval, start: time.Now()}
}

// update draws the bar for p, at most every interval once delay has passed since the scan
// started, and erases it on the last call.
func (b *progressBar) update(p scan.Progress) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.done {
		return
	}
	if p.Finished {
		b.erase()
		return
	}
	now := time.Now()
	if now.Sub(b.start) < b.delay || b.shown && now.Sub(b.last) < b.interval {
		return
	}
	line := progressLine(p, b.width())
	if line == b.line {
		return
	}
	b.last, b.line, b.shown = now, line, true
	// Overwrite the line in place, then clear what a longer previous line left: erasing
	// first would blank the line between two frames, which flickers.
	io.WriteString(b.f, "\r"+line+"\x1b[K")
}

// stop erases the bar if it is shown; it draws no more after.
func (b *progressBar) stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.erase()
	}
}

func (b *progressBar) erase() {
	if b.shown {
		io.WriteString(b.f, "\r\x1b[K")
	}
	b.done = true
}

// width returns the terminal's width now (it may have been resized), 80 when unknown.
func (b *progressBar) width() int {
	if w, _, err := term.GetSize(int(b.f.Fd())); err == nil && w > 0 {
		return w
	}
	return 80
}

// progressLine is the bar's text for a terminal cols wide, at most cols-1 characters so that
// the cursor never wraps to the next line:
//
//	scanning [=========>          ]  42%  310 MiB of 742 MiB, 12 executables
//
// On a narrower terminal the bar shrinks, then goes, then the executables count, then the
// sizes. Without a total (directories) there is no bar and no percentage.
func progressLine(p scan.Progress, cols int) string {
	room := cols - 1
	count := fmt.Sprintf("%d executables", p.Members)
	if p.Members == 1 {
		count = "1 executable"
	}
	if p.Total <= 0 {
		return fitting(room, "scanning: "+mib(p.Done)+" read, "+count, "scanning: "+mib(p.Done)+" read", mib(p.Done))
	}
	// Done can pass Total (an image's layers may be read twice); 100% waits for the end.
	frac := min(float64(p.Done)/float64(p.Total), 0.99)
	pct := fmt.Sprintf("%3d%%", int(frac*100))
	total := mib(p.Total)
	sizes := fmt.Sprintf("%*s of %s", len(total), mib(p.Done), total)
	text := pct + "  " + sizes + ", " + count
	// The bar's width leaves room for up to 99999 executables, so that it stays put while
	// the count grows.
	const prefix, minBar, maxBar = "scanning [", 10, 40
	reserved := len(prefix) + len("] ") + len(pct+"  "+sizes+", ") + len("99999 executables")
	if width := min(room-reserved, maxBar); width >= minBar && len(prefix)+width+len("] ")+len(text) <= room {
		n := int(frac * float64(width))
		bar := strings.Repeat("=", n)
		if n < width {
			bar += ">" + strings.Repeat(" ", width-n-1)
		}
		return prefix + bar + "] " + text
	}
	return fitting(room, "scanning "+text, "scanning "+pct+"  "+sizes, pct+"  "+sizes, pct)
}

// fitting returns the first of texts at most room bytes long, or nothing.
func fitting(room int, texts ...string) string {
	for _, t := range texts {
		if len(t) <= room {
			return t
		}
	}
	return ""
}

// mib writes a byte count in MiB, or GiB from 10 GiB on.
func mib(n int64) string {
	if n >= 10<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
