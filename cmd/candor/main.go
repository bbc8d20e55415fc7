package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/candor-dev/candor/internal/cli"
	"github.com/candor-dev/candor/internal/startup"
)

func main() {
	startup.Done()
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
