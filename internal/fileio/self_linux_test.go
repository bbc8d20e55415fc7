package fileio

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"testing"
)

// exeRSS is the resident size, in KiB, of the process's read-only mappings of its own
// executable, from /proc/self/smaps.
func exeRSS(t *testing.T) int {
	t.Helper()
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		t.Skip(err)
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	total, mine := 0, false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := bytes.Fields(sc.Bytes())
		switch {
		case len(f) >= 5 && bytes.IndexByte(f[0], '-') > 0 && len(f[1]) == 4:
			mine = len(f) >= 6 && string(f[5]) == exe && bytes.IndexByte(f[1], 'w') < 0
		case mine && len(f) >= 2 && string(f[0]) == "Rss:":
			n, _ := strconv.Atoi(string(f[1]))
			total += n
		}
	}
	return total
}

// TestReleaseExecutable: the executable's resident code and read-only data shrink (the
// test goes on running: its pages fault back in).
func TestReleaseExecutable(t *testing.T) {
	before := exeRSS(t)
	ReleaseExecutable()
	after := exeRSS(t)
	t.Logf("executable resident: %d KiB before, %d KiB after", before, after)
	if before == 0 || after >= before {
		t.Fatalf("resident %d KiB before, %d KiB after: nothing given back", before, after)
	}
}
