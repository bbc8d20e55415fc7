package verify

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/candor-dev/candor/internal/fileio"
)

// unverifiedReasons maps each unverified entry's path inside dir to its reason.
func unverifiedReasons(dir string, res *Result) map[string]string {
	out := map[string]string{}
	for _, u := range res.Unverified {
		rel, _ := filepath.Rel(dir, u.Path)
		out[filepath.ToSlash(rel)] = u.Reason
	}
	return out
}

// TestReleaseDirectoryListsEverything: every entry of a release directory is verified, read
// as an attestation, or listed as not verified with the reason: a symbolic link (to a file
// outside, inside, or dangling), files in a subdirectory, a dotfile, a FIFO, an attestation
// in a subdirectory. None of them is followed or opened.
func TestReleaseDirectoryListsEverything(t *testing.T) {
	t.Parallel()
	dir, _, pub := release(t)
	outside := filepath.Join(t.TempDir(), "secret")
	must(t, os.WriteFile(outside, []byte("outside the release"), 0o644))
	must(t, os.Symlink(outside, filepath.Join(dir, "link-out")))
	must(t, os.Symlink("quiet", filepath.Join(dir, "link-in")))
	must(t, os.Symlink("nowhere", filepath.Join(dir, "dangling")))
	must(t, os.MkdirAll(filepath.Join(dir, "plugins", "deep"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "plugins", "deep", "helper"), []byte("\x7fELF"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, ".hidden-agent"), []byte("#!/bin/sh\n"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "plugins", "x.intoto.json"), []byte("{}"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644))
	must(t, syscall.Mkfifo(filepath.Join(dir, "fifo.intoto.json"), 0o644))

	res, err := runWith(context.Background(), runOptions{Keys: []string{pub}, Artifacts: []string{dir}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 2 {
		t.Fatalf("release with extra entries: %v %+v", err, res)
	}
	got := unverifiedReasons(dir, res)
	want := map[string]string{
		"README.md":             "named by no attestation",
		"link-out":              "symbolic link: not followed",
		"link-in":               "symbolic link: not followed",
		"dangling":              "symbolic link: not followed",
		"plugins/deep/helper":   "named by no attestation",
		".hidden-agent":         "hidden file, named by no attestation",
		"plugins/x.intoto.json": "attestation file in a subdirectory",
		"pipe":                  "a named pipe (FIFO): not a regular file, not read",
		"fifo.intoto.json":      "a named pipe (FIFO): not a regular file, not read",
	}
	for p, w := range want {
		if !strings.HasPrefix(got[p], w) {
			t.Errorf("%s: reason %q, want %q", p, got[p], w)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			t.Errorf("unexpected unverified entry %s: %s", p, got[p])
		}
	}
	// Each is in the notes too, for the text output.
	for p := range want {
		if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, filepath.Join(dir, p)+": not verified: ") }) {
			t.Errorf("no note for %s: %q", p, res.Notes)
		}
	}
}

// TestReleaseSubjectsNeverFollowLinks: a subject naming a symbolic link, in the directory
// or through a linked subdirectory, fails its verdict even when the file the link points to
// has the attested digest; a subject naming a file in a subdirectory is verified.
func TestReleaseSubjectsNeverFollowLinks(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		layout func(t *testing.T, rel, bin string) string // lays out the release, returns the subject path
		pass   bool
		reason string
	}{
		{"regular file in a subdirectory", func(t *testing.T, rel, bin string) string {
			must(t, os.MkdirAll(filepath.Join(rel, "bin"), 0o755))
			copyFile(t, bin, filepath.Join(rel, "bin"), "phonehome")
			return "bin/phonehome"
		}, true, ""},
		{"link to a file outside", func(t *testing.T, rel, bin string) string {
			must(t, os.Symlink(bin, filepath.Join(rel, "phonehome")))
			return "phonehome"
		}, false, "is a symbolic link"},
		{"link to a file inside", func(t *testing.T, rel, bin string) string {
			copyFile(t, bin, rel, "real")
			must(t, os.Symlink("real", filepath.Join(rel, "phonehome")))
			return "phonehome"
		}, false, "is a symbolic link"},
		{"subdirectory that is a link out", func(t *testing.T, rel, bin string) string {
			must(t, os.Symlink(filepath.Dir(bin), filepath.Join(rel, "bin")))
			return "bin/" + filepath.Base(bin)
		}, false, "is not a file in"},
		{"parent escape", func(t *testing.T, rel, bin string) string {
			return "../" + filepath.Base(bin)
		}, false, "is not a file name inside"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := t.TempDir()
			subject := tc.layout(t, rel, w.bin)
			st := payloadOf(t, w.env)
			st["subject"].([]any)[0].(map[string]any)["name"] = subject
			pred := st["predicate"].(map[string]any)
			pred["analysis"].(map[string]any)["artifacts"].([]any)[0].(map[string]any)["name"] = subject
			must(t, os.WriteFile(filepath.Join(rel, "release.intoto.json"), resign(t, st, w.priv), 0o644))
			res, err := runWith(ctx, runOptions{Keys: []string{w.pub}, Artifacts: []string{rel}, Now: testNow})
			if tc.pass {
				if err != nil || !res.Passed {
					t.Fatalf("%v %+v", err, res)
				}
				return
			}
			if !errors.Is(err, ErrSubject) || res.Passed {
				t.Fatalf("want a subject failure: %v", err)
			}
			if !strings.Contains(res.Verdicts[0].Message, tc.reason) {
				t.Errorf("message %q does not say %q", res.Verdicts[0].Message, tc.reason)
			}
		})
	}
}

// TestExplicitAttestationsReadReleaseRecursively: with --attestation, every regular file of
// the release directory at every level is an artifact; links and hidden files are listed.
func TestExplicitAttestationsReadReleaseRecursively(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rel := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(rel, "bin"), 0o755))
	copyFile(t, w.bin, filepath.Join(rel, "bin"), "phonehome")
	must(t, os.Symlink(w.quiet, filepath.Join(rel, "quiet")))
	must(t, os.WriteFile(filepath.Join(rel, ".env"), []byte("X=1\n"), 0o644))
	att := filepath.Join(t.TempDir(), "a.intoto.json")
	must(t, os.WriteFile(att, w.env, 0o644))
	res, err := runWith(context.Background(), runOptions{Keys: []string{w.pub}, Artifacts: []string{rel}, Attestations: []string{att}, Now: testNow})
	if err != nil || !res.Passed || len(res.Verdicts) != 1 || !strings.HasSuffix(res.Verdicts[0].Artifact, filepath.Join("bin", "phonehome")) {
		t.Fatalf("%v %+v", err, res)
	}
	got := unverifiedReasons(rel, res)
	if got["quiet"] != "symbolic link: not followed" || got[".env"] != "hidden file, named by no attestation" || len(got) != 2 {
		t.Errorf("unverified: %q", got)
	}
}

// TestFIFOBesideArtifact: an attestation beside an artifact that is a FIFO is an input
// error at once, never a hang; so is a FIFO given as the attestation or as the policy.
func TestFIFOBesideArtifact(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	dir := t.TempDir()
	bin := copyFile(t, w.bin, dir, "app")
	fifo := bin + SuffixJSON
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 3)
	go func() {
		_, err := runWith(context.Background(), runOptions{Keys: []string{w.pub}, Artifacts: []string{bin}, Now: testNow})
		done <- err
	}()
	go func() {
		_, err := runWith(context.Background(), runOptions{Keys: []string{w.pub}, Artifacts: []string{w.bin}, Attestations: []string{fifo}, Now: testNow})
		done <- err
	}()
	go func() {
		_, err := LoadPolicy(fifo)
		if !errors.Is(err, ErrPolicyFile) {
			err = errors.New("not a policy error: " + err.Error())
		}
		done <- err
	}()
	for range 3 {
		select {
		case err := <-done:
			if !errors.Is(err, fileio.ErrNotRegular) || !strings.Contains(err.Error(), "named pipe") {
				t.Errorf("FIFO attestation or policy: %v", err)
			}
		case <-time.After(2 * time.Minute):
			t.Fatal("verify hangs on a FIFO attestation")
		}
	}
}
