#!/usr/bin/env bash
# Peak memory and CPU time of `candor verify` on the largest inputs its default limits let
# through (verify.DefaultLimits), and on one step over them:
#   junk       envelopes of 8 junk signatures each, as many as --max-signature-checks allows
#   junk-over  one envelope more: refused before any signature is checked
#   big        genuine envelopes of nearly 16 MiB each, nearly 64 MiB together, whose
#              predicates are full of findings: each is parsed and schema-validated
#   big-max    as many as the largest .intoto.jsonl holds (256 MiB), with
#              --max-attestation-bytes 256MiB
# The inputs are written by TestGenerateLimitInputs in ./verify.
#
# usage: bench/verify-limits.sh
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
base=${CANDOR_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-bench}
work=$base/limits
rm -rf "$work"
mkdir -p "$work"
go build -o "$work/candor" ./cmd/candor
go test ./verify/ -run '^TestGenerateLimitInputs$' -count=1 -limits-dir "$work/in" -v | grep -E 'junk:|ok|FAIL'
[ -x /usr/bin/time ] || { echo "bench/verify-limits.sh: needs GNU time (apt-get install time)" >&2; exit 2; }
printf '%-10s %6s %10s %10s %12s\n' input exit "user s" "sys s" "peak RSS MiB"
for c in junk junk-over big big-max; do
	extra=()
	[ "$c" = big-max ] && extra=(--max-attestation-bytes 256MiB)
	set +e
	/usr/bin/time -f '%U %S %M' -o "$work/$c.time" "$work/candor" verify --config '' --key "$work/in/vendor.pub" "${extra[@]}" --format json "$work/in/$c/app" >"$work/$c.json" 2>"$work/$c.err"
	code=$?
	set -e
	read -r user sys rss < <(tail -n 1 "$work/$c.time")
	printf '%-10s %6s %10s %10s %12.1f\n' "$c" "$code" "$user" "$sys" "$(echo "$rss / 1024" | bc -l)"
	head -c 300 "$work/$c.err"
done
