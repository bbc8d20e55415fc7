package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/schemas"
	"github.com/candor-dev/candor/signing"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/signature"
	sigdsse "github.com/sigstore/sigstore/pkg/signature/dsse"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedNow = func() time.Time { return time.Date(2026, 11, 25, 10, 30, 0, 0, time.UTC) }

// genKey writes a cosign-format encrypted key pair with password "pw" and returns the paths.
func genKey(t *testing.T, alg signing.Algorithm) (priv, pub string) {
	t.Helper()
	dir := t.TempDir()
	priv, pub = filepath.Join(dir, "k.key"), filepath.Join(dir, "k.pub")
	if _, err := signing.Generate(signing.KeygenOptions{PrivatePath: priv, PublicPath: pub, Algorithm: alg, Password: signing.StaticPassword([]byte("pw"))}); err != nil {
		t.Fatal(err)
	}
	return priv, pub
}

var pwOpts = signing.Options{Password: signing.StaticPassword([]byte("pw"))}

// sigstoreVerifier builds a go-securesystemslib DSSE verifier through sigstore's adapter, as a
// third party would, hashing as cosign does for the key type.
func sigstoreVerifier(t *testing.T, pubPath string) ssldsse.Verifier {
	t.Helper()
	pub, err := signing.LoadPublicKey(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	h := crypto.SHA256
	if k, ok := pub.(*ecdsa.PublicKey); ok && k.Curve == elliptic.P384() {
		h = crypto.SHA384
	}
	v, err := signature.LoadVerifier(pub, h)
	if err != nil {
		t.Fatal(err)
	}
	return &sigdsse.VerifierAdapter{SignatureVerifier: v, Pub: pub}
}

func readEnvelope(t *testing.T, path string) *ssldsse.Envelope {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	env := new(ssldsse.Envelope)
	if err := json.Unmarshal(b, env); err != nil {
		t.Fatal(err)
	}
	return env
}

func TestRunSignsVerifiableAttestation(t *testing.T) {
	t.Parallel()
	k1, p1 := genKey(t, signing.ECDSAP256)
	k2, p2 := genKey(t, signing.Ed25519)
	out := filepath.Join(t.TempDir(), "acme.intoto.json")
	res, err := Run(context.Background(), Options{
		DisclosurePath: filepath.Join("testdata", "disclosure.yaml"),
		Report:         testReport(),
		Keys:           []string{k1, k2},
		KeyOptions:     pwOpts,
		Output:         out,
		Now:            fixedNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != out || len(res.Uncovered) != 0 {
		t.Fatalf("written %q, uncovered %v", res.Written, res.Uncovered)
	}
	env := readEnvelope(t, out)
	if env.PayloadType != predicate.PayloadType || len(env.Signatures) != 2 {
		t.Fatalf("payload type %q, %d signatures", env.PayloadType, len(env.Signatures))
	}
	ctx := context.Background()
	// Both signatures verify, each with its own key, with go-securesystemslib's verifier.
	ev, err := ssldsse.NewMultiEnvelopeVerifier(2, sigstoreVerifier(t, p1), sigstoreVerifier(t, p2))
	if err != nil {
		t.Fatal(err)
	}
	accepted, payload, err := ev.VerifyAndDecode(ctx, env)
	if err != nil || len(accepted) != 2 {
		t.Fatalf("verify: %v (%d keys accepted)", err, len(accepted))
	}
	// A verifier for another key accepts nothing.
	_, p3 := genKey(t, signing.ECDSAP256)
	other := must(ssldsse.NewEnvelopeVerifier(sigstoreVerifier(t, p3)))
	if _, err := other.Verify(ctx, env); err == nil {
		t.Error("an unrelated key verified the envelope")
	}

	var st struct {
		Type          string          `json:"_type"`
		PredicateType string          `json:"predicateType"`
		Subject       []subject       `json:"subject"`
		Predicate     json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(payload, &st); err != nil {
		t.Fatal(err)
	}
	if st.Type != "https://in-toto.io/Statement/v1" || st.PredicateType != predicate.PredicateType {
		t.Errorf("statement type %q, predicate type %q", st.Type, st.PredicateType)
	}
	want := []subject{
		{Name: "acme-agent", Digest: map[string]string{"sha256": strings.Repeat("a1", 32)}},
		{Name: "acme-agent.exe", Digest: map[string]string{"sha256": strings.Repeat("b2", 32)}},
	}
	if got := must(json.Marshal(st.Subject)); !bytes.Equal(got, must(json.Marshal(want))) {
		t.Errorf("subjects %s", got)
	}
	if err := schemas.ValidatePredicateJSON(st.Predicate); err != nil {
		t.Fatalf("predicate does not validate: %v", err)
	}
	checkGolden(t, filepath.Join("testdata", "predicate.golden.json"), st.Predicate)
}

type subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// checkGolden compares a predicate, volatile fields scrubbed and keys sorted, with a golden file.
func checkGolden(t *testing.T, path string, predicate []byte) {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(predicate, &m); err != nil {
		t.Fatal(err)
	}
	m["scannedAt"] = "SCRUBBED"
	if a, ok := m["analysis"].(map[string]any)["analyzer"].(map[string]any); ok {
		a["version"] = "SCRUBBED"
	}
	got := append(must(json.MarshalIndent(m, "", "  ")), '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("predicate differs from %s (go test ./attest -run %s -update to accept):\n%s", path, t.Name(), got)
	}
}

func TestRunUndisclosed(t *testing.T) {
	t.Parallel()
	k, _ := genKey(t, signing.ECDSAP256)
	dir := t.TempDir()
	out := filepath.Join(dir, "a.intoto.jsonl")
	rep := withFinding(testReport(), endpoint("collector.evil.example"))
	opts := Options{
		DisclosurePath: filepath.Join("testdata", "disclosure.yaml"),
		Report:         rep, Keys: []string{k}, KeyOptions: pwOpts, Output: out, Now: fixedNow,
	}
	res, err := Run(context.Background(), opts)
	if !errors.Is(err, ErrUndisclosed) {
		t.Fatalf("got %v, want ErrUndisclosed", err)
	}
	if len(res.Uncovered) != 1 || res.Uncovered[0].Finding.Host != "collector.evil.example" || res.Uncovered[0].Artifact != "acme-agent" {
		t.Fatalf("uncovered: %+v", res.Uncovered)
	}
	if !strings.Contains(res.Uncovered[0].Disclose, "host: collector.evil.example") {
		t.Errorf("suggestion:\n%s", res.Uncovered[0].Disclose)
	}
	assertEmptyDir(t, dir)

	opts.AllowUndisclosed = true
	res, err = Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	v := res.Predicate.Verdict
	if v.NoUndisclosedExfiltration.Holds || v.NoUndisclosedExfiltration.Undisclosed != 1 || !v.NoUndisclosedRemoteControl.Holds || !v.NoForcedUpgrade.Holds {
		t.Errorf("verdict %+v", v)
	}
	b := must(os.ReadFile(out))
	if bytes.Count(b, []byte("\n")) != 1 || !bytes.HasSuffix(b, []byte("}\n")) {
		t.Errorf("jsonl output is not one line: %q", b)
	}
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	if entries := must(os.ReadDir(dir)); len(entries) != 0 {
		t.Errorf("left %d file(s) in %s", len(entries), dir)
	}
}

type failingScanner struct{}

func (failingScanner) Run(context.Context, []string) (*scan.Report, error) {
	return nil, scan.ErrInput
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	k, _ := genKey(t, signing.ECDSAP256)
	disc := filepath.Join("testdata", "disclosure.yaml")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte(validHead+"endpionts: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		opts Options
		want error
	}{
		{"no key", Options{DisclosurePath: disc, Report: testReport()}, ErrOptions},
		{"no disclosure", Options{Report: testReport(), Keys: []string{k}}, ErrOptions},
		{"both artifacts and report", Options{DisclosurePath: disc, Report: testReport(), Artifacts: []string{"x"}, Keys: []string{k}}, ErrOptions},
		{"bad format", Options{DisclosurePath: disc, Report: testReport(), Keys: []string{k}, Format: "yaml"}, ErrOptions},
		{"invalid disclosure", Options{DisclosurePath: bad, Report: testReport(), Keys: []string{k}, KeyOptions: pwOpts}, ErrDisclosure},
		{"wrong password", Options{DisclosurePath: disc, Report: testReport(), Keys: []string{k}, KeyOptions: signing.Options{Password: signing.StaticPassword([]byte("no"))}}, ErrKey},
		{"same key twice", Options{DisclosurePath: disc, Report: testReport(), Keys: []string{k, k}, KeyOptions: pwOpts}, ErrKey},
		{"KMS plugin scheme", Options{DisclosurePath: disc, Report: testReport(), Keys: []string{"evil://x"}}, ErrKey},
		{"unreadable artifact", Options{DisclosurePath: disc, Artifacts: []string{"/nonexistent"}, Scanner: failingScanner{}, Keys: []string{k}, KeyOptions: pwOpts}, ErrArtifact},
		{"sha512 missing", Options{DisclosurePath: disc, Report: testReport(), SHA512: true, Keys: []string{k}, KeyOptions: pwOpts}, ErrOptions},
		{"output directory missing", Options{DisclosurePath: disc, Report: testReport(), Keys: []string{k}, KeyOptions: pwOpts, Output: "/nonexistent/dir/a.intoto.json"}, ErrOutput},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			if tt.opts.Output == "" {
				tt.opts.Output = filepath.Join(dir, "out.intoto.json")
			}
			_, err := Run(context.Background(), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			assertEmptyDir(t, dir)
		})
	}
	// The scanner's own sentinel survives the wrapping.
	_, err := Run(context.Background(), Options{DisclosurePath: disc, Artifacts: []string{"x"}, Scanner: failingScanner{}, Keys: []string{k}, KeyOptions: pwOpts, Stdout: &bytes.Buffer{}})
	if !errors.Is(err, scan.ErrInput) {
		t.Errorf("scan.ErrInput lost: %v", err)
	}
}

func TestVerdictOnSubstance(t *testing.T) {
	t.Parallel()
	d := loadTestDisclosure(t)
	no := false
	d.Updates = &predicate.Updates{Mechanism: predicate.UpdateAutomatic, Endpoints: []string{"updates.acme.example"}, UserCanDisable: &no, Signed: &no}
	p, uncovered, err := BuildPredicate(d, testReport(), fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	v := p.Verdict
	if len(uncovered) != 0 || v.NoForcedUpgrade.Holds || v.NoForcedUpgrade.Undisclosed != 0 || len(v.NoForcedUpgrade.Reasons) != 1 {
		t.Errorf("forced, disclosed automatic update: %+v", v.NoForcedUpgrade)
	}
	if !v.NoUndisclosedRemoteControl.Holds || !v.NoUndisclosedExfiltration.Holds {
		t.Errorf("other commitments: %+v", v)
	}
	yes := true
	d.Updates.UserCanDisable = &yes
	p, _, err = BuildPredicate(d, testReport(), fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Verdict.NoForcedUpgrade.Holds {
		t.Errorf("automatic update the user can turn off: %+v", p.Verdict.NoForcedUpgrade)
	}

	// An obfuscated artifact fails all three commitments, even when accepted.
	obf := capability(scan.AnalysisObscured, scan.Evidence{Kind: scan.EvidenceFormat, Value: "UPX0", Where: "section headers"})
	obf.Summary = "packed with UPX"
	d.Accepted = append(d.Accepted, predicate.Accepted{Capability: scan.AnalysisObscured, Value: "UPX0", Reason: "packed to save space"})
	p, uncovered, err = BuildPredicate(d, withFinding(testReport(), obf), fixedNow())
	if err != nil || len(uncovered) != 0 {
		t.Fatalf("%v, uncovered %v", err, uncovered)
	}
	for name, c := range map[string]predicate.CommitmentVerdict{"remote": p.Verdict.NoUndisclosedRemoteControl, "exfil": p.Verdict.NoUndisclosedExfiltration, "forced": p.Verdict.NoForcedUpgrade} {
		if c.Holds || c.Undisclosed != 0 || len(c.Reasons) == 0 {
			t.Errorf("%s with an accepted obfuscation finding: %+v", name, c)
		}
	}
	if p.Verdict.Holds() {
		t.Error("Verdict.Holds")
	}
}

func TestStatementDigests(t *testing.T) {
	t.Parallel()
	rep := testReport()
	rep.Artifacts[0].SHA512 = strings.Repeat("c3", 64)
	rep.Artifacts[1].Path = "other/acme-agent" // same file name as the first: paths name them
	p, _, err := BuildPredicate(loadTestDisclosure(t), rep, fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Statement(p)
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Subject []subject }
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if st.Subject[0].Name != "dist/linux-amd64/acme-agent" || st.Subject[1].Name != "other/acme-agent" {
		t.Errorf("subject names %+v", st.Subject)
	}
	if st.Subject[0].Digest["sha512"] != strings.Repeat("c3", 64) || len(st.Subject[1].Digest) != 1 {
		t.Errorf("digests %+v", st.Subject)
	}
	again := must(Statement(p))
	if !bytes.Equal(b, again) {
		t.Error("the same predicate gave two different statements")
	}
}

func TestRunStdout(t *testing.T) {
	t.Parallel()
	k, _ := genKey(t, signing.ECDSAP384)
	var buf bytes.Buffer
	_, err := Run(context.Background(), Options{
		DisclosurePath: filepath.Join("testdata", "disclosure.yaml"),
		Report:         testReport(), Keys: []string{k}, KeyOptions: pwOpts, Stdout: &buf, Now: fixedNow,
	})
	if err != nil {
		t.Fatal(err)
	}
	env := new(ssldsse.Envelope)
	if err := json.Unmarshal(buf.Bytes(), env); err != nil || len(env.Signatures) != 1 {
		t.Fatalf("stdout: %v %q", err, buf.String())
	}
}

func TestRunWithDisclosureValue(t *testing.T) {
	t.Parallel()
	k, _ := genKey(t, signing.ECDSAP256)
	d := loadTestDisclosure(t)
	d.Endpoints[0].Host = "*.ACME.example" // not normalised: Run normalises a copy
	var buf bytes.Buffer
	res, err := Run(context.Background(), Options{Disclosure: d, Report: testReport(), Keys: []string{k}, KeyOptions: pwOpts, Stdout: &buf, Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Predicate.Disclosure.Endpoints[0].Host; got != "*.acme.example" {
		t.Errorf("host %q", got)
	}
	if d.Endpoints[0].Host != "*.ACME.example" {
		t.Error("Run changed the caller's disclosure")
	}
	d.Endpoints[0].Host = "a.*.b"
	if _, err := Run(context.Background(), Options{Disclosure: d, Report: testReport(), Keys: []string{k}, KeyOptions: pwOpts, Stdout: &buf}); !errors.Is(err, ErrDisclosure) {
		t.Errorf("bad host in a Go-built disclosure: %v", err)
	}
}

// TestArchiveMembers: findings inside the members of an archive are matched and counted; the
// archive stays the subject.
func TestArchiveMembers(t *testing.T) {
	t.Parallel()
	rep := testReport()
	member := rep.Artifacts[0]
	member.Path = "bin/acme-agent"
	member.SHA256 = ""
	member.Layer = "sha256:" + strings.Repeat("d4", 32)
	member.Findings = append(member.Findings, endpoint("collector.evil.example"))
	rep.Artifacts = []scan.Artifact{{
		Path: "acme-agent.tar.gz", Size: 1234, SHA256: strings.Repeat("e5", 32), Format: "tar.gz",
		Findings: []scan.Finding{}, Members: []scan.Artifact{member},
	}}
	p, uncovered, err := BuildPredicate(loadTestDisclosure(t), rep, fixedNow())
	if err != nil {
		t.Fatal(err)
	}
	if len(uncovered) != 1 || uncovered[0].Artifact != "acme-agent.tar.gz!/bin/acme-agent" {
		t.Fatalf("uncovered %+v", uncovered)
	}
	v := p.Verdict.NoUndisclosedExfiltration
	if v.Holds || v.Undisclosed != 1 || v.Findings != 5 {
		t.Errorf("exfiltration verdict %+v", v)
	}
	a := p.Analysis.Artifacts[0]
	if len(a.Members) != 1 || a.Members[0].Name != "bin/acme-agent" || a.Members[0].Digest != nil || a.Members[0].Layer == "" {
		t.Errorf("members %+v", a.Members)
	}
	b, err := Statement(p)
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ Subject []subject }
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Subject) != 1 || st.Subject[0].Name != "acme-agent.tar.gz" {
		t.Errorf("subjects %+v", st.Subject)
	}
}
