package attest

import "github.com/candor-dev/candor/predicate"

// DisclosureAPIVersion is the apiVersion of a disclosure manifest this package reads.
const DisclosureAPIVersion = "candor.dev/disclosure/v1"

// Disclosure is a vendor's disclosure manifest, as defined by schemas/disclosure.v1.json.
// Obtain one from [LoadDisclosure] or [ParseDisclosure], which validate it and normalise its
// hosts; a value built in Go must go through [Disclosure.Normalize] before use. Its
// declarations are what findings are matched against: d.Cover(f) is
// [predicate.Declarations.Cover].
type Disclosure struct {
	// Schema is an optional editor hint ($schema); it is not recorded.
	Schema     string             `json:"$schema,omitempty"`
	APIVersion string             `json:"apiVersion"`
	Product    predicate.Product  `json:"product"`
	Security   predicate.Security `json:"security"`
	predicate.Declarations
}
