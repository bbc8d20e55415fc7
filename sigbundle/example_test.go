package sigbundle_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"

	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	"github.com/sigstore/sigstore/pkg/signature"
)

var cases = filepath.Join("..", "testdata", "conformance", "sigstore-bundle-verify")

// Verifying a keyless bundle offline, as candor verify --trusted-root FILE
// --certificate-identity ID --certificate-oidc-issuer URL does.
func Example_keyless() {
	tr, err := sigbundle.LoadTrustedRoot(filepath.Join(cases, "public-good-trusted-root.json")) // --trusted-root
	if err != nil {
		panic(err)
	}
	v, err := sigbundle.NewVerifier(sigbundle.Options{
		TrustedRoot: tr,
		Identity: sigbundle.Identity{
			Identity: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
			Issuer:   "https://token.actions.githubusercontent.com",
		},
	})
	if err != nil {
		panic(err)
	}
	path := filepath.Join(cases, "happy-path-intoto-in-dsse-v3", "bundle.sigstore.json")
	data, _ := os.ReadFile(path)
	fmt.Println("bundle:", sigbundle.IsBundle(data)) // a bundle, not a DSSE envelope
	results, err := v.VerifyFile(path, sigbundle.ArtifactFile(filepath.Join(cases, "a.txt")))
	if err != nil {
		panic(err)
	}
	r := results[0]
	// r.Payload is the verified in-toto statement, for candor's statement, subject,
	// predicate and policy steps.
	fmt.Println(r.Content, r.PayloadType, r.TlogChecked, r.Issuer)
	// Output:
	// bundle: true
	// dsse application/vnd.in-toto+json true https://token.actions.githubusercontent.com
}

// Writing a key-signed bundle of candor's envelope (candor attest --bundle), and verifying
// it with the key (candor verify --key).
func Example_keySigned() {
	ctx := context.Background()
	priv, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sv, _ := signature.LoadDefaultSignerVerifier(priv)
	signer, _ := signing.NewSigner(ctx, sv, "vendor.key") // attest: signing.LoadSigner
	statement := []byte(`{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a.txt","digest":{"sha256":"a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447"}}],"predicateType":"https://candor.dev/attestation/disclosure/v1","predicate":{}}`)
	env, _ := signing.SignEnvelope(ctx, "application/vnd.in-toto+json", statement, signer)
	data, err := sigbundle.FromEnvelope(ctx, env, signer.Public()) // write NAME.sigstore.json
	if err != nil {
		panic(err)
	}
	b, _ := sigbundle.Parse("a.sigstore.json", data)
	v, _ := sigbundle.NewVerifier(sigbundle.Options{Keys: []crypto.PublicKey{signer.Public()}, KeyNames: []string{"vendor.pub"}})
	r, err := v.Verify(b, sigbundle.ArtifactBytes([]byte("hello world\n")))
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Content, r.Key, string(r.Payload) == string(statement))
	// Output: dsse vendor.pub true
}
