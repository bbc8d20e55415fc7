package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// RemoteImage is an image in a registry, resolved and ready to be read without a copy
// on disk: its manifest and config are held in memory, its layers are read from the
// registry each time they are asked for. [RemoteImage.EachBlob] gives it as the files
// of an OCI image layout holding the one image, which is the shape of
// scan/archive's BlobSource: the scanner walks the image straight from the registry,
// checking every blob against its digest as it reads it.
type RemoteImage struct {
	// Pulled names the image: Subject and Digest are its manifest's, Size the sum of
	// its layers' (compressed) sizes.
	Pulled
	// ManifestSize is the size of the manifest in bytes.
	ManifestSize int64

	s      *state
	img    v1.Image
	files  []memFile
	layers []v1.Descriptor
}

// memFile is a file of the layout held in memory.
type memFile struct {
	name string
	b    []byte
}

// OpenImage resolves ref (with o.Platform, that image of an index) and reads its manifest
// and config. The image may have at most o.Limits.Layers layers and maxSize bytes of
// layers (0: no limit). Nothing of the layers is read until EachBlob's caller opens one.
func OpenImage(ctx context.Context, ref string, maxSize int64, o Options) (*RemoteImage, error) {
	s, img, p, err := openImage(ctx, ref, maxSize, o)
	if err != nil {
		return nil, err
	}
	what := "reading " + p.Subject
	raw, err := img.RawManifest()
	if err != nil {
		return nil, s.wrap(what, err)
	}
	mt, err := img.MediaType()
	if err != nil {
		return nil, s.wrap(what, err)
	}
	mf, err := img.Manifest()
	if err != nil {
		return nil, s.wrap(what, err)
	}
	// The config is a small blob, within Limits.Blob; layers are bounded by maxSize.
	cfg, err := img.RawConfigFile()
	if err != nil {
		return nil, s.wrap(what+"'s config", err)
	}
	s.t.limits.Blob = 1 << 62
	index, err := json.Marshal(v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     "application/vnd.oci.image.index.v1+json",
		Manifests:     []v1.Descriptor{{MediaType: mt, Size: int64(len(raw)), Digest: p.Digest}},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	im := &RemoteImage{Pulled: *p, ManifestSize: int64(len(raw)), s: s, img: img}
	im.files = []memFile{
		{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)},
		{"index.json", index},
		{blobPath(p.Digest), raw},
	}
	seen := map[v1.Hash]bool{p.Digest: true}
	if !seen[mf.Config.Digest] {
		seen[mf.Config.Digest] = true
		im.files = append(im.files, memFile{blobPath(mf.Config.Digest), cfg})
	}
	for _, l := range mf.Layers {
		if !seen[l.Digest] {
			seen[l.Digest] = true
			im.layers = append(im.layers, l)
		}
	}
	return im, nil
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

// EachBlob calls fn for each file of an OCI layout holding the image, in a fixed order:
// oci-layout, index.json, the manifest, the config (from memory), then each distinct
// layer, whose content open streams from the registry through the same checking
// transport as every other request. go-containerregistry checks each layer's size and
// digest at its end (a mismatch is [ErrLying]); the caller checks them too, it trusts no
// source.
func (im *RemoteImage) EachBlob(ctx context.Context, fn func(name string, size int64, open func() (io.ReadCloser, error)) error) error {
	for _, f := range im.files {
		b := f.b
		if err := fn(f.name, int64(len(b)), func() (io.ReadCloser, error) { return io.NopCloser(bytesReader(b)), nil }); err != nil {
			return err
		}
	}
	for _, l := range im.layers {
		if err := ctx.Err(); err != nil {
			return err
		}
		what := "reading layer " + l.Digest.String() + " of " + im.Subject
		err := fn(blobPath(l.Digest), l.Size, func() (io.ReadCloser, error) {
			layer, err := im.img.LayerByDigest(l.Digest)
			if err != nil {
				return nil, im.s.wrap(what, err)
			}
			rc, err := layer.Compressed()
			if err != nil {
				return nil, im.s.wrap(what, err)
			}
			return &layerBody{rc: rc, s: im.s, what: what}, nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// layerBody classifies the errors of a layer's stream as the package's errors.
type layerBody struct {
	rc   io.ReadCloser
	s    *state
	what string
}

func (b *layerBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF {
		err = b.s.wrap(b.what, err)
	}
	return n, err
}

func (b *layerBody) Close() error { return b.rc.Close() }

// openImage resolves ref to one image and checks its layers against the limits: at most
// Limits.Layers layers, of maxSize bytes together (0: no limit), none of a negative size.
func openImage(ctx context.Context, ref string, maxSize int64, o Options) (*state, v1.Image, *Pulled, error) {
	r, err := parseRef(ref, o)
	if err != nil {
		return nil, nil, nil, err
	}
	s := newState(ctx, o)
	subject, sd, err := s.resolve(r)
	if err != nil {
		return nil, nil, nil, err
	}
	img, err := remote.Image(sd, s.ro...)
	if err != nil {
		return nil, nil, nil, s.wrap("reading "+sd.String(), err)
	}
	mf, err := img.Manifest()
	if err != nil {
		return nil, nil, nil, s.wrap("reading "+sd.String(), err)
	}
	if len(mf.Layers) > s.o.Limits.Layers {
		return nil, nil, nil, fmt.Errorf("%w: %s has %d layers (limit %d)", ErrLimit, sd, len(mf.Layers), s.o.Limits.Layers)
	}
	var size int64
	for _, l := range mf.Layers {
		if l.Size < 0 || l.Size > 1<<50 {
			return nil, nil, nil, fmt.Errorf("%w: %s: layer %s has size %d", ErrLying, sd, l.Digest, l.Size)
		}
		size += l.Size
	}
	if maxSize > 0 && size > maxSize {
		return nil, nil, nil, fmt.Errorf("%w: %s has %d bytes of layers (limit %d)", ErrLimit, sd, size, maxSize)
	}
	return s, img, &Pulled{Subject: sd.String(), Digest: subject.Digest, Size: size}, nil
}
