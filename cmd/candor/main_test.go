package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// never is a command that does not return: one blocked in a read that no context reaches.
var never = make(chan int)

func TestWaitCommandReturns(t *testing.T) {
	done := make(chan int, 1)
	done <- 1
	var stderr bytes.Buffer
	if code := wait(done, make(chan os.Signal), func() {}, &stderr, time.Hour); code != 1 || stderr.Len() != 0 {
		t.Errorf("exit %d, stderr %q: want the command's 1 and nothing said", code, stderr.String())
	}
}

// A command that does not stop when cancelled ends with 128+signal once the grace period
// is over, after one line saying why.
func TestWaitGracePeriod(t *testing.T) {
	for sig, want := range map[os.Signal]int{syscall.SIGTERM: 143, os.Interrupt: 130} {
		sigs := make(chan os.Signal, 1)
		sigs <- sig
		cancelled := false
		var stderr bytes.Buffer
		code := wait(never, sigs, func() { cancelled = true }, &stderr, time.Millisecond)
		if code != want || !cancelled {
			t.Errorf("%v: exit %d, cancelled %v: want %d and the context cancelled", sig, code, cancelled, want)
		}
		if first, _, _ := strings.Cut(stderr.String(), "\n"); first != "candor: interrupted by "+signame(sig)+"; stopping" {
			t.Errorf("%v: stderr %q", sig, stderr.String())
		}
	}
}

// A second signal ends the process at once, grace period or not.
func TestWaitSecondSignal(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	sigs <- os.Interrupt
	sigs <- syscall.SIGTERM
	var stderr bytes.Buffer
	if code := wait(never, sigs, func() {}, &stderr, time.Hour); code != 143 {
		t.Errorf("exit %d, want 143", code)
	}
	if !strings.Contains(stderr.String(), "SIGTERM again") {
		t.Errorf("stderr %q", stderr.String())
	}
}

// A command that stops on cancellation with an error reports the signal; one that finished
// anyway keeps its success.
func TestWaitCommandStops(t *testing.T) {
	for code, want := range map[int]int{2: 143, 1: 143, 0: 0} {
		sigs := make(chan os.Signal, 1)
		sigs <- syscall.SIGTERM
		done := make(chan int, 1)
		cancel := func() { done <- code }
		if got := wait(done, sigs, cancel, &bytes.Buffer{}, time.Hour); got != want {
			t.Errorf("command exit %d after SIGTERM: process exit %d, want %d", code, got, want)
		}
	}
}

// buildCandor builds this command into a temporary directory.
func buildCandor(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds candor")
	}
	// go test puts the go command that runs it first on PATH.
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	bin := filepath.Join(t.TempDir(), "candor")
	cmd := exec.Command(goCmd, "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// sparseTar writes a tar whose one member is size bytes of zeros, as a sparse file: it
// costs no disk, but scanning it means hashing all of it, which does not stop when the
// context is cancelled.
func sparseTar(t *testing.T, size int64) string {
	t.Helper()
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	if err := tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size}); err != nil {
		t.Fatal(err)
	}
	tw.Flush()
	p := filepath.Join(t.TempDir(), "big.tar")
	if err := os.WriteFile(p, hdr.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// The member, rounded to blocks, then the two zero blocks that end a tar.
	if err := os.Truncate(p, int64(hdr.Len())+(size+511)/512*512+1024); err != nil {
		t.Skipf("no sparse file: %v", err)
	}
	return p
}

// waitOpen waits until process pid has path open: it is then past its start and its
// signal handling is in place. Outside Linux it waits a moment instead.
func waitOpen(t *testing.T, pid int, path string, exited <-chan struct{}) {
	t.Helper()
	fds := filepath.Join("/proc", strconv.Itoa(pid), "fd")
	if _, err := os.Stat(fds); err != nil {
		time.Sleep(2 * time.Second)
		return
	}
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); {
		select {
		case <-exited:
			t.Fatal("candor exited before the signal was sent")
		default:
		}
		ents, _ := os.ReadDir(fds)
		for _, e := range ents {
			if l, err := os.Readlink(filepath.Join(fds, e.Name())); err == nil && l == path {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("candor never opened %s", path)
}

// The real binary, interrupted while it hashes a 32 GiB input (which does not see the
// cancelled context), ends within the grace period with 128+15 and says why; a second
// signal ends it too. A process that does not end fails the test instead of hanging it.
func TestSignalEndsProcess(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM")
	}
	bin := buildCandor(t)
	input := sparseTar(t, 32<<30)
	for name, signals := range map[string][]os.Signal{
		"SIGTERM":         {syscall.SIGTERM},
		"SIGINT":          {os.Interrupt},
		"SIGTERM SIGTERM": {syscall.SIGTERM, syscall.SIGTERM},
	} {
		t.Run(name, func(t *testing.T) {
			var stderr bytes.Buffer
			cmd := exec.Command(bin, "scan", "--config", "", input)
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan struct{})
			var werr error
			go func() { werr = cmd.Wait(); close(exited) }()
			defer func() {
				select {
				case <-exited:
				default:
					cmd.Process.Kill()
					<-exited
				}
			}()
			waitOpen(t, cmd.Process.Pid, input, exited)
			for _, sig := range signals {
				if err := cmd.Process.Signal(sig); err != nil {
					t.Fatal(err)
				}
			}
			select {
			case <-exited:
			case <-time.After(60 * time.Second):
				t.Fatalf("candor still running 60 s after %v; stderr:\n%s", signals, stderr.String())
			}
			want := 128 + int(signals[0].(syscall.Signal))
			var ee *exec.ExitError
			if !errors.As(werr, &ee) || ee.ExitCode() != want {
				t.Fatalf("candor ended with %v, want exit status %d; stderr:\n%s", werr, want, stderr.String())
			}
			if !strings.Contains(stderr.String(), "candor: interrupted by "+signame(signals[0])+"; stopping\n") {
				t.Errorf("stderr %q does not say it was interrupted", stderr.String())
			}
		})
	}
}
