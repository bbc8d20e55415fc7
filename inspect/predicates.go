package inspect

import (
	stdjson "encoding/json"
	"encoding/json/jsontext"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/candor-dev/candor/predicate"
	linkv0 "github.com/in-toto/attestation/go/predicates/link/v0"
	provv02 "github.com/in-toto/attestation/go/predicates/provenance/v02"
	provv1 "github.com/in-toto/attestation/go/predicates/provenance/v1"
	vsav1 "github.com/in-toto/attestation/go/predicates/vsa/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// Predicate types inspect reads, besides candor's [predicate.PredicateType].
const (
	ProvenanceV1  = "https://slsa.dev/provenance/v1"
	ProvenanceV02 = "https://slsa.dev/provenance/v0.2"
	SummaryV1     = "https://slsa.dev/verification_summary/v1"
	SPDXDocument  = "https://spdx.dev/Document"
	CycloneDXBOM  = "https://cyclonedx.org/bom"
	OpenVEX       = "https://openvex.dev/ns"
	// LinkV03 is an in-toto link: a step of a supply chain, its command and materials.
	LinkV03 = "https://in-toto.io/attestation/link/v0.3"
)

// kindOf says what inspect reads a predicate type as. SPDX, CycloneDX and OpenVEX types
// may carry a version after a slash ("https://spdx.dev/Document/v2.3").
func kindOf(pt string) Kind {
	switch {
	case pt == predicate.PredicateType:
		return KindDisclosure
	case pt == ProvenanceV1 || pt == ProvenanceV02:
		return KindProvenance
	case pt == SummaryV1:
		return KindVSA
	case versioned(pt, SPDXDocument), versioned(pt, CycloneDXBOM):
		return KindSBOM
	case versioned(pt, OpenVEX):
		return KindVEX
	case pt == LinkV03:
		return KindLink
	}
	return KindUnknown
}

func versioned(pt, base string) bool {
	return pt == base || strings.HasPrefix(pt, base+"/")
}

// readPredicate reads the predicate of a statement of type pt into a. A predicate inspect
// cannot read leaves a.Error saying why (and the kind, so it shows what was expected).
func readPredicate(a *Attestation, pt string, raw jsontext.Value) {
	a.Kind = kindOf(pt)
	if a.Kind == KindUnknown {
		return
	}
	if raw.Kind() != '{' {
		a.Error = "the statement has no predicate object"
		return
	}
	var err error
	switch a.Kind {
	case KindDisclosure:
		a.Disclosure, err = readDisclosure(raw)
	case KindProvenance:
		a.Provenance, err = readProvenance(pt, raw)
	case KindVSA:
		a.VSA, err = readVSA(raw)
	case KindSBOM:
		if versioned(pt, SPDXDocument) {
			a.SBOM, err = readSPDX(raw)
		} else {
			a.SBOM, err = readCycloneDX(raw)
		}
	case KindVEX:
		a.VEX, err = readVEX(raw)
	case KindLink:
		a.Link, err = readLink(raw)
	}
	if err != nil {
		a.Error = fmt.Sprintf("%s predicate: %s", a.Kind, err)
	}
}

// readDisclosure reads candor's disclosure predicate.
func readDisclosure(raw []byte) (*predicate.Predicate, error) {
	var p predicate.Predicate
	if err := stdjson.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	if p.Analysis.Analyzer.Name == "" && len(p.Analysis.Artifacts) == 0 {
		return nil, fmt.Errorf("no analysis")
	}
	return &p, nil
}

var protoOpts = protojson.UnmarshalOptions{DiscardUnknown: true}

// readProvenance reads an SLSA provenance, v1 or v0.2, with in-toto's Go types.
func readProvenance(pt string, raw []byte) (*Provenance, error) {
	if pt == ProvenanceV02 {
		var p provv02.Provenance
		if err := protoOpts.Unmarshal(raw, &p); err != nil {
			return nil, protoErr(err)
		}
		out := &Provenance{Version: "v0.2", Builder: p.GetBuilder().GetId(), BuildType: p.GetBuildType()}
		if cs := p.GetInvocation().GetConfigSource(); cs != nil {
			out.SourceRepo, out.SourceCommit = cs.GetUri(), commitOf(cs.GetDigest())
		}
		for _, m := range p.GetMaterials() {
			if len(out.Dependencies) == maxListed {
				break
			}
			out.Dependencies = append(out.Dependencies, Resource{URI: m.GetUri(), Digest: m.GetDigest()})
			if out.SourceCommit == "" && commitOf(m.GetDigest()) != "" {
				out.SourceRepo, out.SourceCommit = m.GetUri(), commitOf(m.GetDigest())
			}
		}
		return out, nil
	}
	var p provv1.Provenance
	if err := protoOpts.Unmarshal(raw, &p); err != nil {
		return nil, protoErr(err)
	}
	bd := p.GetBuildDefinition()
	out := &Provenance{Version: "v1", Builder: p.GetRunDetails().GetBuilder().GetId(), BuildType: bd.GetBuildType()}
	for _, d := range bd.GetResolvedDependencies() {
		if len(out.Dependencies) == maxListed {
			break
		}
		out.Dependencies = append(out.Dependencies, resource(d))
		if out.SourceCommit == "" && commitOf(d.GetDigest()) != "" {
			out.SourceRepo, out.SourceCommit = firstOf(d.GetUri(), d.GetName()), commitOf(d.GetDigest())
		}
	}
	if out.Builder == "" {
		return nil, fmt.Errorf("no runDetails.builder.id")
	}
	return out, nil
}

func resource(d *intoto.ResourceDescriptor) Resource {
	return Resource{Name: d.GetName(), URI: d.GetUri(), Digest: d.GetDigest()}
}

// commitOf returns a source commit from a digest set: gitCommit, else sha1.
func commitOf(d map[string]string) string {
	return firstOf(d["gitCommit"], d["sha1"])
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// protoErr shortens protojson's messages.
func protoErr(err error) error {
	return fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "proto: "))
}

// readLink reads an in-toto link v0.3 with in-toto's Go type.
func readLink(raw []byte) (*Link, error) {
	var l linkv0.Link
	if err := protoOpts.Unmarshal(raw, &l); err != nil {
		return nil, protoErr(err)
	}
	out := &Link{Name: l.GetName(), Command: l.GetCommand()}
	for _, m := range l.GetMaterials() {
		if len(out.Materials) == maxListed {
			break
		}
		out.Materials = append(out.Materials, resource(m))
	}
	if out.Name == "" {
		return nil, fmt.Errorf("no step name")
	}
	return out, nil
}

// readVSA reads an SLSA verification summary v1 with in-toto's Go type.
func readVSA(raw []byte) (*VSA, error) {
	var v vsav1.VerificationSummary
	if err := protoOpts.Unmarshal(raw, &v); err != nil {
		return nil, protoErr(err)
	}
	out := &VSA{
		Verifier:    v.GetVerifier().GetId(),
		ResourceURI: v.GetResourceUri(),
		Result:      v.GetVerificationResult(),
		Levels:      v.GetVerifiedLevels(),
		Policy:      Resource{URI: v.GetPolicy().GetUri(), Digest: v.GetPolicy().GetDigest()},
	}
	if t := v.GetTimeVerified(); t != nil {
		out.TimeVerified = t.AsTime().UTC().Format("2006-01-02T15:04:05Z")
	}
	for _, in := range v.GetInputAttestations() {
		if len(out.Inputs) == maxListed {
			break
		}
		out.Inputs = append(out.Inputs, Resource{URI: in.GetUri(), Digest: in.GetDigest()})
	}
	if out.Verifier == "" || out.Result == "" {
		return nil, fmt.Errorf("no verifier.id or verificationResult")
	}
	return out, nil
}

// sortModules orders modules by path, then version, and drops exact repeats.
func sortModules(ms []Module) []Module {
	slices.SortFunc(ms, func(a, b Module) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
	return slices.Compact(ms)
}

// keysOf returns a map's keys in order.
func keysOf[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
