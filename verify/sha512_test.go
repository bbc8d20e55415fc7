package verify

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/candor-dev/candor/attest"
)

// sha512World is a release attested with attest --sha512: phonehome, its attestation
// beside it (subject digests sha256 and sha512) and the vendor's key.
type sha512World struct {
	*world
	sha256, sha512 string
}

func newSHA512World(t *testing.T) *sha512World {
	t.Helper()
	w := &sha512World{world: &world{dir: t.TempDir()}}
	w.bin = copyFile(t, fixture(t, "phonehome"), w.dir, "phonehome")
	w.quiet = copyFile(t, fixture(t, "quiet"), w.dir, "quiet")
	w.priv, w.pub = testKey(t, w.dir, "vendor")
	disc := filepath.Join(t.TempDir(), "disclosure.yaml")
	if err := os.WriteFile(disc, []byte(phonehomeDisclosure), 0o644); err != nil {
		t.Fatal(err)
	}
	out := w.bin + SuffixJSON
	if _, err := attest.Run(context.Background(), attest.Options{
		DisclosurePath: disc, Artifacts: []string{w.bin}, Keys: []string{w.priv}, Output: out, SHA512: true,
		Now: func() time.Time { return scannedAt },
	}); err != nil {
		t.Fatal(err)
	}
	var err error
	if w.env, err = os.ReadFile(out); err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(readFile(t, w.bin))
	w.sha512 = hex.EncodeToString(sum[:])
	if w.sha256, err = fileSHA256(w.bin); err != nil {
		t.Fatal(err)
	}
	d := subjectsOf(t, w.env)[0].(map[string]any)["digest"].(map[string]any)
	if d["sha256"] != w.sha256 || d["sha512"] != w.sha512 {
		t.Fatalf("attest --sha512 wrote subject digests %v", d)
	}
	return w
}

func subjectsOf(t *testing.T, env []byte) []any {
	t.Helper()
	return payloadOf(t, env)["subject"].([]any)
}

// withSubjects re-signs the attestation with its subjects replaced.
func (w *sha512World) withSubjects(t *testing.T, subjects ...map[string]any) []byte {
	t.Helper()
	st := payloadOf(t, w.env)
	list := make([]any, len(subjects))
	for i, s := range subjects {
		list[i] = s
	}
	st["subject"] = list
	return resign(t, st, w.priv)
}

func subject(name string, digests ...string) map[string]any {
	d := map[string]any{}
	for i := 0; i+1 < len(digests); i += 2 {
		d[digests[i]] = digests[i+1]
	}
	return map[string]any{"name": name, "digest": d}
}

// flip changes the last hex digit of a digest.
func flip(h string) string {
	last := h[len(h)-1]
	c := "0"
	if last == '0' {
		c = "1"
	}
	return h[:len(h)-1] + c
}

// TestSHA512SubjectMatches: a subject with the artifact's sha256 and sha512 passes, with
// both checked, through Run (which hashes the file in SHA-512 because the subject lists
// it) and through a Verifier given only the file's SHA-256 and path.
func TestSHA512SubjectMatches(t *testing.T) {
	t.Parallel()
	w := newSHA512World(t)
	ctx := context.Background()
	res, err := runWith(ctx, runOptions{Keys: []string{w.pub}, Artifacts: []string{w.bin}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 1 {
		t.Fatalf("Run: %v %+v", err, res)
	}
	vd := res.Verdicts[0]
	if vd.SHA256 != w.sha256 || vd.Digests["sha512"] != w.sha512 {
		t.Errorf("verdict digests %s %v", vd.SHA256, vd.Digests)
	}
	if d := checkOf(vd, StepSubject).Detail; !strings.Contains(d, "sha512 agrees too") {
		t.Errorf("subject detail %q does not say the sha512 was checked", d)
	}

	v := verifierFor(t, []string{w.pub})
	vd = v.Verify(ctx, "a", w.env, Target{Name: "phonehome", SHA256: w.sha256, Path: w.bin})
	if !vd.Passed || vd.Digests["sha512"] != w.sha512 {
		t.Fatalf("Verify with the path: %v %v", vd.Err, vd.Digests)
	}
	// Only the SHA-256 known, no file: the subject's sha512 cannot be checked, and says so.
	vd = v.Verify(ctx, "a", w.env, Target{Name: "sha256:" + w.sha256, SHA256: w.sha256})
	if d := checkOf(vd, StepSubject).Detail; !vd.Passed || !strings.Contains(d, "its sha512 not checked") {
		t.Fatalf("Verify by sha256 only: %v, detail %q", vd.Err, d)
	}

	// A subject with a sha512 only (another tool's statement) matches by it, also when Run
	// has to find which of the attestations given names the file.
	only := w.withSubjects(t, subject("phonehome", "sha512", w.sha512))
	vd = v.Verify(ctx, "a", only, targetOf(t, w.bin))
	if !vd.Passed || vd.Subject != "phonehome" {
		t.Fatalf("sha512-only subject: %v\n%+v", vd.Err, vd.Checks)
	}
	elsewhere := filepath.Join(t.TempDir(), "only512"+SuffixJSON)
	must(t, os.WriteFile(elsewhere, only, 0o644))
	res, err = runWith(ctx, runOptions{Keys: []string{w.pub}, Attestations: []string{elsewhere}, Artifacts: []string{w.bin, w.quiet}, Now: testNow})
	if !errors.Is(err, ErrSubject) || len(res.Verdicts) != 2 || !res.Verdicts[0].Passed || res.Verdicts[1].Passed {
		t.Fatalf("sha512-only subject through Run: %v %+v", err, res)
	}
}

// TestSHA512OnlyWhenNeeded: attestations that list sha256 only never get the file hashed in
// SHA-512.
func TestSHA512OnlyWhenNeeded(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	res, err := runWith(context.Background(), runOptions{Keys: []string{w.pub}, Artifacts: []string{w.bin}, Now: testNow})
	if err != nil || !res.Passed {
		t.Fatalf("%v %+v", err, res)
	}
	if d := res.Verdicts[0].Digests; d != nil {
		t.Errorf("hashed in %v without a subject asking", d)
	}
	if d := checkOf(res.Verdicts[0], StepSubject).Detail; d != "sha256 "+res.Verdicts[0].SHA256+" is subject \"phonehome\"" {
		t.Errorf("detail %q", d)
	}
}

// TestSHA512Disagrees: a subject whose digests disagree with each other about the artifact
// fails the subject step, naming the subject and the algorithm; a second, consistent
// subject does not save it.
func TestSHA512Disagrees(t *testing.T) {
	t.Parallel()
	w := newSHA512World(t)
	ctx := context.Background()
	v := verifierFor(t, []string{w.pub})
	for _, tt := range []struct {
		name     string
		subjects []map[string]any
		want     []string // in the reason
	}{
		{"sha256 right, sha512 wrong", []map[string]any{subject("phonehome", "sha256", w.sha256, "sha512", flip(w.sha512))},
			[]string{`subject "phonehome"`, "its sha512 " + flip(w.sha512) + " is not the artifact's sha512 " + w.sha512}},
		{"sha256 right, sha512 upper-case and wrong", []map[string]any{subject("phonehome", "sha256", strings.ToUpper(w.sha256), "sha512", strings.ToUpper(flip(w.sha512)))},
			[]string{`subject "phonehome"`, "sha512"}},
		// Given the file, or its sha256 only, the subject is not about these bytes; given both
		// digests, it contradicts itself. Either way it fails.
		{"sha512 right, sha256 wrong", []map[string]any{subject("phonehome", "sha256", flip(w.sha256), "sha512", w.sha512)},
			[]string{`"phonehome"`, "sha256"}},
		{"a consistent subject before the contradicting one", []map[string]any{
			subject("phonehome", "sha256", w.sha256, "sha512", w.sha512),
			subject("phonehome-again", "sha256", w.sha256, "sha512", flip(w.sha512))},
			[]string{`subject "phonehome-again"`, "sha512"}},
	} {
		t.Run(strings.ReplaceAll(tt.name, " ", "_"), func(t *testing.T) {
			env := w.withSubjects(t, tt.subjects...)
			check := func(how string, vd *Verdict) {
				t.Helper()
				if vd.Passed || !errors.Is(vd.Err, ErrSubject) || vd.FailedStep() != StepSubject {
					t.Fatalf("%s: got %v, want a subject failure\n%+v", how, vd.Err, vd.Checks)
				}
				for _, s := range tt.want {
					if !strings.Contains(vd.Err.Error(), s) {
						t.Errorf("%s: %q does not say %q", how, vd.Err, s)
					}
				}
			}
			check("Verify", v.Verify(ctx, "a", env, Target{Name: "phonehome", SHA256: w.sha256, Path: w.bin}))
			check("Verify with both digests", v.Verify(ctx, "a", env, targetOf(t, w.bin).withDigests(map[string]string{"sha512": w.sha512})))

			// Through Run, beside the artifact and as a release directory.
			must(t, os.WriteFile(w.bin+SuffixJSON, env, 0o644))
			for _, art := range []string{w.bin, w.dir} {
				res, err := runWith(ctx, runOptions{Keys: []string{w.pub}, Artifacts: []string{art}, Now: testNow})
				if !errors.Is(err, ErrSubject) || res.Passed {
					t.Fatalf("Run %s: %v", art, err)
				}
				for _, vd := range res.Verdicts {
					if strings.HasSuffix(vd.Artifact, "phonehome") {
						check("Run "+art, vd)
					}
				}
			}
		})
	}
}

// TestDigestSHA512: an artifact given as --digest sha512:<hex> is matched by the subject's
// sha512 and gets a verification summary about that digest; a wrong or malformed digest
// does not pass.
func TestDigestSHA512(t *testing.T) {
	t.Parallel()
	w := newSHA512World(t)
	ctx := context.Background()
	kd := t.TempDir()
	vsaPriv, _ := testKey(t, kd, "buyer")
	out := filepath.Join(kd, "vsa"+SuffixJSON)
	res, err := runWith(ctx, runOptions{Keys: []string{w.pub}, Attestations: []string{w.bin + SuffixJSON}, Digests: []string{"sha512:" + strings.ToUpper(w.sha512)},
		Summary: &summaryOptions{Path: out, Key: vsaPriv}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 1 {
		t.Fatalf("%v %+v", err, res)
	}
	vd := res.Verdicts[0]
	if vd.Artifact != "sha512:"+w.sha512 || vd.SHA256 != "" || vd.Digests["sha512"] != w.sha512 || vd.Subject != "phonehome" {
		t.Errorf("verdict %+v", vd)
	}
	if d := checkOf(vd, StepSubject).Detail; !strings.HasPrefix(d, "sha512 "+w.sha512+` is subject "phonehome"`) || !strings.Contains(d, "its sha256 not checked") {
		t.Errorf("detail %q", d)
	}
	env, err := ParseEnvelope(readFile(t, out))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(env.Payload), `"subject":[{"name":"phonehome","digest":{"sha512":"`+w.sha512+`"}}]`) ||
		!strings.Contains(string(env.Payload), `"resourceUri":"phonehome"`) {
		t.Errorf("summary %s", env.Payload)
	}

	res, err = runWith(ctx, runOptions{Keys: []string{w.pub}, Attestations: []string{w.bin + SuffixJSON}, Digests: []string{"sha512:" + flip(w.sha512)}, Now: testNow})
	if !errors.Is(err, ErrSubject) || !strings.Contains(res.Verdicts[0].Err.Error(), "no verified attestation names sha512 "+flip(w.sha512)) {
		t.Errorf("wrong sha512: %v", err)
	}

	for _, tt := range []struct{ digest, want string }{
		{"sha512:abc", `digest "sha512:abc": write it as sha512:<128 hex digits>`},
		{"sha512:" + w.sha256, "write it as sha512:<128 hex digits>"},
		{"sha512:" + strings.Repeat("g", 128), "write it as sha512:<128 hex digits>"},
		{"sha256:" + w.sha512, "write it as sha256:<64 hex digits>"},
		{w.sha512, "write it as sha256:<64 hex digits>"},
		{"md5:d41d8cd98f00b204e9800998ecf8427e", "candor checks sha256 and sha512 digests"},
		{"SHA512:" + w.sha512, "candor checks sha256 and sha512 digests"},
	} {
		_, err := runWith(ctx, runOptions{Keys: []string{w.pub}, Attestations: []string{w.bin + SuffixJSON}, Digests: []string{tt.digest}})
		if !errors.Is(err, ErrOptions) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("digest %q: %v, want ErrOptions saying %q", tt.digest, err, tt.want)
		}
	}
}

// TestUnknownDigestOnly: a subject whose digests are all in algorithms candor does not
// check cannot match, and the subject step says why; a malformed sha512 or a subject with
// no digest fails the statement step.
func TestUnknownDigestOnly(t *testing.T) {
	t.Parallel()
	w := newSHA512World(t)
	ctx := context.Background()
	v := verifierFor(t, []string{w.pub})
	env := w.withSubjects(t, subject("phonehome", "md5", "0123456789abcdef0123456789abcdef", "sha3_256", w.sha256))
	want := `subject "phonehome" has only digests candor does not check (md5, sha3_256), so cannot match: candor checks sha256 and sha512`
	vd := v.Verify(ctx, "a", env, targetOf(t, w.bin))
	if vd.Passed || !errors.Is(vd.Err, ErrSubject) || !strings.Contains(vd.Err.Error(), want) {
		t.Fatalf("got %v, want a subject failure saying %q", vd.Err, want)
	}
	// In a release directory the subject names the file, which fails for the same reason
	// (the other executable beside it, unattested, is listed).
	must(t, os.WriteFile(w.bin+SuffixJSON, env, 0o644))
	res, err := runWith(ctx, runOptions{Keys: []string{w.pub}, Artifacts: []string{w.dir}, Now: testNow, AllowUnattested: true})
	if !errors.Is(err, ErrSubject) || len(res.Verdicts) != 1 || !strings.Contains(res.Verdicts[0].Err.Error(), want) {
		t.Fatalf("release directory: %v %+v", err, res)
	}
	// Beside an unknown-only subject, a subject in a known algorithm still matches.
	env = w.withSubjects(t, subject("phonehome.md5", "md5", "0123456789abcdef0123456789abcdef"), subject("phonehome", "sha512", w.sha512))
	if vd := v.Verify(ctx, "a", env, targetOf(t, w.bin)); !vd.Passed {
		t.Fatalf("known subject beside an unknown one: %v", vd.Err)
	}

	for name, s := range map[string]map[string]any{
		"no digest":          subject("phonehome"),
		"short sha512":       subject("phonehome", "sha256", w.sha256, "sha512", w.sha256),
		"non-hex sha512":     subject("phonehome", "sha256", w.sha256, "sha512", strings.Repeat("z", 128)),
		"empty sha256":       subject("phonehome", "sha256", "", "sha512", w.sha512),
		"short sha256 alone": subject("phonehome", "sha256", w.sha256[:40]),
	} {
		vd := v.Verify(ctx, "a", w.withSubjects(t, s), targetOf(t, w.bin))
		if !errors.Is(vd.Err, ErrStatement) {
			t.Errorf("%s: got %v, want a statement failure", name, vd.Err)
		}
	}
}

func checkOf(vd *Verdict, s Step) Check {
	for _, c := range vd.Checks {
		if c.Step == s {
			return c
		}
	}
	return Check{}
}
