package diff

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/candor-dev/candor/scan"
)

func TestIgnore(t *testing.T) {
	ig, err := ParseIgnore("known.yaml", []byte(`
- {host: "*.amazonaws.com", reason: S3 backend}
- capability: update.check
  reason: the release feed is disclosed
- {module: golang.org/x/net, reason: routine upgrades}
- {rule: go.syscall.exec, module: example.com/runner@v1.2.0, reason: runs the configured hook}
`))
	if err != nil {
		t.Fatal(err)
	}
	old := report("o", withModules(art("app",
		fnd("go.exec", scan.ProcessExec, scan.Linked, "", "os/exec.(*Cmd).Start"),
	), "golang.org/x/net@v0.1.0"))
	runner := fnd("go.syscall.exec", scan.ProcessExec, scan.Linked, "", "syscall.Exec")
	runner.Module = "example.com/runner@v1.2.0"
	new := report("n", withModules(art("app",
		fnd("go.exec", scan.ProcessExec, scan.Linked, "", "os/exec.(*Cmd).Start"),
		runner,
		fnd("go.update.check", scan.UpdateCheck, scan.Referenced, "", "checkUpdate"),
		table("github.com/aws/aws-sdk-go.init", "s3.amazonaws.com", "sts.amazonaws.com"),
		endpoint("eu.s3.amazonaws.com"),
		endpoint("amazonaws.com.evil.example"),
	), "golang.org/x/net@v0.2.0"))

	plain := Compare(old, new)
	res := Compare(old, new, WithIgnore(ig))
	if !plain.HasNew() || !res.HasNew() {
		t.Fatalf("HasNew: plain %v, with ignore %v", plain.HasNew(), res.HasNew())
	}
	wantLeft := []string{"added capability network.endpoint", "added host amazonaws.com.evil.example"}
	if got := keys(res.Changes); !slices.Equal(got, wantLeft) {
		t.Errorf("left after ignoring:\n got %q\nwant %q", got, wantLeft)
	}
	wantIgnored := map[string]string{
		"added capability update.check":              "the release feed is disclosed",
		"added host eu.s3.amazonaws.com":             "S3 backend",
		"added host s3.amazonaws.com":                "S3 backend",
		"added host sts.amazonaws.com":               "S3 backend",
		"added finding go.syscall.exec/process.exec": "runs the configured hook",
		"changed module golang.org/x/net":            "routine upgrades",
	}
	got := map[string]string{}
	for _, c := range res.Ignored {
		got[keyOf(c)] = c.IgnoredBy.Reason
	}
	if len(got) != len(wantIgnored) {
		t.Errorf("ignored: %v", got)
	}
	for k, r := range wantIgnored {
		if got[k] != r {
			t.Errorf("ignored %q: reason %q, want %q (all: %v)", k, got[k], r, got)
		}
	}
	if res.Summary.Ignored != len(res.Ignored) {
		t.Errorf("summary counts %d ignored, list has %d", res.Summary.Ignored, len(res.Ignored))
	}

	// With the last host and the capability ignored too, nothing new is left: exit 0.
	ig.Entries = append(ig.Entries, IgnoreEntry{Capability: scan.NetworkEndpoint, Reason: "endpoints are reviewed elsewhere"})
	if res := Compare(old, new, WithIgnore(ig)); res.HasNew() {
		t.Errorf("everything ignored, still new: %q", keys(res.Changes))
	}
}

func TestIgnoreModuleVersion(t *testing.T) {
	ig, err := ParseIgnore("i", []byte("- {module: golang.org/x/net@v0.2.0, reason: reviewed}\n"))
	if err != nil {
		t.Fatal(err)
	}
	old := report("o", withModules(art("app"), "golang.org/x/net@v0.1.0"))
	for _, v := range []string{"v0.2.0", "v0.3.0"} {
		res := Compare(old, report("n", withModules(art("app"), "golang.org/x/net@"+v)), WithIgnore(ig))
		if ignored := len(res.Ignored) == 1; ignored != (v == "v0.2.0") {
			t.Errorf("upgrade to %s: ignored %v", v, res.Ignored)
		}
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"not a list", "host: a.example\nreason: x\n", "want a YAML list"},
		{"no selector", "- {reason: because}\n", "at least one of capability, rule, host and module"},
		{"no reason", "- {host: a.example}\n", "needs a reason"},
		{"blank reason", "- {host: a.example, reason: \"  \"}\n", "needs a reason"},
		{"unknown key", "- {host: a.example, reason: x, hostt: b}\n", "known.yaml:1:39: [0].hostt: unknown key \"hostt\""},
		{"comma in a reason", "- {host: a.example, reason: x, y}\n", "quote a reason that holds one"},
		{"folded key", "- {Host: a.example, reason: x}\n", "Host"},
		{"unknown capability", "- {capability: network.teleport, reason: x}\n", "unknown capability"},
		{"wildcard on a public suffix", "- {host: \"*.com\", reason: x}\n", "public suffix"},
		{"anchors", "- &a {host: a.example, reason: x}\n- *a\n", "anchor"},
		{"empty", "", "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseIgnore("known.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, ErrIgnoreFile) {
				t.Errorf("error %v does not wrap ErrIgnoreFile", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "known.yaml") {
				t.Errorf("error %q: want it to name the file and say %q", err, tc.want)
			}
		})
	}
	if _, err := ParseIgnore("big.yaml", make([]byte, MaxIgnoreSize+1)); !errors.Is(err, ErrIgnoreFile) {
		t.Errorf("an ignore file over the limit: %v", err)
	}
}
