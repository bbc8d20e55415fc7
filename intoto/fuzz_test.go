package intoto

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recovered is in the error of a panic that VerifyLayout or the reader caught: the fuzzers
// treat it as the panic it was.
const recovered = "in-toto-golang failed"

// FuzzParse feeds the reader that stands in front of in-toto-golang arbitrary bytes: it
// must return metadata or an error wrapping ErrInput that names the file, never panic.
func FuzzParse(f *testing.F) {
	c := newChain(f, "ed25519", "ed25519", "p256", false)
	for _, p := range []string{c.layout, linkFile(f, c.links, "build"), linkFile(f, c.links, "attest")} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"payloadType":"application/vnd.in-toto+json","payload":"e30=","signatures":[]}`))
	f.Add([]byte(`{"signed":{"_type":"layout"},"signatures":null}`))
	f.Add([]byte(`{"signed":{"_type":"link","name":"a","materials":{"x":{"sha256":"zz"}},"products":{},"byproducts":{},"command":[],"environment":{}},"signatures":[{"keyid":"ab","sig":"cd"}]}`))
	tmp := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		r := &reader{tmp: tmp, maxBytes: DefaultMaxFileBytes, maxLinks: DefaultMaxLinks}
		md, err := r.parse("in.link", b)
		if err != nil {
			if !strings.Contains(err.Error(), "in.link") || strings.Contains(err.Error(), recovered) {
				t.Fatalf("error %v", err)
			}
			return
		}
		if md.GetPayload() == nil {
			t.Fatal("metadata without a payload")
		}
	})
}

// FuzzVerifyLink puts arbitrary bytes in the place of the build step's link of a valid
// chain: VerifyLayout must fail (an error or a negative verdict) without panicking, unless
// the bytes are the real link.
func FuzzVerifyLink(f *testing.F) {
	c := newChain(f, "ed25519", "ed25519", "ed25519", false)
	p := linkFile(f, c.links, "build")
	orig, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(orig)
	f.Add([]byte(strings.Replace(string(orig), `"sha256"`, `"sha512"`, 1)))
	f.Add([]byte(strings.Replace(string(orig), `"app"`, `"../app"`, 1)))
	att, err := os.ReadFile(linkFile(f, c.links, "attest"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(att)
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := c.verify(t, Options{})
		if err != nil {
			if strings.Contains(err.Error(), recovered) {
				t.Fatal(err)
			}
			return
		}
		if res.OK && string(b) != string(orig) && !sameLink(t, b, orig) {
			t.Fatalf("verified with a build link that is not the one signed:\n%s", b)
		}
	})
}

// sameLink says whether b signs the same link as orig (JSON that differs only in spacing
// or key order, which the canonical form signed does not see).
func sameLink(t *testing.T, b, orig []byte) bool {
	dir := t.TempDir()
	r := &reader{tmp: dir, maxBytes: DefaultMaxFileBytes}
	m1, err1 := r.parse(filepath.Join(dir, "a"), b)
	m2, err2 := r.parse(filepath.Join(dir, "b"), orig)
	if err1 != nil || err2 != nil {
		return false
	}
	s1, _ := m1.Sigs(), 0
	s2 := m2.Sigs()
	return len(s1) > 0 && len(s2) > 0 && s1[0].Sig == s2[0].Sig
}
