package registry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Attachment is what [Attach] stores: a Sigstore bundle v0.3 holding a DSSE envelope (the
// referrer's layer), and optionally the plain DSSE envelope (the legacy .att layer).
type Attachment struct {
	// Bundle is the Sigstore bundle v0.3 JSON (sigbundle.FromEnvelope writes one).
	Bundle []byte
	// Envelope is the DSSE envelope JSON; needed only with Options.Legacy.
	Envelope []byte
	// PredicateType is the in-toto predicate type of the statement.
	PredicateType string
}

// Attached says where [Attach] stored an attestation.
type Attached struct {
	// Subject is the image manifest the attestation refers to (repository@sha256:HEX).
	Subject string `json:"subject"`
	// Referrer is the digest of the referrer manifest.
	Referrer string `json:"referrer"`
	// ReferrersAPI is true when the registry has the referrers API; false when the
	// referrers tag (FallbackTag) was updated instead.
	ReferrersAPI bool   `json:"referrersAPI"`
	FallbackTag  string `json:"fallbackTag,omitempty"`
	// LegacyTag is the sha256-HEX.att reference written, with Options.Legacy.
	LegacyTag string `json:"legacyTag,omitempty"`
}

// rawManifest is a manifest pushed as its exact bytes.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// Attach stores the attestation a as a referrer of the image ref (cosign v3's shape), and
// with o.Legacy also in the image sha256-HEX.att (cosign's legacy shape), keeping the
// envelopes already there.
func Attach(ctx context.Context, ref string, a Attachment, o Options) (*Attached, error) {
	if len(a.Bundle) == 0 {
		return nil, fmt.Errorf("%w: no Sigstore bundle to attach", ErrInput)
	}
	if a.PredicateType == "" {
		return nil, fmt.Errorf("%w: no predicate type", ErrInput)
	}
	if o.Legacy && len(a.Envelope) == 0 {
		return nil, fmt.Errorf("%w: the legacy .att form needs the DSSE envelope", ErrInput)
	}
	r, err := parseRef(ref, o)
	if err != nil {
		return nil, err
	}
	s := newState(ctx, o)
	subject, sd, err := s.resolve(r)
	if err != nil {
		return nil, err
	}
	repo := r.Context()

	cfg := static.NewLayer([]byte("{}"), EmptyMediaType)
	layer := static.NewLayer(a.Bundle, BundleMediaType)
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(repo, l, s.ro...); err != nil {
			return nil, s.wrap("uploading a blob", err)
		}
	}
	cfgDesc, err := describe(cfg, EmptyMediaType)
	if err != nil {
		return nil, err
	}
	layerDesc, err := describe(layer, BundleMediaType)
	if err != nil {
		return nil, err
	}
	mf := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  BundleMediaType,
		Config:        cfgDesc,
		Layers:        []v1.Descriptor{layerDesc},
		Subject:       &subject,
		Annotations: map[string]string{
			AnnotationContent:       "dsse-envelope",
			AnnotationPredicateType: a.PredicateType,
		},
	}
	raw, err := json.Marshal(mf)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	s.t.referrersAPI = false
	if err := remote.Put(repo.Digest(h.String()), rawManifest{raw, types.OCIManifestSchema1}, s.ro...); err != nil {
		return nil, s.wrap("pushing the referrer manifest", err)
	}
	out := &Attached{Subject: sd.String(), Referrer: h.String()}
	// go-containerregistry updates the referrers tag when the registry does not answer
	// with OCI-Subject; find out which it did.
	tag := repo.Tag(subject.Digest.Algorithm + "-" + subject.Digest.Hex)
	if _, err := remote.Head(tag, s.ro...); err == nil {
		out.FallbackTag = tag.String()
	} else if !isNotFound(err) {
		return nil, s.wrap("reading the referrers tag", err)
	} else {
		out.ReferrersAPI = true
	}
	if o.Legacy {
		lt, err := s.attachLegacy(sd, a)
		if err != nil {
			return nil, err
		}
		out.LegacyTag = lt
	}
	return out, nil
}

func describe(l v1.Layer, mt types.MediaType) (v1.Descriptor, error) {
	d, err := l.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	n, err := l.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Digest: d, Size: n}, nil
}

// attachLegacy appends the envelope as a layer of sha256-HEX.att, unless a layer with the
// same digest is there already.
func (s *state) attachLegacy(sd name.Digest, a Attachment) (string, error) {
	tag := legacyTag(sd)
	base := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	base = mutate.ConfigMediaType(base, types.OCIConfigJSON)
	img, err := remote.Image(tag, s.ro...)
	switch {
	case err == nil:
		base = img
	case isNotFound(err):
	default:
		return "", s.wrap("reading "+tag.String(), err)
	}
	l := static.NewLayer(a.Envelope, DSSEMediaType)
	ld, err := l.Digest()
	if err != nil {
		return "", err
	}
	ls, err := base.Layers()
	if err != nil {
		return "", s.wrap("reading "+tag.String(), err)
	}
	if len(ls) >= s.o.Limits.Layers {
		return "", fmt.Errorf("%w: %s has %d layers already", ErrLimit, tag, len(ls))
	}
	for _, x := range ls {
		if d, err := x.Digest(); err == nil && d == ld {
			return tag.String(), nil
		}
	}
	next, err := mutate.Append(base, mutate.Addendum{
		Layer:     l,
		MediaType: DSSEMediaType,
		// cosign reads every layer of an .att image as a signature layer and refuses one
		// without its signature annotation; for an attestation it is empty (the signature
		// is inside the envelope), as cosign attest writes it.
		Annotations: map[string]string{AnnotationLegacyPredicateType: a.PredicateType, AnnotationLegacySignature: ""},
	})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrInput, err)
	}
	if err := remote.Write(tag, next, s.ro...); err != nil {
		return "", s.wrap("pushing "+tag.String(), err)
	}
	return tag.String(), nil
}

func legacyTag(d name.Digest) name.Tag {
	h, _ := v1.NewHash(d.DigestStr())
	return d.Context().Tag(h.Algorithm + "-" + h.Hex + ".att")
}

func isNotFound(err error) bool {
	var te *transport.Error
	return errors.As(err, &te) && te.StatusCode == http.StatusNotFound
}
