package verify

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
)

var (
	batchDir = flag.String("batch-dir", "", "TestGenerateBatch writes a release directory of -batch-n attested artifacts here, and the public key as DIR.pub")
	batchN   = flag.Int("batch-n", 1000, "artifacts TestGenerateBatch writes")
)

// TestGenerateBatch writes a release directory for bench/verify-vs-cosign.sh; it does nothing
// unless -batch-dir is given.
func TestGenerateBatch(t *testing.T) {
	if *batchDir == "" {
		t.Skip("give -batch-dir DIR to write a batch of attestations")
	}
	if err := os.MkdirAll(*batchDir, 0o755); err != nil {
		t.Fatal(err)
	}
	pub := writeBatch(t, *batchDir, *batchN)
	b, err := os.ReadFile(pub)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Clean(*batchDir)+".pub", b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeBatch writes n small artifacts into dir, each with its own attestation beside it, and
// returns the trusting public key's path. Every predicate carries the analysis of the
// phonehome fixture (three findings, all disclosed), so each is as large as a real one.
func writeBatch(tb testing.TB, dir string, n int) string {
	tb.Helper()
	ctx := context.Background()
	priv, pub := testKey(tb, tb.TempDir(), "batch")
	signer, err := signing.LoadSigner(ctx, priv, signing.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	sc, err := scan.New()
	if err != nil {
		tb.Fatal(err)
	}
	real, err := sc.ScanFile(ctx, fixture(tb, "phonehome"))
	if err != nil {
		tb.Fatal(err)
	}
	d, err := attest.ParseDisclosure("disclosure.yaml", []byte(phonehomeDisclosure))
	if err != nil {
		tb.Fatal(err)
	}
	data := make([]byte, 4096)
	for i := range n {
		rand.Read(data)
		name := fmt.Sprintf("app-%04d", i)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			tb.Fatal(err)
		}
		sha, err := fileSHA256(path)
		if err != nil {
			tb.Fatal(err)
		}
		a := *real
		a.Path, a.SHA256, a.Size = path, sha, int64(len(data))
		pred, _, err := attest.BuildPredicate(d, &scan.Report{Analyzer: sc.Analyzer(), Artifacts: []scan.Artifact{a}}, scannedAt)
		if err != nil {
			tb.Fatal(err)
		}
		st, err := attest.Statement(pred)
		if err != nil {
			tb.Fatal(err)
		}
		env, err := signing.SignEnvelope(ctx, predicate.PayloadType, st, signer)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := signing.MarshalEnvelope(env, signing.FormatJSON)
		if err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path+SuffixJSON, b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return pub
}

// BenchmarkVerify verifies one real attestation in process, without re-scan: every step from
// parse to policy, the artifact's digest known (as with --digest, or after hashing). It
// reports the median of the iterations as median-ns.
func BenchmarkVerify(b *testing.B) {
	dir := b.TempDir()
	bin := copyFile(b, fixture(b, "phonehome"), dir, "phonehome")
	priv, pub := testKey(b, dir, "vendor")
	env := attestFile(b, phonehomeDisclosure, bin+SuffixJSON, false, []string{priv}, bin)
	pol := mustPolicy(b, "apiVersion: candor.dev/policy/v1\nmaxAge: 30d\nendpoints: {allow: [\"*.phonehome-fixture.net\"]}\n")
	v := verifierFor(b, []string{pub}, WithPolicy(pol))
	t := targetOf(b, bin)
	t.Path = ""
	ctx := context.Background()
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		vd := v.Verify(ctx, "phonehome.intoto.json", env, t)
		times = append(times, time.Since(start))
		if !vd.Passed {
			b.Fatal(vd.Err)
		}
	}
	reportMedian(b, times)
}

// BenchmarkVerifyHashing is BenchmarkVerify plus hashing the 9.8 MB artifact.
func BenchmarkVerifyHashing(b *testing.B) {
	dir := b.TempDir()
	bin := copyFile(b, fixture(b, "phonehome"), dir, "phonehome")
	priv, pub := testKey(b, dir, "vendor")
	env := attestFile(b, phonehomeDisclosure, bin+SuffixJSON, false, []string{priv}, bin)
	v := verifierFor(b, []string{pub})
	ctx := context.Background()
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		vd := v.Verify(ctx, "phonehome.intoto.json", env, Target{Name: "phonehome", SHA256: mustSHA(b, bin)})
		times = append(times, time.Since(start))
		if !vd.Passed {
			b.Fatal(vd.Err)
		}
	}
	reportMedian(b, times)
}

// BenchmarkRunBatch1000 verifies a release directory of 1,000 attested artifacts with one
// Run, as candor verify DIR does.
func BenchmarkRunBatch1000(b *testing.B) {
	dir := b.TempDir()
	pub := writeBatch(b, dir, 1000)
	ctx := context.Background()
	var times []time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
		times = append(times, time.Since(start))
		if err != nil || len(res.Verdicts) != 1000 {
			b.Fatal(err)
		}
	}
	reportMedian(b, times)
}

func mustSHA(tb testing.TB, p string) string {
	s, err := fileSHA256(p)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func reportMedian(b *testing.B, times []time.Duration) {
	if len(times) == 0 {
		return
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "median-ns")
}
