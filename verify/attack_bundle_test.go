package verify

import (
	"bytes"
	"context"
	stdjson "encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
)

// bundleOf signs payload with the key at priv and wraps the envelope in a key-signed
// Sigstore bundle v0.3, as candor attest --bundle writes it.
func bundleOf(t *testing.T, payload []byte, priv string) []byte {
	t.Helper()
	ctx := context.Background()
	s, err := signing.LoadSigner(ctx, priv, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	env, err := signing.SignEnvelope(ctx, predicate.PayloadType, payload, s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sigbundle.FromEnvelope(ctx, env, s.Public())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bundleCase is an artifact with a Sigstore bundle beside it (and no envelope), and the
// vendor's key pair.
type bundleCase struct {
	dir, bin, other       string
	vendorKey, vendorPub  string
	payload, otherPayload []byte
}

func newBundleCase(t *testing.T) *bundleCase {
	t.Helper()
	c := &bundleCase{dir: t.TempDir()}
	c.bin = copyFile(t, fixture(t, "phonehome"), c.dir, "phonehome")
	c.other = copyFile(t, fixture(t, "quiet"), c.dir, "quiet")
	c.vendorKey, c.vendorPub = testKey(t, t.TempDir(), "vendor")
	env := attestFile(t, phonehomeDisclosure, filepath.Join(t.TempDir(), "a.intoto.json"), true, []string{c.vendorKey}, c.bin)
	e, err := ParseEnvelope(env)
	must(t, err)
	c.payload = e.Payload
	env = attestFile(t, phonehomeDisclosure, filepath.Join(t.TempDir(), "b.intoto.json"), true, []string{c.vendorKey}, c.other)
	e, err = ParseEnvelope(env)
	must(t, err)
	c.otherPayload = e.Payload
	return c
}

func (c *bundleCase) run(t *testing.T, bundle []byte, v *Verifier) (*Result, error) {
	t.Helper()
	must(t, os.WriteFile(c.bin+SuffixBundle, bundle, 0o644))
	return Run(context.Background(), v, Inputs{Artifacts: []string{c.bin}})
}

func TestAttackBundleKeys(t *testing.T) {
	c := newBundleCase(t)
	v := verifierFor(t, []string{c.vendorPub})

	// The vendor's own bundle passes every step: the control.
	res, err := c.run(t, bundleOf(t, c.payload, c.vendorKey), v)
	if err != nil || len(res.Verdicts) != 1 || !res.Verdicts[0].Passed {
		t.Fatalf("the vendor's bundle: %v %+v", err, res)
	}
	vd := res.Verdicts[0]
	if vd.Attestation != c.bin+SuffixBundle || len(vd.SignedBy) != 1 || !stepPassed(vd, StepPredicate) {
		t.Fatalf("the vendor's bundle: verdict %+v", vd)
	}
	if d := checkDetail(vd, StepSignature); !strings.Contains(d, "signed by key "+c.vendorPub) || !strings.Contains(d, "transparency log not checked") {
		t.Errorf("signature detail %q names no signer or log", d)
	}

	// The same statement in a bundle signed by another key fails at the signature.
	malloryKey, _ := testKey(t, t.TempDir(), "mallory")
	res, err = c.run(t, bundleOf(t, c.payload, malloryKey), v)
	if !errors.Is(err, ErrSignature) || res == nil || len(res.Verdicts) != 1 || res.Verdicts[0].Passed || res.Verdicts[0].FailedStep() != StepSignature {
		t.Fatalf("a bundle signed by another key: %v, %+v", err, res)
	}
	if !stepSkipped(res.Verdicts[0], StepStatement) {
		t.Errorf("the statement of an unverified bundle was read: %+v", res.Verdicts[0].Checks)
	}

	// A threshold of two cannot be met by one bundle's one signature.
	_, pub2 := testKey(t, t.TempDir(), "second")
	v2 := verifierFor(t, []string{c.vendorPub, pub2}, WithThreshold(2))
	if _, err := c.run(t, bundleOf(t, c.payload, c.vendorKey), v2); !errors.Is(err, ErrSignature) {
		t.Fatalf("a bundle under a threshold of 2: %v, want ErrSignature", err)
	}
}

func TestAttackBundleOtherSubject(t *testing.T) {
	c := newBundleCase(t)
	v := verifierFor(t, []string{c.vendorPub})
	// A genuine bundle of the vendor's about another artifact, put beside this one.
	res, err := c.run(t, bundleOf(t, c.otherPayload, c.vendorKey), v)
	if !errors.Is(err, ErrSubject) || res == nil || len(res.Verdicts) != 1 || res.Verdicts[0].FailedStep() != StepSubject {
		t.Fatalf("a bundle about another artifact: %v, %+v", err, res)
	}
	if !stepPassed(res.Verdicts[0], StepSignature) {
		t.Errorf("the bundle's signature should verify (it is the vendor's): %+v", res.Verdicts[0].Checks)
	}
}

// conformanceDir holds the Sigstore conformance suite's cases.
var conformanceDir = filepath.Join("..", "testdata", "conformance", "sigstore-bundle-verify")

const (
	beaconIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	beaconIssuer   = "https://token.actions.githubusercontent.com"
)

func TestAttackBundleKeylessIdentity(t *testing.T) {
	tr, err := sigbundle.LoadTrustedRoot(filepath.Join(conformanceDir, "public-good-trusted-root.json"))
	must(t, err)
	dir := t.TempDir()
	art := copyFile(t, filepath.Join(conformanceDir, "a.txt"), dir, "a.txt")
	b := readFile(t, filepath.Join(conformanceDir, "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json"))
	must(t, os.WriteFile(art+SuffixBundle, b, 0o644))
	run := func(id sigbundle.Identity) (*Result, error) {
		v, err := NewVerifier(nil, WithSigstore(tr, id))
		must(t, err)
		return Run(context.Background(), v, Inputs{Artifacts: []string{art}})
	}

	// The right identity: verified with the log, then skipped (a SLSA provenance).
	res, err := run(sigbundle.Identity{Identity: beaconIdentity, Issuer: beaconIssuer})
	if !errors.Is(err, ErrSubject) || res == nil || len(res.Unverified) != 1 {
		t.Fatalf("the right identity: %v, %+v", err, res)
	}
	if r := res.Unverified[0].Reason; !strings.Contains(r, "transparency-log entry verified") || !strings.Contains(r, "slsa.dev/provenance/v1") {
		t.Errorf("the skipped bundle's reason: %q", r)
	}

	// Another identity, or another issuer: the signature step fails.
	for _, id := range []sigbundle.Identity{
		{Identity: "https://github.com/mallory/evil/.github/workflows/release.yml@refs/heads/main", Issuer: beaconIssuer},
		{Identity: beaconIdentity, Issuer: "https://accounts.google.com"},
		{IdentityRegexp: "^https://github.com/mallory/", Issuer: beaconIssuer},
	} {
		res, err := run(id)
		if !errors.Is(err, ErrSignature) || res == nil || len(res.Verdicts) != 1 || res.Verdicts[0].FailedStep() != StepSignature {
			t.Errorf("identity %s: %v, %+v", id, err, res)
		}
	}

	// No identity policy: no verdict, an options error.
	res, err = run(sigbundle.Identity{})
	if !errors.Is(err, ErrOptions) || errors.Is(err, ErrVerification) {
		t.Fatalf("no identity policy: %v, %+v; want ErrOptions", err, res)
	}
}

func checkDetail(vd *Verdict, s Step) string {
	for _, c := range vd.Checks {
		if c.Step == s {
			return c.Detail
		}
	}
	return ""
}

func stepSkipped(vd *Verdict, s Step) bool {
	for _, c := range vd.Checks {
		if c.Step == s {
			return c.Status == Skip
		}
	}
	return false
}

// A bundle on a line of a .jsonl file, beside an envelope of another predicate type, is read
// as a bundle; one signed by another key on such a line fails.
func TestBundleLines(t *testing.T) {
	c := newBundleCase(t)
	v := verifierFor(t, []string{c.vendorPub})
	compact := func(b []byte) []byte {
		var out bytes.Buffer
		must(t, stdjson.Compact(&out, b))
		return out.Bytes()
	}
	provenance := signPayload(t, predicate.PayloadType, []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"phonehome","digest":{"sha256":"`+strings.Repeat("0", 64)+`"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{}}`), c.vendorKey)
	for _, tc := range []struct {
		name string
		key  string
		want error
	}{{"vendor", c.vendorKey, nil}, {"mallory", "", ErrSignature}} {
		key := tc.key
		if key == "" {
			key, _ = testKey(t, t.TempDir(), "mallory")
		}
		lines := append(append(compact(provenance), '\n'), append(compact(bundleOf(t, c.payload, key)), '\n')...)
		must(t, os.WriteFile(c.bin+SuffixJSONL, lines, 0o644))
		res, err := Run(context.Background(), v, Inputs{Artifacts: []string{c.bin}})
		if !errors.Is(err, tc.want) || err == nil && tc.want != nil || res == nil || len(res.Verdicts) != 1 || len(res.Unverified) != 1 {
			t.Fatalf("%s: %v, %+v", tc.name, err, res)
		}
		if got := res.Verdicts[0].Attestation; got != c.bin+SuffixJSONL+"#2" {
			t.Errorf("%s: attestation %q, want line 2", tc.name, got)
		}
	}
}
