package output_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/inspect/inspecttest"
	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/output"
	"github.com/candor-dev/candor/internal/testbuild"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

// browserDisclosure covers every finding of the telemetry fixture.
const browserDisclosure = `apiVersion: candor.dev/disclosure/v1
product: {name: telemetry-fixture, version: "1.0.0", vendor: Candor Tests}
security: {contact: security@candor-tests.example, policy: "https://candor-tests.example/security", notificationDays: 14}
endpoints:
  - host: o0.ingest.sentry.io
    purpose: crash reports
    data: [stack traces, OS version]
    consent: opt-in
telemetry:
  - name: Sentry crash reporting
    sdk: github.com/getsentry/sentry-go
    endpoints: [o0.ingest.sentry.io]
    data: [stack traces, OS version]
    consent: opt-in
remoteControl:
  - capability: process.exec
    purpose: runs the configured post-crash hook
    consent: user-initiated
`

// chromium finds the browser: skipped when missing, except in CI (CI=true), where the
// test must run (.ci/run installs Debian's chromium).
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CANDOR_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium at /usr/bin/chromium: CI must install it (apt-get install -y chromium, in .ci/run)")
	}
	t.Skip("no chromium at /usr/bin/chromium (apt-get install -y chromium, or CANDOR_CHROMIUM=PATH); the HTML report is not tested in a browser")
	return ""
}

// realChain builds the telemetry fixture, attests it with candor (vendor key), and signs an
// SLSA provenance and a CycloneDX SBOM of its modules with a build system's key. It returns
// the inspect report of the chain.
func realChain(t *testing.T, dir string) *inspect.Report {
	t.Helper()
	var bin string
	for _, b := range testbuild.Build(t, "", testbuild.Target{GOOS: "linux", GOARCH: "amd64"}) {
		if b.Program == "telemetry" {
			bin = b.Path
		}
	}
	if bin == "" {
		t.Fatal("no telemetry fixture")
	}
	art := filepath.Join(dir, "telemetry")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(art, data, 0o755); err != nil {
		t.Fatal(err)
	}
	disc := filepath.Join(dir, "disclosure.yaml")
	if err := os.WriteFile(disc, []byte(browserDisclosure), 0o644); err != nil {
		t.Fatal(err)
	}
	vendor, vendorPub := inspecttest.Key(t, dir, "vendor")
	builder, builderPub := inspecttest.Key(t, dir, "builder")
	res, err := attest.Run(t.Context(), attest.Options{DisclosurePath: disc, Artifacts: []string{art},
		Signers: []signing.EnvelopeSigner{vendor}, Output: art + ".intoto.json"})
	if err != nil {
		t.Fatalf("attest: %v", err)
	}
	sha := fileio.HashBytes(data, fileio.SHA256)[fileio.SHA256]
	var mods []inspecttest.Module
	for _, m := range res.Report.Artifacts[0].Modules {
		mods = append(mods, inspecttest.Module{Path: m.Path, Version: m.Version})
	}
	bundle := append(
		inspecttest.Sign(t, builder, inspecttest.Statement(t, "telemetry", sha, inspect.ProvenanceV1, inspecttest.Provenance("https://github.com/candor-dev/candor", strings.Repeat("5e", 20))), true),
		inspecttest.Sign(t, builder, inspecttest.Statement(t, "telemetry", sha, inspect.CycloneDXBOM, inspecttest.CycloneDX("candor.test/fixtures", mods...)), true)...)
	if err := os.WriteFile(art+".intoto.jsonl", bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	keys, err := verify.LoadKeys(t.Context(), []string{vendorPub, builderPub}, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := inspect.New(keys, []string{"vendor.pub", "builder.pub"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := inspect.Run(t.Context(), in, inspect.Inputs{Paths: []string{art}})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Passed {
		t.Fatalf("the real chain does not hang together: %+v", rep.Chains[0].Checks)
	}
	return rep
}

// recorder is an HTTP proxy that answers nothing and records every request the browser makes
// through it: the page must make none.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	r.seen = append(r.seen, req.Method+" "+req.Host)
	r.mu.Unlock()
	http.Error(w, "no network in this test", http.StatusForbidden)
}

// TestInspectHTMLInBrowser renders the HTML report of a real chain in headless Chromium:
// screenshots at 1280 and 390 px, the DOM checked for the report's sections and values,
// and no request to anywhere (every request goes to a recording proxy, names resolve to
// nothing) and no console error.
func TestInspectHTMLInBrowser(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	rep := realChain(t, dir)
	var page bytes.Buffer
	if err := output.Inspect(&page, output.FormatHTML, rep); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.html")
	if err := os.WriteFile(report, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	proxy := httptest.NewServer(rec)
	defer proxy.Close()
	shots := os.Getenv("CANDOR_SCREENSHOT_DIR") // keep the screenshots for a note
	if shots == "" {
		shots = dir
	}
	// run shows url in the browser and returns its DOM dump (with --dump-dom), its log and
	// the hosts it asked the proxy for.
	run := func(t *testing.T, url string, width, height int, extra ...string) (stdout, stderr string, hosts []string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
		defer cancel()
		args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
			"--disable-default-apps", "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-pings",
			"--metrics-recording-only", "--no-default-browser-check", "--disable-breakpad", "--password-store=basic",
			"--disable-features=NetworkTimeServiceQuerying,OptimizationHints,Translate,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions,SafeBrowsing,PrivacySandboxSettings4,AccountConsistency,DestroyProfileOnBrowserClose,SigninInterception",
			"--user-data-dir=" + t.TempDir(), "--proxy-server=" + proxy.URL, "--proxy-bypass-list=<-loopback>",
			"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
			"--enable-logging=stderr", "--v=0", "--hide-scrollbars",
			"--window-size=" + itoa(width) + "," + itoa(height)}, extra...)
		args = append(args, url)
		rec.mu.Lock()
		rec.seen = nil
		rec.mu.Unlock()
		cmd := exec.CommandContext(ctx, browser, args...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium: %v\n%s", err, errb.String())
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		return out.String(), errb.String(), slices.Clone(rec.seen)
	}
	// The browser itself contacts its vendor's services (sign-in, connectivity) whatever it
	// shows: what it asks for while showing an empty page is the browser's, not the page's.
	_, _, browserOwn := run(t, "about:blank", 400, 300, "--dump-dom")
	pageRequests := func(seen []string) []string {
		var out []string
		for _, s := range seen {
			if !slices.Contains(browserOwn, s) && !browserService(s) {
				out = append(out, s)
			}
		}
		return out
	}
	// The proxy sees what a page loads: a control page that loads an image and a style
	// sheet from elsewhere is caught.
	t.Run("control", func(t *testing.T) {
		control := filepath.Join(dir, "control.html")
		os.WriteFile(control, []byte(`<!DOCTYPE html><link rel="stylesheet" href="https://fonts.evil.example/x.css"><img src="http://pixel.evil.example/p.png"><script>throw new Error("control")</script>`), 0o644)
		_, log, seen := run(t, "file://"+control, 400, 300, "--dump-dom")
		if len(consoleErrors(log)) == 0 {
			t.Fatalf("the browser's log does not show the control page's console error: the test cannot see a report's:\n%s", log)
		}
		if got := pageRequests(seen); !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "evil.example") }) {
			t.Fatalf("the recording proxy did not see the control page's requests (saw %q): the test cannot see a report's", seen)
		}
	})

	t.Run("dom", func(t *testing.T) {
		dom, log, seen := run(t, "file://"+report, 1280, 2000, "--dump-dom")
		if errs := consoleErrors(log); len(errs) > 0 {
			t.Errorf("console messages while showing the report:\n%s", strings.Join(errs, "\n"))
		}
		if got := pageRequests(seen); len(got) > 0 {
			t.Errorf("the browser made %d request(s) while showing the report: %q", len(got), got)
		}
		sha := rep.Chains[0].SHA256
		for _, want := range []string{
			`<header id="summary" class="pass">`, "candor inspect", "PASS",
			"The three commitments", "No undisclosed remote control", "No undisclosed exfiltration", "No forced upgrade",
			"Hosts contacted", "o0.ingest.sentry.io", "crash reports", "stack traces, OS version", "opt-in",
			"Findings (", "telemetry.sdk", "github.com/getsentry/sentry-go", "main.main →",
			"Chain", `<span class="kind">disclosure</span>`, `<span class="kind">provenance</span>`, `<span class="kind">sbom</span>`, "signer: ", "vendor.pub (SHA256:", "builder.pub (SHA256:",
			"CycloneDX-1.5", "https://github.com/actions/runner/github-hosted",
			`class="check check-modules"`, "the SBOM lists the", sha,
		} {
			if !strings.Contains(strings.ReplaceAll(dom, "&gt;", ">"), want) && !strings.Contains(dom, want) {
				t.Errorf("the rendered DOM lacks %q", want)
			}
		}
		if strings.Contains(dom, "unverified</strong>") {
			t.Error("an attestation of the real chain shows as unverified")
		}
		// No loadable resource names another origin (links inside the page are #fragments).
		for _, m := range regexp.MustCompile(`(?i)\b(src|href|srcset|poster|data|action)\s*=\s*"([^"]*)"`).FindAllStringSubmatch(dom, -1) {
			if !strings.HasPrefix(m[2], "#") {
				t.Errorf("the page loads or links %s=%q", m[1], m[2])
			}
		}
		if regexp.MustCompile(`(?i)<(script|link|iframe|object|embed|img)\b`).MatchString(dom) {
			t.Error("the page holds a script, link, frame, object or image element")
		}
	})
	for _, width := range []int{1280, 390} {
		t.Run("screenshot-"+itoa(width), func(t *testing.T) {
			shot := filepath.Join(shots, "inspect-report-"+itoa(width)+".png")
			_, log, seen := run(t, "file://"+report, width, 2400, "--screenshot="+shot)
			if errs := consoleErrors(log); len(errs) > 0 {
				t.Errorf("console messages while showing the report:\n%s", strings.Join(errs, "\n"))
			}
			if got := pageRequests(seen); len(got) > 0 {
				t.Errorf("the browser made %d request(s) while showing the report: %q", len(got), got)
			}
			f, err := os.Open(shot)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatalf("screenshot: %v", err)
			}
			if b := img.Bounds(); b.Dx() != width {
				t.Errorf("screenshot is %d px wide, want %d", b.Dx(), width)
			}
			t.Logf("screenshot %s", shot)
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// consoleErrors returns the console lines of chromium's log (--enable-logging=stderr
// --v=0 logs every console message as ":CONSOLE:" or "CONSOLE(", an uncaught exception as
// "Uncaught ..."). The report runs no script: any console message is an error.
func consoleErrors(log string) []string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, ":CONSOLE") || strings.Contains(l, "CONSOLE(") || strings.Contains(l, "Uncaught") {
			out = append(out, l)
		}
	}
	return out
}

// browserService reports whether a proxied request goes to the browser vendor's own
// services (sign-in, connectivity and time checks), which Chromium contacts whatever page
// it shows, at moments that vary from run to run. A report could only ask for them through
// an element that loads something, which the DOM check refuses.
func browserService(req string) bool {
	_, host, _ := strings.Cut(req, " ")
	host, _, _ = strings.Cut(host, ":")
	for _, d := range []string{"google.com", "gstatic.com", "googleapis.com", "gvt1.com"} {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}
