package verify

import (
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
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// twoForms is one signed attestation of an artifact in both forms attest --push attaches:
// a DSSE envelope and a key-signed Sigstore bundle of the same envelope.
type twoForms struct {
	target             Target
	envelope, bundle   []byte
	payload            []byte
	vendorKey, pubPath string
}

func newTwoForms(t *testing.T) *twoForms {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	bin := copyFile(t, fixture(t, "phonehome"), dir, "phonehome")
	c := &twoForms{target: targetOf(t, bin)}
	c.target.Path = "" // known by its digest, as an image is
	c.vendorKey, c.pubPath = testKey(t, t.TempDir(), "vendor")
	env := attestFile(t, phonehomeDisclosure, filepath.Join(t.TempDir(), "a.intoto.json"), false, []string{c.vendorKey}, bin)
	c.envelope = env
	s, err := signing.LoadSigner(ctx, c.vendorKey, signing.Options{})
	must(t, err)
	var wire dsse.Envelope
	must(t, stdjson.Unmarshal(env, &wire))
	c.bundle, err = sigbundle.FromEnvelope(ctx, &wire, s.Public())
	must(t, err)
	e, err := ParseEnvelope(env)
	must(t, err)
	c.payload = e.Payload
	return c
}

func (c *twoForms) run(t *testing.T, v *Verifier, blobs ...Blob) (*Result, error) {
	t.Helper()
	return Run(context.Background(), v, Inputs{Targets: []Target{c.target}, Blobs: blobs})
}

// The same signed envelope found as a referrer bundle and as a legacy .att layer gives one
// verdict, the envelope's, naming the bundle; both signatures are checked.
func TestDuplicateCheckedOnce(t *testing.T) {
	c := newTwoForms(t)
	v := verifierFor(t, []string{c.pubPath})
	res, err := c.run(t, v, Blob{Name: "reg/app@sha256:1 (referrers-tag)", Data: c.bundle}, Blob{Name: "reg/app@sha256:2 layer x (legacy-att)", Data: c.envelope})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Verdicts) != 1 || !res.Passed {
		t.Fatalf("%d verdict(s), passed %v; want the one verdict of the envelope", len(res.Verdicts), res.Passed)
	}
	vd := res.Verdicts[0]
	if vd.Attestation != "reg/app@sha256:2 layer x (legacy-att)" || len(vd.Notes) != 1 || !strings.Contains(vd.Notes[0], "also found at reg/app@sha256:1 (referrers-tag)") {
		t.Errorf("verdict of %s, notes %q; want the envelope's, naming the bundle", vd.Attestation, vd.Notes)
	}
	if n := v.sigChecks.Load(); n != 2 {
		t.Errorf("%d signature check(s); want 2: the envelope's and the bundle's", n)
	}
	if len(res.Unverified) != 0 || len(res.Notes) != 0 {
		t.Errorf("unverified %v, notes %q", res.Unverified, res.Notes)
	}

	// In either order, and as files given with Inputs.Attestations.
	dir := t.TempDir()
	envPath, bundlePath := filepath.Join(dir, "a.intoto.json"), filepath.Join(dir, "a.sigstore.json")
	must(t, os.WriteFile(envPath, c.envelope, 0o644))
	must(t, os.WriteFile(bundlePath, c.bundle, 0o644))
	res, err = Run(context.Background(), v, Inputs{Targets: []Target{c.target}, Attestations: []string{envPath, bundlePath}})
	if err != nil || len(res.Verdicts) != 1 || res.Verdicts[0].Attestation != envPath || !strings.Contains(strings.Join(res.Verdicts[0].Notes, "\n"), bundlePath) {
		t.Fatalf("files: %v, %+v", err, res)
	}
}

// Only a byte-identical copy is checked once: a bundle of the same statement signed again
// (another signature), or of another payload, or an envelope with another signature beside
// the same one, is verified on its own.
func TestDuplicateOnlyIdentical(t *testing.T) {
	c := newTwoForms(t)
	v := verifierFor(t, []string{c.pubPath})
	other := bundleOf(t, c.payload, c.vendorKey) // ECDSA: another signature of the same payload
	_, otherPub := testKey(t, t.TempDir(), "other")
	twice := signPayload(t, predicate.PayloadType, c.payload, c.vendorKey, c.vendorKey)
	for name, blobs := range map[string][]Blob{
		"resigned bundle":     {{Name: "bundle", Data: other}, {Name: "envelope", Data: c.envelope}},
		"two envelopes":       {{Name: "bundle", Data: c.bundle}, {Name: "envelope", Data: twice}},
		"same envelope twice": {{Name: "envelope 1", Data: c.envelope}, {Name: "envelope 2", Data: c.envelope}},
	} {
		res, err := c.run(t, v, blobs...)
		if err != nil || len(res.Verdicts) != 2 {
			t.Errorf("%s: %v, %d verdict(s); want 2", name, err, len(res.Verdicts))
			continue
		}
		for _, vd := range res.Verdicts {
			if len(vd.Notes) != 0 {
				t.Errorf("%s: %s has notes %q", name, vd.Attestation, vd.Notes)
			}
		}
	}
	// Another key: both signatures fail, each its own verdict.
	res, err := c.run(t, verifierFor(t, []string{otherPub}), Blob{Name: "bundle", Data: c.bundle}, Blob{Name: "envelope", Data: c.envelope})
	if !errors.Is(err, ErrSignature) || res == nil || len(res.Verdicts) != 3 {
		t.Fatalf("another key: %v, %+v; want the two failed signatures and no attestation of the target", err, res)
	}
}

// A copy whose own signature fails is not hidden behind the envelope's verdict: a trusted
// root that lists transparency logs requires a log entry of a key-signed bundle, which this
// one lacks; the envelope, which has none to check, passes. The run fails.
func TestDuplicateFailedCopyStays(t *testing.T) {
	c := newTwoForms(t)
	tr, err := sigbundle.LoadTrustedRoot(filepath.Join(conformanceDir, "public-good-trusted-root.json"))
	must(t, err)
	v := verifierFor(t, []string{c.pubPath}, WithSigstore(tr, sigbundle.Identity{}))
	res, err := c.run(t, v, Blob{Name: "bundle", Data: c.bundle}, Blob{Name: "envelope", Data: c.envelope})
	if !errors.Is(err, ErrSignature) || res == nil || res.Passed || len(res.Verdicts) != 2 {
		t.Fatalf("%v, %+v; want the bundle's failed signature beside the envelope's verdict", err, res)
	}
	var failed, passed *Verdict
	for _, vd := range res.Verdicts {
		if vd.Passed {
			passed = vd
		} else {
			failed = vd
		}
	}
	if failed == nil || passed == nil || failed.Attestation != "bundle" || failed.FailedStep() != StepSignature || passed.Attestation != "envelope" || len(passed.Notes) != 0 {
		t.Fatalf("verdicts %+v", res.Verdicts)
	}
}

// A copy given beside an envelope that fails a later step fails with it, once: the steps
// after the signature read only the payload, the same in both.
func TestDuplicateFailsTogether(t *testing.T) {
	c := newTwoForms(t)
	v := verifierFor(t, []string{c.pubPath}, WithPolicy(mustPolicy(t, "apiVersion: candor.dev/policy/v1\nendpoints: {deny: [\"*.phonehome-fixture.net\"]}\n")))
	res, err := c.run(t, v, Blob{Name: "bundle", Data: c.bundle}, Blob{Name: "envelope", Data: c.envelope})
	if !errors.Is(err, ErrPolicy) || res == nil || len(res.Verdicts) != 1 || res.Verdicts[0].Attestation != "envelope" || len(res.Verdicts[0].Notes) != 1 {
		t.Fatalf("%v, %+v; want the envelope's failed policy, naming the bundle", err, res)
	}
}
