// Package cli is the candor command line: cobra commands over the candor libraries.
//
// [Main] is the whole program. It takes the arguments, the standard streams and a
// context, runs one command and returns the process exit code; it never calls
// os.Exit and never touches os.Stdout itself, so tests run it in-process.
//
// Each command has one options struct composed from shared pieces that register their
// own flags ([OutputOptions.AddFlags], [ScanOptions.AddFlags], ...). Flags are the single
// source of truth: before a command runs, the root command's persistent pre-run hook
// reads the config file and the CANDOR_* environment variables, each into a fresh
// viper instance, and copies each value into the matching flag the user did not set on
// the command line; precedence is flag > environment > config file > default, and
// 'candor help config' documents the keys. Commands then read only their options struct.
//
// Errors that end a command carry their exit code as an [*ExitError]: [ExitOK],
// [ExitNegative] for a negative verdict, [ExitUsage] for a usage or input error.
// Scanner errors ([scan.ErrInput], [scan.ErrUnsupported], [scan.ErrMalformed]) and
// cobra's own flag and argument errors map to [ExitUsage].
//
// The command logic a library user would want (scanning, rendering, the demo) lives in
// package scan, [github.com/candor-dev/candor/internal/output] and
// [github.com/candor-dev/candor/cmd/candor/internal/demo]; this package only wires them up.
package cli
