package main

// The KMS providers candor's key references can name: each package registers its scheme
// with sigstore's kms package when imported, so that the signing package serves awskms://,
// gcpkms://, azurekms:// and hashivault:// keys in this program. The library links none of
// them (they bring in the cloud SDKs); a program that needs one imports it likewise.
import (
	_ "github.com/sigstore/sigstore/pkg/signature/kms/aws"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/azure"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/gcp"
	_ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault"
)
