package registry

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/testregistry"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/sigstore/pkg/signature"
)

// testOptions talks to a loopback test registry over HTTP with no credentials.
func testOptions() Options {
	return Options{Insecure: true, Keychain: authn.NewMultiKeychain()}
}

// fixtureImage is an image of one layer holding a Go binary (this test's executable, a
// real one) at /app, pushed to host/repo:tag; it returns the image's digest.
func fixtureImage(t *testing.T, host, repo, tag string) v1.Hash {
	t.Helper()
	return pushFixture(t, host, repo, tag, nil)
}

// fixtureImageVariant is fixtureImage with another file added: another digest.
func fixtureImageVariant(t *testing.T, host, repo, tag string) v1.Hash {
	t.Helper()
	return pushFixture(t, host, repo, tag, []byte("variant"))
}

func pushFixture(t *testing.T, host, repo, tag string, extra []byte) v1.Hash {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	if len(bin) > 4<<20 {
		bin = bin[:4<<20] // the bytes are what matters here, not that the binary runs
	}
	files := []testregistry.File{{Name: "app", Mode: 0o755, Data: bin}}
	if extra != nil {
		files = append(files, testregistry.File{Name: "extra", Mode: 0o644, Data: extra})
	}
	return testregistry.PushFiles(t, host+"/"+repo+":"+tag, files...)
}

type testKey struct {
	signer *signing.Signer
	pub    crypto.PublicKey
}

func newKey(t *testing.T) testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sv, err := signature.LoadECDSASignerVerifier(k, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signing.NewSigner(context.Background(), sv, "test key")
	if err != nil {
		t.Fatal(err)
	}
	return testKey{s, k.Public()}
}

// attestation signs an in-toto statement about the image digest d and returns it as an
// Attachment (bundle and envelope).
func attestation(t *testing.T, k testKey, subjectName string, d v1.Hash) Attachment {
	t.Helper()
	st, _ := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": subjectName, "digest": map[string]string{"sha256": d.Hex}}},
		"predicateType": predicate.PredicateType,
		"predicate":     map[string]any{},
	})
	ctx := context.Background()
	env, err := signing.SignEnvelope(ctx, predicate.PayloadType, st, k.signer)
	if err != nil {
		t.Fatal(err)
	}
	envJSON, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sigbundle.FromEnvelope(ctx, env, k.pub)
	if err != nil {
		t.Fatal(err)
	}
	return Attachment{Bundle: b, Envelope: envJSON, PredicateType: predicate.PredicateType}
}

// verifyFound checks the signature of what Find found with the key, and that it is about
// the image digest d.
func verifyFound(t *testing.T, f *Found, pub crypto.PublicKey, d v1.Hash) error {
	t.Helper()
	b := f.Bundle
	if b == nil {
		return verifyEnvelope(f.Envelope, pub, d)
	}
	v, err := sigbundle.NewVerifier(sigbundle.Options{Keys: []crypto.PublicKey{pub}})
	if err != nil {
		t.Fatal(err)
	}
	bd, err := sigbundle.Parse(f.Where, b)
	if err != nil {
		return err
	}
	raw, _ := hex.DecodeString(d.Hex)
	_, err = v.Verify(bd, sigbundle.ArtifactDigest("sha256", raw))
	return err
}

func verifyEnvelope(envJSON []byte, pub crypto.PublicKey, d v1.Hash) error {
	var env struct {
		PayloadType string `json:"payloadType"`
		Payload     []byte `json:"payload"`
		Signatures  []struct {
			Sig []byte `json:"sig"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(envJSON, &env); err != nil {
		return err
	}
	ver, err := signing.NewVerifier(pub)
	if err != nil {
		return err
	}
	if len(env.Signatures) != 1 {
		return errors.New("not one signature")
	}
	pae := []byte("DSSEv1 " + itoa(len(env.PayloadType)) + " " + env.PayloadType + " " + itoa(len(env.Payload)) + " ")
	pae = append(pae, env.Payload...)
	if err := ver.Verify(context.Background(), pae, env.Signatures[0].Sig); err != nil {
		return err
	}
	if !bytes.Contains(env.Payload, []byte(d.Hex)) {
		return errors.New("statement is not about the image")
	}
	return nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// referrersServer is go-containerregistry's in-process registry with the referrers API,
// on a loopback port; wrap (optional) sits in front of it to make it lie.
func referrersServer(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	h := testregistry.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	return testregistry.Serve(t, h)
}

func TestAttachFindReferrersAPI(t *testing.T) {
	ctx := context.Background()
	host := referrersServer(t, nil)
	d := fixtureImage(t, host, "vendor/app", "v1")
	other := fixtureImage(t, host, "vendor/app", "v0") // same bytes: same digest
	if other != d {
		t.Fatal("fixture image is not reproducible")
	}
	k := newKey(t)
	a := attestation(t, k, host+"/vendor/app", d)
	o := testOptions()
	o.Legacy = true
	got, err := Attach(ctx, host+"/vendor/app:v1", a, o)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ReferrersAPI || got.FallbackTag != "" || !strings.HasSuffix(got.Subject, "@"+d.String()) || !strings.HasSuffix(got.LegacyTag, ":sha256-"+d.Hex+".att") {
		t.Fatalf("Attach = %+v", got)
	}
	// The referrer manifest is cosign v3's shape.
	repo, _ := name.NewRepository(host+"/vendor/app", name.Insecure)
	desc, err := remote.Get(repo.Digest(got.Referrer))
	if err != nil {
		t.Fatal(err)
	}
	var mf v1.Manifest
	json.Unmarshal(desc.Manifest, &mf)
	if mf.ArtifactType != BundleMediaType || mf.Subject == nil || mf.Subject.Digest != d ||
		mf.Annotations[AnnotationContent] != "dsse-envelope" || mf.Annotations[AnnotationPredicateType] != predicate.PredicateType ||
		len(mf.Layers) != 1 || mf.Layers[0].MediaType != BundleMediaType || mf.Config.MediaType != EmptyMediaType || mf.Config.Size != 2 {
		t.Fatalf("referrer manifest: %s", desc.Manifest)
	}

	// The legacy layer carries cosign's (empty) signature annotation: cosign refuses a
	// layer of an .att image without it.
	att, err := remote.Get(repo.Tag("sha256-" + d.Hex + ".att"))
	if err != nil {
		t.Fatal(err)
	}
	var am v1.Manifest
	json.Unmarshal(att.Manifest, &am)
	if len(am.Layers) != 1 || am.Layers[0].Annotations == nil || am.Layers[0].Annotations[AnnotationLegacySignature] != "" ||
		am.Layers[0].Annotations[AnnotationLegacyPredicateType] != predicate.PredicateType {
		t.Fatalf("legacy manifest: %s", att.Manifest)
	}
	if _, ok := am.Layers[0].Annotations[AnnotationLegacySignature]; !ok {
		t.Fatalf("legacy layer without %s: %s", AnnotationLegacySignature, att.Manifest)
	}

	res, err := Find(ctx, host+"/vendor/app:v1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !res.ReferrersAPI || len(res.Found) != 2 || res.Found[0].Source != SourceReferrersAPI || res.Found[1].Source != SourceLegacyAtt {
		t.Fatalf("Find = %+v %+v", res, res.Found[0])
	}
	for _, f := range res.Found {
		if err := verifyFound(t, f, k.pub, d); err != nil {
			t.Errorf("%s: %v", f.Source, err)
		}
		if err := verifyFound(t, f, newKey(t).pub, d); err == nil {
			t.Errorf("%s: verifies with another key", f.Source)
		}
	}
	// Attaching again does not duplicate the legacy layer.
	if _, err := Attach(ctx, host+"/vendor/app@"+d.String(), a, o); err != nil {
		t.Fatal(err)
	}
	res, err = Find(ctx, host+"/vendor/app@"+d.String(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 2 {
		t.Fatalf("after a second Attach: %d found, want 2 (same referrer, one legacy layer)", len(res.Found))
	}
}

func TestInsecureOnlyLoopback(t *testing.T) {
	_, err := Find(context.Background(), "registry.example.com/app:v1", testOptions())
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "only for a loopback registry") {
		t.Fatalf("err = %v", err)
	}
}

func TestPull(t *testing.T) {
	l, host, d, _, _ := lyingSetup(t)
	dir := t.TempDir()
	p, err := Pull(context.Background(), host+"/vendor/app:v1", dir, 0, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if p.Digest != d || !strings.HasSuffix(p.Subject, "@"+d.String()) || p.Size <= 0 {
		t.Fatalf("Pull = %+v", p)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", "sha256", d.Hex)); err != nil {
		t.Fatalf("the manifest is not in the layout: %v", err)
	}
	// Over the size limit: nothing pulled.
	if _, err := Pull(context.Background(), host+"/vendor/app:v1", t.TempDir(), p.Size-1, testOptions()); !errors.Is(err, ErrLimit) {
		t.Fatalf("over the limit: %v", err)
	}
	// A layer whose bytes are not those of its digest.
	l.rewrite = func(r *http.Request, status int, h http.Header, body []byte) (int, []byte, *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/") && len(body) > 1000 {
			body = append([]byte(nil), body...)
			body[len(body)/2] ^= 1
		}
		return status, body, nil
	}
	if _, err := Pull(context.Background(), host+"/vendor/app:v1", t.TempDir(), 0, testOptions()); !errors.Is(err, ErrLying) {
		t.Fatalf("a changed layer: %v", err)
	}
}

// Without Insecure no request goes over HTTP, even to loopback or a private address that
// go-containerregistry would try HTTP for.
func TestNoPlainHTTPByDefault(t *testing.T) {
	host := referrersServer(t, nil)
	fixtureImage(t, host, "vendor/app", "v1")
	o := testOptions()
	o.Insecure = false
	_, err := Find(context.Background(), host+"/vendor/app:v1", o)
	if err == nil || !strings.Contains(err.Error(), "refusing plain HTTP") {
		t.Fatalf("loopback without Insecure: %v", err)
	}
	var seen []string
	o.Transport = roundTripFunc(func(r *http.Request) (*http.Response, error) {
		seen = append(seen, r.URL.Scheme)
		return nil, errors.New("no network in this test")
	})
	Find(context.Background(), "192.168.1.10:5000/vendor/app:v1", o)
	for _, s := range seen {
		if s != "https" {
			t.Fatalf("a %s request went out to a private address", s)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
