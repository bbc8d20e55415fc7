package intoto

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	in_toto "github.com/in-toto/in-toto-golang/in_toto"

	"github.com/candor-dev/candor/signing"
)

// candor's signer is what RecordLink and SignLayout sign with.
var _ Signer = (*signing.Signer)(nil)

// newKey makes a private key of kind ("ed25519", "p256", "p384", "rsa"), writes it as an
// unencrypted PKCS #8 PEM file in dir, and loads it with candor's signing package, as
// candor attest loads the vendor's key.
func newKey(t testing.TB, dir, name, kind string) (*signing.Signer, crypto.PrivateKey) {
	t.Helper()
	var (
		priv crypto.PrivateKey
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
	default:
		t.Fatalf("key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name+".key")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := signing.LoadSigner(context.Background(), path, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

func mustKey(t testing.TB, pub crypto.PublicKey) in_toto.Key {
	t.Helper()
	k, err := KeyFromPublic(pub)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// chain is a two-step supply chain: "build" makes app (functionary builder), candor's
// "attest" step takes app as its material and makes app.intoto.json.
type chain struct {
	dir, links, layout string
	owner, builder     Signer
	vendor             Signer
}

func twoStepLayout(t testing.TB, builder, vendor Signer, expires time.Time) in_toto.Layout {
	bk, vk := mustKey(t, builder.Public()), mustKey(t, vendor.Public())
	return in_toto.Layout{
		Type:    "layout",
		Expires: Expires(expires),
		Keys:    map[string]in_toto.Key{bk.KeyID: bk, vk.KeyID: vk},
		Steps: []in_toto.Step{
			{
				Type: "step", PubKeys: []string{bk.KeyID}, Threshold: 1,
				SupplyChainItem: in_toto.SupplyChainItem{
					Name:             "build",
					ExpectedProducts: [][]string{{"ALLOW", "app"}, {"DISALLOW", "*"}},
				},
			},
			{
				Type: "step", PubKeys: []string{vk.KeyID}, Threshold: 1,
				SupplyChainItem: in_toto.SupplyChainItem{
					Name:              "attest",
					ExpectedMaterials: [][]string{{"MATCH", "app", "WITH", "PRODUCTS", "FROM", "build"}, {"DISALLOW", "*"}},
					ExpectedProducts:  [][]string{{"ALLOW", "app.intoto.json"}, {"DISALLOW", "*"}},
				},
			},
		},
		Inspect: []in_toto.Inspection{},
	}
}

// newChain writes the layout (signed by owner), app, the build link and candor's attest
// link. tamper, when set, changes app between the two steps.
func newChain(t testing.TB, ownerKind, builderKind, vendorKind string, tamper bool) *chain {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	c := &chain{dir: dir, links: filepath.Join(dir, "links"), layout: filepath.Join(dir, "root.layout")}
	if err := os.Mkdir(c.links, 0o755); err != nil {
		t.Fatal(err)
	}
	c.owner, _ = newKey(t, dir, "owner", ownerKind)
	c.builder, _ = newKey(t, dir, "builder", builderKind)
	c.vendor, _ = newKey(t, dir, "vendor", vendorKind)
	mb, err := SignLayout(ctx, twoStepLayout(t, c.builder, c.vendor, time.Now().Add(24*time.Hour)), c.owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteMetablock(c.layout, mb); err != nil {
		t.Fatal(err)
	}
	c.writeLinks(t, tamper)
	return c
}

func (c *chain) writeLinks(t testing.TB, tamper bool) {
	t.Helper()
	ctx := context.Background()
	app := filepath.Join(c.dir, "app")
	att := filepath.Join(c.dir, "app.intoto.json")
	writeFile(t, app, "\x7fELF the program")
	strip := []string{filepath.ToSlash(c.dir) + "/"}
	if _, err := RecordLink(ctx, c.links, "build", nil, []string{app}, c.builder, LinkOptions{StripPrefixes: strip, Command: []string{"go", "build"}}); err != nil {
		t.Fatal(err)
	}
	if tamper {
		writeFile(t, app, "\x7fELF the program, changed after it was built")
	}
	writeFile(t, att, `{"payloadType":"application/vnd.in-toto+json"}`)
	if _, err := RecordLink(ctx, c.links, "attest", []string{app}, []string{att}, c.vendor, LinkOptions{StripPrefixes: strip}); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (c *chain) verify(t testing.TB, opts Options) (*Result, error) {
	t.Helper()
	return VerifyLayout(c.layout, []crypto.PublicKey{c.owner.Public()}, c.links, opts)
}

func stepLine(t testing.TB, res *Result, name string) StepResult {
	t.Helper()
	for _, s := range res.Steps {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no line %q in %+v", name, res.Steps)
	return StepResult{}
}

func linkFile(t testing.TB, dir, step string) string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, step+".*.link"))
	if err != nil || len(m) != 1 {
		t.Fatalf("links of %s in %s: %v %v", step, dir, m, err)
	}
	return m[0]
}
