package verify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	stdjson "encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/candor-dev/candor/predicate"
	"github.com/candor-dev/candor/signing"
)

// TestUnattestedExecutableFails: an executable in a release directory that no attestation
// names fails verification, wherever it hides (top level, a subdirectory, a dotfile), with
// one failed step that names the file; AllowUnattested lists each instead. Files that are
// not executables stay notes.
func TestUnattestedExecutableFails(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	ctx := context.Background()
	bin := readFile(t, filepath.Join(dir, "quiet"))
	// A byte changed: the same program's shape, bits no attestation names.
	extra := append([]byte(nil), bin...)
	extra[len(extra)-1] ^= 0xff
	must(t, os.MkdirAll(filepath.Join(dir, "plugins"), 0o755))
	for _, rel := range []string{"extra", "plugins/helper", ".hidden"} {
		must(t, os.WriteFile(filepath.Join(dir, filepath.FromSlash(rel)), extra, 0o755))
	}

	res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	var fe *FailedError
	if !errors.Is(err, ErrSubject) || !errors.As(err, &fe) || res == nil || res.Passed {
		t.Fatalf("unattested executables: %v, %+v", err, res)
	}
	failed := map[string]*Verdict{}
	for _, vd := range res.Verdicts {
		if !vd.Passed {
			rel, _ := filepath.Rel(dir, vd.Artifact)
			failed[filepath.ToSlash(rel)] = vd
		}
	}
	if len(failed) != 3 || len(res.Verdicts) != 5 {
		t.Fatalf("failed verdicts %v of %d, want extra, plugins/helper and .hidden", keysOf(failed), len(res.Verdicts))
	}
	for rel, vd := range failed {
		if len(vd.Checks) != 1 || vd.Checks[0].Step != StepSubject || vd.Checks[0].Status != Fail || vd.FailedStep() != StepSubject {
			t.Errorf("%s: checks %+v, want one failed subject step", rel, vd.Checks)
		}
		if !strings.Contains(vd.Checks[0].Reasons[0], "no attestation names this executable of the release") || vd.SHA256 == "" {
			t.Errorf("%s: reason %q, sha256 %q", rel, vd.Checks[0].Reasons[0], vd.SHA256)
		}
	}
	if got := unverifiedReasons(dir, res); len(got) != 1 || got["README.md"] != "named by no attestation" {
		t.Errorf("unverified %v, want only README.md", got)
	}

	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow, AllowUnattested: true})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 {
		t.Fatalf("allowed: %v, %+v", err, res)
	}
	got := unverifiedReasons(dir, res)
	for _, rel := range []string{"extra", "plugins/helper", ".hidden"} {
		if got[rel] != "executable named by no attestation (unattested executables allowed)" {
			t.Errorf("%s: reason %q", rel, got[rel])
		}
	}
}

// TestUnattestedNotFollowedThroughLinks: an executable a link points at, inside the release
// or outside it, is never read as one of the release: the link is listed, nothing fails.
func TestUnattestedNotFollowedThroughLinks(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	outside := copyFile(t, filepath.Join(dir, "quiet"), t.TempDir(), "outside")
	must(t, os.Symlink(outside, filepath.Join(dir, "link-out")))
	res, err := runWith(context.Background(), runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	if err != nil || !res.Passed {
		t.Fatalf("%v, %+v", err, res)
	}
	if got := unverifiedReasons(dir, res)["link-out"]; got != "symbolic link: not followed" {
		t.Errorf("link-out: %q", got)
	}
}

// provenance is an SLSA provenance statement about the file with this sha256.
func provenance(t *testing.T, name, sha string) []byte {
	t.Helper()
	b, err := stdjson.Marshal(map[string]any{
		"_type":         StatementType,
		"subject":       []any{map[string]any{"name": name, "digest": map[string]any{"sha256": sha}}},
		"predicateType": "https://slsa.dev/provenance/v1",
		"predicate":     map[string]any{"buildDefinition": map[string]any{"buildType": "https://example.com/build"}},
	})
	must(t, err)
	return b
}

// oneLine writes an envelope as one line of a JSON lines file.
func oneLine(t *testing.T, env []byte) []byte {
	t.Helper()
	var v any
	must(t, stdjson.Unmarshal(env, &v))
	b, err := stdjson.Marshal(v)
	must(t, err)
	return append(b, '\n')
}

// TestOtherPredicateTypesSkipped: an SLSA provenance beside the disclosure, in one
// .intoto.jsonl bundle or as its own file in a release directory, signed by the builder's
// key (not trusted here) or by the vendor's, is listed and skipped: the release passes. An
// artifact that only a provenance names has no attestation and fails. A predicate type
// that folds onto candor's is not skipped: it fails where it must.
func TestOtherPredicateTypesSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, priv, pub := release(t)
	builderPriv, _ := testKey(t, t.TempDir(), "builder")
	bin := filepath.Join(dir, "phonehome")
	sha, err := fileSHA256(bin)
	must(t, err)
	prov := provenance(t, "phonehome", sha)
	byBuilder := signPayload(t, predicate.PayloadType, prov, builderPriv)
	byVendor := signPayload(t, predicate.PayloadType, prov, priv)

	// A bundle: the disclosure, then two provenances.
	disclosure := readFile(t, bin+SuffixJSON)
	must(t, os.Remove(bin+SuffixJSON))
	bundle := append(append(oneLine(t, disclosure), oneLine(t, byBuilder)...), oneLine(t, byVendor)...)
	must(t, os.WriteFile(bin+SuffixJSONL, bundle, 0o644))
	// And a provenance file of its own.
	must(t, os.WriteFile(filepath.Join(dir, "provenance"+SuffixJSON), byBuilder, 0o644))

	for name, args := range map[string][]string{"directory": {dir}, "beside": {bin}} {
		res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: args, Now: testNow})
		if err != nil || !res.Passed {
			t.Fatalf("%s: %v, %+v", name, err, res)
		}
		skipped := map[string]string{}
		for _, u := range res.Unverified {
			if strings.Contains(u.Reason, "another predicate type") {
				skipped[filepath.Base(u.Path)] = u.Reason
			}
		}
		want := []string{"phonehome.intoto.jsonl#2", "phonehome.intoto.jsonl#3"}
		if name == "directory" {
			want = append(want, "provenance.intoto.json")
		}
		for _, w := range want {
			if !strings.Contains(skipped[w], `attestation of another predicate type, "https://slsa.dev/provenance/v1", skipped (candor verifies https://candor.dev/attestation/disclosure/v1)`) {
				t.Errorf("%s: %s: reason %q", name, w, skipped[w])
			}
		}
		if len(skipped) != len(want) {
			t.Errorf("%s: skipped %v, want %v", name, skipped, want)
		}
		for _, vd := range res.Verdicts {
			if strings.Contains(vd.Attestation, "#2") || strings.Contains(vd.Attestation, "#3") || strings.Contains(vd.Attestation, "provenance") {
				t.Errorf("%s: a verdict about a provenance: %+v", name, vd)
			}
		}
	}

	// Only a provenance beside the artifact: no attestation names it.
	lone := copyFile(t, bin, t.TempDir(), "lone")
	must(t, os.WriteFile(lone+SuffixJSON, byVendor, 0o644))
	res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{lone}, Now: testNow})
	if !errors.Is(err, ErrSubject) || res == nil || res.Passed || len(res.Verdicts) != 1 || len(res.Unverified) != 1 {
		t.Fatalf("only a provenance: %v, %+v", err, res)
	}
	if r := res.Verdicts[0].Checks[0].Reasons[0]; !strings.Contains(r, "no verified attestation names") {
		t.Errorf("only a provenance: %q", r)
	}

	// A predicate type that folds onto candor's is read as candor's, and refused.
	st := payloadOf(t, disclosure)
	st["predicateType"] = strings.ToUpper(predicate.PredicateType)
	folded := copyFile(t, bin, t.TempDir(), "folded")
	must(t, os.WriteFile(folded+SuffixJSON, resign(t, st, priv), 0o644))
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{folded}, Now: testNow})
	if !errors.Is(err, ErrStatement) || res == nil || len(res.Unverified) != 0 {
		t.Fatalf("folded predicate type: %v, %+v", err, res)
	}
}

// TestSignatureFailureNamesKeys: a signature by another key names the key id the envelope
// carries and the fingerprint of every trusted key tried (the SHA-256 of the DER public
// key, which is the key id candor writes), so a buyer sees which key signed.
func TestSignatureFailureNamesKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, priv, _ := release(t)
	kd := t.TempDir()
	_, otherPub := testKey(t, kd, "other")
	_, thirdPub := testKey(t, kd, "third")
	// What openssl pkey -pubin -outform DER | sha256sum prints, and the key id.
	fp := func(path string) string {
		block, _ := pem.Decode(readFile(t, path))
		sum := sha256.Sum256(block.Bytes)
		pub, err := signing.LoadPublicKey(path)
		must(t, err)
		id, err := signing.KeyID(pub)
		must(t, err)
		return hex.EncodeToString(sum[:]) + ", key id " + id
	}
	signer, err := signing.LoadSigner(ctx, priv, signing.Options{})
	must(t, err)
	vendorID, _ := signer.KeyID()
	res, err := runWith(ctx, runOptions{Keys: []string{otherPub, thirdPub}, Artifacts: []string{filepath.Join(dir, "quiet")}, Now: testNow})
	if !errors.Is(err, ErrSignature) || res == nil || len(res.Verdicts) != 1 {
		t.Fatalf("%v, %+v", err, res)
	}
	reason := res.Verdicts[0].Checks[1].Reasons[0]
	want := "none of the 1 signature(s) verifies with a trusted key: the attestation was signed by another key, or changed after signing; " +
		"the envelope names key id " + vendorID + "; trusted key(s) tried: " +
		otherPub + " (fingerprint " + fp(otherPub) + "), " + thirdPub + " (fingerprint " + fp(thirdPub) + ")"
	if reason != want {
		t.Errorf("reason\n%s\nwant\n%s", reason, want)
	}

	// A key id that is not hex is quoted and cut; none at all is said so.
	for _, tt := range []struct {
		ids  []string
		want string
	}{
		{[]string{"\x1b[31mred", strings.Repeat("a", 200)}, `the envelope names key id "\x1b[31mred", "` + strings.Repeat("a", maxKeyIDShown) + `..."`},
		{[]string{"", ""}, "the signatures name no key id"},
		{[]string{"SHA256:AB+/12", "ab12", "ab12"}, "the envelope names key id SHA256:AB+/12, ab12"},
	} {
		var sigs []Signature
		for _, id := range tt.ids {
			sigs = append(sigs, Signature{KeyID: id})
		}
		if got := envelopeKeyIDs(sigs); got != tt.want {
			t.Errorf("%q: %s, want %s", tt.ids, got, tt.want)
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestNestedReleaseSubjects: attest names subjects by file name (by path when two share
// one), so in a release directory a subject names the file at its path, else the file at
// the longest ending of its path, else the one file of that name at any level. Two files
// with the name fail the subject; none is chosen.
func TestNestedReleaseSubjects(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	priv, pub := testKey(t, t.TempDir(), "vendor")
	must(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	must(t, os.MkdirAll(filepath.Join(dir, "lib"), 0o755))
	ph := copyFile(t, fixture(t, "phonehome"), filepath.Join(dir, "bin"), "phonehome")
	q := copyFile(t, fixture(t, "quiet"), filepath.Join(dir, "lib"), "quiet")
	env := attestFile(t, phonehomeDisclosure, filepath.Join(dir, "all"+SuffixJSON), false, []string{priv}, ph, q)
	res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 || res.Verdicts[0].Artifact != ph || res.Verdicts[1].Artifact != q {
		t.Fatalf("nested: %v, %+v", err, res)
	}

	// A subject named by a longer path than the release's: its longest ending that is a file.
	st := payloadOf(t, env)
	for _, s := range st["subject"].([]any) {
		m := s.(map[string]any)
		m["name"] = "release/" + map[string]string{"phonehome": "bin/phonehome", "quiet": "lib/quiet"}[m["name"].(string)]
	}
	must(t, os.WriteFile(filepath.Join(dir, "all"+SuffixJSON), resign(t, st, priv), 0o644))
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 || res.Verdicts[1].Artifact != q || res.Verdicts[1].Subject != "release/lib/quiet" {
		t.Fatalf("path subjects: %v, %+v", err, res)
	}

	// Two files named quiet: the bare name chooses neither, and neither is left unlisted.
	must(t, os.WriteFile(filepath.Join(dir, "all"+SuffixJSON), env, 0o644))
	must(t, os.MkdirAll(filepath.Join(dir, "other"), 0o755))
	copyFile(t, q, filepath.Join(dir, "other"), "quiet")
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	if !errors.Is(err, ErrSubject) || res == nil || len(res.Verdicts) != 2 || res.Verdicts[1].Passed {
		t.Fatalf("ambiguous: %v, %+v", err, res)
	}
	if r := res.Verdicts[1].Checks[0].Reasons[0]; !strings.Contains(r, `subject "quiet" is not a file at the top of `) || !strings.Contains(r, "2 files in it have that name (lib/quiet, other/quiet): none is chosen") {
		t.Errorf("ambiguous: %q", r)
	}
	if len(res.Unverified) != 0 {
		t.Errorf("unverified %+v", res.Unverified)
	}
}

// TestUnattestedWithAttestationsGiven: a release directory matched against attestations
// given elsewhere (Inputs.Attestations) lists its files no attestation names, and fails an
// executable among them (a hidden one too) unless unattested executables are allowed.
func TestUnattestedWithAttestationsGiven(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir, _, pub := release(t)
	atts := t.TempDir()
	for _, name := range []string{"phonehome", "quiet"} {
		must(t, os.Rename(filepath.Join(dir, name+SuffixJSON), filepath.Join(atts, name+SuffixJSON)))
	}
	res, err := runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Attestations: []string{atts}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 {
		t.Fatalf("given attestations: %v, %+v", err, res)
	}
	if got := unverifiedReasons(dir, res); len(got) != 1 || got["README.md"] != "named by no attestation" {
		t.Errorf("unverified %v, want README.md named by no attestation", got)
	}

	extra := readFile(t, filepath.Join(dir, "quiet"))
	extra[len(extra)-1] ^= 0xff
	must(t, os.WriteFile(filepath.Join(dir, ".extra"), extra, 0o755))
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Attestations: []string{atts}, Now: testNow})
	if !errors.Is(err, ErrSubject) || res == nil || len(res.Verdicts) != 3 {
		t.Fatalf("unattested hidden executable: %v, %+v", err, res)
	}
	if vd := res.Verdicts[2]; vd.Passed || vd.Artifact != filepath.Join(dir, ".extra") || !strings.Contains(vd.Err.Error(), "no verified attestation names sha256 ") {
		t.Errorf("verdict %+v", vd)
	}
	res, err = runWith(ctx, runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Attestations: []string{atts}, Now: testNow, AllowUnattested: true})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 {
		t.Fatalf("allowed: %v, %+v", err, res)
	}
	if got := unverifiedReasons(dir, res)[".extra"]; got != "executable named by no attestation (unattested executables allowed)" {
		t.Errorf(".extra: %q", got)
	}
}
