package registry

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// distribution starts Debian's docker-registry (distribution 2.8: no referrers API) on a
// free loopback port with its storage in a temporary directory, stopped at the end of the
// test. It skips when the program is missing, unless CI=true.
func distribution(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("docker-registry is not installed (apt-get install docker-registry; .ci/run installs it)")
		}
		t.Skip("docker-registry is not installed (apt-get install docker-registry): the referrers tag fallback is not tested against a real registry")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yml")
	conf := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfg)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not answer on %s: %v\n%s", addr, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAttachFindReferrersTag(t *testing.T) {
	ctx := context.Background()
	host := distribution(t)
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
