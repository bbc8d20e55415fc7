// Package interop holds tests, behind the build tag "interop", that check candor's keys and
// attestations against third-party tools: cosign v2.6 (built from the Go module proxy into a
// cache directory on first use) verifies candor's envelopes, and the signed verification
// summaries candor verify --vsa writes, with verify-blob-attestation; signs with keys made by
// candor keygen; and makes keys that candor signs with. TestRegistryInterop does the same
// through OCI registries started on loopback (go-containerregistry's, with the referrers
// API, and Debian's docker-registry, without): candor attest --push against cosign
// verify-attestation, cosign attest against candor attestations and candor verify, with
// cosign v2.6.5 and the newest cosign v3 the module proxy serves.
//
// Run them with:
//
//	go test -tags interop -timeout 40m ./internal/interop/
//
// The cosign binary is cached under $CANDOR_INTEROP_CACHE, else the user cache directory
// (candor-interop/cosign-<version>); the first run builds it, which takes minutes and needs
// the Go module proxy. No test talks to Sigstore's public services: transparency logs are
// skipped and the TUF root is pointed at an empty directory.
package interop
