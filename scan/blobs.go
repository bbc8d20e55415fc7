package scan

import (
	"context"
	"fmt"
	"regexp"

	"github.com/candor-dev/candor/scan/archive"
)

// blobImage is an image read from a BlobSource, with the identity its caller gives.
type blobImage struct {
	src    archive.BlobSource
	sha256 string
	size   int64
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ScanBlobs scans the image src holds (an OCI layout's files from elsewhere, typically
// a registry: see [archive.WalkBlobs]) as one artifact, reported under name with
// format oci-image. sha256 (hex) is the digest of the image's manifest and size its
// size in bytes: the artifact's identity, as an attestation's subject names it. The
// walk checks that src's index.json names that one manifest and every blob against its
// digest, so the findings are those of the image the digest names; a mismatch fails
// with [ErrMalformed]. A failure to fetch from src is [ErrInput].
//
// Nothing is copied to disk but what any image walk spools (see package [archive]):
// the layers stream from src, and those the second pass needs are read from it again.
// [WithProgress] is told of the bytes read from src.
func (s *Scanner) ScanBlobs(ctx context.Context, name, sha256 string, size int64, src archive.BlobSource) (*Artifact, error) {
	if !sha256Hex.MatchString(sha256) {
		return nil, fmt.Errorf("%w: %s: the manifest digest %q is not 64 lower-case hex digits", ErrInput, name, sha256)
	}
	if src == nil || size < 0 {
		return nil, fmt.Errorf("%w: %s: no image source, or a negative size", ErrInput, name)
	}
	tr := &tracker{fn: s.progress}
	a, err := s.scanContainer(ctx, name, nil, 0, &blobImage{src: src, sha256: sha256, size: size}, tr)
	if err != nil {
		return nil, err
	}
	tr.report(true)
	return a, nil
}
