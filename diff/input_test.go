package diff

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/signing"
	"github.com/candor-dev/candor/verify"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
)

var ctx = context.Background()

func testReport(fs ...scan.Finding) []byte {
	rep := scan.Report{
		Analyzer: scan.Analyzer{Name: "candor", Version: "v1.0.0", RulesVersion: "1", RulesDigest: "sha256:00"},
		Artifacts: []scan.Artifact{{Path: "app", Size: 10, SHA256: strings.Repeat("a", 64), Format: "elf", Arch: "amd64",
			Modules: []scan.Module{{Path: "golang.org/x/net", Version: "v0.1.0"}}, Findings: fs}},
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

func listenFinding() scan.Finding {
	return scan.Finding{Rule: "go.net.listen", Capability: scan.NetworkListen, Commitment: scan.CommitmentRemoteControl, Confidence: scan.Linked,
		Evidence:      []scan.Evidence{{Kind: scan.EvidenceFunction, Value: "net.(*TCPListener).accept", Where: "pclntab"}},
		EvidenceTotal: 1, Summary: "accepts inbound connections"}
}

// testPredicate is a disclosure predicate that matches the schema, with the findings given.
func testPredicate(t testing.TB, fs ...scan.Finding) []byte {
	t.Helper()
	d := predicate.Declarations{}
	art := predicate.ArtifactAnalysis{Name: "app", Digest: map[string]string{"sha256": strings.Repeat("a", 64)}, Size: 10, Format: "elf", Arch: "amd64", Findings: []predicate.Finding{}}
	for _, f := range fs {
		art.Findings = append(art.Findings, d.Record(f))
	}
	cv := predicate.CommitmentVerdict{Holds: true}
	p := predicate.Predicate{
		Product:    predicate.Product{Name: "acme-agent", Version: "1.4.2", Vendor: "ACME"},
		Security:   predicate.Security{Contact: "security@acme.example", Policy: "https://acme.example/security", NotificationDays: 30},
		Disclosure: d,
		Analysis:   predicate.Analysis{Analyzer: scan.Analyzer{Name: "candor", Version: "v1.0.0", RulesVersion: "1", RulesDigest: "sha256:00"}, Artifacts: []predicate.ArtifactAnalysis{art}},
		Verdict:    predicate.Verdict{NoUndisclosedRemoteControl: cv, NoUndisclosedExfiltration: cv, NoForcedUpgrade: cv},
		ScannedAt:  time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func statement(t testing.TB, predicateType string, pred []byte) []byte {
	t.Helper()
	st := map[string]any{
		"_type":         verify.StatementType,
		"subject":       []map[string]any{{"name": "app", "digest": map[string]string{"sha256": strings.Repeat("a", 64)}}},
		"predicateType": predicateType,
		"predicate":     json.RawMessage(pred),
	}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// envelope signs payload with key (nil: a signature no key made).
func envelope(t testing.TB, payload []byte, key ed25519.PrivateKey) []byte {
	t.Helper()
	sig := []byte("not a signature")
	if key != nil {
		sig = ed25519.Sign(key, dsse.PAE(predicate.PayloadType, payload))
	}
	b, err := json.Marshal(map[string]any{
		"payloadType": predicate.PayloadType,
		"payload":     base64.StdEncoding.EncodeToString(payload),
		"signatures":  []map[string]string{{"keyid": "", "sig": base64.StdEncoding.EncodeToString(sig)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newKey(t testing.TB) (ed25519.PrivateKey, verify.Key) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	v, err := signing.NewVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	return priv, v
}

func loader(t testing.TB, opts ...LoadOption) *Loader {
	t.Helper()
	l, err := NewLoader(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestReadReport(t *testing.T) {
	in, err := loader(t).Read(ctx, "r.json", testReport(listenFinding()))
	if err != nil {
		t.Fatal(err)
	}
	if in.Kind != KindReport || len(in.Artifacts) != 1 || in.Artifacts[0].Findings[0].Rule != "go.net.listen" || in.Analyzer.Version != "v1.0.0" {
		t.Errorf("report: %+v", in)
	}
	for name, data := range map[string][]byte{
		"unknown member": bytes.Replace(testReport(), []byte(`"analyzer": {`), []byte(`"analyzer": {"extra": 1,`), 1),
		"folded member":  bytes.Replace(testReport(), []byte(`"artifacts"`), []byte(`"Artifacts"`), 1),
		"no artifact":    []byte(`{"analyzer": {"name": "candor", "version": "1", "rulesVersion": "1", "rulesDigest": "x"}, "artifacts": []}`),
		"deep":           []byte(`{"analyzer": {}, "artifacts": ` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + `}`),
		"other JSON":     []byte(`{"hello": "world"}`),
		"statement":      []byte(`{"_type": "https://in-toto.io/Statement/v1"}`),
		"not JSON":       []byte(`{"analyzer": `),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loader(t).Read(ctx, "bad.json", data)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "bad.json") {
				t.Errorf("error %v: want ErrInput naming the file", err)
			}
		})
	}
}

func TestReadEnvelope(t *testing.T) {
	payload := statement(t, predicate.PredicateType, testPredicate(t, listenFinding()))
	priv, key := newKey(t)
	signed := envelope(t, payload, priv)

	in, err := loader(t).Read(ctx, "app.intoto.json", signed)
	if err != nil {
		t.Fatal(err)
	}
	if in.Kind != KindAttestation || in.Signature != SignatureNotChecked || in.Product.Name != "acme-agent" ||
		len(in.Artifacts) != 1 || in.Artifacts[0].Findings[0].Disposition != predicate.Undisclosed {
		t.Errorf("unverified attestation: %+v", in)
	}

	in, err = loader(t, WithKeys([]verify.Key{key}, "vendor.pub")).Read(ctx, "app.intoto.json", signed)
	if err != nil {
		t.Fatal(err)
	}
	if in.Signature != SignatureVerified || len(in.SignedBy) != 1 {
		t.Errorf("verified attestation: %+v", in)
	}

	// With a trusted key, an envelope it did not sign is refused.
	_, other := newKey(t)
	if _, err := loader(t, WithKeys([]verify.Key{other})).Read(ctx, "app.intoto.json", signed); !errors.Is(err, ErrInput) || !errors.Is(err, verify.ErrVerification) {
		t.Errorf("wrong key: %v", err)
	}
	for name, data := range map[string][]byte{
		"other predicate":   envelope(t, statement(t, "https://slsa.dev/provenance/v1", []byte(`{}`)), nil),
		"invalid predicate": envelope(t, statement(t, predicate.PredicateType, []byte(`{"product": {}}`)), nil),
		"payload not JSON":  envelope(t, []byte("hello"), nil),
		"bad base64":        []byte(`{"payloadType": "application/vnd.in-toto+json", "payload": "!!", "signatures": [{"sig": "AA=="}]}`),
		"too large":         append([]byte(`{"payloadType": "x", "payload": "`), append(bytes.Repeat([]byte("A"), MaxEnvelopeSize), `"}`...)...),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loader(t).Read(ctx, "bad.intoto.json", data)
			if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "bad.intoto.json") {
				t.Errorf("error %v: want ErrInput naming the file", err)
			}
		})
	}
}

func TestReadBundle(t *testing.T) {
	priv, key := newKey(t)
	candor := envelope(t, statement(t, predicate.PredicateType, testPredicate(t, listenFinding())), priv)
	provenance := envelope(t, statement(t, "https://slsa.dev/provenance/v1", []byte(`{"buildDefinition": {}}`)), priv)
	bundle := bytes.Join([][]byte{provenance, []byte("junk that is not JSON"), {}, []byte(`{"payloadType": 1}`), candor}, []byte("\n"))

	for _, l := range []*Loader{loader(t), loader(t, WithKeys([]verify.Key{key}))} {
		in, err := l.Read(ctx, "app.intoto.jsonl", bundle)
		if err != nil {
			t.Fatal(err)
		}
		if in.Path != "app.intoto.jsonl" || len(in.Artifacts) != 1 || len(in.Notes) != 3 {
			t.Fatalf("bundle: %+v", in)
		}
		for i, want := range []string{"line 1: skipped: predicate type \"https://slsa.dev/provenance/v1\"", "line 2: skipped", "line 4: skipped"} {
			if !strings.Contains(in.Notes[i], want) {
				t.Errorf("note %d: %q, want %q", i, in.Notes[i], want)
			}
		}
	}

	// A junk first line does not hide that the file is a bundle.
	in, err := loader(t).Read(ctx, "j.jsonl", bytes.Join([][]byte{[]byte(`{"not": "an envelope"`), candor}, []byte("\n")))
	if err != nil || len(in.Notes) != 1 || !strings.Contains(in.Notes[0], "j.jsonl line 1: skipped") {
		t.Errorf("junk first line: %v %+v", err, in)
	}
	// Two candor disclosures: which to compare is ambiguous.
	two := bytes.Join([][]byte{candor, provenance, candor}, []byte("\n"))
	if _, err := loader(t).Read(ctx, "two.jsonl", two); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "lines 1, 3") {
		t.Errorf("two disclosures: %v", err)
	}
	// With a key, the lines it did not sign are skipped; none left is an error.
	_, other := newKey(t)
	if _, err := loader(t, WithKeys([]verify.Key{other})).Read(ctx, "b.jsonl", bundle); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "signed") {
		t.Errorf("no line signed by the key: %v", err)
	}
	// Only junk.
	junk := bytes.Repeat([]byte("x\n"), 1000)
	_, err = loader(t).Read(ctx, "junk.jsonl", append([]byte("{}\n"), junk...))
	if !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "more line(s) skipped") {
		t.Errorf("junk: %v", err)
	}
	if len(err.Error()) > 10_000 {
		t.Errorf("the error lists every junk line: %d bytes", len(err.Error()))
	}
}

func TestLoadBounds(t *testing.T) {
	dir := t.TempDir()
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("{")
	f.Truncate(maxJSONSize + 1) // sparse: nothing this big is written
	f.Close()
	if _, err := loader(t).Load(ctx, huge); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "huge.json") {
		t.Errorf("huge JSON: %v", err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if _, err := loader(t).Load(ctx, empty); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
	if _, err := loader(t).Load(ctx, filepath.Join(dir, "missing")); !errors.Is(err, ErrInput) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	// Not JSON: scanned, and the scanner's error names the file.
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte("hello\n"), 0o644)
	if _, err := loader(t).Load(ctx, text); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("a text file: %v", err)
	}
	// A report on disk, with a byte order mark and leading space.
	rep := filepath.Join(dir, "r.json")
	os.WriteFile(rep, append([]byte("\xef\xbb\xbf \n"), testReport(listenFinding())...), 0o644)
	if in, err := loader(t).Load(ctx, rep); err != nil || in.Kind != KindReport {
		t.Errorf("report file: %v", err)
	}
}

// TestBundleSignatureBudget: a bundle of many signed lines asks for more signature checks
// than verify allows one run: refused before they are made.
func TestBundleSignatureBudget(t *testing.T) {
	_, key := newKey(t)
	payload := base64.StdEncoding.EncodeToString(statement(t, predicate.PredicateType, testPredicate(t)))
	sigs := make([]map[string]string, verify.DefaultLimits.MaxSignatures)
	for i := range sigs {
		sigs[i] = map[string]string{"sig": base64.StdEncoding.EncodeToString(make([]byte, 64))}
	}
	line, err := json.Marshal(map[string]any{"payloadType": predicate.PayloadType, "payload": payload, "signatures": sigs})
	if err != nil {
		t.Fatal(err)
	}
	l := loader(t, WithKeys([]verify.Key{key}))
	if l.maxChecks != verify.DefaultLimits.MaxSignatureChecks {
		t.Fatalf("budget %d, want verify's %d", l.maxChecks, verify.DefaultLimits.MaxSignatureChecks)
	}
	l.maxChecks = 10 * len(sigs) // verify's budget takes 20,000 checks: seconds
	bundle := bytes.Repeat(append(line, '\n'), 11)
	_, err = l.Read(ctx, "many.jsonl", bundle)
	if !errors.Is(err, ErrInput) || !errors.Is(err, verify.ErrLimit) || !strings.Contains(err.Error(), "many.jsonl") {
		t.Errorf("error %v: want ErrInput and verify.ErrLimit naming the file", err)
	}
}
