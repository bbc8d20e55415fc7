#!/usr/bin/env bash
# Reading images and attestations from a registry, against the tools people use today,
# in one run on one local registry:
#
#   scan    `candor scan --pull REF` (pull, walk the layers, analyse every executable)
#           against `crane pull --format oci REF DIR` plus `sha256sum` of the blobs
#           (the least any tool must do to look at the image's bytes);
#   verify  `candor verify --pull REF` (find the attestations, check signatures, subject,
#           predicate and policy) against `cosign verify-attestation --key ... REF`
#           (find the legacy .att image, check the signature).
#
# usage: bench/registry-vs-crane.sh [RUNS]
#
# The image is the one bench/archive-vs-sha256sum.sh builds from Debian's docker.io
# package (one layer, 151 MB, holding dockerd, containerd, docker-proxy and more; crane
# push stores it gzip-compressed, 59 MB). The registry is Debian's docker-registry (distribution 2.8, apt-get install
# docker-registry) on a free loopback port, its storage under the bench directory,
# stopped at the end. crane (go-containerregistry v0.22.1) and cosign v2.6.5 are built
# from the Go module proxy once, into the cache the interop tests use. candor attests the
# image with a disclosure drafted by `candor disclose` (placeholders filled in by sed),
# attaching it as a referrers-tag bundle and in cosign's legacy .att form.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
runs=${1:-5}
base=${CANDOR_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-bench}
work=$base/registry
rm -rf "$work"
mkdir -p "$work/home"
. bench/lib.sh # the working directory is the repository root here

command -v docker-registry >/dev/null || { echo "bench: docker-registry is not installed (apt-get install docker-registry)" >&2; exit 2; }
command -v dpkg-deb >/dev/null || { echo "bench: dpkg-deb is needed to build the image" >&2; exit 2; }
if ! ls "$base"/docker.io_*.deb >/dev/null 2>&1; then
	(cd "$base" && apt-get download -qq docker.io)
fi
deb=$(ls "$base"/docker.io_*.deb | head -1)
img="$base/$(basename "$deb" .deb).docker-save.tar"
docker_save_image "$deb" "$img"

cache=${CANDOR_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-ci/interop}
tool() { # tool MODULE/CMD VERSION NAME: the binary, built once into the cache
	local bin="$cache/$3-$2/$3"
	if [ ! -x "$bin" ]; then
		mkdir -p "$(dirname "$bin")"
		GOBIN=$(dirname "$bin") GOFLAGS= CGO_ENABLED=0 go install "$1@$2" >&2
	fi
	echo "$bin"
}
crane=$(tool github.com/google/go-containerregistry/cmd/crane v0.22.1 crane)
cosign=$(tool github.com/sigstore/cosign/v2/cmd/cosign v2.6.5 cosign)
go build -o "$work/candor" ./cmd/candor
candor=$work/candor

# A free loopback port: the first one nothing answers on.
port=5300
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
addr=127.0.0.1:$port
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' "$work/data" "$addr" >"$work/registry.yml"
docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
reg=$!
trap 'kill $reg 2>/dev/null || true' EXIT
for _ in $(seq 100); do
	curl -fsS "http://$addr/v2/" >/dev/null 2>&1 && break
	sleep 0.1
done
ref=$addr/bench/docker.io:deb

export HOME=$work/home CANDOR_PASSWORD= COSIGN_PASSWORD= SIGSTORE_NO_CACHE=true
# cosign offline: an empty trusted root (cosign v2.6.5 reads a referrer bundle only with
# one), and a Rekor key so that it does not fetch Sigstore's TUF root.
printf '{"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1"}' >"$work/trusted_root.json"
"$crane" push --insecure "$img" "$ref" >/dev/null 2>&1
(cd "$work" && "$candor" keygen --prefix candor >/dev/null 2>&1)
# The image in the registry holds the same bytes as the tarball: draft from the tarball.
"$candor" disclose -o "$work/draft.yaml" "$img" 2>/dev/null
if [ -s "$work/draft.yaml" ]; then
	sed -e 's/<always|opt-out|opt-in|user-initiated>/opt-in/' -e 's/<loopback|configurable|all>/loopback/' \
		-e 's/<none|password|token|mtls|os|other>/none/' -e 's/<user-approved|automatic>/user-approved/' -e 's/<true|false>/true/g' -e 's/"<port: a number or a range such as 8000-8100>"/0/' \
		-e 's/<security contact as an email address or an https URL>/security@example.org/' \
		-e 's|<https URL of the vulnerability disclosure policy>|https://example.org/security|' \
		-e 's/<days within which users hear of a serious vulnerability>/30/' \
		-e 's/"<[^>]*>"/"benchmark"/g' -e 's/<[^>]*>/benchmark/g' "$work/draft.yaml" >"$work/disclosure.yaml"
	disclosure=(--disclosure "$work/disclosure.yaml")
else
	disclosure=(--allow-undisclosed)
fi
export SIGSTORE_REKOR_PUBLIC_KEY=$work/candor.pub
"$candor" attest --push --insecure-registry --legacy-att --key "$work/candor.key" "${disclosure[@]}" \
	--bundle "$work/att.sigstore.json" -o "$work/att.intoto.json" "$ref" 2>"$work/attest.log" ||
	{ cat "$work/attest.log" >&2; exit 1; }

size=$("$crane" manifest --insecure "$ref" | sed -n 's/.*"size": *\([0-9]*\).*/\1/p' | sort -n | tail -1)
pullsum() { rm -rf "$work/oci" && "$crane" pull --insecure --format oci "$ref" "$work/oci" && sha256sum "$work"/oci/blobs/sha256/* >/dev/null; }
# candor verify exits 1 for a negative verdict: the policy may fail the image; the
# work timed is the same either way (every step runs).
verdict() { "$candor" verify --pull --insecure-registry --key "$work/candor.pub" --format json "$ref" >"$work/verdict.json" 2>/dev/null || [ $? -eq 1 ]; }
export -f pullsum verdict
export crane candor work ref
read -r pw pr < <(measure bash -c pullsum)
# For context: crane export decompresses and flattens the layers (no analysis).
read -r ew _ < <(measure bash -c '"$crane" export --insecure "$ref" - | sha256sum >/dev/null')
read -r sw sr < <(measure "$candor" scan --pull --insecure-registry --quiet --format json "$ref")
read -r cw cr < <(measure "$cosign" verify-attestation --key "$work/candor.pub" --type https://candor.dev/attestation/disclosure/v1 \
	--trusted-root "$work/trusted_root.json" --insecure-ignore-tlog --allow-insecure-registry "$ref")
read -r vw vr < <(measure bash -c verdict)
rc=0
"$candor" verify --pull --insecure-registry --key "$work/candor.pub" --format json "$ref" >"$work/verdict.json" 2>/dev/null || rc=$?
passed=$(grep -c '^      "passed": true' "$work/verdict.json" || true)

awk -v img="$img" -v size="${size:-0}" -v pw="$pw" -v pr="$pr" -v sw="$sw" -v sr="$sr" -v cw="$cw" -v cr="$cr" -v vw="$vw" -v vr="$vr" -v ew="$ew" -v runs="$runs" 'BEGIN{
	printf "image                    %s, its layer %.1f MiB (gzip: crane push compresses), in docker-registry 2.8 on loopback (best of %d)\n", img, size/1048576, runs
	printf "  crane pull + sha256sum wall %.3f s  peak RSS %.1f MiB (crane)\n", pw, pr/1024
	printf "  crane export | sha256sum wall %.3f s  (decompressing the layers alone, for context)\n", ew
	printf "  candor scan --pull     wall %.3f s  peak RSS %.1f MiB\n", sw, sr/1024
	printf "  ratio                  %.2fx\n", sw/pw
	printf "attestation by reference\n"
	printf "  cosign verify-attestation  wall %.3f s  peak RSS %.1f MiB\n", cw, cr/1024
	printf "  candor verify --pull       wall %.3f s  peak RSS %.1f MiB\n", vw, vr/1024
	printf "  ratio                      %.2fx\n", vw/cw
}'
echo "  (candor verify exit $rc; $passed passing verdict(s) in $work/verdict.json)"
