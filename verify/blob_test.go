package verify

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/candor-dev/candor/scan"
)

// blobCase is an artifact known by digest (as an image in a registry is) and the vendor's
// attestations of it and of another artifact, as bytes.
type blobCase struct {
	sha, otherSHA        string
	bin, other           string
	vendorKey, vendorPub string
	env, otherEnv        []byte
	payload              []byte
}

func newBlobCase(t *testing.T) *blobCase {
	t.Helper()
	dir := t.TempDir()
	c := &blobCase{}
	c.bin = copyFile(t, fixture(t, "phonehome"), dir, "phonehome")
	c.other = copyFile(t, fixture(t, "quiet"), dir, "quiet")
	c.vendorKey, c.vendorPub = testKey(t, t.TempDir(), "vendor")
	c.env = attestFile(t, phonehomeDisclosure, filepath.Join(t.TempDir(), "a.intoto.json"), true, []string{c.vendorKey}, c.bin)
	c.otherEnv = attestFile(t, phonehomeDisclosure, filepath.Join(t.TempDir(), "b.intoto.json"), true, []string{c.vendorKey}, c.other)
	e, err := ParseEnvelope(c.env)
	must(t, err)
	c.payload = e.Payload
	c.sha = targetOf(t, c.bin).SHA256
	c.otherSHA = targetOf(t, c.other).SHA256
	return c
}

// ref is what the CLI puts in Target.Path: an image reference, not a file.
const blobRef = "registry.example/vendor/app@sha256:0000"

// TestInputsBlobPass: an envelope given in memory verifies an artifact known by digest;
// the verdict names the blob and the target, and Run never opens the target's Path.
func TestInputsBlobPass(t *testing.T) {
	t.Parallel()
	c := newBlobCase(t)
	v := verifierFor(t, []string{c.vendorPub})
	name := "registry.example/vendor/app@sha256:1111 (referrers-api)"
	res, err := Run(context.Background(), v, Inputs{
		Blobs:   []Blob{{Name: name, Data: c.env}},
		Targets: []Target{{Name: "registry.example/vendor/app:1.0", SHA256: strings.ToUpper(c.sha), Path: blobRef}},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if len(res.Verdicts) != 1 {
		t.Fatalf("%d verdicts, want 1: %+v", len(res.Verdicts), res.Verdicts)
	}
	vd := res.Verdicts[0]
	if !vd.Passed || vd.Attestation != name || vd.Artifact != "registry.example/vendor/app:1.0" || vd.SHA256 != c.sha {
		t.Errorf("verdict: passed %v, attestation %q, artifact %q, sha256 %q", vd.Passed, vd.Attestation, vd.Artifact, vd.SHA256)
	}
	if got := stepStatus(vd, StepRescan); got != Skip {
		t.Errorf("rescan without a scanner: %s, want skip", got)
	}
	// A target without a name is named by its digest.
	res, err = Run(context.Background(), v, Inputs{Blobs: []Blob{{Name: name, Data: c.env}}, Targets: []Target{{SHA256: c.sha}}})
	if err != nil || res.Verdicts[0].Artifact != "sha256:"+c.sha {
		t.Errorf("unnamed target: %v, %+v", err, res)
	}
}

// refScanner re-scans the artifact an image reference stands for, as the CLI's scanner
// pulls an image: it records the paths it is given.
type refScanner struct {
	inner *scan.Scanner
	file  string
	mu    sync.Mutex
	paths []string
}

func (s *refScanner) ScanFile(ctx context.Context, path string) (*scan.Artifact, error) {
	s.mu.Lock()
	s.paths = append(s.paths, path)
	s.mu.Unlock()
	return s.inner.ScanFile(ctx, s.file)
}

func (s *refScanner) Analyzer() scan.Analyzer { return s.inner.Analyzer() }

// TestInputsTargetRescan: the Path of a target given by digest goes to the scanner as it
// is; a scan of other bits fails the rescan step.
func TestInputsTargetRescan(t *testing.T) {
	t.Parallel()
	c := newBlobCase(t)
	sc, err := scan.New()
	must(t, err)
	for _, tc := range []struct {
		file string
		pass bool
	}{{c.bin, true}, {c.other, false}} {
		rs := &refScanner{inner: sc, file: tc.file}
		v := verifierFor(t, []string{c.vendorPub}, WithRescan(rs))
		res, err := Run(context.Background(), v, Inputs{
			Blobs:   []Blob{{Name: "blob", Data: c.env}},
			Targets: []Target{{Name: "app", SHA256: c.sha, Path: blobRef}},
		})
		if len(rs.paths) != 1 || rs.paths[0] != blobRef {
			t.Errorf("scanner given %q, want [%s]", rs.paths, blobRef)
		}
		if tc.pass {
			if err != nil || stepStatus(res.Verdicts[0], StepRescan) != Pass {
				t.Errorf("rescan of the same bits: %v, %+v", err, res)
			}
			continue
		}
		if !errors.Is(err, ErrRescan) || res == nil || stepStatus(res.Verdicts[0], StepRescan) != Fail {
			t.Errorf("rescan of other bits: %v, want ErrRescan", err)
		}
	}
}

// TestInputsBlobBundle: a Sigstore bundle given in memory is read as a bundle file is.
func TestInputsBlobBundle(t *testing.T) {
	t.Parallel()
	c := newBlobCase(t)
	v := verifierFor(t, []string{c.vendorPub})
	in := Inputs{Blobs: []Blob{{Name: "bundle", Data: bundleOf(t, c.payload, c.vendorKey)}}, Targets: []Target{{Name: "app", SHA256: c.sha}}}
	res, err := Run(context.Background(), v, in)
	if err != nil || !res.Passed {
		t.Fatalf("the vendor's bundle: %v, %+v", err, res)
	}
	if d := stepDetail(res.Verdicts[0], StepParse); !strings.Contains(strings.ToLower(d), "bundle") {
		t.Errorf("parse step %q: not read as a bundle", d)
	}
	// Another key's bundle of the same statement fails its signature.
	mallory, _ := testKey(t, t.TempDir(), "mallory")
	in.Blobs[0].Data = bundleOf(t, c.payload, mallory)
	if _, err := Run(context.Background(), v, in); !errors.Is(err, ErrSignature) {
		t.Errorf("another key's bundle: %v, want ErrSignature", err)
	}
}

// TestInputsBlobOtherDigest: the vendor's genuine attestation of other bits, given for
// this digest (an attestation of image A attached to image B), fails the subject step.
func TestInputsBlobOtherDigest(t *testing.T) {
	t.Parallel()
	c := newBlobCase(t)
	v := verifierFor(t, []string{c.vendorPub})
	res, err := Run(context.Background(), v, Inputs{
		Blobs:   []Blob{{Name: "B (referrers-api)", Data: c.otherEnv}},
		Targets: []Target{{Name: "B", SHA256: c.sha}},
	})
	var fe *FailedError
	if !errors.Is(err, ErrSubject) || !errors.As(err, &fe) || res == nil || res.Passed {
		t.Fatalf("an attestation of other bits: %v, %+v; want a failed verdict (ErrSubject)", err, res)
	}
	vd := res.Verdicts[0]
	if vd.Artifact != "B" || stepStatus(vd, StepSubject) != Fail || !strings.Contains(vd.Message, "B (referrers-api)") {
		t.Errorf("verdict %+v: want B failing the subject step, naming where it looked", vd)
	}
	if !strings.Contains(strings.Join(res.Notes, "\n"), "names none of the artifacts") {
		t.Errorf("notes %q: the attestation of other bits is not noted", res.Notes)
	}
}

// TestInputsBlobBytesLimit: blobs count against Limits.MaxBytes, all together and with the
// files: over it, the run stops with no verdict.
func TestInputsBlobBytesLimit(t *testing.T) {
	t.Parallel()
	c := newBlobCase(t)
	n := int64(len(c.env))
	v := verifierFor(t, []string{c.vendorPub}, WithLimits(Limits{MaxBytes: n + n/2}))
	in := Inputs{Blobs: []Blob{{Name: "one", Data: c.env}}, Targets: []Target{{Name: "app", SHA256: c.sha}}}
	if res, err := Run(context.Background(), v, in); err != nil || !res.Passed {
		t.Fatalf("one blob under the limit: %v", err)
	}
	in.Blobs = append(in.Blobs, Blob{Name: "two", Data: c.env})
	res, err := Run(context.Background(), v, in)
	var le *LimitError
	if !errors.Is(err, ErrInput) || !errors.As(err, &le) || le.Limit != LimitBytes || le.Need != 2*n || res != nil {
		t.Fatalf("two blobs over the limit: %v, %+v; want a LimitError of %s for %d bytes", err, res, LimitBytes, 2*n)
	}
	// An envelope over MaxEnvelopeSize fails to parse, as a file's would.
	big := make([]byte, MaxEnvelopeSize+10)
	v = verifierFor(t, []string{c.vendorPub})
	res, err = Run(context.Background(), v, Inputs{Blobs: []Blob{{Name: "big", Data: big}}, Targets: []Target{{Name: "app", SHA256: c.sha}}})
	if !errors.Is(err, ErrParse) || res == nil {
		t.Errorf("a blob over the envelope size: %v, want ErrParse", err)
	}
}

// TestInputsCheckTargets: a target by digest needs attestations, and a digest; a blob
// needs a name.
func TestInputsCheckTargets(t *testing.T) {
	t.Parallel()
	sha := strings.Repeat("ab", 32)
	for name, in := range map[string]Inputs{
		"target without attestations": {Targets: []Target{{Name: "app", SHA256: sha}}},
		"target without a digest":     {Targets: []Target{{Name: "app", Path: blobRef}}, Blobs: []Blob{{Name: "b", Data: []byte("{}")}}},
		"target with a bad digest":    {Targets: []Target{{Name: "app", SHA256: "abc"}}, Blobs: []Blob{{Name: "b", Data: []byte("{}")}}},
		"blob without a name":         {Targets: []Target{{Name: "app", SHA256: sha}}, Blobs: []Blob{{Data: []byte("{}")}}},
		"blobs and no artifact":       {Blobs: []Blob{{Name: "b", Data: []byte("{}")}}},
	} {
		if err := in.Check(); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: %v, want ErrOptions", name, err)
		}
	}
	ok := Inputs{Targets: []Target{{Name: "app", SHA256: sha}}, Blobs: []Blob{{Name: "b", Data: []byte("{}")}}}
	if err := ok.Check(); err != nil {
		t.Errorf("a target with a blob: %v", err)
	}
}

func stepStatus(vd *Verdict, s Step) Status {
	for _, c := range vd.Checks {
		if c.Step == s {
			return c.Status
		}
	}
	return ""
}

func stepDetail(vd *Verdict, s Step) string {
	for _, c := range vd.Checks {
		if c.Step == s {
			return c.Detail
		}
	}
	return ""
}

// TestInputsTargetPathNotHashed: a subject that also lists a sha512 is checked on the
// target's digests only; its Path, a file here with another sha512, is never read.
func TestInputsTargetPathNotHashed(t *testing.T) {
	t.Parallel()
	c := newBlobCase(t)
	st := payloadOf(t, c.env)
	st["subject"].([]any)[0].(map[string]any)["digest"].(map[string]any)["sha512"] = strings.Repeat("0", 128)
	env := resign(t, st, c.vendorKey)
	v := verifierFor(t, []string{c.vendorPub})
	res, err := Run(context.Background(), v, Inputs{Blobs: []Blob{{Name: "blob", Data: env}}, Targets: []Target{{Name: "app", SHA256: c.sha, Path: c.bin}}})
	if err != nil || !res.Passed {
		t.Fatalf("Run: %v, %+v: the target's file was hashed", err, res)
	}
	if d := stepDetail(res.Verdicts[0], StepSubject); !strings.Contains(d, "sha512 not checked") {
		t.Errorf("subject detail %q: want the sha512 not checked", d)
	}
	// Given as an artifact file, the same attestation fails: the file's sha512 is another.
	res, err = Run(context.Background(), v, Inputs{Blobs: []Blob{{Name: "blob", Data: env}}, Artifacts: []string{c.bin}})
	if !errors.Is(err, ErrSubject) || res == nil {
		t.Errorf("the file given: %v, want ErrSubject", err)
	}
}
