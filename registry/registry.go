// Package registry stores candor's attestations in OCI registries and finds them there.
//
// [Attach] writes an attestation as an OCI 1.1 referrer of an image manifest in the shape
// cosign v3 writes (one Sigstore bundle v0.3 layer, artifactType
// application/vnd.dev.sigstore.bundle.v0.3+json, the annotations
// dev.sigstore.bundle.content and dev.sigstore.bundle.predicateType, and the subject
// descriptor), through the referrers API or, when the registry has none, the referrers tag
// scheme (an index tagged sha256-HEX). On request it also writes cosign's legacy form: the
// DSSE envelope as a layer of the image tagged sha256-HEX.att.
//
// [Find] looks in the same three places, in that order, and returns every candor-shaped
// attestation it finds with where it came from. It never decides whether one is
// trustworthy: the caller verifies each envelope's signature and subjects. A registry that
// lies (a manifest not matching its digest, a referrer of another image, an index of
// indexes, a manifest or blob over the limits) is an error, never an empty or partial pass.
package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Media types and annotations of the forms candor writes and reads.
const (
	// BundleMediaType is the artifactType of a referrer and the media type of its layer.
	BundleMediaType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// DSSEMediaType is the media type of a layer of a legacy .att image.
	DSSEMediaType = "application/vnd.dsse.envelope.v1+json"
	// EmptyMediaType is the config of a referrer manifest (the two bytes "{}").
	EmptyMediaType = "application/vnd.oci.empty.v1+json"

	AnnotationContent       = "dev.sigstore.bundle.content"
	AnnotationPredicateType = "dev.sigstore.bundle.predicateType"
	// AnnotationLegacyPredicateType is the annotation of a legacy .att layer.
	AnnotationLegacyPredicateType = "predicateType"
	// AnnotationLegacySignature is the signature annotation of a legacy layer: empty for
	// an attestation.
	AnnotationLegacySignature = "dev.cosignproject.cosign/signature"
)

// Errors. Every error of this package wraps one of them.
var (
	// ErrRegistry: the registry could not be reached or refused a request.
	ErrRegistry = errors.New("registry")
	// ErrLying: the registry answered with content that contradicts itself (a digest
	// mismatch, a referrer of another image, an index inside an index).
	ErrLying = errors.New("registry answer not trusted")
	// ErrLimit: a manifest, blob or list is larger than the limits allow.
	ErrLimit = errors.New("registry answer over the limits")
	// ErrInput: a bad reference, attestation or option.
	ErrInput = errors.New("registry input")
)

// Limits bound what is read from a registry. A zero field takes its default.
type Limits struct {
	// Manifest is the largest manifest or index read, in bytes (default 4 MiB).
	Manifest int64
	// Blob is the largest attestation layer read, in bytes (default 16 MiB).
	Blob int64
	// Referrers is the most referrers of one image considered (default 1000).
	Referrers int
	// Layers is the most layers of one attestation image read (default 100).
	Layers int
}

func (l Limits) withDefaults() Limits {
	if l.Manifest <= 0 {
		l.Manifest = 4 << 20
	}
	if l.Blob <= 0 {
		l.Blob = 16 << 20
	}
	if l.Referrers <= 0 {
		l.Referrers = 1000
	}
	if l.Layers <= 0 {
		l.Layers = 100
	}
	return l
}

// Options are the options of [Attach] and [Find].
type Options struct {
	// Keychain gives the credentials (default authn.DefaultKeychain: the Docker config).
	// They are never printed.
	Keychain authn.Keychain
	// Insecure allows plain HTTP, only to a loopback registry (localhost, 127.0.0.0/8, ::1).
	Insecure bool
	// Platform ("os/arch[/variant]") chooses an image of an index; empty: the reference's
	// own manifest is the subject.
	Platform string
	// Legacy makes Attach also write cosign's legacy sha256-HEX.att image.
	Legacy bool
	// Transport is the HTTP transport (default: http.DefaultTransport's settings with
	// Timeout as the response header timeout).
	Transport http.RoundTripper
	// Timeout is how long a registry may take to start answering a request (default 60s);
	// a registry that stalls is an error after go-containerregistry's retries.
	Timeout time.Duration
	Limits  Limits
}

// parseRef parses a reference, allowing HTTP only for a loopback registry.
func parseRef(ref string, o Options) (name.Reference, error) {
	var nopts []name.Option
	if o.Insecure {
		r, err := name.ParseReference(ref)
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrInput, ref, err)
		}
		if !isLoopback(r.Context().RegistryStr()) {
			return nil, fmt.Errorf("%w: --insecure-registry is only for a loopback registry (localhost, 127.0.0.1, [::1]), not %q", ErrInput, r.Context().RegistryStr())
		}
		nopts = append(nopts, name.Insecure)
	}
	r, err := name.ParseReference(ref, nopts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrInput, ref, err)
	}
	return r, nil
}

func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// state is one Attach or Find: its options and the checking transport.
type state struct {
	o  Options
	t  *checkTransport
	ro []remote.Option
}

func newState(ctx context.Context, o Options) *state {
	o.Limits = o.Limits.withDefaults()
	if o.Keychain == nil {
		o.Keychain = authn.DefaultKeychain
	}
	base := o.Transport
	if base == nil {
		if o.Timeout <= 0 {
			o.Timeout = 60 * time.Second
		}
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.ResponseHeaderTimeout = o.Timeout
		base = t
	}
	t := &checkTransport{base: base, limits: o.Limits, allowHTTP: o.Insecure}
	return &state{o: o, t: t, ro: []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.Keychain),
		remote.WithTransport(t),
	}}
}

// resolve gets the subject: the reference's manifest, or with Platform the matching image
// of its index.
func (s *state) resolve(r name.Reference) (v1.Descriptor, name.Digest, error) {
	d, err := remote.Get(r, s.ro...)
	if err != nil {
		return v1.Descriptor{}, name.Digest{}, s.wrap(fmt.Sprintf("reading %s", r), err)
	}
	desc := d.Descriptor
	if s.o.Platform != "" {
		if !d.MediaType.IsIndex() {
			return v1.Descriptor{}, name.Digest{}, fmt.Errorf("%w: --platform %s: %s is an image, not an index", ErrInput, s.o.Platform, r)
		}
		want, err := v1.ParsePlatform(s.o.Platform)
		if err != nil {
			return v1.Descriptor{}, name.Digest{}, fmt.Errorf("%w: --platform %q: %v", ErrInput, s.o.Platform, err)
		}
		im, err := v1.ParseIndexManifest(bytes.NewReader(d.Manifest))
		if err != nil {
			return v1.Descriptor{}, name.Digest{}, fmt.Errorf("%w: index %s: %v", ErrLying, d.Digest, err)
		}
		var found *v1.Descriptor
		for i := range im.Manifests {
			m := im.Manifests[i]
			if m.Digest == d.Digest {
				return v1.Descriptor{}, name.Digest{}, fmt.Errorf("%w: index %s lists itself", ErrLying, d.Digest)
			}
			if m.Platform != nil && m.Platform.Satisfies(*want) {
				if m.MediaType.IsIndex() {
					return v1.Descriptor{}, name.Digest{}, fmt.Errorf("%w: index %s: the %s entry is another index", ErrLying, d.Digest, s.o.Platform)
				}
				found = &m
				break
			}
		}
		if found == nil {
			return v1.Descriptor{}, name.Digest{}, fmt.Errorf("%w: %s has no image for platform %s", ErrInput, r, s.o.Platform)
		}
		child, err := remote.Get(r.Context().Digest(found.Digest.String()), s.ro...)
		if err != nil {
			return v1.Descriptor{}, name.Digest{}, s.wrap("reading the "+s.o.Platform+" image", err)
		}
		if child.MediaType.IsIndex() {
			return v1.Descriptor{}, name.Digest{}, fmt.Errorf("%w: index %s: the %s entry is another index", ErrLying, d.Digest, s.o.Platform)
		}
		desc = child.Descriptor
	}
	desc.Platform, desc.Annotations, desc.URLs, desc.Data = nil, nil, nil, nil
	desc.ArtifactType = ""
	return desc, r.Context().Digest(desc.Digest.String()), nil
}

// wrap classifies an error of go-containerregistry: the transport's own errors keep their
// kind; a digest mismatch is a lie; anything else is the registry's.
func (s *state) wrap(what string, err error) error {
	switch {
	case errors.Is(err, ErrLimit), errors.Is(err, ErrLying), errors.Is(err, ErrInput):
		return fmt.Errorf("%s: %w", what, err)
	case strings.Contains(err.Error(), "does not match"), strings.Contains(err.Error(), "error verifying sha256 checksum"):
		return fmt.Errorf("%w: %s: %v", ErrLying, what, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrRegistry, what, err)
}

// checkTransport bounds every response body (manifests and referrers lists by
// Limits.Manifest, blobs by Limits.Blob) and checks a manifest against the
// Docker-Content-Digest the registry sent with it.
type checkTransport struct {
	base   http.RoundTripper
	limits Limits
	// referrersAPI is set when a referrers API request answered with an index.
	referrersAPI bool
	// allowHTTP allows plain HTTP to a loopback host (--insecure-registry). Without it,
	// no request goes out over HTTP, not even the fallback go-containerregistry tries
	// for private addresses and .local names.
	allowHTTP bool
}

func (t *checkTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" && !(t.allowHTTP && isLoopback(req.URL.Host)) {
		return nil, fmt.Errorf("%w: refusing plain HTTP to %s (--insecure-registry allows it, to a loopback registry only)", ErrInput, req.URL.Host)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	p := req.URL.Path
	switch {
	case strings.Contains(p, "/referrers/"):
		if resp.StatusCode == http.StatusOK && resp.Header.Get("Content-Type") == "application/vnd.oci.image.index.v1+json" {
			t.referrersAPI = true
		}
		resp.Body = &limitBody{r: resp.Body, n: t.limits.Manifest, what: "referrers list"}
	case strings.Contains(p, "/manifests/"):
		if resp.ContentLength > t.limits.Manifest {
			resp.Body.Close()
			return nil, fmt.Errorf("%w: manifest %s is %d bytes (limit %d)", ErrLimit, p, resp.ContentLength, t.limits.Manifest)
		}
		lb := &limitBody{r: resp.Body, n: t.limits.Manifest, what: "manifest"}
		if dg := resp.Header.Get("Docker-Content-Digest"); req.Method == http.MethodGet && resp.StatusCode == http.StatusOK && strings.HasPrefix(dg, "sha256:") {
			lb.want, lb.h = dg, sha256.New()
		}
		resp.Body = lb
	case strings.Contains(p, "/blobs/"):
		if req.Method == http.MethodGet {
			resp.Body = &limitBody{r: resp.Body, n: t.limits.Blob, what: "blob"}
		}
	}
	return resp, nil
}

type limitBody struct {
	r    io.ReadCloser
	n    int64
	what string
	want string
	h    interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func (b *limitBody) Read(p []byte) (int, error) {
	if b.n < 0 {
		return 0, fmt.Errorf("%w: %s larger than the limit", ErrLimit, b.what)
	}
	if int64(len(p)) > b.n+1 {
		p = p[:b.n+1]
	}
	n, err := b.r.Read(p)
	b.n -= int64(n)
	if b.h != nil {
		b.h.Write(p[:n])
	}
	if b.n < 0 {
		return 0, fmt.Errorf("%w: %s larger than the limit", ErrLimit, b.what)
	}
	if err == io.EOF && b.h != nil {
		if got := "sha256:" + hex.EncodeToString(b.h.Sum(nil)); got != b.want {
			return n, fmt.Errorf("%w: the manifest's bytes have digest %s, the registry says %s", ErrLying, got, b.want)
		}
	}
	return n, err
}

func (b *limitBody) Close() error { return b.r.Close() }

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
