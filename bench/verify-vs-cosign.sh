#!/usr/bin/env bash
# Compares `candor verify` with `cosign verify-blob-attestation --key … --insecure-ignore-tlog`
# on the same envelope and artifact, in the same run: the median wall time of RUNS calls
# each, interleaved. Then times one `candor verify` call over a release directory of BATCH
# artifacts, each with its own attestation.
#
# usage: bench/verify-vs-cosign.sh [RUNS] [BATCH]
#
# The artifact and attestation are what `candor demo --dir` leaves: the demo sample (a
# 6 MiB Go binary), its attestation and the P-256 public key. cosign v2.6.5 comes from the
# cache the interop tests fill (internal/interop), or is built the same way from the Go
# module proxy. The batch is written by a test helper (TestGenerateBatch in ./verify).
# Nothing here needs the network once cosign is built.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
runs=${1:-21}
batch=${2:-1000}
base=${CANDOR_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-bench}
work=$base/verify
rm -rf "$work"
mkdir -p "$work/home"
cache=${CANDOR_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-interop}
cosign=$cache/cosign-v2.6.5/cosign
if [ ! -x "$cosign" ]; then
	mkdir -p "$(dirname "$cosign")"
	GOBIN=$(dirname "$cosign") GOFLAGS= CGO_ENABLED=0 go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5
fi
go build -o "$work/candor" ./cmd/candor
"$work/candor" demo --dir "$work/demo" >/dev/null 2>&1
art=$work/demo/candor-demo-sample
env=$art.intoto.json
pub=$work/demo/demo.pub

candor_cmd=("$work/candor" verify --config '' --key "$pub" "$art")
cosign_cmd=(env HOME="$work/home" TUF_ROOT="$work/home/tuf" SIGSTORE_NO_CACHE=true
	"$cosign" verify-blob-attestation --key "$pub" --insecure-ignore-tlog
	--type https://candor.dev/attestation/disclosure/v1 --signature "$env" "$art")
# Both must accept the attestation before their times mean anything.
"${candor_cmd[@]}" >/dev/null
"${cosign_cmd[@]}" >/dev/null 2>&1 || { echo "cosign did not verify the envelope:"; "${cosign_cmd[@]}"; exit 1; }

now_us() { echo $(( $(date +%s%N) / 1000 )); }
median_ms() { sort -n | awk '{a[NR]=$1} END{printf "%.1f", a[int((NR+1)/2)]/1000}'; }
ct=() ; st=()
for _ in $(seq "$runs"); do
	s=$(now_us); "${candor_cmd[@]}" >/dev/null; e=$(now_us); ct+=($((e - s)))
	s=$(now_us); "${cosign_cmd[@]}" >/dev/null 2>&1; e=$(now_us); st+=($((e - s)))
done
cm=$(printf '%s\n' "${ct[@]}" | median_ms)
sm=$(printf '%s\n' "${st[@]}" | median_ms)

go test ./verify -run '^TestGenerateBatch$' -count=1 -batch-dir "$work/release" -batch-n "$batch" >/dev/null
bt=()
for _ in 1 2 3; do
	s=$(now_us)
	"$work/candor" verify --config '' --key "$work/release.pub" "$work/release" >"$work/batch.out"
	e=$(now_us)
	bt+=($((e - s)))
done
grep -q "^PASS: $batch of $batch verdict" "$work/batch.out" || { tail -3 "$work/batch.out"; exit 1; }
bm=$(printf '%s\n' "${bt[@]}" | median_ms)

awk -v size="$(stat -c %s "$art")" -v runs="$runs" -v cm="$cm" -v sm="$sm" -v n="$batch" -v bm="$bm" 'BEGIN{
	printf "artifact        candor demo sample, %.1f MiB, one attestation (P-256 key)\n", size/1048576
	printf "candor verify   median %6.1f ms of %d runs\n", cm, runs
	printf "cosign verify   median %6.1f ms of %d runs (verify-blob-attestation --insecure-ignore-tlog)\n", sm, runs
	printf "ratio           %.2fx cosign (target <= 0.3)\n", cm/sm
	printf "batch           %d attestations in one candor verify call: median %.2f s of 3 (target <= 2 s)\n", n, bm/1000
}'
