// Package inspecttest makes attestation chains for tests of candor inspect: keys, in-toto
// statements of the predicate types inspect reads, and signed DSSE envelopes.
package inspecttest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/candor-dev/candor/signing"
)

// Key writes an unencrypted PKCS#8 ECDSA P-256 key pair into dir as NAME.key and NAME.pub,
// and returns its signer and the public key's path.
func Key(tb testing.TB, dir, name string) (*signing.Signer, string) {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		tb.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	priv, pub := filepath.Join(dir, name+".key"), filepath.Join(dir, name+".pub")
	if err := os.WriteFile(priv, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		tb.Fatal(err)
	}
	s, err := signing.LoadSigner(context.Background(), priv, signing.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return s, pub
}

// Statement returns an in-toto Statement v1 about one subject (name and sha256).
func Statement(tb testing.TB, name, sha256, predicateType string, pred any) []byte {
	tb.Helper()
	b, err := json.Marshal(map[string]any{
		"_type":         "https://in-toto.io/Statement/v1",
		"subject":       []any{map[string]any{"name": name, "digest": map[string]string{"sha256": sha256}}},
		"predicateType": predicateType,
		"predicate":     pred,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Sign wraps a statement in a DSSE envelope signed by s, on one line (for a bundle) when
// line is set, indented otherwise; the bytes end in a newline.
func Sign(tb testing.TB, s signing.EnvelopeSigner, statement []byte, line bool) []byte {
	tb.Helper()
	env, err := signing.SignEnvelope(context.Background(), "application/vnd.in-toto+json", statement, s)
	if err != nil {
		tb.Fatal(err)
	}
	f := signing.FormatJSON
	if line {
		f = signing.FormatJSONL
	}
	b, err := signing.MarshalEnvelope(env, f)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Provenance returns an SLSA provenance v1 predicate: a builder, a build type and one
// resolved dependency, the source repository at a commit.
func Provenance(repo, commit string) map[string]any {
	return map[string]any{
		"buildDefinition": map[string]any{
			"buildType":          "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
			"externalParameters": map[string]any{"workflow": map[string]any{"repository": repo, "ref": "refs/tags/v1.0.0", "path": ".github/workflows/release.yml"}},
			"resolvedDependencies": []any{
				map[string]any{"uri": "git+" + repo + "@refs/tags/v1.0.0", "digest": map[string]string{"gitCommit": commit}},
			},
		},
		"runDetails": map[string]any{
			"builder":  map[string]any{"id": "https://github.com/actions/runner/github-hosted"},
			"metadata": map[string]any{"invocationId": "https://github.com/acme/agent/actions/runs/1/attempts/1"},
		},
	}
}

// Module is a Go module for [CycloneDX].
type Module struct{ Path, Version string }

// CycloneDX returns a CycloneDX 1.5 BOM listing the main module and mods as Go modules.
func CycloneDX(main string, mods ...Module) map[string]any {
	var comps []any
	for _, m := range mods {
		comps = append(comps, map[string]any{"type": "library", "name": m.Path, "version": m.Version,
			"purl": "pkg:golang/" + m.Path + "@" + m.Version})
	}
	return map[string]any{
		"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
		"metadata":   map[string]any{"component": map[string]any{"type": "application", "name": main, "purl": "pkg:golang/" + main + "@v1.0.0"}},
		"components": comps,
	}
}
