//go:build tools

package deps

import (
	_ "github.com/in-toto/attestation/go/v1"
	_ "github.com/rogpeppe/go-internal/testscript"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/secure-systems-lab/go-securesystemslib/dsse"
	_ "github.com/sigstore/sigstore/pkg/signature"
	_ "github.com/sigstore/sigstore/pkg/signature/dsse"
	_ "github.com/sigstore/sigstore/pkg/signature/kms"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/net/publicsuffix"
	_ "golang.org/x/term"
)
