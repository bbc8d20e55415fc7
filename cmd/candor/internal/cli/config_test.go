package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// probe records the values a test command's flags end up with: one string, one bool,
// one string slice and one dashed name, so every kind of flag crosses each source.
type probe struct {
	Name     string
	Verbose  bool
	Tags     []string
	RulesDir string
	ran      bool
}

// probeRoot is the real root command with an extra "probe" command.
func probeRoot(p *probe) *cobra.Command {
	root := newRootCommand()
	cmd := &cobra.Command{
		Use:  "probe",
		Args: usageArgs(cobra.NoArgs),
		RunE: runE(func(*cobra.Command, []string) error { p.ran = true; return nil }),
	}
	cmd.Flags().StringVar(&p.Name, "name", "default", "")
	cmd.Flags().BoolVar(&p.Verbose, "verbose", false, "")
	cmd.Flags().StringSliceVar(&p.Tags, "tags", []string{"d"}, "")
	cmd.Flags().StringVar(&p.RulesDir, "rules-dir", "", "")
	root.AddCommand(cmd)
	return root
}

// isolate gives the test an empty working directory and clears CANDOR_* variables.
func isolate(t *testing.T) string {
	t.Helper()
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, envPrefix+"_") {
			t.Setenv(k, "") // empty counts as unset
		}
	}
	dir := t.TempDir()
	t.Chdir(dir)
	return dir
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		env    map[string]string
		config string // written to .candor.yaml unless empty
		want   probe
	}{
		{name: "defaults", want: probe{Name: "default", Tags: []string{"d"}}},
		{
			name:   "config top level",
			config: "name: file\nverbose: true\ntags: [a, b]\nrules-dir: /file\n",
			want:   probe{Name: "file", Verbose: true, Tags: []string{"a", "b"}, RulesDir: "/file"},
		},
		{
			name:   "config section wins over top level",
			config: "name: top\ntags: [top]\nprobe:\n  name: section\n  tags: [s1, s2]\n  verbose: true\n",
			want:   probe{Name: "section", Verbose: true, Tags: []string{"s1", "s2"}},
		},
		{
			name:   "config list as a comma-separated string",
			config: "tags: a,b\n",
			want:   probe{Name: "default", Tags: []string{"a", "b"}},
		},
		{
			name:   "env wins over config",
			env:    map[string]string{"CANDOR_NAME": "env", "CANDOR_VERBOSE": "false", "CANDOR_TAGS": "e1,e2"},
			config: "probe:\n  name: section\n  verbose: true\n  tags: [s]\n",
			want:   probe{Name: "env", Verbose: false, Tags: []string{"e1", "e2"}},
		},
		{
			name: "command env wins over global env",
			env:  map[string]string{"CANDOR_NAME": "global", "CANDOR_PROBE_NAME": "command", "CANDOR_PROBE_VERBOSE": "1"},
			want: probe{Name: "command", Verbose: true, Tags: []string{"d"}},
		},
		{
			name: "env list splits on commas only",
			env:  map[string]string{"CANDOR_TAGS": "a b,c"},
			want: probe{Name: "default", Tags: []string{"a b", "c"}},
		},
		{
			name:   "flag wins over env and config",
			args:   []string{"--name", "flag", "--verbose=false", "--tags", "f"},
			env:    map[string]string{"CANDOR_NAME": "env", "CANDOR_VERBOSE": "true", "CANDOR_TAGS": "e"},
			config: "name: file\nverbose: true\ntags: [c]\n",
			want:   probe{Name: "flag", Verbose: false, Tags: []string{"f"}},
		},
		{
			name:   "values keep their case",
			env:    map[string]string{"CANDOR_PROBE_RULES_DIR": "/Rules/MiXeD"},
			config: "name: CaseSensitive\ntags: [Sha256:ABC]\n",
			want:   probe{Name: "CaseSensitive", Tags: []string{"Sha256:ABC"}, RulesDir: "/Rules/MiXeD"},
		},
		{
			name:   "dashed flag names",
			config: "probe:\n  rules-dir: ./rules\n",
			want:   probe{Name: "default", Tags: []string{"d"}, RulesDir: "./rules"},
		},
		{
			name:   "empty env counts as unset",
			env:    map[string]string{"CANDOR_NAME": ""},
			config: "name: file\n",
			want:   probe{Name: "file", Tags: []string{"d"}},
		},
		{
			name:   "--config '' reads no file",
			args:   []string{"--config", ""},
			config: "name: file\n",
			want:   probe{Name: "default", Tags: []string{"d"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.config != "" {
				writeFile(t, filepath.Join(dir, defaultConfigFile), tt.config)
			}
			var got probe
			code, stderr := run(probeRoot(&got), append([]string{"probe"}, tt.args...))
			if code != ExitOK || !got.ran {
				t.Fatalf("exit code %d, ran %v; stderr:\n%s", code, got.ran, stderr)
			}
			got.ran = false
			if got.Name != tt.want.Name || got.Verbose != tt.want.Verbose || got.RulesDir != tt.want.RulesDir || !slices.Equal(got.Tags, tt.want.Tags) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestConfigFileSources(t *testing.T) {
	dir := isolate(t)
	other := filepath.Join(dir, "other.yaml")
	writeFile(t, other, "name: other\n")
	writeFile(t, filepath.Join(dir, defaultConfigFile), "name: default-file\n")
	writeFile(t, filepath.Join(dir, "settings.json"), `{"probe": {"name": "json"}}`)

	tests := []struct {
		name string
		args []string
		env  string // CANDOR_CONFIG
		want string
	}{
		{"default file", nil, "", "default-file"},
		{"--config", []string{"--config", other}, "", "other"},
		{"CANDOR_CONFIG", nil, other, "other"},
		{"--config wins over CANDOR_CONFIG", []string{"--config", "settings.json"}, other, "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(configEnvVar, tt.env)
			var got probe
			if code, stderr := run(probeRoot(&got), append([]string{"probe"}, tt.args...)); code != ExitOK {
				t.Fatalf("exit code %d; stderr:\n%s", code, stderr)
			}
			if got.Name != tt.want {
				t.Errorf("name = %q, want %q", got.Name, tt.want)
			}
		})
	}
}

func TestSettingErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		config  string
		want    error  // errors.Is target
		message string // part of the message on stderr
	}{
		{name: "missing explicit file", args: []string{"--config", "nope.yaml"}, want: errConfigFile, message: "nope.yaml does not exist"},
		{name: "missing CANDOR_CONFIG file", env: map[string]string{"CANDOR_CONFIG": "nope.yaml"}, want: errConfigFile, message: "nope.yaml does not exist"},
		{name: "unknown key", config: "nmae: x\n", want: errConfigFile, message: `unknown key "nmae"`},
		{name: "unknown key in a section", config: "probe:\n  formatt: x\n", want: errConfigFile, message: `unknown key "probe.formatt"`},
		{name: "flag of another command under a section", config: "version:\n  sha512: true\n", want: errConfigFile, message: `unknown key "version.sha512"`},
		{name: "section given a value", config: "probe: x\n", want: errConfigFile, message: "want the settings of 'candor probe'"},
		{name: "malformed YAML", config: "name: [unclosed\n", want: errConfigFile, message: defaultConfigFile},
		{name: "bad bool in env", env: map[string]string{"CANDOR_PROBE_VERBOSE": "maybe"}, want: errSetting, message: "CANDOR_PROBE_VERBOSE=maybe: --verbose wants true or false"},
		{name: "bad bool in file", config: "verbose: maybe\n", want: errSetting, message: "verbose in config file"},
		{name: "list for a single value", config: "name: [a, b]\n", want: errSetting, message: "a list where a single value belongs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if tt.config != "" {
				writeFile(t, filepath.Join(dir, defaultConfigFile), tt.config)
			}
			var p probe
			root := probeRoot(&p)
			root.SetArgs(append([]string{"probe"}, tt.args...))
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})
			_, err := root.ExecuteC()
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			if p.ran {
				t.Errorf("the command ran despite the bad setting")
			}
			code, stderr := run(probeRoot(&probe{}), append([]string{"probe"}, tt.args...))
			if code != ExitUsage {
				t.Errorf("exit code %d, want %d", code, ExitUsage)
			}
			if !strings.HasPrefix(stderr, "candor: ") || !strings.Contains(stderr, tt.message) || strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.message)
			}
		})
	}
}

// TestSettingsReachRealFlags checks the enum flag of a real command through each source.
func TestSettingsReachRealFlags(t *testing.T) {
	dir := isolate(t)
	writeFile(t, filepath.Join(dir, defaultConfigFile), "version:\n  format: json\n")
	var out bytes.Buffer
	if code := execute(context.Background(), newRootCommand(), []string{"version"}, nil, &out, &bytes.Buffer{}); code != 0 || !strings.HasPrefix(out.String(), "{") {
		t.Errorf("config version.format=json: code %d, output %q", code, out.String())
	}
	t.Setenv("CANDOR_FORMAT", "TEXT")
	out.Reset()
	if code := execute(context.Background(), newRootCommand(), []string{"version"}, nil, &out, &bytes.Buffer{}); code != 0 || strings.HasPrefix(out.String(), "{") {
		t.Errorf("CANDOR_FORMAT=TEXT over the file: code %d, output %q", code, out.String())
	}
	t.Setenv("CANDOR_FORMAT", "yaml")
	var stderr bytes.Buffer
	if code := execute(context.Background(), newRootCommand(), []string{"version"}, nil, &bytes.Buffer{}, &stderr); code != ExitUsage || !strings.Contains(stderr.String(), "CANDOR_FORMAT=yaml: --format must be one of text, json") {
		t.Errorf("CANDOR_FORMAT=yaml: code %d, stderr %q", code, stderr.String())
	}
}

func TestKeysFor(t *testing.T) {
	t.Parallel()
	root := &cobra.Command{Use: "candor"}
	attest := &cobra.Command{Use: "attest"}
	sign := &cobra.Command{Use: "sign"}
	root.AddCommand(attest)
	attest.AddCommand(sign)
	tests := []struct {
		cmd  *cobra.Command
		want []string
	}{
		{root, []string{"key"}},
		{attest, []string{"attest.key", "key"}},
		{sign, []string{"attest.sign.key", "attest.key", "key"}},
	}
	for _, tt := range tests {
		t.Run(tt.cmd.CommandPath(), func(t *testing.T) {
			if got := keysFor(tt.cmd, "key"); !slices.Equal(got, tt.want) {
				t.Errorf("keysFor = %v, want %v", got, tt.want)
			}
		})
	}
	if got := envName("attest.sign.rules-dir"); got != "CANDOR_ATTEST_SIGN_RULES_DIR" {
		t.Errorf("envName = %s", got)
	}
}

// run executes root in-process and returns the exit code and stderr.
func run(root *cobra.Command, args []string) (int, string) {
	var stdout, stderr bytes.Buffer
	code := execute(context.Background(), root, args, strings.NewReader(""), &stdout, &stderr)
	return code, stderr.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
