//go:build interop

package interop

// Interoperability of candor's in-toto links and layouts (package intoto, through
// in-toto-golang) with in-toto's reference implementation: Debian's in-toto package
// (Python; in-toto-run, in-toto-sign, in-toto-verify), which .ci/run installs.
//
// Key formats both accept: in-toto 1.3 reads RSA keys as PEM and Ed25519 and ECDSA keys in
// securesystemslib's JSON format; candor reads PEM (PKCS #8). The tests make each key in Go
// and write it in both formats; the in-toto key ids agree (checked).

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	in_toto "github.com/in-toto/in-toto-golang/in_toto"

	"github.com/candor-dev/candor/intoto"
	"github.com/candor-dev/candor/signing"
)

// intotoTools returns the paths of in-toto's reference commands. Outside CI a missing
// command skips the test; with CI=true it fails it.
func intotoTools(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, name := range []string{"in-toto-run", "in-toto-sign", "in-toto-verify"} {
		p, err := exec.LookPath(name)
		if err != nil {
			msg := fmt.Sprintf("%s not found: in-toto's reference implementation is not installed (Debian: apt-get install in-toto; .ci/run installs it)", name)
			if os.Getenv("CI") == "true" {
				t.Fatal(msg)
			}
			t.Skip(msg + "; skipped outside CI")
		}
		out[name] = p
	}
	return out
}

// intotoRun runs an in-toto command in dir and returns its exit code and output.
func intotoRun(t *testing.T, dir, exe string, args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var b bytes.Buffer
	cmd.Stdout, cmd.Stderr = &b, &b
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, b.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), b.String()
	}
	t.Fatalf("%s %v: %v\n%s", exe, args, err, b.String())
	return -1, ""
}

// intotoKey is one key in both implementations' formats.
type intotoKey struct {
	kind    string // in-toto's --key-type: rsa, ed25519, ecdsa
	private string // the private key file in-toto reads
	public  string // the public key file in-toto reads
	pub     crypto.PublicKey
	signer  *signing.Signer // candor's signer of the same key (not for RSA: see package intoto)
	keyID   string
}

func newIntotoKey(t *testing.T, dir, name, kind string) *intotoKey {
	t.Helper()
	var (
		priv crypto.Signer
		err  error
	)
	switch kind {
	case "ed25519":
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case "p256":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "rsa":
		priv, err = rsa.GenerateKey(rand.Reader, 3072)
	}
	if err != nil || priv == nil {
		t.Fatalf("key %s: %v", kind, err)
	}
	k := &intotoKey{pub: priv.Public(), private: filepath.Join(dir, name), public: filepath.Join(dir, name+".pub")}
	it, err := intoto.KeyFromPublic(k.pub)
	if err != nil {
		t.Fatal(err)
	}
	k.keyID = it.KeyID
	pkcs8, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8PEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})
	candorKey := filepath.Join(dir, name+".candor.pem")
	write(t, candorKey, pkcs8PEM)
	if kind != "rsa" {
		if k.signer, err = signing.LoadSigner(context.Background(), candorKey, signing.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	// securesystemslib's JSON key: the in-toto key candor computes, with the private part.
	sslib := func(private string) []byte {
		m := map[string]any{"keyid": it.KeyID, "keytype": it.KeyType, "scheme": it.Scheme,
			"keyid_hash_algorithms": it.KeyIDHashAlgorithms, "keyval": map[string]string{"public": it.KeyVal.Public}}
		if private != "" {
			m["keyval"].(map[string]string)["private"] = private
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	switch kind {
	case "ed25519":
		k.kind = "ed25519"
		write(t, k.private, sslib(hex.EncodeToString(priv.(ed25519.PrivateKey).Seed())))
		write(t, k.public, sslib(""))
	case "p256", "p384":
		k.kind = "ecdsa"
		write(t, k.private, sslib(strings.TrimSpace(string(pkcs8PEM))))
		write(t, k.public, sslib(""))
	case "rsa":
		k.kind = "rsa"
		write(t, k.private, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv.(*rsa.PrivateKey))}))
		der, err := x509.MarshalPKIXPublicKey(k.pub)
		if err != nil {
			t.Fatal(err)
		}
		write(t, k.public, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	}
	return k
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// intotoLayout is the chain of the tests: in-toto-run's "build" step makes app, candor's
// "attest" step takes it as its material and makes app.intoto.json.
func intotoLayout(builder, vendor *intotoKey, buildCmd []string) in_toto.Layout {
	keys := map[string]in_toto.Key{}
	for _, k := range []*intotoKey{builder, vendor} {
		ik, _ := intoto.KeyFromPublic(k.pub)
		keys[ik.KeyID] = ik
	}
	return in_toto.Layout{
		Type:    "layout",
		Expires: intoto.Expires(time.Now().Add(24 * time.Hour)),
		Keys:    keys,
		Readme:  "candor interop",
		Steps: []in_toto.Step{
			{Type: "step", PubKeys: []string{builder.keyID}, Threshold: 1, ExpectedCommand: buildCmd,
				SupplyChainItem: in_toto.SupplyChainItem{Name: "build",
					ExpectedMaterials: [][]string{},
					ExpectedProducts:  [][]string{{"ALLOW", "app"}, {"DISALLOW", "*"}}}},
			{Type: "step", PubKeys: []string{vendor.keyID}, Threshold: 1, ExpectedCommand: []string{},
				SupplyChainItem: in_toto.SupplyChainItem{Name: "attest",
					ExpectedMaterials: [][]string{{"MATCH", "app", "WITH", "PRODUCTS", "FROM", "build"}, {"DISALLOW", "*"}},
					ExpectedProducts:  [][]string{{"ALLOW", "app.intoto.json"}, {"DISALLOW", "*"}}}},
		},
		Inspect: []in_toto.Inspection{},
	}
}

// TestIntotoChains builds the chain with in-toto-run's build link and candor's attest link,
// the layout signed by candor or by in-toto-sign, and has both in-toto-verify and candor
// verify it; then the same with the program changed between the steps, which both must
// refuse.
func TestIntotoChains(t *testing.T) {
	tools := intotoTools(t)
	cases := []struct {
		owner, builder, vendor string
		signLayout             string // "candor" or "in-toto-sign"
	}{
		{"ed25519", "ed25519", "p256", "candor"},
		{"p256", "p256", "ed25519", "candor"},
		{"ed25519", "rsa", "p384", "candor"},
		{"rsa", "ed25519", "p256", "in-toto-sign"},
		{"ed25519", "p256", "ed25519", "in-toto-sign"},
	}
	for _, c := range cases {
		for _, tamper := range []bool{false, true} {
			name := fmt.Sprintf("owner=%s,build=%s(in-toto-run),attest=%s(candor),layout=%s,tampered=%v", c.owner, c.builder, c.vendor, c.signLayout, tamper)
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				work := t.TempDir()
				keys := t.TempDir()
				links := filepath.Join(work, "links")
				if err := os.Mkdir(links, 0o755); err != nil {
					t.Fatal(err)
				}
				owner := newIntotoKey(t, keys, "owner", c.owner)
				builder := newIntotoKey(t, keys, "builder", c.builder)
				vendor := newIntotoKey(t, keys, "vendor", c.vendor)

				buildCmd := []string{"sh", "-c", "printf 'the program' > app"}
				args := append([]string{"-n", "build", "-k", builder.private, "-t", builder.kind, "-p", "app", "-d", links, "--"}, buildCmd...)
				if code, out := intotoRun(t, work, tools["in-toto-run"], args...); code != 0 {
					t.Fatalf("in-toto-run: exit %d\n%s", code, out)
				}
				if _, err := os.Stat(filepath.Join(links, fmt.Sprintf("build.%.8s.link", builder.keyID))); err != nil {
					t.Fatalf("in-toto-run's link is not named with the key id candor computes: %v", err)
				}
				app := filepath.Join(work, "app")
				if tamper {
					write(t, app, []byte("the program, changed after it was built"))
				}
				att := filepath.Join(work, "app.intoto.json")
				write(t, att, []byte(`{"payloadType":"application/vnd.in-toto+json","payload":"","signatures":[]}`))
				if _, err := intoto.RecordLink(ctx, links, "attest", []string{app}, []string{att}, vendor.signer,
					intoto.LinkOptions{StripPrefixes: []string{filepath.ToSlash(work) + "/"}}); err != nil {
					t.Fatal(err)
				}

				layout := filepath.Join(work, "root.layout")
				l := intotoLayout(builder, vendor, buildCmd)
				switch c.signLayout {
				case "candor":
					mb, err := intoto.SignLayout(ctx, l, owner.signer)
					if err != nil {
						t.Fatal(err)
					}
					if err := intoto.WriteMetablock(layout, mb); err != nil {
						t.Fatal(err)
					}
				case "in-toto-sign":
					if err := intoto.WriteMetablock(layout, &in_toto.Metablock{Signed: l, Signatures: []in_toto.Signature{}}); err != nil {
						t.Fatal(err)
					}
					if code, out := intotoRun(t, work, tools["in-toto-sign"], "-f", layout, "-k", owner.private, "-t", owner.kind, "-o", layout); code != 0 {
						t.Fatalf("in-toto-sign: exit %d\n%s", code, out)
					}
				}

				code, out := intotoRun(t, work, tools["in-toto-verify"], "--layout", layout, "--layout-keys", owner.public, "--key-types", owner.kind, "--link-dir", links, "-v")
				t.Logf("in-toto-verify: exit %d\n%s", code, out)
				res, err := intoto.VerifyLayout(layout, []crypto.PublicKey{owner.pub}, links, intoto.Options{})
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range res.Steps {
					t.Logf("candor: %s", s)
				}
				if tamper {
					if code != 1 {
						t.Errorf("in-toto-verify accepted a program changed between the steps: exit %d", code)
					}
					if res.OK {
						t.Error("candor accepted a program changed between the steps")
					}
					return
				}
				if code != 0 {
					t.Errorf("in-toto-verify refused the chain: exit %d", code)
				}
				if !res.OK {
					t.Error("candor refused the chain")
				}
				if _, ok := res.Products["app.intoto.json"]; !ok {
					t.Errorf("final products %v", res.Products)
				}

				// The attest link's product digest changed after signing: both refuse it.
				linkPath := filepath.Join(links, fmt.Sprintf("attest.%.8s.link", vendor.keyID))
				b, err := os.ReadFile(linkPath)
				if err != nil {
					t.Fatal(err)
				}
				var mb struct {
					Signed     map[string]any    `json:"signed"`
					Signatures []json.RawMessage `json:"signatures"`
				}
				if err := json.Unmarshal(b, &mb); err != nil {
					t.Fatal(err)
				}
				mb.Signed["products"] = map[string]any{"app.intoto.json": map[string]string{"sha256": strings.Repeat("0", 64)}}
				if b, err = json.Marshal(mb); err != nil {
					t.Fatal(err)
				}
				write(t, linkPath, b)
				if code, out := intotoRun(t, work, tools["in-toto-verify"], "--layout", layout, "--layout-keys", owner.public, "--key-types", owner.kind, "--link-dir", links); code != 1 {
					t.Errorf("in-toto-verify accepted a link whose product changed after signing: exit %d\n%s", code, out)
				}
				if res, err := intoto.VerifyLayout(layout, []crypto.PublicKey{owner.pub}, links, intoto.Options{}); err != nil || res.OK {
					t.Errorf("candor accepted a link whose product changed after signing: %v", err)
				}
			})
		}
	}
}

// TestIntotoSublayout: the two-step chain as the sublayout of a root layout's one step
// "release", its links in links/release.KEYID8/ as in-toto looks for them; both
// in-toto-verify and candor verify it.
func TestIntotoSublayout(t *testing.T) {
	tools := intotoTools(t)
	ctx := context.Background()
	work, keys := t.TempDir(), t.TempDir()
	owner := newIntotoKey(t, keys, "owner", "ed25519")
	subOwner := newIntotoKey(t, keys, "subowner", "p256")
	builder := newIntotoKey(t, keys, "builder", "ed25519")
	vendor := newIntotoKey(t, keys, "vendor", "p256")
	links := filepath.Join(work, "links")
	subLinks := filepath.Join(links, fmt.Sprintf("release.%.8s", subOwner.keyID))
	if err := os.MkdirAll(subLinks, 0o755); err != nil {
		t.Fatal(err)
	}
	buildCmd := []string{"sh", "-c", "printf 'the program' > app"}
	args := append([]string{"-n", "build", "-k", builder.private, "-t", builder.kind, "-p", "app", "-d", subLinks, "--"}, buildCmd...)
	if code, out := intotoRun(t, work, tools["in-toto-run"], args...); code != 0 {
		t.Fatalf("in-toto-run: exit %d\n%s", code, out)
	}
	app, att := filepath.Join(work, "app"), filepath.Join(work, "app.intoto.json")
	write(t, att, []byte(`{}`))
	if _, err := intoto.RecordLink(ctx, subLinks, "attest", []string{app}, []string{att}, vendor.signer,
		intoto.LinkOptions{StripPrefixes: []string{filepath.ToSlash(work) + "/"}}); err != nil {
		t.Fatal(err)
	}
	sub, err := intoto.SignLayout(ctx, intotoLayout(builder, vendor, buildCmd), subOwner.signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := intoto.WriteMetablock(filepath.Join(links, fmt.Sprintf("release.%.8s.link", subOwner.keyID)), sub); err != nil {
		t.Fatal(err)
	}
	sk, err := intoto.KeyFromPublic(subOwner.pub)
	if err != nil {
		t.Fatal(err)
	}
	root, err := intoto.SignLayout(ctx, in_toto.Layout{
		Type: "layout", Expires: intoto.Expires(time.Now().Add(time.Hour)), Readme: "",
		Keys: map[string]in_toto.Key{sk.KeyID: sk},
		Steps: []in_toto.Step{{Type: "step", PubKeys: []string{sk.KeyID}, Threshold: 1, ExpectedCommand: []string{},
			SupplyChainItem: in_toto.SupplyChainItem{Name: "release", ExpectedMaterials: [][]string{},
				ExpectedProducts: [][]string{{"ALLOW", "app.intoto.json"}, {"DISALLOW", "*"}}}}},
		Inspect: []in_toto.Inspection{},
	}, owner.signer)
	if err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(work, "root.layout")
	if err := intoto.WriteMetablock(layout, root); err != nil {
		t.Fatal(err)
	}
	if code, out := intotoRun(t, work, tools["in-toto-verify"], "--layout", layout, "--layout-keys", owner.public, "--key-types", owner.kind, "--link-dir", links); code != 0 {
		t.Errorf("in-toto-verify: exit %d\n%s", code, out)
	}
	res, err := intoto.VerifyLayout(layout, []crypto.PublicKey{owner.pub}, links, intoto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range res.Steps {
		t.Logf("candor: %s", s)
	}
	if !res.OK {
		t.Error("candor refused the chain")
	}
}
