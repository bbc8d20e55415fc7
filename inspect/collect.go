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
	// fetched: known by digest (Inputs.Fetched), no file: never hashed, no siblings.
	fetched bool
	// siblings are the attestation files beside it (ARTIFACT.intoto.json, .intoto.jsonl).
	siblings []int
}

// attFile is an attestation file and the artifact it lies beside (-1 for none), or an
// attestation fetched for an artifact (data set, path its source).
type attFile struct {
	path    string
	owner   int
	fetched bool
	data    []byte
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

// siblingSuffixes name the attestation files beside an artifact: envelopes and Sigstore
// bundles.
var siblingSuffixes = []string{verify.SuffixJSON, verify.SuffixJSONL, verify.SuffixBundle}

// isAttestationFile says whether a name is an attestation file when named explicitly.
func isAttestationFile(name string) bool {
	return strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".jsonl")
}

// isAttestationName says whether a file found in a directory is an attestation file.
func isAttestationName(name string) bool {
	return strings.HasSuffix(name, verify.SuffixJSON) || strings.HasSuffix(name, verify.SuffixJSONL) || strings.HasSuffix(name, verify.SuffixBundle)
}

func (c *collector) collect(ctx context.Context, paths []string, fetched []Fetched) error {
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
	if err := c.addFetched(fetched); err != nil {
		return err
	}
	// Attestation files beside an artifact belong to it.
	for i, a := range c.artifacts {
		if a.fetched {
			continue
		}
		for _, suffix := range siblingSuffixes {
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

// addFetched adds the artifacts known by digest and the attestations fetched for them,
// each attestation owned by its artifact.
func (c *collector) addFetched(fetched []Fetched) error {
	for _, f := range fetched {
		if !isHex64(f.SHA256) {
			return fmt.Errorf("%w: fetched artifact %q: its sha256 %q is not 64 lower-case hex digits", ErrInput, clip(f.Name), clip(f.SHA256))
		}
		if len(c.artifacts) == c.limits.MaxArtifacts {
			return fmt.Errorf("%w: more than %d artifacts", ErrLimit, c.limits.MaxArtifacts)
		}
		owner := len(c.artifacts)
		a := &artifact{path: f.Name, sha256: f.SHA256, explicit: true, fetched: true}
		c.artifacts = append(c.artifacts, a)
		for _, att := range f.Attestations {
			if len(c.files) == c.limits.MaxFiles {
				return fmt.Errorf("%w: more than %d attestation files", ErrLimit, c.limits.MaxFiles)
			}
			a.siblings = append(a.siblings, len(c.files))
			c.files = append(c.files, attFile{path: att.Source, owner: owner, fetched: true, data: att.Data})
		}
	}
	return nil
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'f') {
			return false
		}
	}
	return true
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

// read reads every attestation file's envelopes and Sigstore bundles, within
// Limits.MaxBytes and Limits.MaxEnvelopes, then drops each key-signed bundle that holds
// the same signed envelope as an envelope read (see dropDuplicates).
func (c *collector) read() error {
	for i, f := range c.files {
		limit := int64(verify.MaxEnvelopeSize)
		if strings.HasSuffix(f.path, ".jsonl") && !f.fetched {
			limit = verify.MaxBundleSize
		}
		budget := c.limits.MaxBytes - c.bytes
		var data []byte
		var err error
		if f.fetched {
			data = f.data
			switch {
			case int64(len(data)) > budget:
				return fmt.Errorf("%w: more than %d bytes of attestation files", ErrLimit, c.limits.MaxBytes)
			case int64(len(data)) > limit:
				c.problem(fmt.Sprintf("%s: skipped: %d bytes, over the limit of %d", f.path, len(data), limit))
				continue
			}
		} else {
			data, err = fileio.ReadFile(f.path, min(limit, budget))
		}
		if errors.Is(err, fileio.ErrTooLarge) && budget < limit {
			return fmt.Errorf("%w: more than %d bytes of attestation files", ErrLimit, c.limits.MaxBytes)
		}
		if err != nil {
			c.problem(fmt.Sprintf("%s: skipped: %s", f.path, cleanPathErr(err)))
			continue
		}
		c.bytes += int64(len(data))
		name := f.path
		if f.fetched {
			name = strings.TrimSuffix(name, ".jsonl") // a fetched attestation is one, whatever its name
		}
		envs, problems := readEnvelopes(name, data)
		for _, p := range problems {
			c.problem(p)
		}
		if len(c.envelopes)+len(envs) > c.limits.MaxEnvelopes {
			return fmt.Errorf("%w: more than %d envelopes", ErrLimit, c.limits.MaxEnvelopes)
		}
		for _, e := range envs {
			if f.fetched {
				e.source = f.path
			}
			c.envelopes = append(c.envelopes, e)
			c.fileOf = append(c.fileOf, i)
		}
	}
	c.dropDuplicates()
	return nil
}

// dropDuplicates drops each key-signed Sigstore bundle whose DSSE envelope has the same
// payload type, payload and signature as an envelope read (candor attest --bundle and
// attach --legacy-att write the same attestation in both forms), saying so in the
// problems: the attestation is listed once, as the envelope. Both verify with the same keys, so nothing is lost; a
// keyless bundle is always kept (its certificate can verify where no key does).
func (c *collector) dropDuplicates() {
	envs := map[string]string{} // signed content -> source of the first envelope
	for _, e := range c.envelopes {
		if e.env != nil {
			if k := e.signedContent(); k != "" {
				if _, dup := envs[k]; !dup {
					envs[k] = e.source
				}
			}
		}
	}
	if len(envs) == 0 {
		return
	}
	keep := c.envelopes[:0]
	fileOf := c.fileOf[:0]
	for i, e := range c.envelopes {
		if e.bundle != nil {
			if k := e.signedContent(); k != "" && envs[k] != "" {
				c.problem(fmt.Sprintf("%s: the same signed envelope as %s, in another form: listed once", e.source, envs[k]))
				continue
			}
		}
		keep = append(keep, e)
		fileOf = append(fileOf, c.fileOf[i])
	}
	c.envelopes, c.fileOf = keep, fileOf
}

// hash computes every artifact's SHA-256, in parallel. An artifact that cannot be read, or
// is over Limits.MaxArtifactBytes, is a problem and matches nothing.
func (c *collector) hash(ctx context.Context) error {
	errs := make([]string, len(c.artifacts))
	parallel(ctx, len(c.artifacts), func(i int) {
		a := c.artifacts[i]
		if a.fetched {
			return
		}
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
