package registry

import (
	"context"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Pulled is an image [Pull] wrote.
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
func Pull(ctx context.Context, ref, dir string, maxSize int64, o Options) (*Pulled, error) {
	r, err := parseRef(ref, o)
	if err != nil {
		return nil, err
	}
	s := newState(ctx, o)
	subject, sd, err := s.resolve(r)
	if err != nil {
		return nil, err
	}
	// Layers are not blobs of an attestation: their size is bounded by maxSize, not Blob.
	s.t.limits.Blob = 1 << 62
	img, err := remote.Image(sd, s.ro...)
	if err != nil {
		return nil, s.wrap("reading "+sd.String(), err)
	}
	mf, err := img.Manifest()
	if err != nil {
		return nil, s.wrap("reading "+sd.String(), err)
	}
	if len(mf.Layers) > s.o.Limits.Layers {
		return nil, fmt.Errorf("%w: %s has %d layers (limit %d)", ErrLimit, sd, len(mf.Layers), s.o.Limits.Layers)
	}
	var size int64
	for _, l := range mf.Layers {
		if l.Size < 0 {
			return nil, fmt.Errorf("%w: %s: layer %s has size %d", ErrLying, sd, l.Digest, l.Size)
		}
		size += l.Size
	}
	if maxSize > 0 && size > maxSize {
		return nil, fmt.Errorf("%w: %s has %d bytes of layers (limit %d)", ErrLimit, sd, size, maxSize)
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	if err := p.AppendImage(img); err != nil {
		return nil, s.wrap("writing "+sd.String()+" to "+dir, err)
	}
	return &Pulled{Subject: sd.String(), Digest: subject.Digest, Size: size}, nil
}
