package verify

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
)

// release lays out a release directory: phonehome and quiet, each with its attestation
// beside it, and a README no attestation names.
func release(t *testing.T) (dir, priv, pub string) {
	t.Helper()
	dir = t.TempDir()
	kd := t.TempDir()
	priv, pub = testKey(t, kd, "vendor")
	for _, p := range []string{"phonehome", "quiet"} {
		bin := copyFile(t, fixture(t, p), dir, p)
		attestFile(t, phonehomeDisclosure, bin+SuffixJSON, false, []string{priv}, bin)
	}
	must(t, os.WriteFile(filepath.Join(dir, "README.md"), []byte("release notes\n"), 0o644))
	return dir, priv, pub
}

func TestRunBesideAndDirectory(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	ctx := context.Background()

	// Artifacts named one by one: their attestations are beside them.
	res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{filepath.Join(dir, "phonehome"), filepath.Join(dir, "quiet")}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 {
		t.Fatalf("beside: %v, %+v", err, res)
	}
	// The release directory: each attestation's subjects are its files.
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 {
		t.Fatalf("directory: %v, %+v", err, res)
	}
	if len(res.Notes) != 1 || !strings.Contains(res.Notes[0], "README.md") {
		t.Errorf("notes %q do not name the unattested README", res.Notes)
	}
	// An artifact replaced in the directory fails by its subject digest.
	must(t, os.WriteFile(filepath.Join(dir, "quiet"), []byte("not the attested bits"), 0o755))
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	var fe *FailedError
	if !errors.As(err, &fe) || !errors.Is(err, ErrSubject) || res.Passed || len(fe.Failed) != 1 || fe.Total != 2 {
		t.Fatalf("tampered release: %v", err)
	}
	if !strings.Contains(fe.Failed[0].Artifact, "quiet") {
		t.Errorf("failed verdict is about %q", fe.Failed[0].Artifact)
	}
	// A missing file named by a subject fails too.
	must(t, os.Remove(filepath.Join(dir, "quiet")))
	if _, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow}); !errors.Is(err, ErrSubject) {
		t.Errorf("missing artifact: %v", err)
	}
}

func TestRunExplicitAttestationsAndDigests(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	ctx := context.Background()
	// One JSON lines bundle with both envelopes, elsewhere.
	var bundle bytes.Buffer
	for _, p := range []string{"phonehome", "quiet"} {
		var env map[string]any
		must(t, stdjson.Unmarshal(readFile(t, filepath.Join(dir, p+SuffixJSON)), &env))
		line, err := stdjson.Marshal(env)
		must(t, err)
		bundle.Write(append(line, '\n'))
	}
	bdir := t.TempDir()
	bpath := filepath.Join(bdir, "release"+SuffixJSONL)
	must(t, os.WriteFile(bpath, bundle.Bytes(), 0o644))

	sha, err := fileSHA256(filepath.Join(dir, "quiet"))
	must(t, err)
	res, err := runWith(ctx, runOptions{Keys: []string{pub}, Attestations: []string{bpath}, Artifacts: []string{filepath.Join(dir, "phonehome")}, Digests: []string{"sha256:" + sha}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 {
		t.Fatalf("bundle: %v %+v", err, res)
	}
	if res.Verdicts[0].Attestation != bpath+"#1" || res.Verdicts[1].Attestation != bpath+"#2" {
		t.Errorf("attestations %q, %q", res.Verdicts[0].Attestation, res.Verdicts[1].Attestation)
	}
	// A directory of attestations; an artifact none names fails, a bad digest is a usage error.
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Attestations: []string{bdir}, Artifacts: []string{filepath.Join(dir, "README.md")}, Now: testNow})
	if !errors.Is(err, ErrSubject) || len(res.Notes) != 2 {
		t.Errorf("unattested artifact: %v, notes %q", err, res.Notes)
	}
	if _, err := runWith(ctx, runOptions{Keys: []string{pub}, Attestations: []string{bpath}, Digests: []string{"sha256:abc"}}); !errors.Is(err, ErrOptions) {
		t.Errorf("bad digest: %v", err)
	}
	// A bundle with a forged line fails that line only, and the run.
	forged := bytes.Replace(bundle.Bytes(), []byte(`"sig":"`), []byte(`"sig":"AAAA`), 1)
	must(t, os.WriteFile(bpath, forged, 0o644))
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Attestations: []string{bpath}, Artifacts: []string{filepath.Join(dir, "phonehome"), filepath.Join(dir, "quiet")}, Now: testNow})
	if !errors.Is(err, ErrSignature) || res.Passed {
		t.Errorf("forged line: %v", err)
	}
}

func TestRunInputErrors(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	ctx := context.Background()
	bin := filepath.Join(dir, "phonehome")
	for name, tt := range map[string]struct {
		opts runOptions
		want error
	}{
		"no key":                             {runOptions{Artifacts: []string{bin}}, ErrOptions},
		"no artifact":                        {runOptions{Keys: []string{pub}}, ErrOptions},
		"missing artifact":                   {runOptions{Keys: []string{pub}, Artifacts: []string{bin + ".gone"}}, ErrInput},
		"missing key":                        {runOptions{Keys: []string{pub + ".gone"}, Artifacts: []string{bin}}, ErrKey},
		"private key as key":                 {runOptions{Keys: []string{bin}, Artifacts: []string{bin}}, ErrKey},
		"missing policy":                     {runOptions{Keys: []string{pub}, Artifacts: []string{bin}, PolicyPath: bin + ".yaml"}, ErrPolicyFile},
		"digest without file":                {runOptions{Keys: []string{pub}, Digests: []string{"sha256:" + strings.Repeat("0", 64)}}, ErrOptions},
		"empty attestations":                 {runOptions{Keys: []string{pub}, Artifacts: []string{bin}, Attestations: []string{t.TempDir()}}, ErrInput},
		"summary without key":                {runOptions{Keys: []string{pub}, Artifacts: []string{bin}, Summary: &summaryOptions{Path: "x"}}, ErrOptions},
		"several summaries in one JSON file": {runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Summary: &summaryOptions{Path: "x.json", Key: pub}}, ErrOptions},
	} {
		if _, err := runWith(ctx, tt.opts); !errors.Is(err, tt.want) || errors.Is(err, ErrVerification) {
			t.Errorf("%s: got %v, want %v", name, err, tt.want)
		}
	}
	// No attestation beside an artifact, or an attestation file that is not there: the same
	// input error, and no verdict.
	lone := copyFile(t, filepath.Join(dir, "quiet"), t.TempDir(), "lone")
	for name, o := range map[string]runOptions{
		"none beside":             {Keys: []string{pub}, Artifacts: []string{lone}},
		"missing attestation":     {Keys: []string{pub}, Artifacts: []string{lone}, Attestations: []string{lone + SuffixJSON}},
		"empty release directory": {Keys: []string{pub}, Artifacts: []string{filepath.Dir(lone)}},
	} {
		res, err := runWith(ctx, o)
		if !errors.Is(err, ErrNoAttestation) || !errors.Is(err, ErrInput) || errors.Is(err, ErrVerification) || res != nil {
			t.Errorf("%s: %v, %+v; want ErrNoAttestation and no result", name, err, res)
		}
	}
}

// TestSummary: the verification summary is a signed in-toto statement that candor's own
// envelope reader and a DSSE verifier accept, PASSED or FAILED as the verdicts were.
func TestSummary(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	kd := t.TempDir()
	vsaPriv, vsaPub := testKey(t, kd, "buyer")
	pol := filepath.Join(kd, "policy.yaml")
	must(t, os.WriteFile(pol, []byte("apiVersion: candor.dev/policy/v1\nmaxAge: 30d\n"), 0o644))
	ctx := context.Background()
	sc, err := scan.New()
	must(t, err)
	out := filepath.Join(kd, "vsa"+SuffixJSON)
	bin := filepath.Join(dir, "phonehome")
	res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{bin}, PolicyPath: pol, Rescan: true, Scanner: sc,
		Summary: &summaryOptions{Path: out, Key: vsaPriv}, Now: testNow})
	if err != nil || len(res.Summaries) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	ks, err := LoadKeys(ctx, []string{vsaPub}, signing.Options{})
	must(t, err)
	signed, _, reasons := checkSignatures(ctx, env, mustDistinct(t, ks), 1, new(atomic.Int64))
	if len(signed) != 1 || reasons != nil {
		t.Fatalf("summary signature: %v", reasons)
	}
	var st struct {
		Type          string              `json:"_type"`
		PredicateType string              `json:"predicateType"`
		Subject       []Subject           `json:"subject"`
		Predicate     VerificationSummary `json:"predicate"`
	}
	if err := stdjson.Unmarshal(env.Payload, &st); err != nil {
		t.Fatal(err)
	}
	sha, err := fileSHA256(bin)
	must(t, err)
	p := st.Predicate
	if st.Type != StatementType || st.PredicateType != SummaryPredicateType || st.Subject[0].Digest["sha256"] != sha {
		t.Errorf("statement %+v", st)
	}
	if p.VerificationResult != "PASSED" || p.Verifier.ID != VerifierID || len(p.InputAttestations) != 1 ||
		p.Policy.Digest["sha256"] == "" || !strings.HasPrefix(p.Policy.URI, "file://") || !strings.HasPrefix(p.ResourceURI, "file://") ||
		strings.Join(p.VerifiedLevels, ",") != LevelDisclosure+","+LevelRescanned || !p.TimeVerified.Equal(testNow()) {
		t.Errorf("summary %+v", p)
	}
	envSHA, err := fileSHA256(bin + SuffixJSON)
	must(t, err)
	if p.InputAttestations[0].Digest["sha256"] != envSHA {
		t.Errorf("input attestation digest %v, want %s", p.InputAttestations[0].Digest, envSHA)
	}

	// A failing verification still gets its summary, FAILED; several artifacts need JSON lines.
	must(t, os.WriteFile(filepath.Join(dir, "quiet"), []byte("tampered"), 0o755))
	outl := filepath.Join(kd, "vsa"+SuffixJSONL)
	_, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Summary: &summaryOptions{Path: outl, Key: vsaPriv}, Now: testNow})
	if !errors.Is(err, ErrSubject) {
		t.Fatalf("tampered: %v", err)
	}
	envs, _, err := SplitBundle(readFile(t, outl))
	if err != nil || len(envs) != 2 {
		t.Fatalf("%d summaries, %v", len(envs), err)
	}
	results := ""
	for _, e := range envs {
		pe, err := ParseEnvelope(e)
		must(t, err)
		var s struct {
			Predicate VerificationSummary `json:"predicate"`
		}
		must(t, stdjson.Unmarshal(pe.Payload, &s))
		results += s.Predicate.VerificationResult + "," + strings.Join(s.Predicate.VerifiedLevels, "+") + " "
	}
	if results != "PASSED,"+LevelDisclosure+" FAILED,FAILED " {
		t.Errorf("results %q", results)
	}
}

func mustDistinct(t *testing.T, ks []Key) []*trustedKey {
	t.Helper()
	d, err := distinctKeys(ks, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
