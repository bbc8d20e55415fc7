package attest_test

import (
	"archive/zip"
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/signing"
)

// Attest a release: make a signing key, describe the product in a disclosure, and let
// Run scan the release, check that the disclosure covers every finding, and sign.
func ExampleRun() {
	dir, err := os.MkdirTemp("", "candor-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	release := writeRelease(dir)

	// The vendor's key, encrypted in cosign's format.
	password := signing.StaticPassword([]byte("example only"))
	key := filepath.Join(dir, "vendor.key")
	if _, err := signing.Generate(signing.KeygenOptions{
		PrivatePath: key, PublicPath: filepath.Join(dir, "vendor.pub"), Password: password,
	}); err != nil {
		log.Fatal(err)
	}

	// A release with nothing to declare still says who made it and how to reach them.
	disclosure, err := attest.ParseDisclosure("disclosure.yaml", []byte(`
apiVersion: candor.dev/disclosure/v1
product: {name: release, version: "1.0.0", vendor: ACME}
security: {contact: security@acme.example, policy: "https://acme.example/security", notificationDays: 30}
`))
	if err != nil {
		log.Fatal(err)
	}

	res, err := attest.Run(context.Background(), attest.Options{
		Disclosure: disclosure,
		Artifacts:  []string{release},
		Keys:       []string{key},
		KeyOptions: signing.Options{Password: password},
		Output:     release + ".intoto.json",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("wrote", filepath.Base(res.Written), "with", len(res.Envelope.Signatures), "signature")
	fmt.Println("no undisclosed exfiltration:", res.Predicate.Verdict.NoUndisclosedExfiltration.Holds)
	// Output:
	// wrote release.zip.intoto.json with 1 signature
	// no undisclosed exfiltration: true
}

// writeRelease writes release.zip, an archive holding release notes and no executable.
func writeRelease(dir string) string {
	path := filepath.Join(dir, "release.zip")
	f, err := os.Create(path)
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
	return path
}
