package intoto

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	in_toto "github.com/in-toto/in-toto-golang/in_toto"
)

func TestRecordAndVerify(t *testing.T) {
	for _, kinds := range [][3]string{{"ed25519", "ed25519", "ed25519"}, {"p256", "p384", "p256"}, {"ed25519", "p256", "p384"}} {
		t.Run(strings.Join(kinds[:], "-"), func(t *testing.T) {
			c := newChain(t, kinds[0], kinds[1], kinds[2], false)
			res, err := c.verify(t, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK {
				t.Fatalf("chain did not verify: %+v", res.Steps)
			}
			if len(res.Steps) != 3 {
				t.Fatalf("want a line for the layout and each step: %+v", res.Steps)
			}
			for _, s := range res.Steps {
				if !s.OK || !strings.HasPrefix(s.String(), "pass  ") {
					t.Errorf("line %s", s)
				}
			}
			if got := stepLine(t, res, "attest"); len(got.Signed) != 1 {
				t.Errorf("attest signed by %v", got.Signed)
			}
			if _, ok := res.Products["app.intoto.json"]["sha256"]; !ok || len(res.Products) != 1 {
				t.Errorf("final products %v", res.Products)
			}
			b, err := os.ReadFile(filepath.Join(c.dir, "app.intoto.json"))
			if err != nil {
				t.Fatal(err)
			}
			if name, ok := res.ProductWithSHA256(fmt.Sprintf("%x", sha256.Sum256(b))); !ok || name != "app.intoto.json" {
				t.Errorf("the attestation among the products: %q %v", name, ok)
			}
			if _, ok := res.ProductWithSHA256(strings.Repeat("0", 64)); ok {
				t.Error("a digest that is no product found")
			}
			if _, ok := res.Materials["app"]; ok {
				t.Errorf("materials of the first step (none) are %v", res.Materials)
			}
			// The file name is STEP.KEYID8.link with the in-toto key id.
			id, err := KeyID(c.vendor.Public())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(c.links, "attest."+id[:8]+".link")); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestTamperedProductFails(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "p256", true)
	res, err := c.verify(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK {
		t.Fatal("a program changed between build and attest verified")
	}
	if !stepLine(t, res, "build").OK {
		t.Error("build failed, want only attest to fail")
	}
	if a := stepLine(t, res, "attest"); a.OK || !strings.Contains(a.Reason, "DISALLOW") {
		t.Errorf("attest: %s", a)
	}
	if res.Products != nil {
		t.Errorf("products of a failed chain: %v", res.Products)
	}
}

func TestBadSignatureFails(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	p := linkFile(t, c.links, "build")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var mb map[string]any
	if err := json.Unmarshal(b, &mb); err != nil {
		t.Fatal(err)
	}
	mb["signed"].(map[string]any)["command"] = []string{"evil"}
	b, _ = json.Marshal(mb)
	writeFile(t, p, string(b))
	res, err := c.verify(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK {
		t.Fatal("a link whose content changed after signing verified")
	}
	if s := stepLine(t, res, "build"); s.OK || !strings.Contains(s.Reason, "'0' out of '1'") {
		t.Errorf("build: %s", s)
	}
}

func TestWrongLayoutKeyFails(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	other, _ := newKey(t, t.TempDir(), "other", "ed25519")
	res, err := VerifyLayout(c.layout, []crypto.PublicKey{other.Public()}, c.links, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK || stepLine(t, res, "root").OK || stepLine(t, res, "build").OK {
		t.Fatalf("layout verified with a key that did not sign it: %+v", res.Steps)
	}
}

func TestExpiredLayoutFails(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	mb, err := SignLayout(context.Background(), twoStepLayout(t, c.builder, c.vendor, time.Now().Add(-time.Hour)), c.owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteMetablock(c.layout, mb); err != nil {
		t.Fatal(err)
	}
	res, err := c.verify(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if l := stepLine(t, res, "root"); res.OK || l.OK || !strings.Contains(l.Reason, "expired") {
		t.Fatalf("expired layout: %s", l)
	}
}

func TestThresholdNotMet(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	second, _ := newKey(t, c.dir, "builder2", "p256")
	l := twoStepLayout(t, c.builder, c.vendor, time.Now().Add(time.Hour))
	k2 := mustKey(t, second.Public())
	l.Keys[k2.KeyID] = k2
	l.Steps[0].PubKeys = append(l.Steps[0].PubKeys, k2.KeyID)
	l.Steps[0].Threshold = 2
	mb, err := SignLayout(context.Background(), l, c.owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteMetablock(c.layout, mb); err != nil {
		t.Fatal(err)
	}
	res, err := c.verify(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := stepLine(t, res, "build"); res.OK || s.OK || !strings.Contains(s.Reason, "requires '2'") {
		t.Fatalf("threshold 2 with one link: %s", s)
	}
	// With the second builder's link, it holds.
	app := filepath.Join(c.dir, "app")
	if _, err := RecordLink(context.Background(), c.links, "build", nil, []string{app}, second, LinkOptions{StripPrefixes: []string{filepath.ToSlash(c.dir) + "/"}}); err != nil {
		t.Fatal(err)
	}
	res, err = c.verify(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := stepLine(t, res, "build"); !res.OK || len(s.Signed) != 2 {
		t.Fatalf("two builders: %+v", res.Steps)
	}
}

func TestUnparseableLinkIsNamed(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	for name, content := range map[string]string{
		"build.0badf00d.link": `{"signed": {"_type": "link"`,
		"other.link":          `{"signed": {"_type": "link", "name": "x"}, "signatures": []}`,
		"attest.12345678.link": `{"signed": {"_type": "link", "name": "attest", "materials": {}, "products": {},
			"byproducts": {}, "command": [], "environment": {}, "extra": 1}, "signatures": []}`,
	} {
		t.Run(name, func(t *testing.T) {
			p := filepath.Join(c.links, name)
			writeFile(t, p, content)
			defer os.Remove(p)
			_, err := c.verify(t, Options{})
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), p) {
				t.Fatalf("want an input error naming %s, got %v", p, err)
			}
		})
	}
}

func TestLinkNamedForAnotherKey(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	p := linkFile(t, c.links, "build")
	q := filepath.Join(c.links, "build.abcdef01.link")
	if err := os.Rename(p, q); err != nil {
		t.Fatal(err)
	}
	_, err := c.verify(t, Options{})
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), q) {
		t.Fatalf("want an input error naming %s, got %v", q, err)
	}
}

func TestLinkOfAnotherStepFails(t *testing.T) {
	// The same functionary is authorized for both steps; its build link, renamed to be the
	// attest link, must not count for attest.
	ctx := context.Background()
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	l := twoStepLayout(t, c.builder, c.builder, time.Now().Add(time.Hour))
	l.Steps[1].ExpectedMaterials = [][]string{{"ALLOW", "*"}}
	l.Steps[1].ExpectedProducts = [][]string{{"ALLOW", "*"}}
	mb, err := SignLayout(ctx, l, c.owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteMetablock(c.layout, mb); err != nil {
		t.Fatal(err)
	}
	os.Remove(linkFile(t, c.links, "attest"))
	p := linkFile(t, c.links, "build")
	b, _ := os.ReadFile(p)
	writeFile(t, filepath.Join(c.links, "attest"+strings.TrimPrefix(filepath.Base(p), "build")), string(b))
	res, err := c.verify(t, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s := stepLine(t, res, "attest"); res.OK || s.OK || !strings.Contains(s.Reason, `records step "build"`) {
		t.Fatalf("attest: %s", s)
	}
}

func TestInspections(t *testing.T) {
	ctx := context.Background()
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	l := twoStepLayout(t, c.builder, c.vendor, time.Now().Add(time.Hour))
	marker := filepath.Join(c.dir, "ran")
	l.Inspect = []in_toto.Inspection{{
		Type: "inspection",
		Run:  []string{"touch", marker},
		SupplyChainItem: in_toto.SupplyChainItem{
			Name:              "check",
			ExpectedMaterials: [][]string{{"ALLOW", "*"}},
			ExpectedProducts:  [][]string{{"ALLOW", "*"}},
		},
	}}
	mb, err := SignLayout(ctx, l, c.owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteMetablock(c.layout, mb); err != nil {
		t.Fatal(err)
	}
	if _, err := c.verify(t, Options{}); !errors.Is(err, ErrInspections) {
		t.Fatalf("layout with inspections: %v", err)
	}
	if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the inspection ran although refused: %v", err)
	}
	run := t.TempDir()
	res, err := c.verify(t, Options{AllowInspectionsUnsafe: true, InspectionDir: run})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || !stepLine(t, res, "check").OK {
		t.Fatalf("allowed inspection: %+v", res.Steps)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Fatalf("the allowed inspection did not run: %v", err)
	}
	if _, err := os.Stat("check.link"); err == nil {
		os.Remove("check.link")
		t.Fatal("the inspection's link was written to the working directory")
	}
	// An inspection that fails fails its line.
	l.Inspect[0].Run = []string{"false"}
	if mb, err = SignLayout(ctx, l, c.owner); err != nil {
		t.Fatal(err)
	}
	if err := WriteMetablock(c.layout, mb); err != nil {
		t.Fatal(err)
	}
	res, err = c.verify(t, Options{AllowInspectionsUnsafe: true, InspectionDir: run})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK {
		t.Fatalf("failing inspection: %+v", res.Steps)
	}
}

func TestSublayout(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	owner, _ := newKey(t, dir, "owner", "ed25519")
	subOwner, _ := newKey(t, dir, "subowner", "p256")
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	// The sublayout is the two-step chain, signed by subOwner, who is the functionary of the
	// root layout's one step "release".
	sub, err := SignLayout(ctx, twoStepLayout(t, c.builder, c.vendor, time.Now().Add(time.Hour)), subOwner)
	if err != nil {
		t.Fatal(err)
	}
	sk := mustKey(t, subOwner.Public())
	links := filepath.Join(dir, "links")
	if err := os.MkdirAll(links, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteMetablock(filepath.Join(links, fmt.Sprintf("release.%.8s.link", sk.KeyID)), sub); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(c.links, filepath.Join(links, fmt.Sprintf("release.%.8s", sk.KeyID))); err != nil {
		t.Fatal(err)
	}
	root := in_toto.Layout{
		Type: "layout", Expires: Expires(time.Now().Add(time.Hour)),
		Keys: map[string]in_toto.Key{sk.KeyID: sk},
		Steps: []in_toto.Step{{Type: "step", PubKeys: []string{sk.KeyID}, Threshold: 1, SupplyChainItem: in_toto.SupplyChainItem{
			Name: "release", ExpectedProducts: [][]string{{"ALLOW", "app.intoto.json"}, {"DISALLOW", "*"}},
		}}},
		Inspect: []in_toto.Inspection{},
	}
	mb, err := SignLayout(ctx, root, owner)
	if err != nil {
		t.Fatal(err)
	}
	layout := filepath.Join(dir, "root.layout")
	if err := WriteMetablock(layout, mb); err != nil {
		t.Fatal(err)
	}
	res, err := VerifyLayout(layout, []crypto.PublicKey{owner.Public()}, links, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK || !stepLine(t, res, "release").Sublayout || !stepLine(t, res, "release/attest").OK {
		t.Fatalf("sublayout: %+v", res.Steps)
	}
	if _, ok := res.Products["app.intoto.json"]; !ok {
		t.Errorf("products %v", res.Products)
	}
	if _, err := VerifyLayout(layout, []crypto.PublicKey{owner.Public()}, links, Options{MaxDepth: 1}); err != nil {
		t.Fatalf("depth 1 allows one sublayout: %v", err)
	}
}

func TestBounds(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	if _, err := c.verify(t, Options{MaxLinks: 1}); !errors.Is(err, ErrInput) {
		t.Errorf("two links, at most one: %v", err)
	}
	if _, err := c.verify(t, Options{MaxFileBytes: 512}); !errors.Is(err, ErrInput) {
		t.Errorf("files over 512 bytes: %v", err)
	}
	if _, err := c.verify(t, Options{MaxTotalBytes: 3000}); !errors.Is(err, ErrInput) {
		t.Errorf("layout and links over 3000 bytes together: %v", err)
	}
	if _, err := c.verify(t, Options{MaxTotalBytes: 1 << 20}); err != nil {
		t.Errorf("within 1 MiB: %v", err)
	}
	deep := strings.Repeat("[", 100) + strings.Repeat("]", 100)
	writeFile(t, filepath.Join(c.links, "deep.link"), `{"signed":`+deep+`}`)
	if _, err := c.verify(t, Options{}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "deep.link") {
		t.Errorf("deep JSON: %v", err)
	}
}

func TestThresholdZeroRefused(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	l := twoStepLayout(t, c.builder, c.vendor, time.Now().Add(time.Hour))
	l.Steps[0].Threshold = 0
	mb, err := SignLayout(context.Background(), l, c.owner)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteMetablock(c.layout, mb); err != nil {
		t.Fatal(err)
	}
	os.Remove(linkFile(t, c.links, "build"))
	if _, err := c.verify(t, Options{}); !errors.Is(err, ErrInput) {
		t.Fatalf("threshold 0: %v", err)
	}
}

func TestRSASignerRefused(t *testing.T) {
	dir := t.TempDir()
	s, _ := newKey(t, dir, "rsa", "rsa")
	writeFile(t, filepath.Join(dir, "app"), "x")
	_, err := RecordLink(context.Background(), dir, "attest", []string{filepath.Join(dir, "app")}, nil, s, LinkOptions{})
	if !errors.Is(err, ErrKey) {
		t.Fatalf("candor's RSA keys sign PKCS #1 v1.5, which in-toto does not accept: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, "*.link")); len(m) != 0 {
		t.Fatalf("wrote %v", m)
	}
}

func TestStepNameChecked(t *testing.T) {
	dir := t.TempDir()
	s, _ := newKey(t, dir, "k", "ed25519")
	for _, name := range []string{"", "../x", "a/b", ".hidden"} {
		if _, err := RecordLink(context.Background(), dir, name, nil, nil, s, LinkOptions{}); !errors.Is(err, ErrInput) {
			t.Errorf("step %q: %v", name, err)
		}
	}
}

func TestLineEscaped(t *testing.T) {
	s := StepResult{Kind: KindStep, Name: "x\x1b[2J", Reason: "r"}
	if strings.Contains(s.String(), "\x1b") {
		t.Fatalf("%q", s.String())
	}
}

func TestStepNamesAreFileNames(t *testing.T) {
	c := newChain(t, "ed25519", "ed25519", "ed25519", false)
	for _, name := range []string{"../build", "a/b", "..", ""} {
		l := twoStepLayout(t, c.builder, c.vendor, time.Now().Add(time.Hour))
		l.Steps[0].Name = name
		mb := &in_toto.Metablock{Signed: l, Signatures: []in_toto.Signature{}}
		if err := WriteMetablock(c.layout, mb); err != nil {
			t.Fatal(err)
		}
		if _, err := c.verify(t, Options{}); !errors.Is(err, ErrInput) {
			t.Errorf("step %q: %v", name, err)
		}
	}
}

func TestKeyTypes(t *testing.T) {
	k, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := KeyFromPublic(&k.PublicKey); !errors.Is(err, ErrKey) {
		t.Errorf("P-521 (which in-toto's reference implementation does not read): %v", err)
	}
	if _, err := KeyFromPublic("not a key"); !errors.Is(err, ErrKey) {
		t.Errorf("a string: %v", err)
	}
	if _, err := VerifyLayout("x", nil, t.TempDir(), Options{}); !errors.Is(err, ErrKey) {
		t.Errorf("no layout key: %v", err)
	}
}
