package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/internal/termsafe/termsafetest"
)

// hostileEnvelope re-signs w's attestation with v in the product name and vendor, an
// accepted finding's reason and the disclosed endpoint's purpose, and, with host, in the
// host of the finding and of the endpoint too: all a vendor holding the key can choose.
func hostileEnvelope(t *testing.T, w *world, v string, host bool) []byte {
	t.Helper()
	st := payloadOf(t, w.env)
	pred := st["predicate"].(map[string]any)
	prod := pred["product"].(map[string]any)
	prod["name"], prod["vendor"] = "phonehome "+v, v
	disc := pred["disclosure"].(map[string]any)
	disc["accepted"] = []any{map[string]any{"rule": "str.endpoint", "value": "x.example", "reason": "because " + v}}
	for _, e := range disc["endpoints"].([]any) {
		e.(map[string]any)["purpose"] = v
		if host {
			e.(map[string]any)["host"] = "collect." + v + ".net"
		}
	}
	if host {
		for _, a := range pred["analysis"].(map[string]any)["artifacts"].([]any) {
			for _, f := range a.(map[string]any)["findings"].([]any) {
				if f := f.(map[string]any); f["host"] != nil {
					f["host"] = "collect." + v + ".net"
				}
			}
		}
	}
	return resign(t, st, w.priv)
}

// decoded is v as a JSON parser reads it: each invalid byte becomes U+FFFD.
func decoded(v string) string { return string([]rune(v)) }

// TestEscapesInSignedValues: whatever a vendor-signed attestation holds, a failing verify
// gives back a result with the exact strings of the attestation, for the command's
// renderers to escape (internal/output's verify_escape_test.go, and end to end the CLI's
// escape_test.go).
func TestEscapesInSignedValues(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	pol := mustPolicy(t, "apiVersion: candor.dev/policy/v1\nproduct: {version: \"9.9.9\"}\nendpoints: {deny: [\"*.net\"]}\n")
	for name, v := range termsafetest.Hostile {
		for _, host := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/host=%v", name, host), func(t *testing.T) {
				t.Parallel()
				att := filepath.Join(t.TempDir(), "phonehome.intoto.json")
				if err := os.WriteFile(att, hostileEnvelope(t, w, v, host), 0o644); err != nil {
					t.Fatal(err)
				}
				res, err := runWith(context.Background(), runOptions{Keys: []string{w.pub}, Policy: pol,
					Artifacts: []string{w.bin}, Attestations: []string{att}, Now: testNow})
				if !errors.Is(err, ErrVerification) || res == nil || res.Passed {
					t.Fatalf("verify = %v, want a failed verification with a result", err)
				}
				// verify hands back the signed strings as they are; internal/output escapes
				// them for the terminal and for JSON (its verify_escape_test.go).
				if host {
					return // the predicate may be refused (a host holds no space): no product
				}
				if len(res.Verdicts) != 1 || res.Verdicts[0].Product == nil {
					t.Fatalf("the verdict lost its product: %+v", res.Verdicts)
				}
				if got := res.Verdicts[0].Product.Vendor; got != decoded(v) {
					t.Errorf("vendor = %q, want exactly %q", got, decoded(v))
				}
				if got := res.Verdicts[0].Product.Name; got != "phonehome "+decoded(v) {
					t.Errorf("product name = %q, want exactly %q", got, "phonehome "+decoded(v))
				}
			})
		}
	}
}

// TestEscapesInFileNames: no key is needed to put an escape in front of the buyer: a file
// name in a release directory, or a garbage attestation named after one, is named as it
// is in the result (the renderers escape it) and escaped in the error.
func TestEscapesInFileNames(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for name, v := range termsafetest.Hostile {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			copyFile(t, w.bin, dir, "app"+v)
			if err := os.WriteFile(filepath.Join(dir, "app"+v+".intoto.json"), []byte("garbage "+v), 0o644); err != nil {
				t.Skipf("the file system refuses the name: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "README"+v), []byte("hello"), 0o644); err != nil {
				t.Fatal(err)
			}
			res, err := runWith(context.Background(), runOptions{Keys: []string{w.pub}, Artifacts: []string{dir}, Now: testNow})
			if err == nil {
				t.Fatalf("a garbage attestation verified")
			}
			if res != nil {
				named := false
				for _, vd := range res.Verdicts {
					named = named || strings.Contains(vd.Artifact, "app"+v) || strings.Contains(vd.Attestation, "app"+v)
				}
				if !named {
					t.Errorf("no verdict names the file as it is: %+v", res.Verdicts)
				}
			}
			if msg := termsafe.Message(err.Error()); termsafetest.Raw(msg) != "" {
				t.Errorf("the escaped error still holds raw bytes: %q", msg)
			}
		})
	}
}
