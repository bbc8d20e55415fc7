package cli

import (
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

const rootLong = `candor finds remote-control, data-exfiltration and forced-update capabilities
in binaries, so a vendor can disclose them and a buyer can check the disclosure
before the software goes anywhere near their network.

New here? Run 'candor demo': it builds a small sample program, scans it, signs
an attestation as a vendor would and verifies it as a buyer would, explaining
each step, without network access.

Exit codes:
  0  the command did what was asked (for scan: the scan ran, findings or not)
  1  a negative verdict: undisclosed findings, a failed verification
  2  a usage or input error: a bad flag, argument or setting; a missing,
     unreadable, unsupported or malformed file; or any other failure that
     stopped the command before it could answer

Settings: a flag on the command line wins over a CANDOR_* environment variable,
which wins over the config file (.candor.yaml in the current directory, or
--config FILE), which wins over the flag's default. See 'candor help config'.`

// traverseHooks sets cobra's EnableTraverseRunHooks, once, for every root built.
var traverseHooks sync.Once

// newRootCommand builds the whole command tree. Nothing in it is shared between
// calls, so every [Main] starts from scratch.
func newRootCommand() *cobra.Command {
	// Run every persistent pre-run hook from the root down, so a subcommand that adds its
	// own hook cannot skip the root's config handling. cobra has this only as a package-level
	// switch: it is set here, before the first command runs, and the Once orders the write
	// before every later Execute.
	traverseHooks.Do(func() { cobra.EnableTraverseRunHooks = true })
	o := &RootOptions{}
	root := &cobra.Command{
		Use:           "candor",
		Short:         "Find and disclose remote-control, exfiltration and forced-update capabilities in binaries",
		Long:          rootLong,
		SilenceUsage:  true,
		SilenceErrors: true,
		// Hidden completion command: 'candor completion bash' still works.
		CompletionOptions: cobra.CompletionOptions{HiddenDefaultCmd: true},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if !takesSettings(cmd) {
				return nil
			}
			c, err := loadConfig(cmd)
			if err == nil {
				err = c.check(cmd.Root())
			}
			if err == nil {
				err = c.apply(cmd)
			}
			if err != nil {
				return &ExitError{Code: ExitUsage, Err: &hintError{err: err, hint: "see 'candor help config'"}}
			}
			return nil
		},
	}
	o.AddFlags(root)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return usageError(cmd, err) })
	root.AddCommand(newScanCommand(), newDemoCommand(), newVersionCommand(), newAttestCommand(), newDiscloseCommand(), newKeygenCommand(), newKeyCommand(), newVerifyCommand())
	root.AddCommand(newDiffCommand())
	root.AddCommand(newInspectCommand())
	root.AddCommand(newAttachCommand(), newAttestationsCommand())
	root.AddCommand(newConfigTopic(root))
	return root
}

// runE adapts a command function to cobra, giving every error its exit code.
func runE(fn func(cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error { return classify(fn(cmd, args)) }
}

const configLong = `Every flag can also be set by an environment variable or in a config file.
A flag on the command line wins over the environment, the environment wins over
the config file, and the config file wins over the flag's default.

Config file

  --config FILE (or CANDOR_CONFIG=FILE) names the file; without either, candor
  reads .candor.yaml in the current directory if there is one. A file named
  explicitly must exist. --config '' reads no file at all: use it when running
  candor in a directory you do not trust.

  The file is YAML (JSON or TOML with a .json or .toml extension). Keys are flag
  names: at the top level a key applies to every command with that flag; under a
  command's name it applies to that command only and wins over the top level.
  A top-level value must suit every command with that flag (format: sarif
  does not suit 'candor version'); put such values under the command's name.
  Unknown keys are errors. List flags take a YAML list or a comma-separated
  string. Paths are relative to the current directory.

    # .candor.yaml
    format: json        # every command with --format
    scan:
      format: sarif     # candor scan only
      sha512: true

Environment

  CANDOR_<FLAG> applies to every command with the flag; CANDOR_<COMMAND>_<FLAG>
  applies to one command and wins over CANDOR_<FLAG>. Names are upper case with
  dashes turned into underscores. Empty variables count as unset. Booleans take
  true, false, 1 or 0; list flags take comma-separated values.

    CANDOR_FORMAT=json candor version
    CANDOR_SCAN_SHA512=true candor scan ./bin/app

`

// newConfigTopic is the 'candor help config' topic, listing every key of every command.
// The list is written only when the topic is shown, not on every run of candor.
func newConfigTopic(root *cobra.Command) *cobra.Command {
	topic := &cobra.Command{
		Use:   "config",
		Short: "How to set flags from the environment or a config file",
	}
	topic.SetHelpFunc(func(cmd *cobra.Command, args []string) {
		if cmd == topic {
			cmd.Long = configTopicLong(root)
		}
		root.HelpFunc()(cmd, args)
	})
	return topic
}

// configTopicLong is the text of 'candor help config'.
func configTopicLong(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString(configLong)
	b.WriteString("Settings by command (config key, environment variable)\n")
	walk(root, func(cmd *cobra.Command) {
		if cmd == root || !cmd.Runnable() {
			return
		}
		s := section(cmd)
		fmt.Fprintf(&b, "\n  candor %s\n", strings.ReplaceAll(s, ".", " "))
		eachFlag(cmd, func(f *pflag.Flag) {
			fmt.Fprintf(&b, "    %-22s %s or %s\n", s+"."+f.Name, envName(s+"."+f.Name), envName(f.Name))
		})
	})
	return strings.TrimRight(b.String(), "\n")
}
