package cli_test

import (
	"flag"
	"os"
	"regexp"
	"strings"
	"sync"

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
	{regexp.MustCompile(`\bgo1\.\d+(\.\d+)?((rc|beta)\d+)?(-[\w.-]+)?\b`), "<go>"},
	{regexp.MustCompile(`("key": "DefaultGODEBUG",\s*"value": )"[^"]*"`), `$1"<godebug>"`},
	{regexp.MustCompile(`\b0x[0-9a-f]+\b`), "0x<n>"},
	{regexp.MustCompile(`\b\d+ bytes\b`), "<n> bytes"},
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
