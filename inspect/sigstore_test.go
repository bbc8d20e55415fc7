package inspect_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/inspect/inspecttest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// conformance holds the Sigstore conformance suite's bundles (keyless, public-good root).
var conformance = filepath.Join("..", "testdata", "conformance", "sigstore-bundle-verify")

const (
	conformanceIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	conformanceIssuer   = "https://token.actions.githubusercontent.com"
)

// toBundle turns one envelope line into a key-signed Sigstore bundle v0.3, as candor
// attest --bundle writes it.
func toBundle(t *testing.T, line []byte, pub string) []byte {
	t.Helper()
	var env ssldsse.Envelope
	if err := json.Unmarshal(line, &env); err != nil {
		t.Fatal(err)
	}
	pk, err := signing.LoadPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sigbundle.FromEnvelope(context.Background(), &env, pk)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bundleChain writes the fixture's three attestations beside the artifact as Sigstore
// bundles only: the disclosure as agent.sigstore.json, the provenance and SBOM as lines
// of agent.intoto.jsonl.
func bundleChain(t *testing.T) *fixture {
	t.Helper()
	f := chain(t)
	if err := os.WriteFile(f.artifact+".sigstore.json", toBundle(t, f.lines[0], f.pub), 0o644); err != nil {
		t.Fatal(err)
	}
	f.writeBundle(t, toBundle(t, f.lines[1], f.pub), toBundle(t, f.lines[2], f.pub))
	return f
}

func runWith(t *testing.T, paths []string, pubs []string, opts ...inspect.Option) *inspect.Report {
	t.Helper()
	keys, err := verify.LoadKeys(context.Background(), pubs, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in, err := inspect.New(keys, pubs, opts...)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := inspect.Run(context.Background(), in, inspect.Inputs{Paths: paths})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestKeySignedBundles: key-signed Sigstore bundles (a .sigstore.json beside the artifact,
// bundle lines of a .jsonl) verify with the vendor's key through sigstore-go, and their
// statements make the same chain as envelopes; with another key none verifies.
func TestKeySignedBundles(t *testing.T) {
	f := bundleChain(t)
	rep := run(t, []string{f.artifact}, f.pub)
	if !rep.Passed || len(rep.Chains) != 1 || len(rep.Problems) != 0 {
		t.Fatalf("passed %v, %d chains, problems %q: %+v", rep.Passed, len(rep.Chains), rep.Problems, rep.Chains)
	}
	ch := rep.Chains[0]
	var srcs []string
	for _, a := range ch.Attestations {
		srcs = append(srcs, filepath.Base(a.Source))
		if !a.Verified || len(a.Signers) != 1 || a.Signers[0].Name != f.pub || a.Bundle == nil || a.Bundle.SignedWith != "key" || a.Bundle.Version != "v0.3" {
			t.Errorf("%s: verified %v signers %+v bundle %+v", a.Source, a.Verified, a.Signers, a.Bundle)
		}
	}
	if strings.Join(srcs, " ") != "agent.intoto.jsonl#1 agent.intoto.jsonl#2 agent.sigstore.json" {
		t.Errorf("sources %v", srcs)
	}
	for _, name := range []string{inspect.CheckSignatures, inspect.CheckSubjects, inspect.CheckPredicates, inspect.CheckProvenance, inspect.CheckModules} {
		if c := check(t, ch, name); c.Status != inspect.Pass {
			t.Errorf("check %s: %s (%s %v), want pass", name, c.Status, c.Detail, c.Items)
		}
	}

	_, otherPub := inspecttest.Key(t, f.dir, "other")
	rep = run(t, []string{f.artifact}, otherPub)
	if rep.Passed {
		t.Fatal("passed with another key")
	}
	c := check(t, rep.Chains[0], inspect.CheckSignatures)
	if c.Status != inspect.Fail || len(c.Items) != 3 || !strings.Contains(c.Items[0], "the Sigstore bundle does not verify") {
		t.Errorf("another key: signatures check %+v", c)
	}
	for _, a := range rep.Chains[0].Attestations {
		if a.Kind == inspect.KindInvalid || len(a.Subjects) == 0 {
			t.Errorf("%s: an unverified bundle's claims are shown: kind %s subjects %v", a.Source, a.Kind, a.Subjects)
		}
	}
}

// TestTamperedBundle: a bundle whose payload was changed after signing fails the
// signatures check, and is shown unverified.
func TestTamperedBundle(t *testing.T) {
	f := chain(t)
	var b map[string]any
	if err := json.Unmarshal(toBundle(t, f.lines[1], f.pub), &b); err != nil {
		t.Fatal(err)
	}
	denv := b["dsseEnvelope"].(map[string]any)
	payload, err := base64.StdEncoding.DecodeString(denv["payload"].(string))
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.ReplaceAll(payload, []byte("acme/agent"), []byte("evil/agent"))
	if bytes.Equal(changed, payload) {
		t.Fatal("the provenance does not name acme/agent")
	}
	denv["payload"] = base64.StdEncoding.EncodeToString(changed)
	tampered, _ := json.Marshal(b)
	if err := os.WriteFile(f.artifact+".sigstore.json", tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	f.writeBundle(t, f.lines[0], f.lines[2])
	rep := run(t, []string{f.artifact}, f.pub)
	if rep.Passed {
		t.Fatal("a tampered bundle passed")
	}
	ch := rep.Chains[0]
	c := check(t, ch, inspect.CheckSignatures)
	if c.Status != inspect.Fail || len(c.Items) != 1 || !strings.Contains(c.Items[0], "agent.sigstore.json: unverified: the Sigstore bundle does not verify") {
		t.Errorf("signatures check %+v", c)
	}
	for _, a := range ch.Attestations {
		if strings.HasSuffix(a.Source, ".sigstore.json") && (a.Verified || a.Provenance == nil || !strings.Contains(a.Provenance.SourceRepo, "evil/agent")) {
			t.Errorf("tampered bundle: verified %v provenance %+v", a.Verified, a.Provenance)
		}
	}
}

// TestKeylessBundle: a keyless bundle is not verified without a trusted root and an
// identity policy, and says why; with both it verifies and names the certificate's
// identity; with another identity it does not.
func TestKeylessBundle(t *testing.T) {
	dir := t.TempDir()
	art := filepath.Join(dir, "a.txt")
	for src, dst := range map[string]string{"a.txt": art, "happy-path-intoto-in-dsse-v3/bundle.sigstore.json": art + ".sigstore.json"} {
		b, err := os.ReadFile(filepath.Join(conformance, src))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, pub := inspecttest.Key(t, dir, "vendor")
	tr, err := sigbundle.LoadTrustedRoot(filepath.Join(conformance, "public-good-trusted-root.json"))
	if err != nil {
		t.Fatal(err)
	}
	for name, opts := range map[string][]inspect.Option{
		"no root":     nil,
		"no identity": {inspect.WithSigstore(tr, sigbundle.Identity{})},
	} {
		rep := runWith(t, []string{art}, []string{pub}, opts...)
		a := rep.Chains[0].Attestations[0]
		if rep.Passed || a.Verified || !strings.Contains(a.Unverified, "keyless") || !strings.Contains(a.Unverified, "identity policy") || a.Bundle.SignedWith != "certificate" {
			t.Errorf("%s: passed %v verified %v unverified %q bundle %+v", name, rep.Passed, a.Verified, a.Unverified, a.Bundle)
		}
		if c := check(t, rep.Chains[0], inspect.CheckSignatures); c.Status != inspect.Fail {
			t.Errorf("%s: signatures check %+v", name, c)
		}
		if a.Kind != inspect.KindProvenance {
			t.Errorf("%s: kind %s, want its claims shown", name, a.Kind)
		}
	}

	rep := runWith(t, []string{art}, nil, inspect.WithSigstore(tr, sigbundle.Identity{Identity: conformanceIdentity, Issuer: conformanceIssuer}))
	a := rep.Chains[0].Attestations[0]
	if !a.Verified || a.Bundle.Identity != conformanceIdentity || a.Bundle.Issuer != conformanceIssuer || !a.Bundle.TlogChecked || !strings.Contains(a.Signer(), "certificate for") {
		t.Errorf("with the policy: verified %v (%s) bundle %+v signer %q", a.Verified, a.Unverified, a.Bundle, a.Signer())
	}
	if c := check(t, rep.Chains[0], inspect.CheckSignatures); c.Status != inspect.Pass || !strings.Contains(c.Detail, "identity policy") {
		t.Errorf("signatures check %+v", c)
	}

	rep = runWith(t, []string{art}, nil, inspect.WithSigstore(tr, sigbundle.Identity{Identity: "someone@example.com", Issuer: conformanceIssuer}))
	if a := rep.Chains[0].Attestations[0]; a.Verified || !strings.Contains(a.Unverified, "does not verify") {
		t.Errorf("another identity: verified %v (%s)", a.Verified, a.Unverified)
	}

	if _, err := inspect.New(nil, nil, inspect.WithSigstore(nil, sigbundle.Identity{Identity: "x", Issuer: "y"})); err == nil {
		t.Error("an identity policy without a trusted root was accepted")
	}
}

// TestMessageSignatureBundleSkipped: a bundle of a message signature holds no statement:
// it is skipped, with the reason.
func TestMessageSignatureBundleSkipped(t *testing.T) {
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(conformance, "happy-path-v0.3", "bundle.sigstore.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "sig.sigstore.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	rep := run(t, []string{dir})
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "sig.sigstore.json: skipped: Sigstore bundle v0.3 with a message signature") {
		t.Errorf("problems %q", rep.Problems)
	}
	if len(rep.Chains) != 0 || rep.Passed {
		t.Errorf("chains %+v", rep.Chains)
	}
}

// TestBundleBesideEnvelope: attest --bundle writes the same attestation as an envelope and
// a bundle: it is listed once, the bundle named among the problems; a bundle of another
// statement beside the envelope is read as well.
func TestBundleBesideEnvelope(t *testing.T) {
	f := chain(t)
	if err := os.WriteFile(f.artifact+".sigstore.json", toBundle(t, f.lines[0], f.pub), 0o644); err != nil {
		t.Fatal(err)
	}
	rep := run(t, []string{f.artifact}, f.pub)
	if !rep.Passed || len(rep.Chains[0].Attestations) != 3 {
		t.Fatalf("passed %v, %d attestations", rep.Passed, len(rep.Chains[0].Attestations))
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "agent.sigstore.json: the same signed envelope as ") {
		t.Errorf("problems %q", rep.Problems)
	}
	again := inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", f.sha, predicate.PredicateType, disclosure("agent", f.sha, mods...)), true)
	if err := os.WriteFile(f.artifact+".sigstore.json", toBundle(t, again, f.pub), 0o644); err != nil {
		t.Fatal(err)
	}
	rep = run(t, []string{f.dir}, f.pub)
	if !rep.Passed || len(rep.Chains[0].Attestations) != 4 || len(rep.Problems) != 0 {
		t.Errorf("passed %v, %d attestations, problems %q", rep.Passed, len(rep.Chains[0].Attestations), rep.Problems)
	}
}

// TestFetched: attestations fetched for an artifact known by digest (an image of a
// registry) form its chain; one that names another digest fails the subjects check.
func TestFetched(t *testing.T) {
	f := chain(t)
	in, err := inspect.New(mustKeys(t, f.pub), []string{f.pub})
	if err != nil {
		t.Fatal(err)
	}
	other := inspecttest.Sign(t, f.signer, inspecttest.Statement(t, "agent", strings.Repeat("0", 64), inspect.ProvenanceV1, inspecttest.Provenance("https://github.com/acme/agent", "abc")), false)
	inputs := inspect.Inputs{Fetched: []inspect.Fetched{{
		Name: "registry.example/agent@sha256:" + f.sha, SHA256: f.sha,
		Attestations: []inspect.FetchedAttestation{
			{Source: "registry.example/agent@sha256:" + strings.Repeat("1", 64), Data: toBundle(t, f.lines[0], f.pub)},
			{Source: "registry.example/agent@sha256:" + strings.Repeat("2", 64), Data: f.lines[2]},
			{Source: "registry.example/agent@sha256:" + strings.Repeat("3", 64), Data: other},
		},
	}}}
	rep, err := inspect.Run(context.Background(), in, inputs)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Chains) != 1 || rep.Chains[0].Artifact != inputs.Fetched[0].Name || len(rep.Chains[0].Attestations) != 3 {
		t.Fatalf("chains %+v", rep.Chains)
	}
	ch := rep.Chains[0]
	if c := check(t, ch, inspect.CheckSubjects); c.Status != inspect.Fail || len(c.Items) != 1 || !strings.Contains(c.Items[0], strings.Repeat("3", 64)) {
		t.Errorf("subjects check %+v", c)
	}
	if c := check(t, ch, inspect.CheckSignatures); c.Status != inspect.Pass {
		t.Errorf("signatures check %+v", c)
	}
	inputs.Fetched[0].Attestations = inputs.Fetched[0].Attestations[:2]
	if rep, err = inspect.Run(context.Background(), in, inputs); err != nil || !rep.Passed {
		t.Errorf("without the other digest: %v, %+v", err, rep)
	}
	inputs.Fetched[0].Attestations = nil
	if rep, err = inspect.Run(context.Background(), in, inputs); err != nil || rep.Passed || check(t, rep.Chains[0], inspect.CheckAttestations).Detail != "no attestation was found for it" {
		t.Errorf("nothing found: %v, %+v", err, rep)
	}
	inputs.Fetched[0].SHA256 = "sha256:" + f.sha
	if _, err := inspect.Run(context.Background(), in, inputs); err == nil {
		t.Error("a digest that is not 64 hex digits was accepted")
	}
}

func mustKeys(t *testing.T, pubs ...string) []verify.Key {
	t.Helper()
	keys, err := verify.LoadKeys(context.Background(), pubs, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
