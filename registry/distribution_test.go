package registry

import (
	"context"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/testregistry"
)

func TestAttachFindReferrersTag(t *testing.T) {
	ctx := context.Background()
	host := testregistry.Distribution(t)
	d := fixtureImage(t, host, "vendor/app", "v1")
	k := newKey(t)
	a := attestation(t, k, host+"/vendor/app", d)
	o := testOptions()
	o.Legacy = true
	got, err := Attach(ctx, host+"/vendor/app:v1", a, o)
	if err != nil {
		t.Fatal(err)
	}
	if got.ReferrersAPI || !strings.HasSuffix(got.FallbackTag, ":sha256-"+d.Hex) {
		t.Fatalf("Attach = %+v, want the referrers tag", got)
	}
	// A second attestation (another key) joins the first in the referrers tag's index.
	k2 := newKey(t)
	if _, err := Attach(ctx, host+"/vendor/app:v1", attestation(t, k2, host+"/vendor/app", d), testOptions()); err != nil {
		t.Fatal(err)
	}
	res, err := Find(ctx, host+"/vendor/app:v1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.ReferrersAPI || len(res.Found) != 3 {
		t.Fatalf("Find = %+v, want 2 from the referrers tag and 1 legacy", res)
	}
	var tagged, legacy, byKey1, byKey2 int
	for _, f := range res.Found {
		switch f.Source {
		case SourceReferrersTag:
			tagged++
		case SourceLegacyAtt:
			legacy++
		}
		if verifyFound(t, f, k.pub, d) == nil {
			byKey1++
		}
		if verifyFound(t, f, k2.pub, d) == nil {
			byKey2++
		}
	}
	if tagged != 2 || legacy != 1 || byKey1 != 2 || byKey2 != 1 {
		t.Fatalf("tagged %d legacy %d, verified by key 1: %d, by key 2: %d", tagged, legacy, byKey1, byKey2)
	}
	// Another image has none of them.
	d2 := fixtureImageVariant(t, host, "vendor/app", "v2")
	res, err = Find(ctx, host+"/vendor/app@"+d2.String(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 0 {
		t.Fatalf("another image: found %d", len(res.Found))
	}
}
