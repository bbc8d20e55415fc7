package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/spf13/cobra"
)

// Main runs the candor command line. args excludes the program name. Results go to
// stdout, messages to stderr; an error ending the command is printed once to stderr as
// "candor: <message>" (each line of it), escaped ([termsafe.Message]) so that a message naming a file, a
// host or a product cannot send the terminal a control sequence. Main returns the process
// exit code (see [ExitCode]); it never calls os.Exit.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return execute(ctx, newRootCommand(), args, stdin, stdout, stderr)
}

// execute runs root as [Main] does; tests hand it a command tree with extra commands.
func execute(ctx context.Context, root *cobra.Command, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if args == nil {
		args = []string{} // cobra falls back to os.Args on nil
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)

	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	var exit *ExitError
	if !errors.As(err, &exit) {
		// Every RunE and hook returns an *ExitError (see classify), so an untyped error
		// comes from cobra itself: an unknown command, flag or argument.
		if cmd == nil {
			cmd = root
		}
		err = usageError(cmd, err)
	}
	if msg := err.Error(); msg != "" {
		// Every line of a message that spans several starts with "candor: ", so a newline in a
		// file name or a value cannot start a line that looks like candor's own.
		for line := range strings.SplitSeq(termsafe.Message(msg), "\n") {
			fmt.Fprintf(stderr, "candor: %s\n", line)
		}
	}
	return ExitCode(err)
}
