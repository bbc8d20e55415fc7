package inspect

import (
	stdjson "encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// spdxDoc is the part of an SPDX 2.x JSON document inspect reads.
type spdxDoc struct {
	SPDXVersion string `json:"spdxVersion"`
	Packages    []struct {
		Name         string `json:"name"`
		VersionInfo  string `json:"versionInfo"`
		ExternalRefs []struct {
			ReferenceType    string `json:"referenceType"`
			ReferenceLocator string `json:"referenceLocator"`
		} `json:"externalRefs"`
	} `json:"packages"`
}

// readSPDX reads an SPDX 2.x JSON document: its packages, and the Go modules among them
// (package URL pkg:golang/...).
func readSPDX(raw []byte) (*SBOM, error) {
	var d spdxDoc
	if err := stdjson.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(d.SPDXVersion, "SPDX-2.") {
		return nil, fmt.Errorf("spdxVersion %q: inspect reads SPDX 2.x JSON", clip(d.SPDXVersion))
	}
	s := &SBOM{Format: d.SPDXVersion, Components: []Component{}, GoModules: []Module{}}
	for _, p := range d.Packages {
		c := Component{Name: p.Name, Version: p.VersionInfo}
		for _, r := range p.ExternalRefs {
			if strings.EqualFold(r.ReferenceType, "purl") {
				c.PURL = r.ReferenceLocator
				break
			}
		}
		s.add(c)
	}
	s.GoModules = sortModules(s.GoModules)
	return s, nil
}

// cdxComponent is a CycloneDX component; components nest.
type cdxComponent struct {
	Name       string         `json:"name"`
	Group      string         `json:"group"`
	Version    string         `json:"version"`
	PURL       string         `json:"purl"`
	Components []cdxComponent `json:"components"`
}

type cdxDoc struct {
	BOMFormat   string `json:"bomFormat"`
	SpecVersion string `json:"specVersion"`
	Metadata    struct {
		Component *cdxComponent `json:"component"`
	} `json:"metadata"`
	Components []cdxComponent `json:"components"`
}

// cdxVersions are the CycloneDX specification versions inspect reads.
var cdxVersions = []string{"1.4", "1.5", "1.6"}

// readCycloneDX reads a CycloneDX 1.4 to 1.6 JSON BOM: its components (nested ones too,
// the metadata's component first), and the Go modules among them.
func readCycloneDX(raw []byte) (*SBOM, error) {
	var d cdxDoc
	if err := stdjson.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	if d.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("bomFormat %q is not CycloneDX", clip(d.BOMFormat))
	}
	ok := false
	for _, v := range cdxVersions {
		ok = ok || d.SpecVersion == v
	}
	if !ok {
		return nil, fmt.Errorf("specVersion %q: inspect reads CycloneDX %s", clip(d.SpecVersion), strings.Join(cdxVersions, ", "))
	}
	s := &SBOM{Format: "CycloneDX-" + d.SpecVersion, Components: []Component{}, GoModules: []Module{}}
	var walk func(cs []cdxComponent)
	walk = func(cs []cdxComponent) {
		for _, c := range cs {
			name := c.Name
			if c.Group != "" {
				name = c.Group + "/" + c.Name
			}
			s.add(Component{Name: name, Version: c.Version, PURL: c.PURL})
			walk(c.Components) // nesting is bounded by the JSON's depth
		}
	}
	if d.Metadata.Component != nil {
		walk([]cdxComponent{*d.Metadata.Component})
	}
	walk(d.Components)
	s.GoModules = sortModules(s.GoModules)
	return s, nil
}

// add lists a component, and its Go module when its package URL is pkg:golang.
func (s *SBOM) add(c Component) {
	if len(s.Components) >= maxListed {
		return
	}
	s.Components = append(s.Components, c)
	if m, ok := goModule(c.PURL); ok {
		s.GoModules = append(s.GoModules, m)
	}
}

// goModule reads a Go package URL, pkg:golang/NAMESPACE/NAME@VERSION (qualifiers and
// subpath dropped, percent-escapes decoded), as a module path and version.
func goModule(purl string) (Module, bool) {
	rest, ok := strings.CutPrefix(purl, "pkg:golang/")
	if !ok {
		return Module{}, false
	}
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	path, version, _ := strings.Cut(rest, "@")
	p, err := url.PathUnescape(path)
	if err != nil || p == "" {
		return Module{}, false
	}
	v, err := url.PathUnescape(version)
	if err != nil {
		return Module{}, false
	}
	return Module{Path: p, Version: v}, true
}

// vexDoc is the part of an OpenVEX document inspect reads.
type vexDoc struct {
	Context    string `json:"@context"`
	ID         string `json:"@id"`
	Author     string `json:"author"`
	Statements []struct {
		Vulnerability stdjson.RawMessage   `json:"vulnerability"`
		Products      []stdjson.RawMessage `json:"products"`
		Status        string               `json:"status"`
		Justification string               `json:"justification"`
	} `json:"statements"`
}

// readVEX reads an OpenVEX document: each statement's vulnerability, products, status and
// justification. The vulnerability and products are strings (v0.0.1) or objects with a
// name or @id (v0.2.0).
func readVEX(raw []byte) (*VEX, error) {
	var d vexDoc
	if err := stdjson.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	if !strings.HasPrefix(d.Context, OpenVEX) {
		return nil, fmt.Errorf("@context %q is not OpenVEX", clip(d.Context))
	}
	v := &VEX{ID: d.ID, Author: d.Author, Statements: []VEXStatement{}}
	for _, st := range d.Statements {
		if len(v.Statements) == maxListed {
			break
		}
		s := VEXStatement{Vulnerability: nameOf(st.Vulnerability, "name"), Status: st.Status, Justification: st.Justification}
		for _, p := range st.Products {
			s.Products = append(s.Products, nameOf(p, "@id"))
		}
		v.Statements = append(v.Statements, s)
	}
	return v, nil
}

// nameOf reads a JSON string, or the string member key of an object.
func nameOf(raw stdjson.RawMessage, key string) string {
	var s string
	if stdjson.Unmarshal(raw, &s) == nil {
		return s
	}
	var m map[string]stdjson.RawMessage
	if stdjson.Unmarshal(raw, &m) == nil {
		_ = stdjson.Unmarshal(m[key], &s)
	}
	return s
}
