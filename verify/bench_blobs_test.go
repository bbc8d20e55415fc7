package verify

import (
	"context"
	stdjson "encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// imageBlobs is what candor verify --pull gets for an image that attest --push --legacy-att
// attested: one attestation as a referrer bundle and as a legacy .att envelope, of an
// image (known by its manifest digest) whose analysis is large, as a real one's is: the
// phonehome fixture's findings plus hosts endpoints, each disclosed by its own entry, and
// an endpoint table of tableHosts hosts disclosed by a wildcard.
func imageBlobs(tb testing.TB, hosts, tableHosts int) (v *Verifier, target Target, blobs []Blob) {
	tb.Helper()
	ctx := context.Background()
	priv, pub := testKey(tb, tb.TempDir(), "vendor")
	signer, err := signing.LoadSigner(ctx, priv, signing.Options{})
	must(tb, err)
	sc, err := scan.New()
	must(tb, err)
	art, err := sc.ScanFile(ctx, fixture(tb, "phonehome"))
	must(tb, err)
	var endpoint *scan.Finding
	for i := range art.Findings {
		if art.Findings[i].Capability == scan.NetworkEndpoint && art.Findings[i].Host != "" {
			endpoint = &art.Findings[i]
		}
	}
	if endpoint == nil {
		tb.Fatal("the phonehome fixture has no endpoint finding")
	}
	var disc strings.Builder
	disc.WriteString(phonehomeDisclosure)
	disc.WriteString("  - {host: \"*.table.example.net\", purpose: regional API, data: [requests], consent: opt-in}\n")
	table := *endpoint
	table.Rule, table.Host, table.Table = "endpoint.table", "", "example.net/sdk/endpoints.init"
	for i := range tableHosts {
		table.Hosts = append(table.Hosts, fmt.Sprintf("api-%04d.eu-%d.table.example.net", i, i%7))
	}
	findings := append([]scan.Finding(nil), art.Findings...)
	findings = append(findings, table)
	for i := range hosts {
		f := *endpoint
		f.Host = fmt.Sprintf("svc-%04d.example.org", i)
		f.Summary = "hard-coded host " + f.Host
		findings = append(findings, f)
		fmt.Fprintf(&disc, "  - {host: %s, purpose: service %d, data: [requests], consent: opt-in}\n", f.Host, i)
	}
	a := *art
	a.Findings = findings
	a.Path, a.SHA256 = "app", strings.Repeat("5e", 32)
	d, err := attest.ParseDisclosure("disclosure.yaml", []byte(disc.String()))
	must(tb, err)
	pred, uncovered, err := attest.BuildPredicate(d, &scan.Report{Analyzer: sc.Analyzer(), Artifacts: []scan.Artifact{a}}, scannedAt)
	must(tb, err)
	if len(uncovered) > 0 {
		tb.Fatalf("%d finding(s) uncovered", len(uncovered))
	}
	st, err := attest.Statement(pred)
	must(tb, err)
	env, err := signing.SignEnvelope(ctx, predicate.PayloadType, st, signer)
	must(tb, err)
	envelope, err := signing.MarshalEnvelope(env, signing.FormatJSON)
	must(tb, err)
	var wire dsse.Envelope
	must(tb, stdjson.Unmarshal(envelope, &wire))
	bundle, err := sigbundle.FromEnvelope(ctx, &wire, signer.Public())
	must(tb, err)
	blobs = []Blob{
		{Name: "registry.example/app@sha256:" + strings.Repeat("1", 64) + " (referrers-tag)", Data: bundle},
		{Name: "registry.example/app@sha256:" + strings.Repeat("2", 64) + " layer sha256:" + strings.Repeat("3", 64) + " (legacy-att)", Data: envelope},
	}
	return verifierFor(tb, []string{pub}), Target{Name: "registry.example/app@sha256:" + a.SHA256, SHA256: a.SHA256}, blobs
}

// BenchmarkRunImageBlobs verifies the attestations of an image as candor verify --pull
// does once it has found them: a referrer bundle and a legacy .att envelope of the same
// attestation, its envelope about 390 KB, 400 hosts disclosed one by one and an endpoint
// table of 800 hosts. It reports the payload's size and the median of the iterations.
func BenchmarkRunImageBlobs(b *testing.B) {
	v, target, blobs := imageBlobs(b, 400, 800)
	ctx := context.Background()
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := Run(ctx, v, Inputs{Targets: []Target{target}, Blobs: blobs})
		times = append(times, time.Since(start))
		if err != nil || !res.Passed || len(res.Verdicts) != 1 {
			b.Fatalf("%v, %+v", err, res)
		}
	}
	reportMedian(b, times)
	b.ReportMetric(float64(len(blobs[1].Data)), "envelope-bytes")
}

// TestImageBlobs checks the benchmark's inputs: one passing verdict, the bundle noted.
func TestImageBlobs(t *testing.T) {
	v, target, blobs := imageBlobs(t, 20, 30)
	res, err := Run(context.Background(), v, Inputs{Targets: []Target{target}, Blobs: blobs})
	if err != nil || len(res.Verdicts) != 1 || res.Verdicts[0].Attestation != blobs[1].Name || len(res.Verdicts[0].Notes) != 1 {
		t.Fatalf("%v, %+v", err, res)
	}
	if n := res.Verdicts[0].Findings[1].Disclosed; n < 22 {
		t.Errorf("%d exfiltration finding(s) disclosed; want the 20 hosts, the table and the fixture's", n)
	}
}
