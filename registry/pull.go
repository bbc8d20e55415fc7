package registry

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
)

// Pulled is an image [Pull] wrote or [OpenImage] opened.
type Pulled struct {
	// Subject is the image manifest (repository@sha256:HEX): what an attestation of the
	// image names.
	Subject string
	Digest  v1.Hash
	// Size is the sum of the image's layer sizes (compressed).
	Size int64
}

// Pull writes the image ref (with o.Platform, that image of an index) to dir as an OCI
// layout of one image, each blob checked against its digest as it is written. The image
// may have at most o.Limits.Layers layers and maxSize bytes of layers (0: no limit).
// [OpenImage] reads an image without the copy on disk.
func Pull(ctx context.Context, ref, dir string, maxSize int64, o Options) (*Pulled, error) {
	s, img, p, err := openImage(ctx, ref, maxSize, o)
	if err != nil {
		return nil, err
	}
	// Layers are not blobs of an attestation: their size is bounded by maxSize, not Blob.
	s.t.limits.Blob = 1 << 62
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	if err := lp.AppendImage(img); err != nil {
		return nil, s.wrap("writing "+p.Subject+" to "+dir, err)
	}
	return p, nil
}
