package inspect_test

import (
	"context"
	"fmt"
	"log"

	"github.com/candor-dev/candor/inspect"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
)

// Inspect a release directory with the vendor's and the build system's keys, and print
// each artifact's cross-checks.
func Example() {
	ctx := context.Background()
	refs := []string{"vendor.pub", "builder.pub"}
	keys, err := verify.LoadKeys(ctx, refs, signing.Options{})
	if err != nil {
		log.Fatal(err)
	}
	in, err := inspect.New(keys, refs)
	if err != nil {
		log.Fatal(err)
	}
	rep, err := inspect.Run(ctx, in, inspect.Inputs{Paths: []string{"release/"}})
	if err != nil {
		log.Fatal(err) // an input error: no answer
	}
	for _, ch := range rep.Chains {
		for _, c := range ch.Checks {
			fmt.Println(ch.Artifact, c.Name, c.Status, c.Detail)
		}
		for _, a := range ch.Attestations {
			fmt.Println(a.Source, a.Kind, a.Signer())
		}
	}
}
