package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/candor-dev/candor/cmd/candor/internal/cli"
	"github.com/candor-dev/candor/internal/fileio"
)

// grace is how long an interrupted command has to stop on its own before the process
// exits anyway: a command blocked in a read or a hash does not see its context.
const grace = 2 * time.Second

func main() {
	// The package initialisers are done: give back the executable's pages they touched.
	fileio.ReleaseExecutable()
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan int, 1)
	go func() { done <- cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr) }()
	code := wait(done, sigs, cancel, os.Stderr, grace)
	signal.Stop(sigs)
	os.Exit(code)
}

// wait returns the exit code of the process: that of the command (from done), or, once
// a signal came, 128 plus the signal's number. The first SIGINT or SIGTERM cancels the
// command (cancel) and says so on stderr; the process then ends when the command returns,
// or after the grace period, or at a second signal, whichever comes first. A command that
// still succeeds once interrupted keeps its exit code 0.
func wait(done <-chan int, sigs <-chan os.Signal, cancel func(), stderr io.Writer, grace time.Duration) int {
	var (
		first   os.Signal
		timeout <-chan time.Time
	)
	for {
		select {
		case code := <-done:
			if first != nil && code != cli.ExitOK {
				return 128 + signum(first)
			}
			return code
		case sig := <-sigs:
			if first != nil {
				fmt.Fprintf(stderr, "candor: %s again; exiting now\n", signame(sig))
				return 128 + signum(sig)
			}
			first = sig
			cancel()
			fmt.Fprintf(stderr, "candor: interrupted by %s; stopping\n", signame(sig))
			timer := time.NewTimer(grace)
			defer timer.Stop()
			timeout = timer.C
		case <-timeout:
			fmt.Fprintf(stderr, "candor: did not stop within %s of %s; exiting\n", grace, signame(first))
			return 128 + signum(first)
		}
	}
}

// signame names a signal as the shell does: SIGINT, SIGTERM.
func signame(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return sig.String()
}

// signum is the number of a signal, for the exit code 128+n that shells expect.
func signum(sig os.Signal) int {
	if s, ok := sig.(syscall.Signal); ok {
		return int(s)
	}
	return 1
}
