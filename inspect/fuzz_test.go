package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/json/jsontext"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/inspect/inspecttest"
	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/sigbundle"
	"github.com/candor-dev/candor/signing"
	ssldsse "github.com/secure-systems-lab/go-securesystemslib/dsse"
)

// FuzzReadEnvelopes: JSON lines of any bytes, envelopes and Sigstore bundles mixed, never
// panic; every envelope or bundle kept has the digest of a line of the input, and every
// line either gives one or a problem.
func FuzzReadEnvelopes(f *testing.F) {
	env := `{"payloadType":"application/vnd.in-toto+json","payload":"e30","signatures":[{"sig":"AAAA"}]}`
	f.Add([]byte(env + "\n\nnot json\n"))
	f.Add([]byte("\n\n"))
	f.Add([]byte(`{"payloadType":"x","payload":"e30=","signatures":[{"keyid":"k","sig":"AA=="}]}` + "\r\n{}"))
	// Sigstore bundles: key-signed (as attest --bundle writes), keyless DSSE and a message
	// signature from the conformance suite, each one line, beside an envelope.
	signer, pub := inspecttest.Key(f, f.TempDir(), "fuzz")
	pk, err := signing.LoadPublicKey(pub)
	if err != nil {
		f.Fatal(err)
	}
	line := inspecttest.Sign(f, signer, inspecttest.Statement(f, "a", strings.Repeat("ab", 32), predicate.PredicateType, map[string]any{}), true)
	var denv ssldsse.Envelope
	if err := json.Unmarshal(line, &denv); err != nil {
		f.Fatal(err)
	}
	keyed, err := sigbundle.FromEnvelope(context.Background(), &denv, pk)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(append(append(keyed, line...), env...))
	for _, c := range []string{"happy-path-intoto-in-dsse-v3", "happy-path-v0.3"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "conformance", "sigstore-bundle-verify", c, "bundle.sigstore.json"))
		if err != nil {
			f.Fatal(err)
		}
		v := jsontext.Value(b)
		if err := v.Compact(); err != nil {
			f.Fatal(err)
		}
		f.Add(append(append([]byte(v), '\n'), keyed...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		envs, problems := readEnvelopes("b.intoto.jsonl", data)
		lines := 0
		for _, l := range bytes.Split(data, []byte("\n")) {
			if len(bytes.TrimSpace(bytes.TrimSuffix(l, []byte("\r")))) > 0 {
				lines++
			}
		}
		if len(problems) == 0 && len(envs) != lines {
			t.Fatalf("%d envelopes of %d lines and no problem", len(envs), lines)
		}
		for _, e := range envs {
			if (e.env == nil) == (e.bundle == nil) || len(e.sha256) != 64 {
				t.Fatalf("envelope %+v", e)
			}
			if e.bundle != nil {
				if !e.bundle.IsDSSE() {
					t.Fatalf("%s: a message-signature bundle was kept", e.source)
				}
				_ = e.signedContent()
				a := (&Inspector{}).openBundle(e)
				if a.Verified || a.Unverified == "" {
					t.Fatalf("%s: verified %v with no key (%q)", e.source, a.Verified, a.Unverified)
				}
				continue
			}
			a := &Attestation{}
			readStatement(a, e.env.PayloadType, e.env.Payload)
		}
	})
}

// fuzzPredicate fuzzes the reader of one predicate type: any bytes are read or refused
// with a message, never a panic.
func fuzzPredicate(f *testing.F, pt string, seeds ...string) {
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		} else {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a := &Attestation{}
		if !jsontext.Value(data).IsValid() {
			data = []byte(`{}`) // statements reach the readers as JSON values only
		}
		readPredicate(a, pt, data)
		if a.Error == "" && a.Kind != KindUnknown && a.Disclosure == nil && a.Provenance == nil && a.SBOM == nil && a.VSA == nil && a.VEX == nil && a.Link == nil {
			t.Fatalf("%s: no error and nothing read from %q", pt, data)
		}
	})
}

func FuzzDisclosure(f *testing.F) {
	fuzzPredicate(f, predicate.PredicateType, "../attest/testdata/predicate.golden.json", `{"analysis":{"analyzer":{"name":"candor"}}}`)
}
func FuzzProvenanceV1(f *testing.F) {
	fuzzPredicate(f, ProvenanceV1, `{"runDetails":{"builder":{"id":"b"}},"buildDefinition":{"resolvedDependencies":[{"uri":"git+x","digest":{"gitCommit":"a"}}]}}`)
}
func FuzzProvenanceV02(f *testing.F) { fuzzPredicate(f, ProvenanceV02, "testdata/provenance-v02.json") }
func FuzzSPDX(f *testing.F)          { fuzzPredicate(f, SPDXDocument, "testdata/spdx.json") }
func FuzzCycloneDX(f *testing.F) {
	fuzzPredicate(f, CycloneDXBOM, `{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a","purl":"pkg:golang/a@v1","components":[{"name":"b"}]}]}`)
}
func FuzzVSA(f *testing.F) {
	fuzzPredicate(f, SummaryV1, `{"verifier":{"id":"v"},"verificationResult":"PASSED","inputAttestations":[{"uri":"a","digest":{"sha256":"00"}}],"timeVerified":"2026-01-01T00:00:00Z"}`)
}
func FuzzOpenVEX(f *testing.F) { fuzzPredicate(f, OpenVEX, "testdata/openvex.json") }
func FuzzLink(f *testing.F) {
	fuzzPredicate(f, LinkV03, `{"name":"build","command":["go","build"],"materials":[{"uri":"a","digest":{"sha256":"00"}}]}`)
}
