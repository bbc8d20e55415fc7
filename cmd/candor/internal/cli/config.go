package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Where settings come from besides the command line.
const (
	configFlag        = "config"
	configEnvVar      = "CANDOR_CONFIG"
	envPrefix         = "CANDOR"
	defaultConfigFile = ".candor.yaml"
	// maxConfigSize bounds the config file; a settings file has no reason to be large.
	maxConfigSize = 1 << 20
)

// Errors about settings. Both lead to [ExitUsage].
var (
	// errConfigFile: the config file is missing, unreadable, malformed or has an unknown key.
	errConfigFile = errors.New("config file")
	// errSetting: a value from the environment or the config file does not suit its flag.
	errSetting = errors.New("invalid setting")
)

// config holds the two sources of flag values besides the command line, each in its
// own fresh viper instance so their precedence stays explicit: env over file.
type config struct {
	env      *viper.Viper
	file     *viper.Viper // nil when no config file is read
	fileName string
}

// loadConfig binds the CANDOR_* environment variables and reads the config file named by
// --config, else by CANDOR_CONFIG, else .candor.yaml in the current directory if present.
// A file named explicitly must exist; an empty --config value reads no file.
func loadConfig(cmd *cobra.Command) (*config, error) {
	env := viper.New()
	env.SetEnvPrefix(envPrefix)
	env.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	env.AutomaticEnv()
	c := &config{env: env}

	var path string
	switch f := cmd.Flags().Lookup(configFlag); {
	case f != nil && f.Changed:
		path = f.Value.String()
		if path == "" {
			return c, nil
		}
	case env.GetString(configFlag) != "":
		path = env.GetString(configFlag)
	default:
		if _, err := os.Stat(defaultConfigFile); errors.Is(err, fs.ErrNotExist) {
			return c, nil
		}
		path = defaultConfigFile
	}
	v, err := readConfigFile(path)
	if err != nil {
		return nil, err
	}
	c.file, c.fileName = v, path
	return c, nil
}

// readConfigFile reads a bounded YAML (or, by extension, JSON or TOML) file.
func readConfigFile(path string) (*viper.Viper, error) {
	// A FIFO or a device is refused without being opened for reading (fileio).
	data, err := fileio.ReadFile(path, maxConfigSize)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w %s does not exist", errConfigFile, path)
	case errors.Is(err, fileio.ErrNotRegular), errors.Is(err, fileio.ErrTooLarge):
		return nil, fmt.Errorf("%w %w", errConfigFile, err)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", errConfigFile, err)
	}
	v := viper.New()
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".json", ".toml":
		v.SetConfigType(ext[1:])
	default:
		v.SetConfigType("yaml")
	}
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("%w %s: %w", errConfigFile, path, err)
	}
	return v, nil
}

// check rejects keys in the config file that no command of root understands, so a
// misspelt setting is an error rather than silently ignored.
func (c *config) check(root *cobra.Command) error {
	if c.file == nil {
		return nil
	}
	keys, sections := knownKeys(root)
	for _, k := range c.file.AllKeys() {
		if keys[k] {
			continue
		}
		if sections[k] {
			if _, ok := c.file.Get(k).(map[string]any); ok {
				continue // an empty section
			}
			return fmt.Errorf("%w %s: %s: want the settings of 'candor %s' under it", errConfigFile, c.fileName, k, strings.ReplaceAll(k, ".", " "))
		}
		return fmt.Errorf("%w %s: unknown key %q", errConfigFile, c.fileName, k)
	}
	return nil
}

// apply copies a value from the environment or the config file into every flag of cmd
// that was not given on the command line. For a flag "format" of "candor scan" it
// looks, in order, at CANDOR_SCAN_FORMAT, CANDOR_FORMAT, the file's scan.format and
// the file's format; the first one set wins.
func (c *config) apply(cmd *cobra.Command) error {
	var errs []error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || !configurable(f) {
			return
		}
		keys := keysFor(cmd, f.Name)
		for _, k := range keys {
			if c.env.IsSet(k) {
				val := c.env.GetString(k)
				if err := f.Value.Set(val); err != nil {
					errs = append(errs, fmt.Errorf("%w %s=%s: --%s %w", errSetting, envName(k), val, f.Name, valueError(f, err)))
				}
				return
			}
		}
		if c.file == nil {
			return
		}
		for _, k := range keys {
			if c.file.InConfig(k) {
				if err := setFromFile(f, c.file.Get(k)); err != nil {
					errs = append(errs, fmt.Errorf("%w %s in config file %s: --%s %w", errSetting, k, c.fileName, f.Name, valueError(f, err)))
				}
				return
			}
		}
	})
	return errors.Join(errs...)
}

// setFromFile sets a flag from a decoded config value: a scalar, or a list for a list flag.
func setFromFile(f *pflag.Flag, val any) error {
	if sv, ok := f.Value.(pflag.SliceValue); ok {
		if items, ok := val.([]any); ok {
			strs := make([]string, len(items))
			for i, it := range items {
				s, err := scalar(it)
				if err != nil {
					return fmt.Errorf("item %d: %w", i+1, err)
				}
				strs[i] = s
			}
			return sv.Replace(strs)
		}
	}
	s, err := scalar(val)
	if err != nil {
		return err
	}
	return f.Value.Set(s)
}

// valueError rewords pflag's parse errors for the flag types whose messages name Go
// functions rather than what the flag wants.
func valueError(f *pflag.Flag, err error) error {
	switch f.Value.Type() {
	case "bool":
		return errors.New("wants true or false")
	case "int", "int64", "uint", "uint64":
		return errors.New("wants a whole number")
	case "duration":
		return errors.New("wants a duration such as 30s or 5m")
	}
	return err
}

// scalar formats a decoded YAML, JSON or TOML scalar the way it would be typed on the
// command line.
func scalar(val any) (string, error) {
	switch v := val.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case bool:
		return strconv.FormatBool(v), nil
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fmt.Sprint(v), nil
	case time.Time:
		return v.Format(time.RFC3339Nano), nil
	case []any:
		return "", errors.New("a list where a single value belongs")
	case map[string]any:
		return "", errors.New("a mapping where a single value belongs")
	}
	return "", fmt.Errorf("unexpected value of type %T", val)
}

// configurable reports whether a flag can be set from the environment or config file.
func configurable(f *pflag.Flag) bool { return f.Name != "help" && f.Name != configFlag }

// section returns the config section of cmd: its path below the root, dot-separated
// ("scan", "attest.sign"), or "" for the root.
func section(cmd *cobra.Command) string {
	parts := strings.Fields(cmd.CommandPath())
	if len(parts) <= 1 {
		return ""
	}
	return strings.Join(parts[1:], ".")
}

// keysFor lists the config keys for flag name of cmd, most specific first:
// "attest.sign.key", "attest.key", "key".
func keysFor(cmd *cobra.Command, name string) []string {
	var keys []string
	for s := section(cmd); s != ""; {
		keys = append(keys, s+"."+name)
		i := strings.LastIndex(s, ".")
		if i < 0 {
			break
		}
		s = s[:i]
	}
	return append(keys, name)
}

// envName is the environment variable for a config key.
func envName(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.Map(func(r rune) rune {
		if r == '.' || r == '-' {
			return '_'
		}
		return r
	}, key))
}

// knownKeys lists every config key the commands under root accept, and every section.
func knownKeys(root *cobra.Command) (keys, sections map[string]bool) {
	keys, sections = map[string]bool{}, map[string]bool{}
	walk(root, func(cmd *cobra.Command) {
		s := section(cmd)
		for p := s; p != ""; {
			sections[p] = true
			i := strings.LastIndex(p, ".")
			if i < 0 {
				break
			}
			p = p[:i]
		}
		eachFlag(cmd, func(f *pflag.Flag) {
			keys[f.Name] = true
			if s != "" {
				keys[s+"."+f.Name] = true
			}
		})
	})
	return keys, sections
}

// walk calls fn for cmd and every command below it that takes settings: help and
// shell-completion commands are left out.
func walk(cmd *cobra.Command, fn func(*cobra.Command)) {
	if !takesSettings(cmd) {
		return
	}
	fn(cmd)
	for _, c := range cmd.Commands() {
		walk(c, fn)
	}
}

// takesSettings reports whether the config file and environment apply to cmd.
func takesSettings(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		switch c.Name() {
		case "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
			return false
		}
	}
	return true
}

// eachFlag calls fn, in name order, for every configurable flag of cmd, inherited ones included.
func eachFlag(cmd *cobra.Command, fn func(*pflag.Flag)) {
	var flags []*pflag.Flag
	seen := map[string]bool{}
	add := func(f *pflag.Flag) {
		if configurable(f) && !seen[f.Name] {
			seen[f.Name] = true
			flags = append(flags, f)
		}
	}
	cmd.LocalFlags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	slices.SortFunc(flags, func(a, b *pflag.Flag) int { return strings.Compare(a.Name, b.Name) })
	for _, f := range flags {
		fn(f)
	}
}
