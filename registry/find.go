package registry

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Source names where an attestation was found.
type Source string

const (
	SourceReferrersAPI Source = "referrers-api"
	SourceReferrersTag Source = "referrers-tag"
	SourceLegacyAtt    Source = "legacy-att"
)

// Found is one attestation found by [Find].
type Found struct {
	Source Source `json:"source"`
	// Where is the manifest it was read from (repository@digest) and, for a legacy
	// image, the layer digest.
	Where string `json:"where"`
	Layer string `json:"layer"`
	// PredicateType is the annotation of the manifest or layer (not yet verified: the
	// statement inside the envelope is what counts).
	PredicateType string `json:"predicateType"`
	// Bundle is the Sigstore bundle JSON (referrers), nil for a legacy layer.
	Bundle []byte `json:"-"`
	// Envelope is the DSSE envelope JSON (legacy layer), nil for a bundle.
	Envelope []byte `json:"-"`
}

// Result is what [Find] found for an image.
type Result struct {
	// Subject is the image's manifest digest (repository@sha256:HEX), what the
	// attestations must name.
	Subject string `json:"subject"`
	// ReferrersAPI is true when the registry answered the referrers API.
	ReferrersAPI bool     `json:"referrersAPI"`
	Found        []*Found `json:"found"`
	// Ignored counts referrers or layers of other artifact types.
	Ignored int `json:"ignored"`
}

// Find looks for attestations of the image ref: the referrers API, then the referrers tag,
// then the legacy sha256-HEX.att image. Referrers and layers of other types are counted
// in Ignored. Any answer the registry contradicts is an error ([ErrLying]), and so is a
// count or size over o.Limits ([ErrLimit]); no partial result is returned then.
func Find(ctx context.Context, ref string, o Options) (*Result, error) {
	r, err := parseRef(ref, o)
	if err != nil {
		return nil, err
	}
	s := newState(ctx, o)
	// One puller for every request of the lookup: go-containerregistry then pings the
	// registry and authenticates once per repository, not once per manifest or blob.
	p, err := remote.NewPuller(s.ro...)
	if err != nil {
		return nil, s.wrap("reaching "+r.Context().String(), err)
	}
	s.ro = append(s.ro, remote.Reuse(p))
	subject, sd, err := s.resolve(r)
	if err != nil {
		return nil, err
	}
	res := &Result{Subject: sd.String()}
	s.t.referrersAPI = false
	idx, err := remote.Referrers(sd, s.ro...)
	if err != nil {
		return nil, s.wrap("listing the referrers of "+sd.String(), err)
	}
	res.ReferrersAPI = s.t.referrersAPI
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, s.wrap("reading the referrers of "+sd.String(), err)
	}
	if len(im.Manifests) > s.o.Limits.Referrers {
		return nil, fmt.Errorf("%w: %s has %d referrers (limit %d)", ErrLimit, sd, len(im.Manifests), s.o.Limits.Referrers)
	}
	src := SourceReferrersTag
	if res.ReferrersAPI {
		src = SourceReferrersAPI
	}
	for _, d := range im.Manifests {
		// Some registries (go-containerregistry's own) list the config's media type as
		// the artifactType: an empty config is read to see what it is.
		if d.ArtifactType != BundleMediaType && d.ArtifactType != EmptyMediaType {
			res.Ignored++
			continue
		}
		f, err := s.referrer(sd, subject, d)
		if err != nil {
			return nil, err
		}
		if f == nil {
			res.Ignored++
			continue
		}
		f.Source = src
		res.Found = append(res.Found, f)
	}
	legacy, ignored, err := s.legacy(sd)
	if err != nil {
		return nil, err
	}
	res.Found = append(res.Found, legacy...)
	res.Ignored += ignored
	return res, nil
}

// referrer reads one referrer manifest and its bundle layer, checking that its subject is
// the image.
func (s *state) referrer(sd name.Digest, subject v1.Descriptor, d v1.Descriptor) (*Found, error) {
	where := sd.Context().Digest(d.Digest.String())
	desc, err := remote.Get(where, s.ro...)
	if err != nil {
		return nil, s.wrap("reading referrer "+where.String(), err)
	}
	var mf v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &mf); err != nil {
		return nil, fmt.Errorf("%w: referrer %s: %v", ErrLying, where, err)
	}
	if mf.Subject == nil || mf.Subject.Digest != subject.Digest {
		got := "none"
		if mf.Subject != nil {
			got = mf.Subject.Digest.String()
		}
		return nil, fmt.Errorf("%w: referrer %s listed for %s has subject %s", ErrLying, where, subject.Digest, got)
	}
	if mf.ArtifactType != BundleMediaType && d.ArtifactType != BundleMediaType {
		return nil, nil
	}
	if mf.ArtifactType != BundleMediaType {
		return nil, fmt.Errorf("%w: referrer %s: listed as %s, its manifest says %q", ErrLying, where, BundleMediaType, mf.ArtifactType)
	}
	if len(mf.Layers) != 1 || mf.Layers[0].MediaType != BundleMediaType {
		return nil, nil
	}
	b, err := s.blob(sd, mf.Layers[0])
	if err != nil {
		return nil, err
	}
	return &Found{
		Where:         where.String(),
		Layer:         mf.Layers[0].Digest.String(),
		PredicateType: mf.Annotations[AnnotationPredicateType],
		Bundle:        b,
	}, nil
}

// blob reads a layer, bounded by the limit and checked against its digest.
func (s *state) blob(sd name.Digest, d v1.Descriptor) ([]byte, error) {
	if d.Size < 0 || d.Size > s.o.Limits.Blob {
		return nil, fmt.Errorf("%w: layer %s is %d bytes (limit %d)", ErrLimit, d.Digest, d.Size, s.o.Limits.Blob)
	}
	l, err := remote.Layer(sd.Context().Digest(d.Digest.String()), s.ro...)
	if err != nil {
		return nil, s.wrap("reading layer "+d.Digest.String(), err)
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, s.wrap("reading layer "+d.Digest.String(), err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, d.Size+1))
	if err != nil {
		return nil, s.wrap("reading layer "+d.Digest.String(), err)
	}
	if int64(len(b)) != d.Size {
		return nil, fmt.Errorf("%w: layer %s: %d bytes, the manifest says %d", ErrLying, d.Digest, len(b), d.Size)
	}
	if h, _, err := v1.SHA256(bytesReader(b)); err != nil || h != d.Digest {
		return nil, fmt.Errorf("%w: layer %s: its bytes have digest %s", ErrLying, d.Digest, h)
	}
	return b, nil
}

// legacy reads the DSSE layers of sha256-HEX.att.
func (s *state) legacy(sd name.Digest) ([]*Found, int, error) {
	tag := legacyTag(sd)
	desc, err := remote.Get(tag, s.ro...)
	if isNotFound(err) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, s.wrap("reading "+tag.String(), err)
	}
	if desc.MediaType.IsIndex() {
		return nil, 0, fmt.Errorf("%w: %s is an index, not an image", ErrLying, tag)
	}
	mf, err := v1.ParseManifest(bytesReader(desc.Manifest))
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %s: %v", ErrLying, tag, err)
	}
	if len(mf.Layers) > s.o.Limits.Layers {
		return nil, 0, fmt.Errorf("%w: %s has %d layers (limit %d)", ErrLimit, tag, len(mf.Layers), s.o.Limits.Layers)
	}
	where := sd.Context().Digest(desc.Digest.String()).String()
	var out []*Found
	ignored := 0
	for _, l := range mf.Layers {
		if l.MediaType != DSSEMediaType {
			ignored++
			continue
		}
		b, err := s.blob(sd, l)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, &Found{Source: SourceLegacyAtt, Where: where, Layer: l.Digest.String(),
			PredicateType: l.Annotations[AnnotationLegacyPredicateType], Envelope: b})
	}
	return out, ignored, nil
}
