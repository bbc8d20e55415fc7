package intoto_test

import (
	"context"
	"crypto"
	"fmt"
	"os"

	"github.com/candor-dev/candor/intoto"
	"github.com/candor-dev/candor/signing"
)

// What candor attest --link DIR and candor verify --layout ... --links DIR do.
func Example() {
	ctx := context.Background()
	// candor attest --key vendor.key --link links/ app  (after writing app.intoto.json)
	vendor, err := signing.LoadSigner(ctx, "vendor.key", signing.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	if _, err := intoto.RecordLink(ctx, "links", "attest", []string{"app"}, []string{"app.intoto.json"}, vendor, intoto.LinkOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}

	// candor verify --layout root.layout --layout-key owner.pub --links links/
	owner, err := signing.LoadPublicKey("owner.pub")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	res, err := intoto.VerifyLayout("root.layout", []crypto.PublicKey{owner}, "links", intoto.Options{})
	if err != nil { // exit 2: an input that cannot be read, inspections not allowed
		fmt.Fprintln(os.Stderr, err)
		return
	}
	for _, s := range res.Steps {
		fmt.Println(s)
	}
	if !res.OK { // exit 1
		return
	}
	// Then verify the disclosure in the attestation the chain's products name:
	// res.ProductWithSHA256(sha256 of app.intoto.json).
}
