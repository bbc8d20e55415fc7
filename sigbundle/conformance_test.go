package sigbundle

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/signing"
	"github.com/sigstore/sigstore-go/pkg/root"
)

// conformanceDir holds the Sigstore conformance suite's bundle-verification cases
// (see its README.md).
var conformanceDir = filepath.Join("..", "testdata", "conformance", "sigstore-bundle-verify")

// The identity and issuer a case is checked for when its folder names none (the suite's
// defaults, from its README).
const (
	defaultIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
	defaultIssuer   = "https://token.actions.githubusercontent.com"
)

// skippedCases are the cases this package cannot decide, with the reason. Empty: every
// case runs.
var skippedCases = map[string]string{}

var publicGood = sync.OnceValues(func() (*root.TrustedRoot, error) {
	return LoadTrustedRoot(filepath.Join(conformanceDir, "public-good-trusted-root.json"))
})

// runCase verifies one case folder as candor verify would: the bundle file read by
// ReadFile, the options built from the folder's files, one Verify call.
func runCase(dir string) (*Result, error) {
	read := func(name string) (string, bool) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", false
		}
		return strings.TrimSpace(string(b)), true
	}
	var opts Options
	if _, err := os.Stat(filepath.Join(dir, "trusted_root.json")); err == nil {
		tr, err := LoadTrustedRoot(filepath.Join(dir, "trusted_root.json"))
		if err != nil {
			return nil, err
		}
		opts.TrustedRoot = tr
	} else {
		tr, err := publicGood()
		if err != nil {
			return nil, err
		}
		opts.TrustedRoot = tr
	}
	if _, err := os.Stat(filepath.Join(dir, "key.pub")); err == nil {
		pub, err := signing.LoadPublicKey(filepath.Join(dir, "key.pub"))
		if err != nil {
			return nil, err
		}
		opts.Keys, opts.KeyNames = append(opts.Keys, pub), []string{"key.pub"}
	} else {
		id, ok := read("identity")
		if !ok {
			id = defaultIdentity
		}
		iss, ok := read("issuer")
		if !ok {
			iss = defaultIssuer
		}
		opts.Identity = Identity{Identity: id, Issuer: iss}
	}
	artifact := filepath.Join(dir, "artifact")
	if _, err := os.Stat(artifact); err != nil {
		artifact = filepath.Join(conformanceDir, "a.txt")
	}
	v, err := NewVerifier(opts)
	if err != nil {
		return nil, err
	}
	bs, err := ReadFile(filepath.Join(dir, "bundle.sigstore.json"))
	if err != nil {
		return nil, err
	}
	if len(bs) != 1 {
		return nil, fmt.Errorf("%d bundles", len(bs))
	}
	return v.Verify(bs[0], ArtifactFile(artifact))
}

func conformanceCases(t testing.TB) []string {
	entries, err := os.ReadDir(conformanceDir)
	if err != nil {
		t.Fatal(err)
	}
	var cases []string
	for _, e := range entries {
		if e.IsDir() {
			cases = append(cases, e.Name())
		}
	}
	sort.Strings(cases)
	if len(cases) != 70 {
		t.Fatalf("%d case folders in %s, want the suite's 70", len(cases), conformanceDir)
	}
	return cases
}

// TestConformance replays every case of the Sigstore conformance suite: the _fail cases
// must be rejected, the others accepted.
func TestConformance(t *testing.T) {
	cases := conformanceCases(t)
	passed, skipped := 0, 0
	var failed []string
	for _, name := range cases {
		t.Run(name, func(t *testing.T) {
			if why, ok := skippedCases[name]; ok {
				skipped++
				t.Skipf("skipped: %s", why)
			}
			wantFail := strings.HasSuffix(name, "_fail")
			res, err := runCase(filepath.Join(conformanceDir, name))
			switch {
			case wantFail && err == nil:
				failed = append(failed, name)
				t.Errorf("accepted, want rejected: %+v", res)
			case !wantFail && err != nil:
				failed = append(failed, name)
				t.Errorf("rejected, want accepted: %v", err)
			default:
				passed++
				if err != nil {
					if !errors.Is(err, ErrVerify) && !errors.Is(err, ErrParse) && !errors.Is(err, ErrOptions) && !errors.Is(err, signing.ErrKey) {
						t.Errorf("error wraps none of the package's sentinels: %v", err)
					}
					t.Logf("rejected as expected: %v", err)
				} else {
					t.Logf("accepted: %s, %s, signer %s, %d verified time(s)", res.MediaType, res.Content, res.Signer(), len(res.Timestamps))
				}
			}
		})
	}
	summary := fmt.Sprintf("Sigstore conformance (bundle verification): %d/%d cases", passed, len(cases))
	if skipped > 0 {
		summary += fmt.Sprintf(", %d skipped", skipped)
	}
	if len(failed) > 0 {
		summary += ", failed: " + strings.Join(failed, ", ")
	}
	t.Log(summary)
	fmt.Println(summary)
}

// TestConformanceDSSEPayload: a verified DSSE case gives the statement, the exact bytes of
// the envelope's payload.
func TestConformanceDSSEPayload(t *testing.T) {
	res, err := runCase(filepath.Join(conformanceDir, "happy-path-intoto-in-dsse-v3"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Content != "dsse" || res.PayloadType != "application/vnd.in-toto+json" || !bytes.Contains(res.Payload, []byte(`"_type"`)) {
		t.Fatalf("content %s, payload type %s, payload %.200s", res.Content, res.PayloadType, res.Payload)
	}
	if res.Identity != defaultIdentity || res.Issuer != defaultIssuer || len(res.Timestamps) == 0 || !res.TlogChecked {
		t.Fatalf("result %+v", res)
	}
}
