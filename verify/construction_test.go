package verify

import (
	"context"
	stdjson "encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/signing"
)

// The construction of a verification: the trusted keys are NewVerifier's positional
// argument, everything about trust and acceptance is a VerifierOption, and Run takes the
// verifier and the Inputs. No field or option pair can say two things at once.

func loadKeys(t *testing.T, refs ...string) []Key {
	t.Helper()
	ks, err := LoadKeys(context.Background(), refs, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return ks
}

// TestNewVerifierKeys: no key, more names than keys, a nil key and a weak key are refused
// with the option or key families; the names given are the ones messages use, in order,
// and a key without a name is "key N".
func TestNewVerifierKeys(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ks := loadKeys(t, w.pub)
	for name, tc := range map[string]struct {
		keys []Key
		opts []VerifierOption
		want error
	}{
		"no key":                {nil, nil, ErrOptions},
		"empty keys":            {[]Key{}, []VerifierOption{WithThreshold(1)}, ErrOptions},
		"more names than keys":  {ks, []VerifierOption{WithKeyNames(w.pub, w.other)}, ErrOptions},
		"nil key":               {[]Key{nil}, nil, ErrOptions},
		"weak key":              {[]Key{acceptAll{identityEd25519()}}, nil, signing.ErrWeakKey},
		"threshold over keys":   {ks, []VerifierOption{WithThreshold(2)}, ErrOptions},
		"bad threshold":         {ks, []VerifierOption{WithThreshold(0)}, ErrOptions},
		"negative limit":        {ks, []VerifierOption{WithLimits(Limits{MaxBytes: -1})}, ErrOptions},
		"nil scanner":           {ks, []VerifierOption{WithRescan(nil)}, ErrOptions},
		"nil clock":             {ks, []VerifierOption{WithClock(nil)}, ErrOptions},
		"weak key after a good": {append(ks, acceptAll{identityEd25519()}), []VerifierOption{WithKeyNames(w.pub)}, signing.ErrWeakKey},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, err := NewVerifier(tc.keys, tc.opts...)
			if !errors.Is(err, tc.want) || v != nil {
				t.Fatalf("NewVerifier: %v, %v; want %v", v, err, tc.want)
			}
		})
	}

	ctx := context.Background()
	named, err := NewVerifier(ks, WithKeyNames("vendor.pub"), WithClock(testNow))
	must(t, err)
	if d := checkOf(named.Verify(ctx, "a", w.env, targetOf(t, w.bin)), StepSignature).Detail; !strings.HasSuffix(d, ": vendor.pub") {
		t.Errorf("signature detail %q does not name the key as given", d)
	}
	unnamed, err := NewVerifier(ks, WithClock(testNow))
	must(t, err)
	if d := checkOf(unnamed.Verify(ctx, "a", w.env, targetOf(t, w.bin)), StepSignature).Detail; !strings.HasSuffix(d, ": key 1") {
		t.Errorf("signature detail %q: an unnamed key should be key 1", d)
	}
	// The same key given twice is listed twice (the threshold may ask for two) and counts
	// once: the verdict says so with both names.
	twice, err := NewVerifier(append(ks, ks...), WithKeyNames("a.pub", "b.pub"), WithThreshold(2), WithClock(testNow))
	must(t, err)
	vd := twice.Verify(ctx, "a", w.env, targetOf(t, w.bin))
	if !errors.Is(vd.Err, ErrSignature) || !strings.Contains(vd.Message, "a.pub and b.pub are the same key") {
		t.Errorf("a key given twice: %v", vd.Err)
	}
}

// TestRunTakesAVerifier: Run refuses a nil verifier, checks its inputs first, and uses the
// verifier's keys, threshold and limits (the batch limits too).
func TestRunTakesAVerifier(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	if res, err := Run(ctx, nil, Inputs{Artifacts: []string{w.bin}}); !errors.Is(err, ErrOptions) || res != nil {
		t.Fatalf("nil verifier: %v %v", res, err)
	}
	v := verifierFor(t, []string{w.pub})
	res, err := Run(ctx, v, Inputs{Artifacts: []string{w.bin}})
	if err != nil || !res.Passed || len(res.Verdicts) != 1 {
		t.Fatalf("Run: %v %+v", err, res)
	}
	if _, err := Run(ctx, v, Inputs{Artifacts: []string{w.bin + ".gone"}}); !errors.Is(err, ErrInput) {
		t.Errorf("missing artifact: %v, want ErrInput", err)
	}
	other := verifierFor(t, []string{w.other})
	if _, err := Run(ctx, other, Inputs{Artifacts: []string{w.bin}}); !errors.Is(err, ErrSignature) {
		t.Errorf("another vendor's key: %v, want ErrSignature", err)
	}
	small := verifierFor(t, []string{w.pub}, WithLimits(Limits{MaxBytes: 10}))
	if _, err := Run(ctx, small, Inputs{Artifacts: []string{w.bin}}); !errors.Is(err, ErrInput) || !errors.Is(err, ErrLimit) {
		t.Errorf("the verifier's MaxBytes: %v, want ErrInput and ErrLimit", err)
	}
	// One verifier serves several runs, at once.
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			res, err := Run(ctx, v, Inputs{Artifacts: []string{w.bin}, Workers: 1})
			if err == nil && !res.Passed {
				err = errors.New("not passed")
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent run: %v", err)
		}
	}
}

// TestInputsCheck: each inconsistent input is an option error, found without loading a
// key; a summary without its signer passes Check (the signer is loaded after it) and is
// refused by Run.
func TestInputsCheck(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	signer := loadSigner(t, w.otherPriv)
	digest := "sha256:" + strings.Repeat("0", 64)
	for name, in := range map[string]Inputs{
		"nothing":                 {},
		"digest alone":            {Digests: []string{digest}},
		"summary without file":    {Artifacts: []string{w.bin}, Summary: &SummaryOptions{Signer: signer}},
		"resource URI for two":    {Artifacts: []string{w.bin, w.quiet}, Summary: &SummaryOptions{Path: "s" + SuffixJSONL, Signer: signer, ResourceURI: "x"}},
		"two in one JSON file":    {Artifacts: []string{w.bin, w.quiet}, Summary: &SummaryOptions{Path: "s" + SuffixJSON, Signer: signer}},
		"directory in JSON file":  {Artifacts: []string{w.dir}, Summary: &SummaryOptions{Path: "s.json", Signer: signer}},
		"digest and file in JSON": {Artifacts: []string{w.bin}, Digests: []string{digest}, Attestations: []string{w.dir}, Summary: &SummaryOptions{Path: "s.json", Signer: signer}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if err := in.Check(); !errors.Is(err, ErrOptions) {
				t.Fatalf("Check: %v, want ErrOptions", err)
			}
		})
	}
	for name, in := range map[string]Inputs{
		"one artifact":         {Artifacts: []string{w.bin}},
		"digest with its file": {Digests: []string{digest}, Attestations: []string{w.dir}},
		"several as lines":     {Artifacts: []string{w.dir}, Summary: &SummaryOptions{Path: "s" + SuffixJSONL, Signer: signer}},
		"signer loaded later":  {Artifacts: []string{w.bin}, Summary: &SummaryOptions{Path: "s" + SuffixJSON}},
	} {
		if err := in.Check(); err != nil {
			t.Errorf("%s: Check: %v", name, err)
		}
	}
	out := filepath.Join(t.TempDir(), "s"+SuffixJSON)
	_, err := Run(context.Background(), verifierFor(t, []string{w.pub}), Inputs{Artifacts: []string{w.bin}, Summary: &SummaryOptions{Path: out}})
	if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), "(SummaryOptions.Signer)") {
		t.Errorf("summary without signer: %v", err)
	}
	if _, serr := os.Stat(out); !errors.Is(serr, os.ErrNotExist) {
		t.Errorf("a refused summary was written: %v", serr)
	}
}

// TestSummaryNamesItsPolicy: the summary names the policy the verifier holds: its file when
// LoadPolicy read it, no URI for one parsed or built in Go, candor's defaults without one;
// with its digest whenever there is a policy.
func TestSummaryNamesItsPolicy(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	polFile := filepath.Join(dir, "policy.yaml")
	polYAML := []byte("apiVersion: candor.dev/policy/v1\nmaxAge: 30d\n")
	must(t, os.WriteFile(polFile, polYAML, 0o644))
	loaded, err := LoadPolicy(polFile)
	must(t, err)
	parsed, err := ParsePolicy("policy.yaml", polYAML)
	must(t, err)
	signer := loadSigner(t, w.otherPriv)
	for name, tc := range map[string]struct {
		opts    []VerifierOption
		uri     string
		digest  bool
		fileURI bool
	}{
		"loaded":  {[]VerifierOption{WithPolicy(loaded)}, "", true, true},
		"parsed":  {[]VerifierOption{WithPolicy(parsed)}, "", true, false},
		"built":   {[]VerifierOption{WithPolicy(&Policy{APIVersion: PolicyAPIVersion})}, "", true, false},
		"default": {nil, DefaultPolicyURI, false, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "s"+SuffixJSON)
			res, err := Run(context.Background(), verifierFor(t, []string{w.pub}, tc.opts...),
				Inputs{Artifacts: []string{w.bin}, Summary: &SummaryOptions{Path: out, Signer: signer}})
			if err != nil || len(res.Summaries) != 1 {
				t.Fatalf("Run: %v %+v", err, res)
			}
			var st struct {
				Predicate VerificationSummary `json:"predicate"`
			}
			must(t, stdjson.Unmarshal(payloadBytes(t, readFile(t, out)), &st))
			p := st.Predicate.Policy
			switch {
			case tc.fileURI:
				abs, _ := filepath.Abs(polFile)
				if p.URI != "file://"+filepath.ToSlash(abs) {
					t.Errorf("policy URI %q, want the file's", p.URI)
				}
			case p.URI != tc.uri:
				t.Errorf("policy URI %q, want %q", p.URI, tc.uri)
			}
			if (p.Digest["sha256"] != "") != tc.digest {
				t.Errorf("policy digest %v, want one: %v", p.Digest, tc.digest)
			}
			if !st.Predicate.TimeVerified.Equal(testNow()) {
				t.Errorf("time verified %v: the summary should read the verifier's clock", st.Predicate.TimeVerified)
			}
		})
	}
}

func loadSigner(t *testing.T, priv string) signing.EnvelopeSigner {
	t.Helper()
	s, err := signing.LoadSigner(context.Background(), priv, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func payloadBytes(t *testing.T, envelope []byte) []byte {
	t.Helper()
	env, err := ParseEnvelope(envelope)
	if err != nil {
		t.Fatal(err)
	}
	return env.Payload
}
