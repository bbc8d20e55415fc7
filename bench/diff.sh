#!/usr/bin/env bash
# Times `candor diff` of two rclone-sized scan reports, the speed issue 13 asks for (within
# 0.5 s): the best wall time of RUNS calls, and BenchmarkDiffReports in ./diff on the same
# two reports (read both, compare, write text and JSON: the work after the process starts).
#
# usage: bench/diff.sh [RUNS]
#
# The reports come from the corpus (testdata/corpus/fetch.sh, or CI's cache): rclone
# (Debian's 1.60, 54 MiB: 328 findings, 1,441 hosts) against caddy 2.11.9 (56 MiB), two
# programs that share little, so nearly every host and module is a change; then rclone
# against itself (no change). CANDOR_CORPUS names the corpus directory.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
. bench/lib.sh
runs=${1:-11}
corpus=${CANDOR_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-ci/corpus}
old=$corpus/rclone/usr/bin/rclone
new=$corpus/upstream/caddy-2.11.9-linux-amd64
for f in "$old" "$new"; do
	[ -f "$f" ] || { echo "missing $f: fill the corpus with testdata/corpus/fetch.sh" >&2; exit 2; }
done
base=${CANDOR_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-bench}
work=$base/diff
rm -rf "$work"
mkdir -p "$work"
go build -o "$work/candor" ./cmd/candor
c=("$work/candor")
"${c[@]}" scan --config '' -q --format json -o "$work/old.json" "$old" 2>/dev/null
"${c[@]}" scan --config '' -q --format json -o "$work/new.json" "$new" 2>/dev/null
"${c[@]}" diff --config '' "$work/old.json" "$work/new.json" >"$work/diff.txt" || [ $? -eq 1 ]
echo "reports: $(wc -c <"$work/old.json") and $(wc -c <"$work/new.json") bytes; $(tail -1 "$work/diff.txt")"

# diff exits 1 (something new): without pipefail, measure reads the last line time writes.
set +o pipefail
for fmt in text json markdown; do
	read -r wall rss < <(measure "${c[@]}" diff --config '' --format "$fmt" "$work/old.json" "$work/new.json")
	echo "candor diff --format $fmt rclone.json caddy.json: best of $runs ${wall}s, peak RSS ${rss} KiB"
done
read -r wall rss < <(measure "${c[@]}" diff --config '' "$work/old.json" "$work/old.json")
echo "candor diff rclone.json rclone.json: best of $runs ${wall}s, peak RSS ${rss} KiB"
set -o pipefail

CANDOR_DIFF_OLD=$work/old.json CANDOR_DIFF_NEW=$work/new.json \
	go test ./diff -run '^$' -bench '^BenchmarkDiffReports$' -benchtime 20x -count 1 | grep '^Benchmark'
