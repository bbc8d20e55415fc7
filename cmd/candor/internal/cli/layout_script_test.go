package cli_test

import (
	"context"
	"path/filepath"
	"time"

	in_toto "github.com/in-toto/in-toto-golang/in_toto"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/candor-dev/candor/intoto"
	"github.com/candor-dev/candor/signing"
)

// cmdMkLayout writes an in-toto layout for the scripts, as a vendor's layout owner would:
//
//	mklayout OWNER.key VENDOR.pub ARTIFACT OUT [EXPIRES]
//
// One step, "attest" (what candor attest --link records), whose functionary is VENDOR.pub:
// its material is ARTIFACT and its product an .intoto.json attestation, nothing else.
// EXPIRES is a Go duration from now (default 24h; negative: already expired). The owner's
// key password is $CANDOR_PASSWORD.
func cmdMkLayout(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 4 || len(args) > 5 {
		ts.Fatalf("usage: mklayout OWNER.key VENDOR.pub ARTIFACT OUT [EXPIRES]")
	}
	expires := 24 * time.Hour
	if len(args) == 5 {
		d, err := time.ParseDuration(args[4])
		ts.Check(err)
		expires = d
	}
	pw := ts.Getenv("CANDOR_PASSWORD")
	owner, err := signing.LoadSigner(context.Background(), ts.MkAbs(args[0]), signing.Options{Password: signing.StaticPassword([]byte(pw))})
	ts.Check(err)
	pub, err := signing.LoadPublicKey(ts.MkAbs(args[1]))
	ts.Check(err)
	vk, err := intoto.KeyFromPublic(pub)
	ts.Check(err)
	layout := in_toto.Layout{
		Type:    "layout",
		Expires: intoto.Expires(time.Now().Add(expires)),
		Keys:    map[string]in_toto.Key{vk.KeyID: vk},
		Steps: []in_toto.Step{{
			Type: "step", PubKeys: []string{vk.KeyID}, Threshold: 1,
			SupplyChainItem: in_toto.SupplyChainItem{
				Name:              "attest",
				ExpectedMaterials: [][]string{{"ALLOW", args[2]}, {"DISALLOW", "*"}},
				ExpectedProducts:  [][]string{{"ALLOW", "*.intoto.json"}, {"DISALLOW", "*"}},
			},
		}},
		Inspect: []in_toto.Inspection{},
	}
	mb, err := intoto.SignLayout(context.Background(), layout, owner)
	ts.Check(err)
	ts.Check(intoto.WriteMetablock(filepath.Join(ts.Getenv("WORK"), args[3]), mb))
}
