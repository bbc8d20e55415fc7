package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/candor-dev/candor/attest"
	"github.com/candor-dev/candor/internal/fileio"
	"github.com/candor-dev/candor/internal/termsafe"
	"github.com/candor-dev/candor/scan"
	"github.com/candor-dev/candor/scan/archive"
	"github.com/candor-dev/candor/verify"
	"github.com/spf13/cobra"
)

// PathOptions say how the paths of scan and attest are read: a directory stands for the
// executables and archives in it, and a file that is neither is skipped with a note, or
// refused with --strict.
type PathOptions struct {
	// Strict makes a skipped file an error.
	Strict bool
}

// AddFlags registers --strict.
func (o *PathOptions) AddFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&o.Strict, "strict", false,
		"fail (exit 2) on a named file, or a file in a named directory, that is not an executable, archive or image, instead of skipping it with a note")
}

// pathsHelpText explains, for a command's help, how paths are read.
var pathsHelpText = fmt.Sprintf(`A directory is a release: every executable, archive, package and image in it,
at any level, is read, in name order (symbolic links are not followed; at most
%d entries, %d levels deep); a directory holding an OCI image layout (named,
or inside a release) is one image. A file that is not an executable, archive, package or image (a README,
checksums, an attestation) is skipped with a note on standard error and the
rest is read; --strict makes it an error (exit 2).`, verify.MaxReleaseEntries, verify.MaxReleaseDepth)

// sniffBytes is how much of a file is read to tell what it is, as the scanner reads.
const sniffBytes = 4096

// expand turns the paths given into the artifacts to read: a directory's executables and
// archives (see pathsHelpText), files as given when they are executables or archives. What is
// skipped is noted on notes, or with --strict refused. A path that cannot be read is kept:
// the scanner says why it cannot read it, as for any artifact.
func (o *PathOptions) expand(paths []string, notes io.Writer) ([]string, error) {
	var out []string
	skip := func(p, why string) error {
		if o.Strict {
			return fmt.Errorf("%s: %s (--strict)", p, why)
		}
		fmt.Fprintf(notes, "note: skipped %s: %s\n", termsafe.String(p), why)
		return nil
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || (!fi.IsDir() && !fi.Mode().IsRegular()) {
			out = append(out, p)
			continue
		}
		if !fi.IsDir() {
			ok, err := artifactFile(p, true)
			if err != nil {
				return nil, err
			}
			if !ok {
				if err := skip(p, "not an executable, archive, package or image"); err != nil {
					return nil, err
				}
				continue
			}
			out = append(out, p)
			continue
		}
		if _, err := os.Stat(filepath.Join(p, "oci-layout")); err == nil {
			out = append(out, p) // an OCI image layout: one image
			continue
		}
		files, other, err := verify.ReleaseFiles(p)
		if err != nil {
			return nil, err
		}
		n := len(out)
		var plain []string // files that are neither executables nor archives
		images := imageLayouts(files)
		for _, f := range files {
			if img, in := imageOf(f, images); in {
				if f == filepath.Join(img, "oci-layout") {
					out = append(out, img) // the image, once, where its layout file sorts
				}
				continue
			}
			ok, err := artifactFile(f, false)
			if err != nil {
				return nil, err
			}
			if !ok {
				plain = append(plain, f)
				continue
			}
			out = append(out, f)
		}
		if err := o.skipFiles(p, plain, notes); err != nil {
			return nil, err
		}
		for _, u := range other {
			if err := skip(u.Path, u.Reason); err != nil {
				return nil, err
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s holds no executable, archive, package or image", p)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("nothing to read: every path given was skipped")
	}
	return out, nil
}

// maxSkippedShown bounds how many of a directory's skipped files one note names.
const maxSkippedShown = 3

// skipFiles notes, in one line, the files of directory dir that are not executables,
// archives, packages or images, or with --strict refuses the first.
func (o *PathOptions) skipFiles(dir string, files []string, notes io.Writer) error {
	const why = "not an executable, archive, package or image"
	switch {
	case len(files) == 0:
		return nil
	case o.Strict:
		return fmt.Errorf("%s: %s (--strict)", files[0], why)
	case len(files) == 1:
		fmt.Fprintf(notes, "note: skipped %s: %s\n", termsafe.String(files[0]), why)
		return nil
	}
	shown := make([]string, 0, maxSkippedShown+1)
	for _, f := range files[:min(len(files), maxSkippedShown)] {
		shown = append(shown, termsafe.String(f))
	}
	if more := len(files) - maxSkippedShown; more > 0 {
		shown = append(shown, fmt.Sprintf("and %d more", more))
	}
	fmt.Fprintf(notes, "note: skipped %d files of %s that are not executables, archives, packages or images: %s\n", len(files), termsafe.String(dir), strings.Join(shown, ", "))
	return nil
}

// artifactFile reports whether the regular file at p starts as an executable or an
// archive, package or image the scanner reads, as verify tells the executables of a
// release. A file named is also one when it is any ELF file, or a PE too short to tell: the
// scanner says what is wrong with it. A file that is not a regular file when opened (it
// changed since it was listed) is not one.
func artifactFile(p string, named bool) (bool, error) {
	f, _, err := fileio.OpenRegular(p)
	if errors.Is(err, fileio.ErrNotRegular) || errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return false, fmt.Errorf("%s: %w", p, err)
	}
	head = head[:n]
	if archive.IsExecutable(head) || archive.Format(head) != "" {
		return true, nil
	}
	elf := bytes.HasPrefix(head, []byte("\x7fELF"))
	shortPE := bytes.HasPrefix(head, []byte("MZ")) && n < 64
	return named && (elf || shortPE), nil
}

// scanner returns a scanner for attest that reads the paths it is given as expand says:
// the disclosure and keys are loaded first, and what is skipped is noted when the
// artifacts are read.
func (o *PathOptions) scanner(notes io.Writer, sha512 bool) (attest.Scanner, error) {
	var opts []scan.Option
	if sha512 {
		opts = append(opts, scan.WithSHA512())
	}
	s, err := scan.New(opts...)
	if err != nil {
		return nil, err
	}
	return &expandingScanner{o: o, notes: notes, s: s}, nil
}

// expandingScanner expands the paths before scanning them.
type expandingScanner struct {
	o     *PathOptions
	notes io.Writer
	s     *scan.Scanner
}

func (e *expandingScanner) Run(ctx context.Context, paths []string) (*scan.Report, error) {
	paths, err := e.o.expand(paths, e.notes)
	if err != nil {
		return nil, err
	}
	return e.s.Run(ctx, paths)
}

// imageLayouts returns the directories among files' that hold an OCI image layout (an
// oci-layout file): each is one image, read as the scanner reads an image directory.
func imageLayouts(files []string) []string {
	var out []string
	for _, f := range files {
		if filepath.Base(f) == "oci-layout" {
			out = append(out, filepath.Dir(f))
		}
	}
	return out
}

// imageOf returns the image layout directory f is in, if any (the outermost).
func imageOf(f string, images []string) (string, bool) {
	for _, img := range images {
		if strings.HasPrefix(f, img+string(filepath.Separator)) {
			return img, true
		}
	}
	return "", false
}
