//go:build interop

package interop

// Interoperability through an OCI registry: candor attest --push and cosign attest write
// attestations of an image to a registry started on loopback, and each tool reads and
// verifies the other's, with the real candor binary and the real cosign, on both of
// go-containerregistry's registry (OCI 1.1 referrers API) and Debian's docker-registry
// (distribution 2.8: no referrers API, the referrers tag sha256-HEX instead).
//
// candor writes two forms: the OCI 1.1 referrer holding a Sigstore bundle v0.3 (cosign v3's
// shape, always) and, with --legacy-att, the DSSE envelope as a layer of sha256-HEX.att
// (cosign v2's shape). What each cosign reads (verify-attestation --key ... --type ...
// --insecure-ignore-tlog --allow-insecure-registry, plus the flags below) is in
// readsCandor; the test fails when a combination marked accepted is refused, and logs the
// others (a form a cosign cannot read is a finding, not a failure).
//
// cosign's side: cosign attest --key (v2.6.5: legacy .att, and a referrer with
// --new-bundle-format; v3: a referrer) of an image, the predicate taken from candor's own
// attestation of the same image; candor attestations finds each, and candor verify --pull
// passes it with cosign.pub (cosign writes in-toto Statement v0.1, which verify reads).
//
// Refusals, both ways: another key; an attestation of another image attached to this
// one (cosign fails; candor fails at the subject step, exit 1).
//
// No cosign run reaches the network: transparency logs are off (--tlog-upload=false,
// --insecure-ignore-tlog), the TUF root is an empty directory, and cosign's proxy is a
// loopback listener that refuses and counts every request (the test fails if one came).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/testregistry"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/signing"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// cosignV3Module is the module whose newest version the v3 checks build.
const cosignV3Module = "github.com/sigstore/cosign/v3"

// form is where an attestation sits in the registry.
type form string

const (
	formLegacy   form = "legacy .att"
	formReferrer form = "OCI 1.1 referrer (bundle)"
	formBoth     form = "both (attest --legacy-att)"
)

// reading is one way of running cosign verify-attestation: the flags added to the common
// ones, and whether cosign is expected to accept candor's attestation in that form.
type reading struct {
	form   form
	flags  []string
	accept bool
}

// readsCandor: what each cosign does with candor's forms (the same on both registries).
// TRUSTED_ROOT is an empty Sigstore trusted root: cosign's bundle path wants one, and with
// --key and --insecure-ignore-tlog it needs nothing in it.
//
//	cosign   form (image has)                 extra flags                                                  result
//	v2.6.5   legacy .att                      (none)                                                       accepted
//	v2.6.5   OCI 1.1 referrer (bundle)        (none)                                                       refused: trusted root is required when using new bundle format
//	v2.6.5   OCI 1.1 referrer (bundle)        --trusted-root TRUSTED_ROOT                                  accepted (cosign sees the bundle itself)
//	v2.6.5   OCI 1.1 referrer (bundle)        --new-bundle-format --trusted-root TRUSTED_ROOT              accepted
//	v2.6.5   OCI 1.1 referrer (bundle)        --new-bundle-format --experimental-oci11 --trusted-root ...  accepted
//	v2.6.5   both (attest --legacy-att)       (none)                                                       refused: the bundle is read, and wants a trusted root
//	v2.6.5   both (attest --legacy-att)       --trusted-root TRUSTED_ROOT                                  accepted
//
// Before candor wrote the dev.cosignproject.cosign/signature annotation (empty) on its
// legacy layers, cosign v2.6.5 refused them: "signature layer ... is missing
// \"dev.cosignproject.cosign/signature\" annotation".
//
//	v3.1.3   legacy .att                      (none)                                                       accepted
//	v3.1.3   OCI 1.1 referrer (bundle)        (none)                                                       accepted
//	v3.1.3   OCI 1.1 referrer (bundle)        --trusted-root TRUSTED_ROOT                                  accepted
//	v3.1.3   both (attest --legacy-att)       (none)                                                       accepted
//	v3.1.3   both (attest --legacy-att)       --trusted-root TRUSTED_ROOT                                  accepted
//
// (cosign v3 has neither --new-bundle-format nor --experimental-oci11: the bundle is its
// default.)
func readsCandor(version string) []reading {
	tr := []string{"--trusted-root", "TRUSTED_ROOT"}
	if strings.HasPrefix(version, "v2.") {
		return []reading{
			{formLegacy, nil, true},
			{formReferrer, nil, false},
			{formReferrer, tr, true},
			{formReferrer, append([]string{"--new-bundle-format"}, tr...), true},
			{formReferrer, append([]string{"--new-bundle-format", "--experimental-oci11"}, tr...), true},
			{formBoth, nil, false},
			{formBoth, tr, true},
		}
	}
	return []reading{
		{formLegacy, nil, true},
		{formReferrer, nil, true},
		{formReferrer, tr, true},
		{formBoth, nil, true},
		{formBoth, tr, true},
	}
}

// cosignAttests: how each cosign attests an image offline, and where candor finds it.
// cosign v2.6.5 writes the legacy .att (and with --new-bundle-format a referrer);
// cosign v3 writes only referrers, and signs offline given a signing config that names no
// service (--use-signing-config=false would post to rekor.sigstore.dev).
//
// Both write an in-toto Statement v0.1 (cosign v3.1.3 too, and --statement is refused
// without --predicate, then ignored): candor verify reads v0.1 as v1 (the fields it uses
// are the same) and passes cosign's attestation.
func cosignAttests(version string) []cosignAttest {
	if strings.HasPrefix(version, "v2.") {
		return []cosignAttest{
			{"cosign-legacy", "legacy-att", []string{"--tlog-upload=false", "--yes"}},
			{"cosign-bundle", "referrers-", []string{"--tlog-upload=false", "--yes", "--new-bundle-format"}},
		}
	}
	return []cosignAttest{
		{"cosign-bundle", "referrers-", []string{"--signing-config", "SIGNING_CONFIG", "--trusted-root", "TRUSTED_ROOT"}},
	}
}

type cosignAttest struct {
	label, source string
	flags         []string
}

// cosignTool is one cosign build.
type cosignTool struct {
	version string
	exe     string
}

var cosignV3 = sync.OnceValues(func() (cosignTool, error) {
	cmd := exec.Command("go", "list", "-m", "-versions", cosignV3Module)
	cmd.Env = append(os.Environ(), "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return cosignTool{}, fmt.Errorf("go list -m -versions %s: %v\n%s", cosignV3Module, err, out)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 {
		return cosignTool{}, fmt.Errorf("the module proxy serves no version of %s", cosignV3Module)
	}
	v := f[len(f)-1]
	exe, err := goInstall(cosignV3Module+"/cmd/cosign", v)
	if err != nil {
		return cosignTool{}, err
	}
	return cosignTool{v, exe}, nil
})

// candorBinary builds cmd/candor into dir.
func candorBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "candor")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/candor-dev/candor/cmd/candor")
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build candor: %v\n%s", err, out)
	}
	return bin
}

// helloBinary builds a small Go program, the bits the images carry.
func helloBinary(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "hello")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(src, "go.mod"), []byte("module example.com/hello\n\ngo 1.21\n"))
	write(t, filepath.Join(src, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n"))
	bin := filepath.Join(dir, "hello.bin")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false", "CGO_ENABLED=0", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build hello: %v\n%s", err, out)
	}
	return bin
}

// world is what the registry subtests share.
type world struct {
	dir     string // keys, disclosure, outputs
	candor  string
	hello   []byte
	home    string
	proxy   string
	proxied *atomic.Int64
}

// refusingProxy is an HTTP proxy on loopback that answers every request 403 and counts it.
func refusingProxy(t *testing.T) (string, *atomic.Int64) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		t.Logf("cosign tried the network: %s %s", r.Method, r.Host)
		http.Error(w, "no network in the interop tests", http.StatusForbidden)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, &n
}

func TestRegistryInterop(t *testing.T) {
	start := time.Now()
	w := &world{dir: t.TempDir(), home: t.TempDir()}
	w.candor = candorBinary(t, w.dir)
	hello, err := os.ReadFile(helloBinary(t, w.dir))
	if err != nil {
		t.Fatal(err)
	}
	w.hello = hello
	w.proxy, w.proxied = refusingProxy(t)
	write(t, filepath.Join(w.dir, "disclosure.yaml"), []byte(disclosure))
	write(t, filepath.Join(w.dir, "trusted_root.json"), []byte(`{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}`))
	write(t, filepath.Join(w.dir, "signing_config.json"), []byte(`{"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json"}`))
	candorKey(t, w.dir, signing.ECDSAP256)
	if out, err := w.cosign(t, cosignTool{cosignVersion, mustCosign(t)}, "generate-key-pair"); err != nil {
		t.Fatalf("cosign generate-key-pair: %v\n%s", err, out)
	}
	other := filepath.Join(w.dir, "other")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	candorKey(t, other, signing.ECDSAP256)
	t.Logf("setup (build candor and hello, keys): %v", time.Since(start).Round(time.Millisecond))

	tools := []func(t *testing.T) cosignTool{
		func(t *testing.T) cosignTool { return cosignTool{cosignVersion, mustCosign(t)} },
		func(t *testing.T) cosignTool {
			c, err := cosignV3()
			if err != nil {
				t.Skipf("cosign v3 is not available: %v", err)
			}
			return c
		},
	}
	for _, reg := range []struct {
		name  string
		start func(testing.TB) string
	}{{"inproc", testregistry.InProcess}, {"distribution", testregistry.Distribution}} {
		t.Run(reg.name, func(t *testing.T) {
			rs := time.Now()
			host := reg.start(t)
			for i, tool := range tools {
				t.Run(fmt.Sprintf("cosign%d", i+2), func(t *testing.T) {
					ts := time.Now()
					c := tool(t)
					w.run(t, c, fmt.Sprintf("%s/v%d", host, i+2))
					t.Logf("cosign %s on %s: %v", c.version, reg.name, time.Since(ts).Round(time.Millisecond))
				})
			}
			t.Logf("%s: %v", reg.name, time.Since(rs).Round(time.Millisecond))
		})
	}
	if n := w.proxied.Load(); n != 0 {
		t.Errorf("cosign tried the network %d time(s)", n)
	}
	t.Logf("total: %v", time.Since(start).Round(time.Millisecond))
}

func mustCosign(t *testing.T) string {
	t.Helper()
	exe, err := cosignPath()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}

// cosign runs the cosign c in w.dir, off the network.
func (w *world) cosign(t *testing.T, c cosignTool, args ...string) (string, error) {
	t.Helper()
	stdout, stderr, err := runCosign(t, c.exe, w.dir, []string{
		"HOME=" + w.home,
		"DOCKER_CONFIG=" + filepath.Join(w.home, ".docker"),
		// A key for Rekor's, so that cosign does not fetch the TUF root for it; with
		// --insecure-ignore-tlog it is never used.
		"SIGSTORE_REKOR_PUBLIC_KEY=" + w.path("candor.pub"),
		"HTTPS_PROXY=" + w.proxy, "HTTP_PROXY=" + w.proxy, "NO_PROXY=", "https_proxy=", "http_proxy=", "no_proxy=",
	}, args...)
	return stdout + stderr, err
}

// candorRun runs the candor binary in w.dir and returns its exit code and output.
func (w *world) candorRun(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.candor, args...)
	cmd.Dir = w.dir
	cmd.Env = append(os.Environ(), "HOME="+w.home, "DOCKER_CONFIG="+filepath.Join(w.home, ".docker"),
		"CANDOR_PASSWORD="+password, "NO_COLOR=1")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("candor %s: %v", strings.Join(args, " "), err)
		}
		code = ee.ExitCode()
	}
	return code, o.String(), e.String()
}

// candorOK runs candor and fails the test unless it exits 0.
func (w *world) candorOK(t *testing.T, args ...string) (string, string) {
	t.Helper()
	code, stdout, stderr := w.candorRun(t, args...)
	if code != 0 {
		t.Fatalf("candor %s: exit %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return stdout, stderr
}

// image pushes an image of the hello program and a file naming the case to repo:1.0
// (one image per case: each has its own digest) and returns its reference by digest.
func (w *world) image(t *testing.T, repo, c string) string {
	t.Helper()
	d := testregistry.PushFiles(t, repo+":1.0",
		testregistry.File{Name: "app", Mode: 0o755, Data: w.hello},
		testregistry.File{Name: "case", Mode: 0o644, Data: []byte(c)})
	return repo + "@" + d.String()
}

func (w *world) path(name string) string { return filepath.Join(w.dir, name) }

// verifyArgs is verify-attestation of ref with pub, with the flags common to every run.
func verifyArgs(pub, ref string, extra ...string) []string {
	return append(append([]string{"verify-attestation", "--key", pub, "--type", predicate.PredicateType,
		"--insecure-ignore-tlog", "--allow-insecure-registry"}, extra...), ref)
}

// digestOf is the sha256:HEX of repo@sha256:HEX.
func digestOf(ref string) string {
	_, d, _ := strings.Cut(ref, "@")
	return d
}

// verifyPulled verifies the attestations of the image ref with candor verify --pull and
// the key, and returns its exit code and output. candor attestations -o saves what it
// finds first (savedPath), for the checks that read the envelopes.
func (w *world) verifyPulled(t *testing.T, ref, key string) (int, string) {
	t.Helper()
	w.candorOK(t, "attestations", "--insecure-registry", "-o", savedPath(w, ref), ref)
	code, stdout, stderr := w.candorRun(t, "verify", "--pull", "--insecure-registry", "--key", key, ref)
	return code, stdout + stderr
}

// savedPath is where verifyPulled saves the attestations of ref.
func savedPath(w *world, ref string) string {
	return w.path(strings.NewReplacer("/", "_", ":", "_", "@", "_").Replace(ref) + ".intoto.jsonl")
}

// found is what candor attestations --format json lists.
func (w *world) found(t *testing.T, ref string) []string {
	t.Helper()
	stdout, _ := w.candorOK(t, "attestations", "--insecure-registry", "--format", "json", ref)
	var res struct {
		Found []struct {
			Source string `json:"source"`
			Where  string `json:"where"`
		} `json:"found"`
	}
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatalf("candor attestations --format json: %v\n%s", err, stdout)
	}
	var out []string
	for _, f := range res.Found {
		out = append(out, f.Source+" "+f.Where)
	}
	return out
}

// dropReferrers deletes the referrers of the image ref (and the referrers tag that lists
// them, on a registry without the referrers API), leaving the legacy .att alone.
func dropReferrers(t *testing.T, ref string) {
	t.Helper()
	d, err := name.NewDigest(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Referrers(d)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range im.Manifests {
		if err := remote.Delete(d.Context().Digest(m.Digest.String())); err != nil {
			t.Fatalf("deleting referrer %s: %v", m.Digest, err)
		}
	}
	h, _ := strings.CutPrefix(d.DigestStr(), "sha256:")
	if desc, err := remote.Head(d.Context().Tag("sha256-" + h)); err == nil {
		if err := remote.Delete(d.Context().Digest(desc.Digest.String())); err != nil {
			t.Fatalf("deleting the referrers tag: %v", err)
		}
	}
}

// copyLegacy copies the legacy .att image of from to that of to: an attestation of one
// image presented as another's.
func copyLegacy(t *testing.T, from, to string) {
	t.Helper()
	att := func(ref string) name.Tag {
		d, err := name.NewDigest(ref, name.Insecure)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := strings.CutPrefix(d.DigestStr(), "sha256:")
		return d.Context().Tag("sha256-" + h + ".att")
	}
	img, err := remote.Image(att(from))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(att(to), img); err != nil {
		t.Fatal(err)
	}
}

// candorPredicate is the predicate of candor's attestation of the image ref, attested in
// another repository of the registry (the same digest: the same image), as JSON in a file.
func (w *world) candorPredicate(t *testing.T, ns, ref, imageCase, label string) string {
	t.Helper()
	src := w.image(t, ns+"/predicate-source", imageCase)
	if digestOf(src) != digestOf(ref) {
		t.Fatalf("the predicate's image %s is not %s", src, ref)
	}
	env := w.path(label + ".predsrc.intoto.json")
	w.candorOK(t, "attest", "--push", "--insecure-registry", "--disclosure", "disclosure.yaml", "--key", "candor.key",
		"--bundle", label+".predsrc.sigstore.json", "-o", env, src)
	b, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	st, err := base64.StdEncoding.DecodeString(e.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(st, &s); err != nil {
		t.Fatal(err)
	}
	p := w.path(label + ".predicate.json")
	write(t, p, s.Predicate)
	return p
}

// statementType is the in-toto _type of the first statement candor saved for ref.
func (w *world) statementType(t *testing.T, ref string) string {
	t.Helper()
	b, err := os.ReadFile(savedPath(w, ref))
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	var e struct {
		Payload string `json:"payload"`
	}
	if err := json.Unmarshal(line, &e); err != nil {
		t.Fatal(err)
	}
	st, _ := base64.StdEncoding.DecodeString(e.Payload)
	var s struct {
		Type string `json:"_type"`
	}
	json.Unmarshal(st, &s)
	return s.Type
}

// run does every check with cosign c on the repositories under ns (host/vN).
func (w *world) run(t *testing.T, c cosignTool, ns string) {
	label := strings.NewReplacer("/", "_", ":", "_", ".", "_").Replace(ns)
	tr := []string{"--trusted-root", w.path("trusted_root.json")}
	attest := func(ref, out string, extra ...string) {
		t.Helper()
		args := append([]string{"attest", "--push", "--insecure-registry", "--disclosure", "disclosure.yaml", "--key", "candor.key",
			"--bundle", label + "-" + out + ".sigstore.json", "-o", label + "-" + out + ".intoto.json"}, extra...)
		w.candorOK(t, append(args, ref)...)
	}

	// candor → cosign. One image per form: cosign v2.6.5 and v3 read the referrer
	// bundles when an image has any, and then only them, so the legacy form is tested on
	// an image whose referrer was deleted.
	refOnly := w.image(t, ns+"/candor", "referrer")
	both := w.image(t, ns+"/candor", "both")
	legacyOnly := w.image(t, ns+"/candor", "legacy")
	attest(refOnly, "ref")
	attest(both, "both", "--legacy-att")
	attest(legacyOnly, "legacy", "--legacy-att")
	dropReferrers(t, legacyOnly)
	if got := w.found(t, legacyOnly); len(got) != 1 || !strings.HasPrefix(got[0], "legacy-att ") {
		t.Fatalf("after deleting the referrer, candor finds %q", got)
	}

	var rows []string
	accepted := 0
	for _, r := range readsCandor(c.version) {
		ref := map[form]string{formLegacy: legacyOnly, formReferrer: refOnly, formBoth: both}[r.form]
		flags := w.files(r.flags)
		out, err := w.cosign(t, c, verifyArgs("candor.pub", ref, flags...)...)
		res := "accepted"
		if err != nil {
			res = "refused: " + lastLine(out)
		} else {
			accepted++
		}
		rows = append(rows, fmt.Sprintf("%-8s %-34s %-62s %s", c.version, r.form, strings.Join(r.flags, " "), res))
		if r.accept && err != nil {
			t.Errorf("cosign %s refused candor's %s with %q:\n%s", c.version, r.form, r.flags, out)
		}
	}
	t.Logf("cosign verify-attestation of candor's attestations:\n%s", strings.Join(rows, "\n"))
	if accepted == 0 {
		t.Errorf("cosign %s verified no form of candor's attestation", c.version)
	}

	// Refused by cosign: another key; candor's attestation of another image attached to
	// this one (both forms, by candor attach), and its .att image copied.
	refused := func(what string, args []string) {
		t.Helper()
		out, err := w.cosign(t, c, args...)
		if err == nil {
			t.Errorf("cosign %s accepted %s:\n%s", c.version, what, out)
			return
		}
		t.Logf("cosign %s refuses %s: %s", c.version, what, lastLine(out))
	}
	refused("candor's legacy .att with another key", verifyArgs("other/candor.pub", legacyOnly))
	refused("candor's referrer with another key", verifyArgs("other/candor.pub", refOnly, tr...))
	moved := w.image(t, ns+"/candor", "moved")
	w.candorOK(t, "attach", "--insecure-registry", "--legacy-att", "--key", "candor.pub", moved, label+"-both.sigstore.json")
	refused("the referrer of another image", verifyArgs("candor.pub", moved, tr...))
	copied := w.image(t, ns+"/candor", "copied")
	copyLegacy(t, legacyOnly, copied)
	refused("the .att of another image", verifyArgs("candor.pub", copied))
	// candor verify --pull accepts its own attestations where they are (so that its
	// refusals below mean something), not with another key.
	for _, ref := range []string{refOnly, both, legacyOnly} {
		if code, out := w.verifyPulled(t, ref, "candor.pub"); code != 0 {
			t.Errorf("candor verify --pull %s: exit %d\n%s", ref, code, out)
		}
	}
	if code, out := w.verifyPulled(t, both, "other/candor.pub"); code != 1 || !strings.Contains(out, "FAIL  signature") {
		t.Errorf("candor verify --pull with another key: exit %d, want 1 at the signature step:\n%s", code, out)
	}
	// candor refuses another image's attestation, at the subject step.
	for _, ref := range []string{moved, copied} {
		code, out := w.verifyPulled(t, ref, "candor.pub")
		if code != 1 || !subjectFailed(out) {
			t.Errorf("candor verify of another image's attestation at %s: exit %d, want 1 at the subject step:\n%s", ref, code, out)
		}
	}

	// cosign → candor: cosign attest (legacy .att) and --new-bundle-format (a referrer),
	// the predicate candor's own for the same image.
	for _, k := range cosignAttests(c.version) {
		ref := w.image(t, ns+"/"+k.label, k.label)
		pred := w.candorPredicate(t, ns, ref, k.label, label+"-"+k.label)
		args := append([]string{"attest", "--key", "cosign.key", "--type", predicate.PredicateType, "--predicate", pred,
			"--allow-insecure-registry"}, w.files(k.flags)...)
		if out, err := w.cosign(t, c, append(args, ref)...); err != nil {
			t.Errorf("cosign %s attest %q: %v\n%s", c.version, k.flags, err, out)
			continue
		}
		got := w.found(t, ref)
		if len(got) != 1 || !strings.HasPrefix(got[0], k.source) {
			t.Errorf("candor finds %q for cosign attest %q, want one from %s", got, k.flags, k.source)
			continue
		}
		code, out := w.verifyPulled(t, ref, "cosign.pub")
		st := w.statementType(t, ref)
		if code != 0 {
			t.Errorf("candor verify --key cosign.pub of cosign %s attest %q (%s): exit %d\n%s", c.version, k.flags, st, code, out)
		} else {
			t.Logf("cosign %s attest %q writes %s: candor verify passes it", c.version, k.flags, st)
		}
		// Another key: the signature step fails.
		if code, out := w.verifyPulled(t, ref, "candor.pub"); code != 1 || !strings.Contains(out, "FAIL  signature") {
			t.Errorf("candor verify of cosign's attestation with another key: exit %d, want 1 at the signature step:\n%s", code, out)
		}
		// Another image: cosign's .att copied to it, or its envelope attached to it by
		// candor attach; cosign and candor refuse it there.
		dst := w.image(t, ns+"/"+k.label, k.label+"-moved")
		var trFlags []string
		if k.source == "legacy-att" {
			copyLegacy(t, ref, dst)
		} else {
			env := w.path(label + "-" + k.label + ".intoto.json")
			b, err := os.ReadFile(savedPath(w, ref))
			if err != nil {
				t.Fatal(err)
			}
			write(t, env, bytes.TrimSpace(b))
			w.candorOK(t, "attach", "--insecure-registry", "--key", "cosign.pub", dst, env)
			trFlags = tr
		}
		refused("cosign's attestation of another image", verifyArgs("cosign.pub", dst, trFlags...))
		if code, out := w.verifyPulled(t, dst, "cosign.pub"); code != 1 {
			t.Errorf("candor verify of cosign's attestation of another image: exit %d, want 1:\n%s", code, out)
		}
	}
}

// subjectFailed: candor verify's output has the subject step failing, and no attestation
// failing before it (candor prints an attestation's own verdict only when it fails).
func subjectFailed(out string) bool {
	return strings.Contains(out, "FAIL  subject") && !strings.Contains(out, "failed verification")
}

// files replaces the names TRUSTED_ROOT and SIGNING_CONFIG in flags with the files.
func (w *world) files(flags []string) []string {
	out := make([]string, len(flags))
	for i, f := range flags {
		switch f {
		case "TRUSTED_ROOT":
			f = w.path("trusted_root.json")
		case "SIGNING_CONFIG":
			f = w.path("signing_config.json")
		}
		out[i] = f
	}
	return out
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
