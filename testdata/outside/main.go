// Command outside uses candor as a library, as a program outside the candor module
// would: it imports only the public packages and names every type their options
// take, so it stops compiling if a public API comes to need an internal type.
//
// Usage: outside DIR FILE. It scans FILE, makes a key pair in DIR, attests FILE
// with a minimal disclosure, and verifies the attestation.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

const disclosure = `apiVersion: candor.dev/disclosure/v1
product: {name: outside, version: "1.0.0", vendor: Outside Ltd}
security: {contact: security@outside.example, policy: "https://outside.example/security", notificationDays: 30}
`

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: outside DIR FILE")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "outside:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dir, file string) error {
	// Scan.
	var s *scan.Scanner
	s, err := scan.New()
	if err != nil {
		return err
	}
	var a *scan.Artifact
	if a, err = s.ScanFile(ctx, file); err != nil {
		return err
	}
	fmt.Printf("scanned %s: %s, %d finding(s)\n", filepath.Base(a.Path), a.Format, len(a.Findings))

	// Keys.
	var password signing.PasswordFunc = signing.StaticPassword([]byte("outside"))
	keyOpts := signing.Options{Password: password}
	priv, pub := filepath.Join(dir, "vendor.key"), filepath.Join(dir, "vendor.pub")
	if _, err := signing.Generate(signing.KeygenOptions{PrivatePath: priv, PublicPath: pub, Algorithm: signing.Ed25519, Password: password}); err != nil {
		return err
	}
	var signers []*signing.Signer
	if signers, err = signing.LoadSigners(ctx, []string{priv}, keyOpts); err != nil {
		return err
	}

	// Attest: once with a key reference and key options, once with a loaded signer.
	var d *attest.Disclosure
	if d, err = attest.ParseDisclosure("disclosure.yaml", []byte(disclosure)); err != nil {
		return err
	}
	out := file + verify.SuffixJSON
	var res *attest.Result
	if res, err = attest.Run(ctx, attest.Options{Disclosure: d, Artifacts: []string{file}, Keys: []string{priv}, KeyOptions: keyOpts, Output: out}); err != nil {
		return err
	}
	fmt.Printf("attested: %d signature(s), verdict holds: %v\n", len(res.Envelope.Signatures), res.Predicate.Verdict.Holds())
	var signer signing.EnvelopeSigner = signers[0]
	if _, err = attest.Run(ctx, attest.Options{Disclosure: d, Report: res.Report, Signers: []signing.EnvelopeSigner{signer}, Output: filepath.Join(dir, "again"+verify.SuffixJSON)}); err != nil {
		return err
	}

	// Verify with keys loaded by the library.
	var keys []verify.Key
	if keys, err = verify.LoadKeys(ctx, []string{pub}, keyOpts); err != nil {
		return err
	}
	var v *verify.Verifier
	if v, err = verify.NewVerifier(keys, verify.WithKeyNames(pub)); err != nil {
		return err
	}
	var vr *verify.Result
	if vr, err = verify.Run(ctx, v, verify.Inputs{Artifacts: []string{file}}); err != nil {
		return err
	}
	fmt.Printf("verified: passed %v, %d verdict(s)\n", vr.Passed, len(vr.Verdicts))
	return nil
}
