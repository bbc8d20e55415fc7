package verify_test

import (
	"archive/zip"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

// Verify a release as a buyer: the vendor's public key and the attestation beside the
// artifact are all it takes. The key is loaded first and trusted by a [verify.Verifier]
// (a policy would be loaded with [verify.LoadPolicy] and given with [verify.WithPolicy]);
// Run then finds the attestation beside the artifact. Every step is reported, passed or not.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "candor-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	release, vendorPub := attestRelease(dir)

	ctx := context.Background()
	keys, err := verify.LoadKeys(ctx, []string{vendorPub}, signing.Options{})
	if err != nil {
		log.Fatal(err) // wraps verify.ErrKey
	}
	verifier, err := verify.NewVerifier(keys, verify.WithKeyNames(vendorPub))
	if err != nil {
		log.Fatal(err) // wraps verify.ErrOptions
	}
	res, err := verify.Run(ctx, verifier, verify.Inputs{Artifacts: []string{release}})
	if err != nil {
		log.Fatal(err) // wraps verify.ErrVerification when a step failed
	}
	v := res.Verdicts[0]
	fmt.Println("passed:", res.Passed, "subject:", v.Subject)
	for _, c := range v.Checks {
		fmt.Println(c.Status, strings.TrimSpace(string(c.Step)+" "+c.Rule))
	}
	// Output:
	// passed: true subject: release.zip
	// pass parse
	// pass signature
	// pass payload-type
	// pass statement
	// pass subject
	// pass predicate
	// pass policy undisclosed
	// pass policy updates
	// skip rescan
}

// attestRelease does the vendor's part (see the attest package's example): it writes
// release.zip, a key pair, and release.zip.intoto.json beside the release.
func attestRelease(dir string) (release, pub string) {
	release = filepath.Join(dir, "release.zip")
	f, err := os.Create(release)
	if err != nil {
		log.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.Create("NOTES.txt")
	if err == nil {
		_, err = w.Write([]byte("release notes\n"))
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}

	password := signing.StaticPassword([]byte("example only"))
	key, pub := filepath.Join(dir, "vendor.key"), filepath.Join(dir, "vendor.pub")
	if _, err := signing.Generate(signing.KeygenOptions{PrivatePath: key, PublicPath: pub, Password: password}); err != nil {
		log.Fatal(err)
	}
	disclosure, err := attest.ParseDisclosure("disclosure.yaml", []byte(`
apiVersion: candor.dev/disclosure/v1
product: {name: release, version: "1.0.0", vendor: ACME}
security: {contact: security@acme.example, policy: "https://acme.example/security", notificationDays: 30}
`))
	if err != nil {
		log.Fatal(err)
	}
	if _, err := attest.Run(context.Background(), attest.Options{
		Disclosure: disclosure, Artifacts: []string{release},
		Keys: []string{key}, KeyOptions: signing.Options{Password: password},
		Output: release + verify.SuffixJSON,
	}); err != nil {
		log.Fatal(err)
	}
	return release, pub
}
