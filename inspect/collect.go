package inspect

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/verify"
)

// artifact is an artifact file to match attestations to.
type artifact struct {
	path   string
	sha256 string
	// explicit: named on the command line, so it gets a chain even with no attestation.
	explicit bool
	// siblings are the attestation files beside it (ARTIFACT.intoto.json, .intoto.jsonl).
	siblings []int
}

// attFile is an attestation file and the artifact it lies beside (-1 for none).
type attFile struct {
	path  string
	owner int
}

// collector finds the artifacts and attestation files of the inputs, then reads the
// envelopes of every attestation file, within its limits.
type collector struct {
	limits    Limits
	artifacts []*artifact
	files     []attFile
	envelopes []envelope
	// fileOf is, per envelope, the index of its attestation file.
	fileOf   []int
	problems []string
	bytes    int64
	seen     map[string]bool
	fileIdx  map[string]int
}

// isAttestationFile says whether a name is an attestation file when named explicitly.
func isAttestationFile(name string) bool {
	return strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".jsonl")
}

// isAttestationName says whether a file found in a directory is an attestation file.
func isAttestationName(name string) bool {
	return strings.HasSuffix(name, verify.SuffixJSON) || strings.HasSuffix(name, verify.SuffixJSONL)
}

func (c *collector) collect(ctx context.Context, paths []string) error {
	c.seen = map[string]bool{}
	c.fileIdx = map[string]int{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInput, cleanPathErr(err))
		}
		switch {
		case fi.IsDir():
			if err := c.walk(p); err != nil {
				return err
			}
		case !fi.Mode().IsRegular():
			return fmt.Errorf("%w: %s is %s; inspect reads only regular files and directories", ErrInput, p, fileio.Describe(fi.Mode()))
		case isAttestationFile(p):
			if err := c.addFile(p, -1); err != nil {
				return err
			}
		default:
			if err := c.addArtifact(p, true); err != nil {
				return err
			}
		}
	}
	// Attestation files beside an artifact belong to it.
	for i, a := range c.artifacts {
		for _, suffix := range []string{verify.SuffixJSON, verify.SuffixJSONL} {
			sib := a.path + suffix
			if j := c.fileIndex(sib); j >= 0 {
				c.files[j].owner = i
				a.siblings = append(a.siblings, j)
				continue
			}
			fi, err := os.Lstat(sib)
			if err != nil {
				continue
			}
			if !fi.Mode().IsRegular() {
				c.problem(fmt.Sprintf("%s: skipped: it is %s; inspect reads attestations only from regular files", sib, fileio.Describe(fi.Mode())))
				continue
			}
			if err := c.addFile(sib, i); err != nil {
				return err
			}
			a.siblings = append(a.siblings, len(c.files)-1)
		}
	}
	if err := c.read(); err != nil {
		return err
	}
	return c.hash(ctx)
}

func (c *collector) fileIndex(path string) int {
	if i, ok := c.fileIdx[filepath.Clean(path)]; ok {
		return i
	}
	return -1
}

// walk adds the attestation files and artifacts of a directory, at most Limits.MaxDepth
// levels down. Symbolic links are not followed, and names starting with "." are skipped.
func (c *collector) walk(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			c.problem(fmt.Sprintf("%s: skipped: %s", p, cleanPathErr(err)))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			if rel != "." && strings.Count(rel, string(filepath.Separator))+1 > c.limits.MaxDepth {
				c.problem(fmt.Sprintf("%s: skipped: deeper than %d levels below %s", p, c.limits.MaxDepth, root))
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if isAttestationName(d.Name()) {
			return c.addFile(p, -1)
		}
		return c.addArtifact(p, false)
	})
}

func (c *collector) addFile(p string, owner int) error {
	key := "f:" + filepath.Clean(p)
	if c.seen[key] {
		return nil
	}
	c.seen[key] = true
	if len(c.files) == c.limits.MaxFiles {
		return fmt.Errorf("%w: more than %d attestation files", ErrLimit, c.limits.MaxFiles)
	}
	c.fileIdx[filepath.Clean(p)] = len(c.files)
	c.files = append(c.files, attFile{path: p, owner: owner})
	return nil
}

func (c *collector) addArtifact(p string, explicit bool) error {
	key := "a:" + filepath.Clean(p)
	if c.seen[key] {
		return nil
	}
	c.seen[key] = true
	if len(c.artifacts) == c.limits.MaxArtifacts {
		return fmt.Errorf("%w: more than %d artifact files", ErrLimit, c.limits.MaxArtifacts)
	}
	c.artifacts = append(c.artifacts, &artifact{path: p, explicit: explicit})
	return nil
}

func (c *collector) problem(s string) {
	if len(c.problems) <= maxProblems {
		c.problems = append(c.problems, s)
	}
}

// read reads every attestation file's envelopes, within Limits.MaxBytes and
// Limits.MaxEnvelopes.
func (c *collector) read() error {
	for i, f := range c.files {
		limit := int64(verify.MaxEnvelopeSize)
		if strings.HasSuffix(f.path, ".jsonl") {
			limit = verify.MaxBundleSize
		}
		budget := c.limits.MaxBytes - c.bytes
		data, err := fileio.ReadFile(f.path, min(limit, budget))
		if errors.Is(err, fileio.ErrTooLarge) && budget < limit {
			return fmt.Errorf("%w: more than %d bytes of attestation files", ErrLimit, c.limits.MaxBytes)
		}
		if err != nil {
			c.problem(fmt.Sprintf("%s: skipped: %s", f.path, cleanPathErr(err)))
			continue
		}
		c.bytes += int64(len(data))
		envs, problems := readEnvelopes(f.path, data)
		for _, p := range problems {
			c.problem(p)
		}
		if len(c.envelopes)+len(envs) > c.limits.MaxEnvelopes {
			return fmt.Errorf("%w: more than %d envelopes", ErrLimit, c.limits.MaxEnvelopes)
		}
		for _, e := range envs {
			c.envelopes = append(c.envelopes, e)
			c.fileOf = append(c.fileOf, i)
		}
	}
	return nil
}

// hash computes every artifact's SHA-256, in parallel. An artifact that cannot be read, or
// is over Limits.MaxArtifactBytes, is a problem and matches nothing.
func (c *collector) hash(ctx context.Context) error {
	errs := make([]string, len(c.artifacts))
	parallel(ctx, len(c.artifacts), func(i int) {
		a := c.artifacts[i]
		fi, err := os.Stat(a.path)
		if err == nil && fi.Size() > c.limits.MaxArtifactBytes {
			errs[i] = fmt.Sprintf("%s: not hashed: %d bytes, over the limit of %d", a.path, fi.Size(), c.limits.MaxArtifactBytes)
			return
		}
		d, err := fileio.HashFile(a.path, fileio.SHA256)
		if err != nil {
			errs[i] = fmt.Sprintf("%s: not hashed: %s", a.path, cleanPathErr(err))
			return
		}
		a.sha256 = d[fileio.SHA256]
	})
	for _, e := range errs {
		if e != "" {
			c.problem(e)
		}
	}
	return ctx.Err()
}

// cleanPathErr says "no such file" the way a person expects.
func cleanPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && errors.Is(err, fs.ErrNotExist) {
		return fileio.Reworded(pe.Path+": no such file or directory", err)
	}
	return err
}
