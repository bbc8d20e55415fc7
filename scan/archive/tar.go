package archive

import (
	"archive/tar"
	"errors"
	"io"
	"regexp"
)

// errLooksLikeImage stops a tar walk that finds image layout names, so the
// caller can read the tar again as an image.
var errLooksLikeImage = errors.New("tar looks like an image")

// imageNames match the entries an OCI layout or a docker save tarball starts with, and
// those of go-containerregistry's tarball (crane pull, crane save, ko): the config as
// sha256:HEX and the layers as HEX.tar.gz before manifest.json.
var imageNames = regexp.MustCompile(`^(?:oci-layout|index\.json|manifest\.json|repositories|blobs(?:/.*)?|sha256:[0-9a-f]{64}|[0-9a-f]{64}(?:\.json|\.tar(?:\.gz)?|/.*)?)$`)

// tar walks a tar stream: regular files go to member, links to the visitor.
// With maybeImage, the walk stops with errLooksLikeImage at the first entry
// whose name belongs to an image layout.
func (w *walker) tar(r io.Reader, depth int, prefix string, maybeImage bool) error {
	tr := tar.NewReader(r)
	last := ""
	for {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			where := prefix
			if last != "" {
				where = join(prefix, last) + " (the entry after it)"
			}
			return w.fail(where, err)
		}
		name := cleanName(hdr.Name)
		p := join(prefix, name)
		last = name
		w.cur = p
		if err := w.c.addMember(p); err != nil {
			return err
		}
		if maybeImage && name != "" {
			if imageNames.MatchString(name) {
				return errLooksLikeImage
			}
			maybeImage = false
		}
		switch hdr.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse:
			if _, err := w.member(p, hdr.Size, entryView(r, tr, hdr), depth+1); err != nil {
				return w.fail(p, err)
			}
		case tar.TypeSymlink:
			if err := w.link(p, join(prefix, resolveLink(name, hdr.Linkname)), ""); err != nil {
				return err
			}
		case tar.TypeLink:
			// Hard link names are relative to the archive root.
			if err := w.link(p, join(prefix, cleanName(hdr.Linkname)), ""); err != nil {
				return err
			}
		}
	}
}
