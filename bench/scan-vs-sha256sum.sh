#!/usr/bin/env bash
# Compares `candor scan` on one large binary with `sha256sum` of the same file,
# in the same run: wall time (best of N) and peak memory (max RSS).
#
# usage: bench/scan-vs-sha256sum.sh [FILE] [RUNS]
# Without FILE, the script downloads Debian's docker.io package with apt-get and
# uses its dockerd binary (the largest Go binary at hand); it needs apt-get.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
file=${1:-}
runs=${2:-5}
work=${CANDOR_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-bench}
mkdir -p "$work"
if [ -z "$file" ]; then
	if [ ! -f "$work/docker.io/usr/sbin/dockerd" ]; then
		(cd "$work" && apt-get download -qq docker.io && dpkg -x docker.io_*.deb docker.io && rm -f docker.io_*.deb)
	fi
	file="$work/docker.io/usr/sbin/dockerd"
fi
go build -o "$work/candor" ./cmd/candor
size=$(stat -c %s "$file")
cat "$file" >/dev/null # warm the page cache for both tools

. bench/lib.sh # the working directory is the repository root here
read -r sw sr < <(measure sha256sum "$file")
read -r cw cr < <(measure "$work/candor" scan --format json "$file")
awk -v f="$file" -v size="$size" -v sw="$sw" -v sr="$sr" -v cw="$cw" -v cr="$cr" 'BEGIN{
	mb = size/1048576
	printf "file           %s (%.1f MiB)\n", f, mb
	printf "sha256sum      wall %.3f s  (%.0f MiB/s)  peak RSS %.1f MiB\n", sw, mb/sw, sr/1024
	printf "candor scan    wall %.3f s  (%.0f MiB/s)  peak RSS %.1f MiB\n", cw, mb/cw, cr/1024
	printf "ratio          wall %.2fx sha256sum (target <= 0.5)  memory %.2fx file size (target <= 1.5)\n", cw/sw, (cr/1024)/mb
}'
