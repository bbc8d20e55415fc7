package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// enumValue is a string flag that accepts only a fixed set of values, so a bad value
// from the command line, the environment or the config file fails the same way.
type enumValue struct {
	target  *string
	allowed []string
}

// newEnumValue returns a flag value writing into target, which it sets to def.
func newEnumValue(target *string, def string, allowed ...string) *enumValue {
	*target = def
	return &enumValue{target: target, allowed: allowed}
}

// Set accepts one of the allowed values, in any letter case.
func (e *enumValue) Set(s string) error {
	v := strings.ToLower(strings.TrimSpace(s))
	if !slices.Contains(e.allowed, v) {
		return fmt.Errorf("must be one of %s", strings.Join(e.allowed, ", "))
	}
	*e.target = v
	return nil
}

// String returns the current value.
func (e *enumValue) String() string { return *e.target }

// Type shows the allowed values in the flag's help line.
func (e *enumValue) Type() string { return strings.Join(e.allowed, "|") }

// addEnumFlag registers an enum flag with shell completion of its values.
func addEnumFlag(cmd *cobra.Command, target *string, name, def, usage string, allowed ...string) {
	cmd.Flags().Var(newEnumValue(target, def, allowed...), name, usage)
	_ = cmd.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(allowed, cobra.ShellCompDirectiveNoFileComp))
}
