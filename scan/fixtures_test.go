package scan_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/internal/testbuild"
	"github.com/candor-dev/candor/scan"
)

// fixtureWant is the exact capability set candor must report for a fixture
// program under testdata/fixtures/cmd, on every platform and with any build
// flags: the capabilities other than network.endpoint, and the hosts of the
// network.endpoint findings (one finding per host).
type fixtureWant struct {
	caps  []scan.Capability
	hosts []string
	// modules must be in the build info (path@version); the main module
	// candor.test/fixtures is checked for every program.
	modules []string
}

// fixtureWants is the contract between the fixture programs and the analyser.
// Each row is derived from what the program really does; its doc comment in
// testdata/fixtures/cmd/NAME/main.go says the same. Anything not listed must not
// be reported. Every listed capability other than network.endpoint must have at
// least one finding with confidence "linked": the code is in each binary.
var fixtureWants = map[string]fixtureWant{
	// Word counting over stdin with flag, bufio, strings, sort, crypto/sha256 and
	// encoding/json. The runtime's own strings ("https://go.dev/doc/godebug…") are
	// documentation links, not endpoints.
	"quiet": {},
	// http.ListenAndServe("127.0.0.1:6060", nil) with net/http/pprof's handlers on
	// the default mux. package net/http's init builds DefaultTransport, which links
	// net.(*Dialer).DialContext even here, but nothing makes a request: no
	// net/http.(*Client).do, no (*Transport).roundTrip, so no network.connect.
	// A loopback address is not an endpoint.
	"pprofserver": {caps: []scan.Capability{scan.NetworkListen, scan.RemoteAdmin}},
	// http.Client.Post to https://collect.phonehome-fixture.net/v1/report.
	"phonehome": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"collect.phonehome-fixture.net"},
	},
	// http.Client.Get of https://releases.selfupdater-fixture.io/latest, then
	// minio/selfupdate.Apply replaces the executable (osext.Executable, rename).
	// The library runs no program, and the download is never executed
	// (no update.fetch-exec); there is no version check or notice (no
	// update.check).
	"selfupdater": {
		caps:    []scan.Capability{scan.UpdateSelf, scan.NetworkConnect},
		hosts:   []string{"releases.selfupdater-fixture.io"},
		modules: []string{"github.com/minio/selfupdate@v0.6.0", "aead.dev/minisign@v0.2.0"},
	},
	// net.Dial("tcp", os.Args[1]) and exec.Command("/bin/sh") wired to the
	// connection. The address comes from the command line: no endpoint.
	"revshell": {caps: []scan.Capability{scan.NetworkConnect, scan.ProcessExec}},
	// sentry-go v0.46.2: Init with DSN https://public@o0.ingest.sentry.io/0,
	// CaptureMessage, Flush; its HTTP transport posts to the DSN host. The SDK
	// links os/exec and, with no release configured, runs
	// `git describe --long --always --dirty` (util.go defaultRelease): a genuine
	// process.exec. Its log text "See https://docs.sentry.io/product/releases/."
	// is a documentation link, not an endpoint.
	"telemetry": {
		caps:    []scan.Capability{scan.TelemetrySDK, scan.NetworkConnect, scan.ProcessExec},
		hosts:   []string{"o0.ingest.sentry.io"},
		modules: []string{"github.com/getsentry/sentry-go@v0.46.2"},
	},
	// The rule shapes of the code pass; shapes_test.go checks their strings,
	// tables and call paths. Hand-written self-update: http.Get, os.Executable,
	// os.CreateTemp, os.Rename over the executable; no version check.
	"ownupdater": {
		caps:  []scan.Capability{scan.UpdateSelf, scan.NetworkConnect},
		hosts: []string{"dl.ownupdater-fixture.io"},
	},
	// An update check whose notice is a boxed constant (fmt.Println's
	// argument): the code loads its static header, not the string.
	"boxednotice": {
		caps:  []scan.Capability{scan.UpdateCheck, scan.NetworkConnect},
		hosts: []string{"status.boxednotice-fixture.net"},
	},
	// Two-label names handed to net.LookupSRV and net.Dial are hosts; the
	// two-label file name it prints is not.
	"bareresolve": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"bareresolve-fixture.com", "bareresolve-fixture.net"},
	},
	// The same self-update in a command that main calls only by reflection
	// (reflect.Value.MethodByName("Run"), as kong dispatches): the method
	// tables of the main module's types are roots of reach.
	"reflectcmd": {
		caps:  []scan.Capability{scan.UpdateSelf, scan.NetworkConnect},
		hosts: []string{"dl.reflectcmd-fixture.io"},
	},
	// "https://api.github.com" + "/repos/%s/releases/latest" joined and
	// formatted at run time, GET, version comparison, notice.
	"feedcheck": {
		caps:  []scan.Capability{scan.UpdateCheck, scan.NetworkConnect},
		hosts: []string{"api.github.com"},
	},
	// A ticker loop POSTing host name and uptime as JSON to a fixed collector.
	"usagereporter": {
		caps:  []scan.Capability{scan.TelemetrySDK, scan.NetworkConnect},
		hosts: []string{"usage.usagereporter-fixture.net"},
	},
	// A timer loop that POSTs the process ID and a count as JSON to a fixed
	// collector, re-arming the timer (Timer.Reset) each round: a schedule.
	"timerreporter": {
		caps:  []scan.Capability{scan.TelemetrySDK, scan.NetworkConnect},
		hosts: []string{"metrics.timerreporter-fixture.net"},
	},
	// One record POSTed to a log server, retried on a fresh time.NewTimer
	// back-off: a retry, no schedule, so no telemetry.sdk.
	"retrypost": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"submit.retrypost-fixture.net"},
	},
	// An http.Client GET probing a git server, then exec of git clone: it runs
	// git, never what it downloads, so no update.fetch-exec.
	"gitfetch": {
		caps:  []scan.Capability{scan.ProcessExec, scan.NetworkConnect},
		hosts: []string{"code.gitfetch-fixture.net"},
	},
	// An http.Client GET of a tool into the cache directory, os.Chmod 0755,
	// then exec.Command of that path.
	"fetchrun": {
		caps:  []scan.Capability{scan.UpdateFetchExec, scan.ProcessExec, scan.NetworkConnect},
		hosts: []string{"dl.fetchrun-fixture.io"},
	},
	// os.Executable, http.Get of a new build, os.Rename of the executable
	// aside, os.OpenFile over its path, then exec.Command of that path.
	"relaunch": {
		caps:  []scan.Capability{scan.UpdateSelf, scan.UpdateFetchExec, scan.ProcessExec, scan.NetworkConnect},
		hosts: []string{"get.relaunch-fixture.dev"},
	},
	// golang.org/x/net/trace registers /debug/requests and /debug/events on
	// http.DefaultServeMux, which is never served; one http.Client GET.
	"tracemux": {
		caps:    []scan.Capability{scan.NetworkConnect},
		hosts:   []string{"status.tracemux-fixture.net"},
		modules: []string{"golang.org/x/net@v0.22.0"},
	},
	// One http.Client GET over TLS with a root certificate of its own, kept as
	// DER bytes in the binary: the certificate's CRL, OCSP, issuer and CPS
	// URLs are values of the certificate, not endpoints. The URL it gets is a
	// struct tag's default:"…" value (an endpoint); the URL in a json tag is
	// a member's name (not one).
	"certroots": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"api.certroots-fixture.net"},
	},
	// A hand-written HTTP request over a TLS connection to a CDN's edge whose
	// Host header names the real receiver (domain fronting): both hosts are
	// endpoints, though the request text has spaces.
	"frontedpost": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"collect.frontedpost-fixture.net", "edge.frontedpost-fixture.net"},
	},
	// plugin.Open with CGO off: the stub that always fails; nothing else.
	"pluginstub": {},
	// A 34-region partition table (one endpoint table finding, not 34 hosts of
	// their own) and net.Dial("tcp", "own.sdktable-fixture.com:443").
	"sdktable": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"own.sdktable-fixture.com"},
	},
	// A 48-host endpoint table in a JSON string constant (one endpoint table
	// finding) and one GET of a host resolved from it.
	"jsontable": {
		caps: []scan.Capability{scan.NetworkConnect},
	},
	// A 9-mirror list of its own in a JSON string constant under 1 KiB (one
	// endpoint table finding) and one GET of a mirror.
	"jsonmirrors": {
		caps: []scan.Capability{scan.NetworkConnect},
	},
	// An HTTP client of a unix socket with the placeholder base URL
	// http://daemon.example.com (a reserved name: no endpoint, though requests
	// carry it), and a POST to a support URL shaped like a documentation link
	// (an endpoint: the code posts to it).
	"unixclient": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"help.unixclient-fixture.net"},
	},
	// An OAuth 2.0 token POST whose scope values are URLs (a Google scope, a
	// Microsoft ".default" scope), a managed-identity token GET from the
	// metadata service naming the Azure Storage resource ID, and a PUT carrying
	// an S3 ACL grantee URI: names, not endpoints, though the code that loads
	// them makes requests; the metadata address is one, and so is a host of
	// its own whose path looks like a scope.
	"oauthscope": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"169.254.169.254", "auth.oauthscope-fixture.net", "receipt.oauthscope-fixture.net", "store.oauthscope-fixture.net"},
	},
	// POSTs to an admin API on 127.0.0.1 and [::1]: loopback addresses are no
	// endpoints, though the code that loads them makes requests.
	"localadmin": {
		caps: []scan.Capability{scan.NetworkConnect},
	},
	// Three URLs whose literals the linker lays against a format, each other
	// and an upper-case message; GETs of all three.
	"gluedstrings": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"a.gluedstrings-fixture.net", "b.gluedstrings-fixture.net", "ping.gluedstrings-fixture.net"},
	},
}

var wantFormat = map[string]string{"linux": "elf", "windows": "pe", "darwin": "macho"}

// TestFixtures scans every fixture binary of internal/testbuild's matrix and
// checks the exact capability set, the artifact facts, the shape of each finding,
// determinism, and that stripping changes nothing.
func TestFixtures(t *testing.T) {
	bins := testbuild.Fixtures(t)
	for _, b := range bins {
		if _, ok := fixtureWants[b.Program]; !ok {
			t.Fatalf("fixture program %s has no row in fixtureWants", b.Program)
		}
	}
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu      sync.Mutex
		scanned = map[string]*scan.Artifact{}
	)
	t.Run("scan", func(t *testing.T) {
		for _, b := range bins {
			t.Run(b.Name(), func(t *testing.T) {
				t.Parallel()
				if why := copyShapeGap(b); why != "" {
					t.Skip(why)
				}
				a := checkFixture(t, s, b)
				if a != nil {
					mu.Lock()
					scanned[b.Name()] = a
					mu.Unlock()
				}
			})
		}
	})
	// The parallel subtests above have all finished here.
	t.Run("stripped", func(t *testing.T) {
		for _, b := range bins {
			if !b.Stripped {
				continue
			}
			plain := b
			plain.Stripped = false
			t.Run(b.Name(), func(t *testing.T) {
				sa, pa := scanned[b.Name()], scanned[plain.Name()]
				if sa == nil || pa == nil {
					t.Skip("scan failed; see the scan subtests")
				}
				if got, want := capabilityKey(sa), capabilityKey(pa); got != want {
					t.Errorf("stripped binary: capabilities %s\nnot stripped (%s): %s", got, plain.Name(), want)
				}
				if sa.Functions != pa.Functions || sa.Packages != pa.Packages {
					t.Errorf("stripped: %d functions in %d packages; not stripped: %d in %d (-s -w leaves the pclntab alone)",
						sa.Functions, sa.Packages, pa.Functions, pa.Packages)
				}
				if got, want := modulesKey(sa), modulesKey(pa); got != want {
					t.Errorf("stripped: modules %s; not stripped: %s", got, want)
				}
			})
		}
	})
}

// bulkCopyFixtures are the fixtures whose endpoint table is a JSON constant that the
// compiler copies in bulk into a []byte; true for a constant under 1 KiB.
var bulkCopyFixtures = map[string]bool{"jsontable": false, "jsonmirrors": true}

// copyShapeGap says why such a fixture cannot be judged on b, or "". The code pass
// reads the bulk copies of Go 1.25 and later on both architectures, and amd64's REP
// MOVSQ (constants over about 1 KiB) in every version. It does not read yet the copies
// of Go 1.24 and older: calls into runtime.duffcopy (amd64 64 B to 1 KiB, arm64 under
// 1 KiB) and arm64's loop to an end pointer, both with the last bytes stored from
// immediates. Their hosts are then bytes no code uses, as before the code pass read
// any copy.
func copyShapeGap(b testbuild.Binary) string {
	small, ok := bulkCopyFixtures[b.Program]
	if !ok {
		return ""
	}
	var minor int
	if _, err := fmt.Sscanf(b.GoVersion, "go1.%d", &minor); err != nil || minor >= 25 {
		return ""
	}
	if b.GOARCH == "amd64" && !small {
		return ""
	}
	return fmt.Sprintf("%s built with %s for %s: its bulk copy of the JSON constant has a shape of Go 1.24 and older that the code pass does not read yet", b.Program, b.GoVersion, b.GOARCH)
}

// checkFixture scans one binary and checks everything about it that does not
// need another binary. It returns the artifact, or nil when the scan failed.
func checkFixture(t *testing.T, s *scan.Scanner, b testbuild.Binary) *scan.Artifact {
	ctx := t.Context()
	a, err := s.ScanFile(ctx, b.Path)
	if err != nil {
		t.Errorf("ScanFile(%s): %v", b.Path, err)
		return nil
	}

	// Facts about the file.
	data, err := os.ReadFile(b.Path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if want := hex.EncodeToString(sum[:]); a.SHA256 != want {
		t.Errorf("SHA256 = %q, want %s", a.SHA256, want)
	}
	if a.Size != int64(len(data)) {
		t.Errorf("Size = %d, want %d", a.Size, len(data))
	}
	if want := wantFormat[b.GOOS]; a.Format != want {
		t.Errorf("Format = %q, want %q", a.Format, want)
	}
	if a.Arch != b.GOARCH {
		t.Errorf("Arch = %q, want %q", a.Arch, b.GOARCH)
	}
	if a.OS != "" && a.OS != b.GOOS {
		t.Errorf("OS = %q, want %q", a.OS, b.GOOS)
	}
	if !strings.HasPrefix(a.GoVersion, "go1.") || !strings.HasPrefix(a.GoVersion, b.GoVersion) {
		t.Errorf("GoVersion = %q, want %s", a.GoVersion, b.GoVersion)
	}
	// Go links kernel32.dll on windows and libSystem on darwin dynamically,
	// whatever the program (its native imports are not matched: the rules for
	// Go binaries read the function table).
	if lib := map[string]string{"windows": "kernel32.dll", "darwin": "/usr/lib/libSystem.B.dylib"}[b.GOOS]; lib != "" && !slices.Contains(a.Libraries, lib) {
		t.Errorf("Libraries = %q, want %s among them", a.Libraries, lib)
	}
	if a.MainModule == nil || a.MainModule.Path != "candor.test/fixtures" {
		t.Errorf("MainModule = %+v, want candor.test/fixtures", a.MainModule)
	}
	if a.Functions <= 0 || a.Packages <= 0 || a.Packages > a.Functions {
		t.Errorf("Functions = %d, Packages = %d; want 0 < packages <= functions", a.Functions, a.Packages)
	}
	want := fixtureWants[b.Program]
	mods := map[string]bool{}
	for _, m := range a.Modules {
		mods[m.Path+"@"+m.Version] = true
	}
	for _, m := range want.modules {
		if !mods[m] {
			t.Errorf("module %s missing from Modules %v", m, a.Modules)
		}
	}

	// Every finding is complete and consistent.
	for i, f := range a.Findings {
		checkFinding(t, i, f)
	}

	// The exact capability set.
	gotCaps, gotHosts := capabilitySets(a)
	wantCaps := map[scan.Capability]bool{}
	for _, c := range want.caps {
		wantCaps[c] = true
	}
	for _, c := range sortedKeys(wantCaps) {
		if !gotCaps[c] {
			t.Errorf("missing %s", c)
		} else if !hasLinked(a, c) {
			t.Errorf("%s reported only as %q; the code is in the binary, want a %q finding", c, scan.Referenced, scan.Linked)
		}
	}
	for _, c := range sortedKeys(gotCaps) {
		if !wantCaps[c] {
			t.Errorf("unexpected %s:\n%s", c, describe(a, func(f scan.Finding) bool { return f.Capability == c }))
		}
	}
	wantHosts := map[string]bool{}
	for _, h := range want.hosts {
		wantHosts[h] = true
	}
	for _, h := range sortedKeys(wantHosts) {
		if gotHosts[h] == 0 {
			t.Errorf("missing %s %s", scan.NetworkEndpoint, h)
		}
	}
	for _, h := range sortedKeys(gotHosts) {
		if !wantHosts[h] {
			t.Errorf("unexpected %s %s:\n%s", scan.NetworkEndpoint, h, describe(a, func(f scan.Finding) bool { return f.Host == h }))
		}
		if gotHosts[h] > 1 {
			t.Errorf("%d %s findings for host %s, want one per host", gotHosts[h], scan.NetworkEndpoint, h)
		}
	}

	// Determinism: the same bytes give the same report, from the same scanner,
	// from a new one, and through ScanReaderAt.
	first := mustJSON(t, a)
	again, err := s.ScanFile(ctx, b.Path)
	if err != nil {
		t.Fatalf("second ScanFile: %v", err)
	}
	if second := mustJSON(t, again); !bytes.Equal(first, second) {
		t.Errorf("second scan differs:\n%s", firstDiff(first, second))
	}
	s2, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	other, err := s2.ScanFile(ctx, b.Path)
	if err != nil {
		t.Fatalf("ScanFile with a new scanner: %v", err)
	}
	if third := mustJSON(t, other); !bytes.Equal(first, third) {
		t.Errorf("scan with a new scanner differs:\n%s", firstDiff(first, third))
	}
	viaReader, err := s.ScanReaderAt(ctx, b.Path, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("ScanReaderAt: %v", err)
	}
	if fourth := mustJSON(t, viaReader); !bytes.Equal(first, fourth) {
		t.Errorf("ScanReaderAt differs from ScanFile:\n%s", firstDiff(first, fourth))
	}
	return a
}

func checkFinding(t *testing.T, i int, f scan.Finding) {
	t.Helper()
	where := fmt.Sprintf("finding %d (rule %q, %s)", i, f.Rule, f.Capability)
	if f.Rule == "" || f.Summary == "" {
		t.Errorf("%s: empty rule or summary: %+v", where, f)
	}
	c, ok := scan.CommitmentOf(f.Capability)
	if !ok {
		t.Errorf("%s: unknown capability", where)
	} else if f.Commitment != c {
		t.Errorf("%s: commitment %q, want %q", where, f.Commitment, c)
	}
	if f.Confidence != scan.Linked && f.Confidence != scan.Referenced && f.Confidence != scan.Unreferenced {
		t.Errorf("%s: confidence %q", where, f.Confidence)
	}
	table := f.Rule == "endpoint.table"
	if (f.Capability == scan.NetworkEndpoint && !table) != (f.Host != "") {
		t.Errorf("%s: host %q: want a host exactly on %s findings other than tables", where, f.Host, scan.NetworkEndpoint)
	}
	if table && (len(f.Hosts) == 0 || f.Table == "" || f.Capability != scan.NetworkEndpoint) {
		t.Errorf("%s: a table finding without hosts or owner: %+v", where, f)
	}
	if table {
		for _, h := range f.Hosts {
			found := false
			for _, e := range f.Evidence {
				found = found || strings.Contains(e.Value, h)
			}
			if !found {
				t.Errorf("%s: no evidence names table host %s", where, h)
			}
		}
	}
	for j, e := range f.Evidence {
		if e.Reach != "" && e.Reach != scan.ReachDirect && e.Reach != scan.ReachIndirect && e.Reach != scan.ReachNone {
			t.Errorf("%s: evidence %d: reach %q", where, j, e.Reach)
		}
		if e.Reach != "" && e.Reach != scan.ReachNone && len(e.Path) == 0 {
			t.Errorf("%s: evidence %d reached (%s) without a call path", where, j, e.Reach)
		}
	}
	if len(f.Evidence) == 0 {
		t.Errorf("%s: no evidence", where)
	}
	if f.EvidenceTotal < len(f.Evidence) {
		t.Errorf("%s: EvidenceTotal %d < %d evidence items", where, f.EvidenceTotal, len(f.Evidence))
	}
	names := false
	for j, e := range f.Evidence {
		if e.Kind == "" || e.Value == "" || e.Where == "" {
			t.Errorf("%s: evidence %d incomplete: %+v", where, j, e)
		}
		names = names || strings.Contains(e.Value, f.Host)
	}
	if f.Host != "" && !names {
		t.Errorf("%s: no evidence names host %s: %+v", where, f.Host, f.Evidence)
	}
}

// capabilitySets returns the capabilities reported other than network.endpoint,
// and the number of network.endpoint findings per host.
func capabilitySets(a *scan.Artifact) (map[scan.Capability]bool, map[string]int) {
	caps, hosts := map[scan.Capability]bool{}, map[string]int{}
	for _, f := range a.Findings {
		if f.Capability == scan.NetworkEndpoint {
			// per-host findings only: an endpoint table's hosts are checked
			// apart (shapes_test.go)
			if f.Host != "" {
				hosts[f.Host]++
			}
		} else {
			caps[f.Capability] = true
		}
	}
	return caps, hosts
}

// capabilityKey renders an artifact's capability set in one comparable line.
func capabilityKey(a *scan.Artifact) string {
	caps, hosts := capabilitySets(a)
	var parts []string
	for _, c := range sortedKeys(caps) {
		parts = append(parts, string(c))
	}
	for _, h := range sortedKeys(hosts) {
		parts = append(parts, "endpoint:"+h)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func modulesKey(a *scan.Artifact) string {
	var parts []string
	for _, m := range a.Modules {
		parts = append(parts, m.Path+"@"+m.Version)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func hasLinked(a *scan.Artifact, c scan.Capability) bool {
	for _, f := range a.Findings {
		if f.Capability == c && f.Confidence == scan.Linked {
			return true
		}
	}
	return false
}

// describe lists the findings that match, with their evidence, for failure messages.
func describe(a *scan.Artifact, match func(scan.Finding) bool) string {
	var sb strings.Builder
	for _, f := range a.Findings {
		if !match(f) {
			continue
		}
		fmt.Fprintf(&sb, "\trule %s (%s): %s\n", f.Rule, f.Confidence, f.Summary)
		for _, e := range f.Evidence {
			fmt.Fprintf(&sb, "\t\t%s %q at %s\n", e.Kind, e.Value, e.Where)
		}
		if f.EvidenceTotal > len(f.Evidence) {
			fmt.Fprintf(&sb, "\t\t… %d evidence items in all\n", f.EvidenceTotal)
		}
	}
	return sb.String()
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// firstDiff shows where two JSON documents start to differ.
func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(0, i-80)
	clip := func(x []byte) string { return string(x[from:min(len(x), i+80)]) }
	return fmt.Sprintf("at byte %d:\n\t%s\n\t%s", i, clip(a), clip(b))
}
