//go:build unix

package cli

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/scan"
	"github.com/creack/pty"
)

// The progress bar on a real terminal: candor scan runs in process through [Main] with a
// pseudo-terminal as standard error and a pipe as standard output, as in a shell where the
// report is redirected. These tests change progressTiming, so none of them is parallel.

// frameRE is one frame of the bar, as wide as a 100-column terminal allows.
var frameRE = regexp.MustCompile(`^scanning \[=*>? *\] +(\d{1,2})%  +\d+ MiB of \d+ MiB, \d+ executables?$`)

// tarFile is a regular file in a tar written by writeTar.
type tarFile struct {
	name string
	body []byte
}

// writeTar writes a tar of files at path.
func writeTar(t *testing.T, path string, files ...tarFile) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, file := range files {
		if err := tw.WriteHeader(&tar.Header{Name: file.name, Mode: 0o755, Size: int64(len(file.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(file.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// fastProgress makes the bar show at once and redraw at every report, for the length of
// the test.
func fastProgress(t *testing.T) {
	saved := progressTiming
	progressTiming.delay, progressTiming.interval = 0, 0
	t.Cleanup(func() { progressTiming = saved })
}

// terminalRun is what a run of candor left on the terminal and on standard output.
type terminalRun struct {
	code     int
	terminal string // what the program wrote to the terminal, as the terminal got it
	stdout   string
}

// runOnTerminal runs candor with args, standard error on a pseudo-terminal cols wide (or on
// a pipe when cols is 0) and standard output on a pipe.
func runOnTerminal(t *testing.T, cols int, args ...string) terminalRun {
	t.Helper()
	t.Chdir(t.TempDir()) // no .candor.yaml from the working directory
	outR, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout, terminal bytes.Buffer
	copied := make(chan error, 2)
	go func() { _, err := io.Copy(&stdout, outR); copied <- err }()

	var errR, errW *os.File
	if cols > 0 {
		ptmx, tty, err := pty.Open()
		if errors.Is(err, pty.ErrUnsupported) {
			t.Skip("no pseudo-terminals here")
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: uint16(cols)}); err != nil {
			t.Fatal(err)
		}
		errR, errW = ptmx, tty
	} else if errR, errW, err = os.Pipe(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := io.Copy(&terminal, errR)
		if errors.Is(err, os.ErrClosed) || errors.Is(err, io.EOF) || err != nil && strings.Contains(err.Error(), "input/output error") {
			err = nil // the terminal's other end closed
		}
		copied <- err
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	code := Main(ctx, args, strings.NewReader(""), outW, errW)
	outW.Close()
	errW.Close()
	for range 2 {
		if err := <-copied; err != nil {
			t.Fatal(err)
		}
	}
	errR.Close()
	outR.Close()
	return terminalRun{code: code, terminal: terminal.String(), stdout: stdout.String()}
}

// frames splits what was written to the terminal into the lines the bar drew, checking
// the escape sequences on the way: each frame is "\r" + text + "\x1b[K" (overwrite, then
// clear the rest of the line), and the erasure "\r\x1b[K" ends the bar. rest is what came
// after the erasure.
func frames(t *testing.T, out string) (texts []string, rest string) {
	t.Helper()
	erase := strings.LastIndex(out, "\r\x1b[K")
	if erase < 0 {
		t.Fatalf("the bar was not erased: %q", out)
	}
	rest = out[erase+len("\r\x1b[K"):]
	for _, f := range strings.Split(out[:erase], "\r")[1:] {
		text, ok := strings.CutSuffix(f, "\x1b[K")
		if !ok || strings.ContainsAny(text, "\x1b\n") {
			t.Fatalf("frame %q is not text then clear-to-end-of-line", f)
		}
		texts = append(texts, text)
	}
	if out[:erase] != "" && !strings.HasPrefix(out, "\r") {
		t.Fatalf("the terminal output does not start with a frame: %q", out)
	}
	return texts, rest
}

// TestProgressBar: the bar is drawn on a terminal while a large archive (three copies of
// this test binary, an ELF of tens of MiB) is read, erased before anything else is written,
// never wider than the terminal, and not drawn at all with --quiet, on a pipe, or for a
// scan that ends before it is due. The bar is drawn as bytes are read, so the cases that
// need no executable read a lighter archive of data.
func TestProgressBar(t *testing.T) {
	dir := t.TempDir()
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	release := filepath.Join(dir, "release.tar")
	writeTar(t, release, tarFile{"bin/tool0", exe}, tarFile{"bin/tool1", exe}, tarFile{"bin/tool2", exe})
	exe = nil
	tarPath := filepath.Join(dir, "data.tar")
	data := bytes.Repeat([]byte("candor progress test data\n"), 4<<20/26)
	writeTar(t, tarPath, tarFile{"data/a", data}, tarFile{"data/b", data}, tarFile{"data/c", data}, tarFile{"data/d", data})

	t.Run("quick_scan", func(t *testing.T) {
		// The real timing: a scan that ends before the bar is due draws nothing (no flash
		// of a bar drawn and erased at once).
		small := filepath.Join(dir, "notes.tar")
		writeTar(t, small, tarFile{"notes.txt", []byte("notes\n")})
		start := time.Now()
		r := runOnTerminal(t, 100, "scan", small)
		if took := time.Since(start); r.code != 0 || r.terminal != "" && took < progressTiming.delay {
			t.Errorf("a %v scan: exit %d, wrote to the terminal %q", took, r.code, r.terminal)
		}
	})

	fastProgress(t)
	t.Run("terminal", func(t *testing.T) { testBarOnTerminal(t, release, tarPath) })
	t.Run("narrow_terminal", func(t *testing.T) {
		// No frame reaches the last column: the cursor would wrap, and each frame would
		// leave a line behind.
		for _, cols := range []int{40, 12} {
			r := runOnTerminal(t, cols, "scan", "--format", "json", tarPath)
			texts, rest := frames(t, r.terminal)
			if r.code != 0 || rest != "" || len(texts) == 0 {
				t.Fatalf("%d columns: exit %d, %d frames, then %q", cols, r.code, len(texts), rest)
			}
			for _, text := range texts {
				if len(text) >= cols || !strings.Contains(text, "%") {
					t.Errorf("%d columns: frame %q", cols, text)
				}
			}
		}
	})
	t.Run("failed_scan", func(t *testing.T) {
		// A scan that fails half-way (over --max-archive-bytes) reports no last progress:
		// the bar is erased all the same, and the error message starts on a clean line.
		fi, err := os.Stat(release)
		if err != nil {
			t.Fatal(err)
		}
		r := runOnTerminal(t, 100, "scan", "--max-archive-bytes", fmt.Sprint(fi.Size()/2), release)
		texts, rest := frames(t, r.terminal)
		if r.code != ExitUsage || len(texts) == 0 {
			t.Fatalf("exit %d, %d frames: %q", r.code, len(texts), r.terminal)
		}
		if !strings.HasPrefix(rest, "candor: ") || !strings.Contains(rest, "--max-archive-bytes") || strings.Count(rest, "\n") != 1 {
			t.Errorf("after the bar: %q, want the error message alone", rest)
		}
		if r.stdout != "" {
			t.Errorf("standard output: %q", r.stdout)
		}
	})
	for _, tt := range []struct {
		name string
		cols int // 0: standard error is a pipe
		env  string
		args []string
	}{
		{"quiet", 100, "", []string{"--quiet"}},
		{"q", 100, "", []string{"-q"}},
		{"quiet from the environment", 100, "CANDOR_QUIET", nil},
		{"not a terminal", 0, "", nil},
	} {
		t.Run("silent/"+strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			if tt.env != "" {
				t.Setenv(tt.env, "true")
			}
			r := runOnTerminal(t, tt.cols, append(append([]string{"scan", "--format", "json"}, tt.args...), tarPath)...)
			if r.code != 0 || r.terminal != "" {
				t.Errorf("exit %d, standard error %q", r.code, r.terminal)
			}
			if !strings.HasPrefix(r.stdout, "{") {
				t.Errorf("standard output %.100q", r.stdout)
			}
		})
	}
}

// testBarOnTerminal: frames of the expected shape, percentages that never go back, a bar
// that keeps its width, the erasure last, and the report alone on standard output.
func testBarOnTerminal(t *testing.T, release, data string) {
	r := runOnTerminal(t, 100, "scan", "--format", "json", release)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.terminal)
	}
	texts, rest := frames(t, r.terminal)
	if rest != "" {
		t.Errorf("written after the bar was erased: %q", rest)
	}
	if len(texts) < 2 {
		t.Fatalf("%d frame(s) drawn, want several: %q", len(texts), r.terminal)
	}
	last := -1
	for _, text := range texts {
		m := frameRE.FindStringSubmatch(text)
		if m == nil {
			t.Fatalf("frame %q is not a bar line", text)
		}
		if len(text) > 99 {
			t.Errorf("frame %q is %d columns wide on a 100-column terminal", text, len(text))
		}
		var pct int
		fmt.Sscan(m[1], &pct)
		if pct < last {
			t.Errorf("the percentage went back from %d to %d", last, pct)
		}
		last = pct
	}
	if first, end := strings.Index(texts[0], "]"), strings.Index(texts[len(texts)-1], "]"); first != end {
		t.Errorf("the bar changed width while the counts grew: %q then %q", texts[0], texts[len(texts)-1])
	}

	if strings.ContainsAny(r.stdout, "\r\x1b") || strings.Contains(r.stdout, "scanning") {
		t.Errorf("bar output on standard output: %.200q", r.stdout)
	}
	var rep scan.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Artifacts) != 1 || len(rep.Artifacts[0].Members) != 3 || rep.Artifacts[0].Path != release {
		t.Fatalf("standard output is not the report of the archive with three members: %v\n%.300s", err, r.stdout)
	}

	// With the report written to a file, its message follows the erased bar on a clean line.
	r = runOnTerminal(t, 100, "scan", "-o", "report.json", data)
	if texts, rest := frames(t, r.terminal); r.code != 0 || len(texts) == 0 || rest != "wrote report.json\r\n" || r.stdout != "" {
		t.Errorf("exit %d, %d frames, then %q; standard output %q", r.code, len(texts), rest, r.stdout)
	}
}

// TestProgressLineWidths: every line fits the terminal, whatever its width and the counts.
func TestProgressLineWidths(t *testing.T) {
	for cols := 1; cols <= 200; cols++ {
		for _, p := range []scan.Progress{
			{Done: 0, Total: 10 << 20},
			{Done: 5 << 20, Total: 10 << 20, Members: 1},
			{Done: 742 << 20, Total: 741 << 20, Members: 12345},
			{Done: 12 << 30, Total: 40 << 30, Members: 99999},
			{Done: 3 << 20, Members: 2},
		} {
			if l := progressLine(p, cols); len(l) >= cols && l != "" {
				t.Fatalf("%d columns, %+v: %q is %d wide", cols, p, l, len(l))
			}
		}
	}
	if l := progressLine(scan.Progress{Done: 742 << 20, Total: 741 << 20, Members: 3}, 100); !strings.Contains(l, " 99%") {
		t.Errorf("more read than the total: %q, want 99%% until the end", l)
	}
	if l := progressLine(scan.Progress{Done: 3 << 20, Members: 1}, 100); l != "scanning: 3 MiB read, 1 executable" {
		t.Errorf("no total: %q", l)
	}
}
