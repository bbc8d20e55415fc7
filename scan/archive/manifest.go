package archive

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strings"
)

// The parts of the OCI image-spec and docker save formats an image walk needs.
type (
	ociDescriptor struct {
		MediaType   string            `json:"mediaType"`
		Digest      string            `json:"digest"`
		Size        int64             `json:"size"`
		Platform    *ociPlatform      `json:"platform"`
		Annotations map[string]string `json:"annotations"`
	}
	ociPlatform struct {
		OS           string `json:"os"`
		Architecture string `json:"architecture"`
		Variant      string `json:"variant"`
	}
	ociIndex struct {
		MediaType string          `json:"mediaType"`
		Manifests []ociDescriptor `json:"manifests"`
	}
	ociManifest struct {
		MediaType string          `json:"mediaType"`
		Config    ociDescriptor   `json:"config"`
		Layers    []ociDescriptor `json:"layers"`
		Manifests []ociDescriptor `json:"manifests"` // set when a descriptor without a media type points at an index
	}
	dockerManifest struct {
		Config   string   `json:"Config"`
		RepoTags []string `json:"RepoTags"`
		Layers   []string `json:"Layers"`
	}
)

// imageSpec is one image of an archive: its name (for paths, when there are
// several) and its layers, bottom first.
type imageSpec struct {
	name   string
	layers []layerRef
	// manifest is the digest of the image's manifest (OCI layouts only).
	manifest string
}

type layerRef struct {
	blob   string // file name in the source
	digest string // reported digest; "" until known (docker save's legacy layout)
}

var digestRE = regexp.MustCompile(`^(sha256|sha512):([0-9a-f]{64}|[0-9a-f]{128})$`)

// blobName is where an OCI layout keeps the blob with digest d.
func blobName(d string) (string, error) {
	m := digestRE.FindStringSubmatch(d)
	if m == nil {
		return "", fmt.Errorf("bad digest %q", d)
	}
	return "blobs/" + m[1] + "/" + m[2], nil
}

// maxIndexDepth bounds indexes nested in indexes.
const maxIndexDepth = 4

// parseImages finds the images in the metadata files of an image archive.
// It returns nil, nil when there is no manifest at all (not an image).
func parseImages(meta map[string][]byte) ([]imageSpec, string, error) {
	if b, ok := meta["manifest.json"]; ok {
		var ms []dockerManifest
		if err := json.Unmarshal(b, &ms); err != nil {
			return nil, "", fmt.Errorf("manifest.json: %w", err)
		}
		var out []imageSpec
		for i, m := range ms {
			name := m.Config
			if len(m.RepoTags) > 0 {
				name = m.RepoTags[0]
			}
			if name == "" {
				name = fmt.Sprintf("image-%d", i+1)
			}
			im := imageSpec{name: name}
			for _, l := range m.Layers {
				ref := layerRef{blob: cleanName(l)}
				if d, ok := strings.CutPrefix(ref.blob, "blobs/sha256/"); ok && len(d) == 64 {
					ref.digest = "sha256:" + d
				}
				im.layers = append(im.layers, ref)
			}
			out = append(out, im)
		}
		return out, "docker-archive", nil
	}
	b, ok := meta["index.json"]
	if !ok {
		return nil, "", nil
	}
	var idx ociIndex
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, "", fmt.Errorf("index.json: %w", err)
	}
	var out []imageSpec
	var walk func(ds []ociDescriptor, depth int, where string) error
	walk = func(ds []ociDescriptor, depth int, where string) error {
		if depth > maxIndexDepth {
			return fmt.Errorf("%s: indexes nested more than %d deep", where, maxIndexDepth)
		}
		for _, d := range ds {
			name, err := blobName(d.Digest)
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if strings.Contains(d.MediaType, "layer") || strings.HasSuffix(d.MediaType, ".tar") {
				continue
			}
			b, ok := meta[name]
			if !ok {
				if isIndexType(d.MediaType) || isManifestType(d.MediaType) {
					return fmt.Errorf("%s: %s %s is missing from the layout", where, d.MediaType, d.Digest)
				}
				continue // an artifact we do not read (signature, attestation)
			}
			var m ociManifest
			if err := json.Unmarshal(b, &m); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			if isIndexType(d.MediaType) || isIndexType(m.MediaType) || (len(m.Manifests) > 0 && len(m.Layers) == 0) {
				if err := walk(m.Manifests, depth+1, name); err != nil {
					return err
				}
				continue
			}
			if len(m.Layers) == 0 && m.Config.Digest == "" {
				continue
			}
			im := imageSpec{name: imageName(d), manifest: d.Digest}
			for _, l := range m.Layers {
				bn, err := blobName(l.Digest)
				if err != nil {
					return fmt.Errorf("%s: layer: %w", name, err)
				}
				im.layers = append(im.layers, layerRef{blob: bn, digest: l.Digest})
			}
			out = append(out, im)
		}
		return nil
	}
	if err := walk(idx.Manifests, 1, "index.json"); err != nil {
		return nil, "", err
	}
	return out, "oci-archive", nil
}

func isIndexType(t string) bool {
	return t == "application/vnd.oci.image.index.v1+json" || t == "application/vnd.docker.distribution.manifest.list.v2+json"
}

func isManifestType(t string) bool {
	return t == "application/vnd.oci.image.manifest.v1+json" || t == "application/vnd.docker.distribution.manifest.v2+json"
}

// imageName names an image inside a multi-image archive: its platform, else
// its reference name, else its digest.
func imageName(d ociDescriptor) string {
	if p := d.Platform; p != nil && p.OS != "" && p.Architecture != "" {
		n := p.OS + "/" + p.Architecture
		if p.Variant != "" {
			n += "/" + p.Variant
		}
		return n
	}
	if r := d.Annotations["org.opencontainers.image.ref.name"]; r != "" {
		return path.Clean(r)
	}
	return d.Digest
}
