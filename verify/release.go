package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/scan/archive"
)

// Bounds on a release directory's walk.
const (
	// MaxReleaseEntries is the most entries (files, directories, links) a release directory
	// may hold, all levels together.
	MaxReleaseEntries = 100_000
	// MaxReleaseDepth is the deepest a release directory's entries may be nested.
	MaxReleaseDepth = 32
)

// Unverified is an entry of a release directory that verify did not verify, and why. Every
// entry of a release directory is either the artifact of a verdict, an attestation file that
// was read, or one of these.
type Unverified struct {
	// Path is the entry's path: the directory as given, joined with the entry's name.
	Path string `json:"path"`
	// Reason says why it was not verified.
	Reason string `json:"reason"`
}

// releaseEntry is an entry of a release directory, by its slash-separated path inside it.
type releaseEntry struct {
	rel  string
	mode fs.FileMode // the type bits, from the directory listing (links are not followed)
}

// releaseDir is a release directory: its entries, read without following links.
type releaseDir struct {
	dir     string
	entries []releaseEntry
	index   map[string]int // entries by rel
	// used marks the entries that a verdict or the attestation reading accounts for.
	used map[string]bool
	// unattested marks the executables no attestation names, listed as allowed
	// (Inputs.AllowUnattested).
	unattested map[string]bool
}

// readRelease lists every entry of a release directory, at every level, without following
// symbolic links (a link is an entry of its own, never a way out of the directory).
func readRelease(dir string) (*releaseDir, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, cleanPathError(err))
	}
	defer root.Close()
	rel := &releaseDir{dir: dir, index: map[string]int{}, used: map[string]bool{}, unattested: map[string]bool{}}
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == "." {
			return nil
		}
		if len(rel.entries) == MaxReleaseEntries {
			return fmt.Errorf("more than %d entries: not a release directory candor reads", MaxReleaseEntries)
		}
		rel.index[p] = len(rel.entries)
		rel.entries = append(rel.entries, releaseEntry{rel: p, mode: d.Type()})
		if d.IsDir() && strings.Count(p, "/")+1 >= MaxReleaseDepth {
			rel.entries[len(rel.entries)-1].mode |= modeTooDeep
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: release directory %s: %w", ErrInput, dir, cleanPathError(err))
	}
	return rel, nil
}

// modeTooDeep marks a directory whose contents were not listed. It is a bit fs.FileMode
// does not use for types.
const modeTooDeep = fs.ModeTemporary

// attestations returns the regular attestation files at the top level of the release, in
// name order.
func (rl *releaseDir) attestations() []string {
	var out []string
	for _, e := range rl.entries {
		if !strings.Contains(e.rel, "/") && isAttestationName(e.rel) && e.mode.IsRegular() {
			rl.used[e.rel] = true
			out = append(out, filepath.Join(rl.dir, filepath.FromSlash(e.rel)))
		}
	}
	return out
}

// files returns the regular files of the release at every level that are not attestations
// at its top level and not hidden (no path element starts with "."), as slash paths inside
// it.
func (rl *releaseDir) files() []string {
	var out []string
	for _, e := range rl.entries {
		if !e.mode.IsRegular() || hidden(e.rel) || (!strings.Contains(e.rel, "/") && isAttestationName(e.rel)) {
			continue
		}
		rl.used[e.rel] = true
		out = append(out, e.rel)
	}
	return out
}

// subjectFile resolves a subject name to a regular file of the release. It returns the path,
// or why the subject names no such file.
//
// A subject names the file at its path inside the release. attest names a subject by its
// file name (by the path it was given when two share a name), so a subject that names no
// file at its path names, in this order: the file at the longest ending of its path that
// is one ("release/linux/app" names linux/app), or, for a bare file name, the one file of
// the release at any level with that name; when several have it, none is chosen. The
// subject's digests must still be the file's.
func (rl *releaseDir) subjectFile(name string) (string, string) {
	local := filepath.FromSlash(name)
	if !filepath.IsLocal(local) || strings.Contains(name, "!/") || strings.Contains(name, "\\") {
		return "", fmt.Sprintf("subject %q is not a file name inside %s", name, rl.dir)
	}
	i, ok := rl.index[path.Clean(name)]
	if !ok {
		var why string
		if i, why = rl.byName(name); why != "" {
			return "", why
		}
	}
	e := rl.entries[i]
	rl.used[e.rel] = true
	if !e.mode.IsRegular() {
		return "", fmt.Sprintf("subject %q is %s in %s, not a regular file: not followed", name, fileio.Describe(e.mode), rl.dir)
	}
	return filepath.Join(rl.dir, filepath.FromSlash(e.rel)), ""
}

// byName finds the entry a subject names that is not at its path (see subjectFile).
func (rl *releaseDir) byName(name string) (int, string) {
	clean := path.Clean(name)
	if strings.Contains(clean, "/") {
		for rest := clean; strings.Contains(rest, "/"); {
			_, rest, _ = strings.Cut(rest, "/")
			if i, ok := rl.index[rest]; ok {
				return i, ""
			}
		}
		return -1, fmt.Sprintf("subject %q is not a file in %s", name, rl.dir)
	}
	var found []int
	for i, e := range rl.entries {
		if path.Base(e.rel) == clean {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return -1, fmt.Sprintf("subject %q is not a file in %s", name, rl.dir)
	case 1:
		return found[0], ""
	}
	names := make([]string, len(found))
	for k, i := range found {
		names[k] = rl.entries[i].rel
		rl.used[rl.entries[i].rel] = true // each is accounted for by this failure
	}
	return -1, fmt.Sprintf("subject %q is not a file at the top of %s, and %d files in it have that name (%s): none is chosen", name, rl.dir, len(found), strings.Join(shorten(names, 3), ", "))
}

// unverified lists the entries nothing accounted for, with the reason.
func (rl *releaseDir) unverified() []Unverified {
	var out []Unverified
	for _, e := range rl.entries {
		if rl.used[e.rel] {
			continue
		}
		var why string
		switch {
		case rl.unattested[e.rel]:
			why = "executable named by no attestation (unattested executables allowed)"
		case e.mode&modeTooDeep != 0:
			why = fmt.Sprintf("directory nested more than %d levels deep: its contents were not read", MaxReleaseDepth)
		case e.mode.IsDir():
			continue // its entries are listed themselves
		case e.mode&fs.ModeSymlink != 0:
			why = "symbolic link: not followed"
		case !e.mode.IsRegular():
			why = fileio.Describe(e.mode) + ": not a regular file, not read"
		case strings.Contains(e.rel, "/") && isAttestationName(path.Base(e.rel)):
			why = "attestation file in a subdirectory: not read (attestations are read from the top level of a release directory)"
		case hidden(e.rel):
			why = "hidden file, named by no attestation"
		default:
			why = "named by no attestation"
		}
		out = append(out, Unverified{Path: filepath.Join(rl.dir, filepath.FromSlash(e.rel)), Reason: why})
	}
	return out
}

// sniffSize is how much of a file is read to tell an executable: what the scanner reads
// to choose a format.
const sniffSize = 4096

// unnamedExecutables returns the regular files of the release, at every level, that nothing
// accounts for yet and that start as an executable candor scans (ELF, PE or Mach-O; see
// [archive.IsExecutable]), as slash paths inside it, in name order. Each is opened through
// the directory ([os.Root]: a link swapped in since the listing is never followed out of
// it), only if it is still a regular file, and only its first bytes are read. A file that
// cannot be read fails the run: verify cannot tell what the release holds.
func (rl *releaseDir) unnamedExecutables() ([]string, error) {
	var rels []string
	for _, e := range rl.entries {
		if !rl.used[e.rel] && e.mode.IsRegular() {
			rels = append(rels, e.rel)
		}
	}
	execs, err := rl.executables(rels)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, rel := range rels {
		if execs[rel] {
			out = append(out, rel)
		}
	}
	return out, nil
}

// executables tells which of the files (slash paths inside the release) are executables,
// reading the first bytes of each as unnamedExecutables does.
func (rl *releaseDir) executables(rels []string) (map[string]bool, error) {
	root, err := os.OpenRoot(rl.dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, cleanPathError(err))
	}
	defer root.Close()
	// Opening a file costs more than reading its head: files are opened on every core.
	isExec := make([]bool, len(rels))
	errs := make([]error, len(rels))
	heads := sync.Pool{New: func() any { b := make([]byte, sniffSize); return &b }}
	parallel(context.Background(), len(rels), runtime.GOMAXPROCS(0), func(i int) {
		head := heads.Get().(*[]byte)
		defer heads.Put(head)
		n, err := sniff(root, rels[i], *head)
		isExec[i], errs[i] = archive.IsExecutable((*head)[:n]), err
	})
	out := make(map[string]bool, len(rels))
	for i, rel := range rels {
		if errs[i] != nil {
			return nil, fmt.Errorf("%w: release directory %s: %w", ErrInput, rl.dir, errs[i])
		}
		out[rel] = isExec[i]
	}
	return out, nil
}

// sniff reads the first bytes of a regular file of root into head, and returns how many.
// A file that is no longer a regular file, or no longer there, reads as nothing: the
// listing says what it was.
func sniff(root *os.Root, rel string, head []byte) (int, error) {
	f, _, err := fileio.OpenRegularIn(root, filepath.FromSlash(rel))
	if errors.Is(err, fileio.ErrNotRegular) || errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := io.ReadFull(f, head)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return n, err
}

// ReleaseFiles lists the regular files of a release directory at every level, in name
// order, as paths (the directory joined with each file's path inside it), reading it as
// [Run] reads a release: symbolic links are never followed, at most [MaxReleaseEntries]
// entries and [MaxReleaseDepth] levels. Every other entry that is not a directory (links,
// special files, directories nested too deep) is in skipped, with the reason. It serves a
// command that takes a release directory for its artifacts, such as candor scan and attest.
// Errors wrap [ErrInput].
func ReleaseFiles(dir string) (files []string, skipped []Unverified, err error) {
	rl, err := readRelease(dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range rl.entries {
		p := filepath.Join(dir, filepath.FromSlash(e.rel))
		switch {
		case e.mode.IsRegular():
			files = append(files, p)
		case e.mode&modeTooDeep != 0:
			skipped = append(skipped, Unverified{Path: p, Reason: fmt.Sprintf("directory nested more than %d levels deep: its contents were not read", MaxReleaseDepth)})
		case e.mode.IsDir():
		case e.mode&fs.ModeSymlink != 0:
			skipped = append(skipped, Unverified{Path: p, Reason: "symbolic link: not followed"})
		default:
			skipped = append(skipped, Unverified{Path: p, Reason: fileio.Describe(e.mode) + ": not a regular file, not read"})
		}
	}
	return files, skipped, nil
}

// hidden reports whether an element of a slash path starts with ".".
func hidden(rel string) bool {
	for _, el := range strings.Split(rel, "/") {
		if strings.HasPrefix(el, ".") {
			return true
		}
	}
	return false
}
