// Command candor finds remote-control, data-exfiltration and forced-update
// capabilities in binaries. See 'candor --help', or start with 'candor demo'.
//
// This file only wires the process to [cli.Main]; everything else lives in the
// candor libraries.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/candor-dev/candor/internal/cli"
)

func main() {
	// The first interrupt cancels the running command; a second one kills the
	// process, because stop restores the default signal behaviour.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
