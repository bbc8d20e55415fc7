package cli_test

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/scan"
	"github.com/rogpeppe/go-internal/testscript"
)

var update = flag.Bool("update", false, "rewrite the goldens compared by 'cmp' in testdata/script/*.txtar")

// cmdScrub is the testscript command 'scrub SRC DST': it writes SRC (a file in the
// work directory, or stdout or stderr of the last command) to DST with the volatile
// fields replaced, so that a golden can hold a command's whole output.
func cmdScrub(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: scrub SRC DST")
	}
	text := ts.ReadFile(args[0])
	ts.Check(os.WriteFile(ts.MkAbs(args[1]), []byte(scrub(text, ts.Getenv("WORK"))), 0o644))
}

// scrubRules replace, in order, what differs between two runs of the same script or
// between two toolchains: digests of freshly built programs, of keys generated per
// run and of the built-in rules; key IDs; times; the Go version and the toolchain's
// GODEBUG defaults; sizes, counts and offsets inside a built program. What a command
// decides (verdicts, steps, reasons, findings, their order) is left as it is.
var scrubRules = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\b[0-9a-f]{128}\b`), "<sha512>"},
	{regexp.MustCompile(`\b[0-9a-f]{64}\b`), "<sha256>"},
	// Sigstore key IDs: SHA256: and the unpadded base64 of the key's digest.
	{regexp.MustCompile(`SHA256:[A-Za-z0-9+/]{43}`), "SHA256:<keyid>"},
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`), "<time>"},
	{regexp.MustCompile(`, [0-9a-z.]+ ago\b`), ", <age> ago"},
	{regexp.MustCompile(`\bgo1\.\d+(\.\d+)?((rc|beta)\d+)?(-[\w.-]+)?\b`), "<go>"},
	{regexp.MustCompile(`("key": "DefaultGODEBUG",\s*"value": )"[^"]*"`), `$1"<godebug>"`},
	{regexp.MustCompile(`\b0x[0-9a-f]+\b`), "0x<n>"},
	{regexp.MustCompile(`\b\d+ bytes\b`), "<n> bytes"},
	// The payload holds times, versions and digests, whose lengths vary.
	{regexp.MustCompile(`\b\d+-byte payload\b`), "<n>-byte payload"},
	{regexp.MustCompile(`("(size|functions|packages)": )\d+`), "${1}<n>"},
}

// analyzer is the scanner's identity, scrubbed by value: the rules change with every
// rule edit and the version with every build.
var analyzer = sync.OnceValue(func() scan.Analyzer {
	s, err := scan.New()
	if err != nil {
		panic("scrub: " + err.Error())
	}
	return s.Analyzer()
})

func scrub(text, work string) string {
	a := analyzer()
	if work != "" {
		text = strings.ReplaceAll(text, work, "$WORK")
	}
	text = strings.ReplaceAll(text, a.RulesDigest, "<rules-digest>")
	// Shortened as "sha256:" and 12 digits in verdicts and the demo's narration.
	if len(a.RulesDigest) > len("sha256:")+12 {
		text = strings.ReplaceAll(text, a.RulesDigest[:len("sha256:")+12], "<rules-digest>")
	}
	text = strings.ReplaceAll(text, a.RulesVersion, "<rules>")
	if a.Version != "" {
		text = strings.ReplaceAll(text, "candor "+a.Version, "candor <version>")
		text = regexp.MustCompile(`("name": "candor",\s*"version": )"`+regexp.QuoteMeta(a.Version)+`"`).
			ReplaceAllString(text, `$1"<version>"`)
	}
	for _, r := range scrubRules {
		text = r.re.ReplaceAllString(text, r.repl)
	}
	return text
}

// TestScrub checks the scrubber on two outputs that differ only in volatile fields:
// both scrub to the same text, and what a command decided is still there.
func TestScrub(t *testing.T) {
	a := analyzer()
	const tmpl = `candor %[1]s, rules %[2]s (%[3]s)
/tmp/%[4]s/work/app
  sha256    %[5]s
  format    elf linux/amd64, %[6]d bytes
  go        %[7]s
  - function net.Listen (.gopclntab+%[8]s)
  pass  parse                DSSE envelope, %[6]d-byte payload, 1 signature(s)
  pass  policy age           scanned %[9]s, %[10]s ago (at most 30d)
  signedBy SHA256:%[11]s
  rescan re-scanned with candor %[1]s (rules %[2]s, %[12]s…)
  FAIL  subject not the digest of any subject ("app")
`
	run := func(work, sum, gover, off, when, age, keyID string, size int) string {
		out := fmt.Sprintf(tmpl, a.Version, a.RulesVersion, a.RulesDigest, work, sum, size, gover, off, when, age, keyID, a.RulesDigest[:19])
		return scrub(out, "/tmp/"+work)
	}
	one := run("ts1", strings.Repeat("ab", 32), "go1.27.3", "0x1f", "2026-12-01T20:22:51Z", "0s", strings.Repeat("A", 43), 3104157)
	two := run("ts22", strings.Repeat("01", 32), "go1.28rc1", "0xfd03b", "2027-01-02T03:04:05.5+01:00", "1d2h", strings.Repeat("z", 43), 42)
	if one != two {
		t.Errorf("two runs scrub differently:\n%s\n---\n%s", one, two)
	}
	for _, want := range []string{"$WORK/work/app", "linux/amd64", "net.Listen", "DSSE envelope", "at most 30d", `FAIL  subject not the digest of any subject ("app")`} {
		if !strings.Contains(one, want) {
			t.Errorf("scrubbed output lost %q:\n%s", want, one)
		}
	}
	for _, gone := range []string{a.RulesDigest, a.RulesDigest[:19], "3104157", "go1.27", "0x1f", "2026-12-01", "ts1", "AAAA", "0s ago"} {
		if strings.Contains(one, gone) {
			t.Errorf("scrubbed output still holds %q:\n%s", gone, one)
		}
	}
}
