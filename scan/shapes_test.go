package scan_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/testbuild"
	"github.com/candor-dev/candor/scan"
)

// The rule shapes of the code pass (issue 11), one fixture program each under
// testdata/fixtures/cmd. Each row below is derived from the program's source and
// its doc comment; TestShapes checks it on every binary internal/testbuild builds
// (every target of testbuild.Matrix, stripped and not).
//
// The finding fields the code pass adds (hosts and table of an endpoint table,
// the functions referencing a string, call paths) are read from the report's
// JSON, so that this test states what a buyer must see whatever the Go names.

// shapeString is one literal of a fixture program that must be reported exactly.
type shapeString struct {
	value string
	// capability is the finding whose evidence must carry the string.
	capability scan.Capability
	// by, when set, is a function that must be among the evidence's referencedBy.
	by string
}

// shapePath: some evidence of the capability's findings has a call path that
// starts with these frames.
type shapePath struct {
	capability scan.Capability
	prefix     []string
}

type shapeWant struct {
	caps  []scan.Capability // exact set, network.endpoint aside
	hosts []string          // exact set of individual network.endpoint findings
	// tableHosts must all be listed by one endpoint table finding whose table
	// names tableOwner, and none of them may be an individual finding.
	tableHosts []string
	tableOwner string
	strings    []shapeString
	paths      []shapePath
	// referenced lists hosts whose findings must not be unreferenced (lower
	// confidence): strings of the program's type data, struct tags among them.
	referenced []string
	// adjacent lists literals that lie back to back in the binary, in this
	// order: the layout that glues them when cut naively (checked first, as a
	// precondition; a change of linker layout is reported as such).
	adjacent [][]string
}

var sdktableRegions = []string{
	"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1", "mx-central-1", "sa-east-1",
	"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
	"me-south-1", "me-central-1", "il-central-1", "af-south-1", "ap-east-1", "ap-south-1", "ap-south-2", "ap-northeast-1",
	"ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
	"cn-north-1", "cn-northwest-1", "us-gov-west-1",
}

func sdktableHosts() []string {
	var h []string
	for _, r := range sdktableRegions {
		h = append(h, "api."+r+".sdktable-fixture.com")
	}
	return h
}

// jsontableHosts are the hosts of the jsontable fixture's JSON document.
func jsontableHosts() []string {
	var h []string
	for _, p := range []string{"kms", "storage"} {
		for _, r := range []string{"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
			"eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1", "eu-south-1", "me-south-1", "af-south-1",
			"ap-east-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
			"ap-southeast-2", "ap-southeast-3", "cn-north-1", "cn-northwest-1"} {
			h = append(h, p+"."+r+".jsontable-fixture.com")
		}
	}
	return h
}

// jsonmirrorsHosts are the hosts of the jsonmirrors fixture's mirror list.
func jsonmirrorsHosts() []string {
	var h []string
	for _, m := range []string{"eu1", "eu2", "us1", "us2", "ap1", "ap2", "sa1", "af1", "me1"} {
		h = append(h, m+".mirrors.jsonmirrors-fixture.org")
	}
	return h
}

var shapeWants = map[string]shapeWant{
	// Hand-written self-update: main.update does http.Get of the release URL,
	// os.Executable, os.CreateTemp beside it, io.Copy, os.Rename over it.
	"ownupdater": {
		caps:    []scan.Capability{scan.UpdateSelf, scan.NetworkConnect},
		hosts:   []string{"dl.ownupdater-fixture.io"},
		strings: []shapeString{{"https://dl.ownupdater-fixture.io/stable/ownupdater-current", scan.NetworkEndpoint, "main.update"}},
		paths:   []shapePath{{scan.UpdateSelf, []string{"main.main", "main.update"}}},
	},
	// A struct tag's default URL, read by reflection: type data, which PE keeps
	// in .rdata beside the string literals (the moduledata's types range tells
	// them apart), referenced wherever it lies.
	"certroots": {
		caps:       []scan.Capability{scan.NetworkConnect},
		hosts:      []string{"api.certroots-fixture.net"},
		strings:    []shapeString{{"https://api.certroots-fixture.net/v1/status", scan.NetworkEndpoint, ""}},
		referenced: []string{"api.certroots-fixture.net"},
	},
	// An update check whose version notice is fmt.Println's argument: a
	// constant the code passes boxed, by its static string header; main.check
	// both makes the request and prints it.
	"boxednotice": {
		caps:    []scan.Capability{scan.UpdateCheck, scan.NetworkConnect},
		hosts:   []string{"status.boxednotice-fixture.net"},
		strings: []shapeString{{"A newer version is available:", scan.UpdateCheck, "main.check"}},
		paths:   []shapePath{{scan.UpdateCheck, []string{"main.main", "main.check"}}},
	},
	// Registrable domains of two labels, counted by the code that resolves or
	// dials them: main.main loads both and calls the resolver and the dialer.
	"bareresolve": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"bareresolve-fixture.com", "bareresolve-fixture.net"},
		strings: []shapeString{
			{"bareresolve-fixture.com:443", scan.NetworkEndpoint, "main.main"},
			{"bareresolve-fixture.net", scan.NetworkEndpoint, "main.main"},
		},
	},
	// Hand-written self-update in a command that only reflection calls (kong's
	// dispatch): main.(*upgradeCmd).Run is named by its type's method table
	// alone, so its path starts there.
	"reflectcmd": {
		caps:    []scan.Capability{scan.UpdateSelf, scan.NetworkConnect},
		hosts:   []string{"dl.reflectcmd-fixture.io"},
		strings: []shapeString{{"https://dl.reflectcmd-fixture.io/stable/reflectcmd-current", scan.NetworkEndpoint, "main.main"}},
		paths:   []shapePath{{scan.UpdateSelf, []string{"(method table)", "main.(*upgradeCmd).Run"}}},
	},
	// Update check with the feed built at run time: main.latestURL joins the
	// base and "/repos/%s/releases/latest" and formats it; main.check GETs it.
	"feedcheck": {
		caps:  []scan.Capability{scan.UpdateCheck, scan.NetworkConnect},
		hosts: []string{"api.github.com"},
		strings: []shapeString{
			{"https://api.github.com", scan.NetworkEndpoint, "main.main"},
			{"/repos/%s/releases/latest", scan.UpdateCheck, "main.latestURL"},
		},
		paths: []shapePath{{scan.UpdateCheck, []string{"main.main"}}},
	},
	// Usage reporter without an SDK: main.report's ticker loop POSTs JSON to a
	// fixed collector.
	"usagereporter": {
		caps:    []scan.Capability{scan.TelemetrySDK, scan.NetworkConnect},
		hosts:   []string{"usage.usagereporter-fixture.net"},
		strings: []shapeString{{"https://usage.usagereporter-fixture.net/v1/collect", scan.NetworkEndpoint, "main.report"}},
		paths:   []shapePath{{scan.TelemetrySDK, []string{"main.main", "main.report"}}},
	},
	// Usage reporter on a timer it re-arms: main.report waits on a
	// time.NewTimer, POSTs, and calls Timer.Reset.
	"timerreporter": {
		caps:    []scan.Capability{scan.TelemetrySDK, scan.NetworkConnect},
		hosts:   []string{"metrics.timerreporter-fixture.net"},
		strings: []shapeString{{"https://metrics.timerreporter-fixture.net/v2/usage", scan.NetworkEndpoint, "main.report"}},
		paths:   []shapePath{{scan.TelemetrySDK, []string{"main.main", "main.report"}}},
	},
	// Fetch and run: main.run starts the program main.ensureTool downloaded
	// and chmodded; the evidence goes through both.
	"fetchrun": {
		caps:    []scan.Capability{scan.UpdateFetchExec, scan.ProcessExec, scan.NetworkConnect},
		hosts:   []string{"dl.fetchrun-fixture.io"},
		strings: []shapeString{{"https://dl.fetchrun-fixture.io/tool/v2/tool-bin", scan.NetworkEndpoint, "main.ensureTool"}},
		paths: []shapePath{
			{scan.UpdateFetchExec, []string{"main.main", "main.run", "main.ensureTool"}},
			{scan.UpdateFetchExec, []string{"main.main", "main.run", "os/exec.(*Cmd).Run"}},
		},
	},
	// Self-replacement that runs the new build: main.upgrade takes
	// os.Executable, downloads, writes over it (main.writeBuild) and execs it.
	"relaunch": {
		caps:    []scan.Capability{scan.UpdateSelf, scan.UpdateFetchExec, scan.ProcessExec, scan.NetworkConnect},
		hosts:   []string{"get.relaunch-fixture.dev"},
		strings: []shapeString{{"https://get.relaunch-fixture.dev/api/download?os=any", scan.NetworkEndpoint, "main.upgrade"}},
		paths:   []shapePath{{scan.UpdateFetchExec, []string{"main.main", "main.upgrade"}}},
	},
	// golang.org/x/net/trace's handlers on http.DefaultServeMux, never served.
	"tracemux": {
		caps:    []scan.Capability{scan.NetworkConnect},
		hosts:   []string{"status.tracemux-fixture.net"},
		strings: []shapeString{{"https://status.tracemux-fixture.net/v1/health", scan.NetworkEndpoint, "main.main"}},
	},
	// plugin.Open linked with CGO off: the stub that always fails.
	"pluginstub": {},
	// An SDK-style partition table of 34 region hosts, plus one host of main's own.
	"sdktable": {
		caps:       []scan.Capability{scan.NetworkConnect},
		hosts:      []string{"own.sdktable-fixture.com"},
		tableHosts: sdktableHosts(),
		tableOwner: "candor.test/fixtures/cmd/sdktable/internal/partition",
		strings:    []shapeString{{"own.sdktable-fixture.com:443", scan.NetworkEndpoint, "main.main"}},
	},
	// An endpoint table kept as a JSON document in a string constant, which the
	// compiler copies in bulk into the []byte that json.Unmarshal parses.
	"jsontable": {
		caps:       []scan.Capability{scan.NetworkConnect},
		tableHosts: jsontableHosts(),
		tableOwner: "candor.test/fixtures/cmd/jsontable/internal/endpoints.load",
		paths: []shapePath{{scan.NetworkEndpoint, []string{"main.main",
			"candor.test/fixtures/cmd/jsontable/internal/endpoints.load",
			"candor.test/fixtures/cmd/jsontable/internal/endpoints.load.func1"}}},
	},
	// A mirror list of its own as a JSON constant under 1 KiB, which the
	// compiler copies into the []byte with a loop.
	"jsonmirrors": {
		caps:       []scan.Capability{scan.NetworkConnect},
		tableHosts: jsonmirrorsHosts(),
		tableOwner: "main.mirrors",
		strings:    []shapeString{{"https://eu1.mirrors.jsonmirrors-fixture.org/pub/", scan.NetworkEndpoint, "main.mirrors"}},
		paths:      []shapePath{{scan.NetworkEndpoint, []string{"main.main", "main.mirrors"}}},
	},
	// A documentation-shaped URL the code posts to is an endpoint; a reserved
	// placeholder host the code makes requests with is not.
	"unixclient": {
		caps:    []scan.Capability{scan.NetworkConnect},
		hosts:   []string{"help.unixclient-fixture.net"},
		strings: []shapeString{{"https://help.unixclient-fixture.net/v1/upload", scan.NetworkEndpoint, "main.report"}},
		paths:   []shapePath{{scan.NetworkEndpoint, []string{"main.main", "main.report"}}},
	},
	// URLs that name permissions and grantees, loaded by code that makes
	// requests to other hosts: only the hosts requested are endpoints.
	"oauthscope": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"169.254.169.254", "auth.oauthscope-fixture.net", "receipt.oauthscope-fixture.net", "store.oauthscope-fixture.net"},
		strings: []shapeString{
			{"https://auth.oauthscope-fixture.net/oauth2/v2.0/token", scan.NetworkEndpoint, "main.token"},
			{"https://store.oauthscope-fixture.net/reports/", scan.NetworkEndpoint, "main.upload"},
			{"https://receipt.oauthscope-fixture.net/.default", scan.NetworkEndpoint, "main.receipt"},
		},
	},
	// Literals laid out so that naive cutting glues them.
	"gluedstrings": {
		caps:  []scan.Capability{scan.NetworkConnect},
		hosts: []string{"a.gluedstrings-fixture.net", "b.gluedstrings-fixture.net", "ping.gluedstrings-fixture.net"},
		strings: []shapeString{
			{"https://ping.gluedstrings-fixture.net/v1/ping", scan.NetworkEndpoint, "main.main"},
			{"https://a.gluedstrings-fixture.net/", scan.NetworkEndpoint, ""},
			{"https://b.gluedstrings-fixture.net/", scan.NetworkEndpoint, ""},
		},
		adjacent: [][]string{
			{"https://ping.gluedstrings-fixture.net/v1/ping", "%s: received %d bytes from the ping endpoint\n"},
			{"https://a.gluedstrings-fixture.net/", "https://b.gluedstrings-fixture.net/", "Mirror answered with a full payload"},
		},
	},
}

// TestShapes checks each rule shape's fixture on every binary: the exact
// capability set and hosts, the endpoint table, the exact strings with the
// functions that reference them, and call paths.
func TestShapes(t *testing.T) {
	var bins []testbuild.Binary
	for _, b := range testbuild.Fixtures(t) {
		if _, ok := shapeWants[b.Program]; ok {
			bins = append(bins, b)
		}
	}
	for name := range shapeWants {
		if !slices.ContainsFunc(bins, func(b testbuild.Binary) bool { return b.Program == name }) {
			t.Errorf("shape %s: no fixture binary built (testdata/fixtures/cmd/%s)", name, name)
		}
	}
	s, err := scan.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bins {
		t.Run(b.Name(), func(t *testing.T) {
			t.Parallel()
			if why := copyShapeGap(b); why != "" {
				t.Skip(why)
			}
			want := shapeWants[b.Program]
			data, err := os.ReadFile(b.Path)
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range want.adjacent {
				if !bytes.Contains(data, []byte(strings.Join(run, ""))) {
					t.Fatalf("layout precondition: %q do not lie back to back in this binary; the fixture no longer tests glued strings (see its doc comment)", run)
				}
			}
			a, err := s.ScanFile(t.Context(), b.Path)
			if err != nil {
				t.Fatalf("ScanFile: %v", err)
			}
			checkShape(t, a, want)
		})
	}
}

// shapeFinding is a finding as its JSON carries it.
type shapeFinding struct {
	Rule       string          `json:"rule"`
	Capability scan.Capability `json:"capability"`
	Host       string          `json:"host"`
	Hosts      []string        `json:"hosts"`
	Table      string          `json:"table"`
	Confidence scan.Confidence `json:"confidence"`
	Evidence   []struct {
		Kind         scan.EvidenceKind `json:"kind"`
		Value        string            `json:"value"`
		Path         []string          `json:"path"`
		ReferencedBy []string          `json:"referencedBy"`
	} `json:"evidence"`
}

func checkShape(t *testing.T, a *scan.Artifact, want shapeWant) {
	raw, err := json.Marshal(a.Findings)
	if err != nil {
		t.Fatal(err)
	}
	var fs []shapeFinding
	if err := json.Unmarshal(raw, &fs); err != nil {
		t.Fatal(err)
	}
	report := capabilityKey(a)

	// Capabilities, exactly.
	gotCaps, gotHosts := capabilitySets(a)
	for _, c := range want.caps {
		if !gotCaps[c] {
			t.Errorf("missing capability %s (reported %s)", c, report)
		}
	}
	for _, c := range sortedKeys(gotCaps) {
		if !slices.Contains(want.caps, c) {
			t.Errorf("capability %s reported, want none:\n%s", c, describe(a, func(f scan.Finding) bool { return f.Capability == c }))
		}
	}

	// Individual endpoint findings, exactly; table hosts only in the table.
	for _, h := range want.hosts {
		if gotHosts[h] == 0 {
			t.Errorf("missing %s finding for host %s (reported %s)", scan.NetworkEndpoint, h, report)
		}
	}
	for _, h := range sortedKeys(gotHosts) {
		switch {
		case h == "":
			// an endpoint table finding; checked below
		case slices.Contains(want.tableHosts, h):
			t.Errorf("host %s has a finding of its own; want it only in the endpoint table of %s", h, want.tableOwner)
		case !slices.Contains(want.hosts, h):
			t.Errorf("unexpected %s host %q (glued or not the program's):\n%s", scan.NetworkEndpoint, h,
				describe(a, func(f scan.Finding) bool { return f.Host == h }))
		}
	}
	for _, h := range want.referenced {
		for _, f := range fs {
			if f.Host == h && f.Confidence == scan.Unreferenced {
				t.Errorf("host %s: confidence %s, want the type data's strings referenced (its struct tag)", h, f.Confidence)
			}
		}
	}
	if len(want.tableHosts) > 0 {
		// The table finding is the one listing most of the table's hosts.
		var table *shapeFinding
		best := 0
		for i := range fs {
			n := 0
			for _, h := range fs[i].Hosts {
				if slices.Contains(want.tableHosts, h) {
					n++
				}
			}
			if fs[i].Capability == scan.NetworkEndpoint && n > best {
				table, best = &fs[i], n
			}
		}
		if table == nil {
			t.Errorf("no endpoint table finding (hosts listed, table naming %s) for the %d region hosts", want.tableOwner, len(want.tableHosts))
		} else {
			if !strings.Contains(table.Table, want.tableOwner) {
				t.Errorf("endpoint table (rule %s) is attributed to %q, want its owner %s (the package whose code reads the table)", table.Rule, table.Table, want.tableOwner)
			}
			for _, h := range want.tableHosts {
				if !slices.Contains(table.Hosts, h) {
					t.Errorf("endpoint table %s (rule %s): host %s not listed", table.Table, table.Rule, h)
				}
			}
			for _, h := range table.Hosts {
				if !slices.Contains(want.tableHosts, h) {
					t.Errorf("endpoint table %s (rule %s): host %s listed, not in the table's source", table.Table, table.Rule, h)
				}
			}
		}
	} else {
		for _, f := range fs {
			if len(f.Hosts) > 0 {
				t.Errorf("endpoint table %s (rule %s) reported with hosts %q; the program has no table", f.Table, f.Rule, f.Hosts)
			}
		}
	}

	// Exact strings, with the function that loads them; nothing glued onto one.
	for _, ws := range want.strings {
		found, exactElsewhere := false, false
		for _, f := range fs {
			for _, e := range f.Evidence {
				if e.Kind != scan.EvidenceString || e.Value != ws.value {
					continue
				}
				if f.Capability != ws.capability {
					exactElsewhere = true
					continue
				}
				if ws.by != "" && !slices.Contains(e.ReferencedBy, ws.by) {
					t.Errorf("string %q (%s evidence): referenced by %q, want %s among them", ws.value, ws.capability, e.ReferencedBy, ws.by)
				}
				found = true
			}
		}
		if !found {
			where := ""
			if exactElsewhere {
				where = " (it is evidence of another capability)"
			}
			t.Errorf("string %q: no %s finding has it exactly as evidence%s", ws.value, ws.capability, where)
		}
	}
	for _, f := range fs {
		for _, e := range f.Evidence {
			if e.Kind != scan.EvidenceString {
				continue
			}
			for _, ws := range want.strings {
				if strings.Contains(e.Value, ws.value) && e.Value != ws.value {
					t.Errorf("glued string: %s evidence %q contains the literal %q and more", f.Capability, e.Value, ws.value)
				}
			}
		}
	}

	// Call paths from an entry point.
	for _, wp := range want.paths {
		var seen []string
		ok := false
		for _, f := range fs {
			if f.Capability != wp.capability {
				continue
			}
			for _, e := range f.Evidence {
				if len(e.Path) > 0 {
					seen = append(seen, strings.Join(e.Path, " → "))
				}
				if len(e.Path) >= len(wp.prefix) && slices.Equal(e.Path[:len(wp.prefix)], wp.prefix) {
					ok = true
				}
			}
		}
		if !ok {
			t.Errorf("%s: no evidence with a call path starting %s; paths seen: %s",
				wp.capability, strings.Join(wp.prefix, " → "), fmt.Sprintf("%q", seen))
		}
	}
}
