package inspect

import (
	"github.com/candor-dev/candor/predicate"
)

// Status is the outcome of a check.
type Status string

// Check outcomes.
const (
	Pass Status = "pass"
	Fail Status = "fail"
	// NotPossible: the chain lacks what the check needs (no SBOM to compare, no artifact to
	// match); the reason says what.
	NotPossible Status = "not possible"
)

// Check names of a chain, in the order they are made.
const (
	CheckAttestations = "attestations"
	CheckSignatures   = "signatures"
	CheckSubjects     = "subjects"
	CheckPredicates   = "predicates"
	CheckProvenance   = "provenance"
	CheckVSAInputs    = "vsa-inputs"
	CheckModules      = "modules"
	CheckAnalyser     = "analyser"
)

// Check is one cross-check of a chain.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	// Detail says what was found, or why the check failed or was not possible.
	Detail string `json:"detail"`
	// Items list what failed, one entry each (a module missing, an unsigned attestation).
	Items []string `json:"items,omitempty"`
}

// Report is what [Run] found.
type Report struct {
	// Passed is true when there is at least one chain and every chain passed.
	Passed bool     `json:"passed"`
	Chains []*Chain `json:"chains"`
	// Unmatched are attestations whose subjects name no artifact given (when artifacts were
	// given), listed so nothing read is hidden.
	Unmatched []*Attestation `json:"unmatched,omitempty"`
	// Problems are inputs skipped: bundle lines that are not envelopes, files over a limit.
	Problems []string `json:"problems,omitempty"`
	// Keys are the trusted keys, by name and fingerprint.
	Keys []KeyRef `json:"keys"`
	// IdentityPolicy is the certificate identity policy keyless Sigstore bundles are
	// verified with, against the trusted root ([WithSigstore]); empty when none is given.
	IdentityPolicy string `json:"identityPolicy,omitempty"`
}

// KeyRef names a trusted key: how it was given, and its fingerprint ([signing.KeyID]).
type KeyRef struct {
	Name        string `json:"name"`
	Fingerprint string `json:"fingerprint"`
}

// Chain is one artifact and every attestation about it.
type Chain struct {
	// Artifact is the artifact's path, or the name of a fetched artifact
	// ([Fetched.Name]); empty for a chain of attestations given without one.
	Artifact string `json:"artifact,omitempty"`
	SHA256   string `json:"sha256,omitempty"`
	Passed   bool   `json:"passed"`
	// Attestations, in source order (file name, then line).
	Attestations []*Attestation `json:"attestations"`
	Checks       []Check        `json:"checks"`
	// fetched: the artifact is known by digest, its attestations fetched (Inputs.Fetched).
	fetched bool
}

// Kind is what an attestation's predicate is.
type Kind string

// Kinds of predicate.
const (
	KindDisclosure Kind = "disclosure"
	KindProvenance Kind = "provenance"
	KindSBOM       Kind = "sbom"
	KindVSA        Kind = "vsa"
	KindVEX        Kind = "openvex"
	KindLink       Kind = "link"
	// KindUnknown: a predicate type inspect does not read; listed, not evaluated.
	KindUnknown Kind = "unknown"
	// KindInvalid: the payload is not an in-toto statement inspect can read.
	KindInvalid Kind = "invalid"
)

// Attestation is one DSSE envelope, or Sigstore bundle holding one, and what its
// statement says.
type Attestation struct {
	// Source is the file, with "#LINE" for a line of a JSON Lines file, or where a fetched
	// attestation was found.
	Source string `json:"source"`
	// SHA256 is the digest of the envelope's bytes as read (a VSA's input attestations name
	// envelopes by it).
	SHA256      string `json:"sha256"`
	PayloadType string `json:"payloadType"`
	// Signers are the trusted keys whose signature verified, or the certificate identity of
	// a keyless Sigstore bundle that verified (no fingerprint then); none means unverified.
	Signers    []KeyRef `json:"signers"`
	Verified   bool     `json:"verified"`
	Signatures int      `json:"signatures"`
	// Unverified says why the attestation is not verified; empty when it is.
	Unverified string `json:"unverified,omitempty"`
	// Bundle is set for a Sigstore bundle: its version and how it was verified.
	Bundle *BundleInfo `json:"bundle,omitempty"`
	// KeyIDs are the key ids the signatures claim (hints, never trusted).
	KeyIDs        []string  `json:"keyIds,omitempty"`
	StatementType string    `json:"statementType,omitempty"`
	PredicateType string    `json:"predicateType,omitempty"`
	Kind          Kind      `json:"kind"`
	Subjects      []Subject `json:"subjects,omitempty"`
	// Error says why the statement or its predicate could not be read.
	Error string `json:"error,omitempty"`

	Disclosure *predicate.Predicate `json:"disclosure,omitempty"`
	Provenance *Provenance          `json:"provenance,omitempty"`
	SBOM       *SBOM                `json:"sbom,omitempty"`
	VSA        *VSA                 `json:"vsa,omitempty"`
	VEX        *VEX                 `json:"openvex,omitempty"`
	Link       *Link                `json:"link,omitempty"`
}

// Link is an in-toto link: one step of a supply chain.
type Link struct {
	Name      string     `json:"name"`
	Command   []string   `json:"command,omitempty"`
	Materials []Resource `json:"materials,omitempty"`
}

// Subject is a statement subject.
type Subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// Signer says who signed the attestation, for people: the key names, or "unverified".
func (a *Attestation) Signer() string {
	if !a.Verified {
		return "unverified"
	}
	s := ""
	for i, k := range a.Signers {
		if i > 0 {
			s += ", "
		}
		s += k.Name
		if k.Fingerprint != "" {
			s += " (" + k.Fingerprint + ")"
		}
	}
	return s
}

// names reports whether a subject lists sha256 digest d.
func (a *Attestation) names(d string) bool {
	for _, s := range a.Subjects {
		if s.Digest["sha256"] == d {
			return true
		}
	}
	return false
}

// Provenance is an SLSA provenance predicate, v0.2 or v1.
type Provenance struct {
	// Version is "v0.2" or "v1".
	Version   string `json:"version"`
	Builder   string `json:"builder"`
	BuildType string `json:"buildType"`
	// SourceRepo and SourceCommit name the source built, where the provenance says.
	SourceRepo   string `json:"sourceRepo,omitempty"`
	SourceCommit string `json:"sourceCommit,omitempty"`
	// Dependencies are the resolved dependencies (v1) or materials (v0.2).
	Dependencies []Resource `json:"dependencies,omitempty"`
}

// Resource is a resource descriptor reduced to a name or URI and digests.
type Resource struct {
	Name   string            `json:"name,omitempty"`
	URI    string            `json:"uri,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

// SBOM is an SPDX or CycloneDX JSON software bill of materials.
type SBOM struct {
	// Format is "SPDX-2.3" or "CycloneDX-1.5" (the document's own version).
	Format     string      `json:"format"`
	Components []Component `json:"components"`
	// GoModules are the components whose package URL is pkg:golang, path and version.
	GoModules []Module `json:"goModules"`
}

// Component is a package of an SBOM.
type Component struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	PURL    string `json:"purl,omitempty"`
}

// Module is a Go module and its version.
type Module struct {
	Path    string `json:"path"`
	Version string `json:"version"`
}

// VSA is an SLSA verification summary v1.
type VSA struct {
	Verifier     string     `json:"verifier"`
	ResourceURI  string     `json:"resourceUri"`
	Result       string     `json:"result"`
	Levels       []string   `json:"levels,omitempty"`
	Policy       Resource   `json:"policy"`
	Inputs       []Resource `json:"inputs,omitempty"`
	TimeVerified string     `json:"timeVerified,omitempty"`
}

// VEX is an OpenVEX document.
type VEX struct {
	ID         string         `json:"id,omitempty"`
	Author     string         `json:"author,omitempty"`
	Statements []VEXStatement `json:"statements"`
}

// VEXStatement is one OpenVEX statement.
type VEXStatement struct {
	Vulnerability string   `json:"vulnerability"`
	Products      []string `json:"products,omitempty"`
	Status        string   `json:"status"`
	Justification string   `json:"justification,omitempty"`
}
