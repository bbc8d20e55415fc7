package registry

import (
	"context"
	"net/http"
	"sync"
	"testing"
)

// TestFindRequests counts what Find asks of the registry for an image with a referrer
// bundle and a legacy .att layer: the version check once, then one request per manifest,
// list and blob (go-containerregistry pinged the registry before each call).
func TestFindRequests(t *testing.T) {
	var mu sync.Mutex
	var got []string
	counting := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			got = append(got, r.Method+" "+r.URL.Path)
			mu.Unlock()
			h.ServeHTTP(w, r)
		})
	}
	host := referrersServer(t, counting)
	d := fixtureImage(t, host, "vendor/app", "v1")
	o := testOptions()
	o.Legacy = true
	if _, err := Attach(context.Background(), host+"/vendor/app:v1", attestation(t, newKey(t), host+"/vendor/app", d), o); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	got = nil
	mu.Unlock()
	res, err := Find(context.Background(), host+"/vendor/app:v1", testOptions())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Found) != 2 {
		t.Fatalf("found %d attestations, want the bundle and the legacy layer", len(res.Found))
	}
	mu.Lock()
	defer mu.Unlock()
	pings := 0
	for _, r := range got {
		if r == "GET /v2/" {
			pings++
		}
	}
	// The image's manifest, the referrers list, the referrer and its bundle, the .att
	// manifest and its layer: 6, and one version check.
	if pings != 1 || len(got) != 7 {
		t.Fatalf("Find made %d requests (%d version checks), want 7 (1):\n%v", len(got), pings, got)
	}
}
