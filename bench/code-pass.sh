#!/usr/bin/env bash
# Times the code pass (scan's BenchmarkCodePass: decoding, static data, inline trees,
# call graph and reach) on binaries of growing text size, and prints one line per
# binary: file size, text size, time per pass, text MB/s and allocations.
#
# usage: bench/code-pass.sh [FILE...]
# Without FILEs: the development corpus under $CANDOR_CORPUS (fetch.sh and
# build-upstream.sh) and Debian's dockerd (downloaded as bench/scan-vs-sha256sum.sh does).
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
	corpus=${CANDOR_CORPUS:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-ci/corpus}
	work=${CANDOR_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-bench}
	if [ ! -f "$work/docker.io/usr/sbin/dockerd" ]; then
		mkdir -p "$work" && (cd "$work" && apt-get download -qq docker.io && dpkg -x docker.io_*.deb docker.io && rm -f docker.io_*.deb)
	fi
	for f in "$corpus/go-toolchain-1.23.4/go" "$corpus/upstream/mailpit-1.33.1-windows-amd64.exe" \
		"$corpus/upstream/ferretdb-1.24.2-linux-amd64" "$corpus/rclone/usr/bin/rclone" \
		"$corpus/upstream/caddy-2.11.9-linux-amd64" "$work/docker.io/usr/sbin/dockerd"; do
		[ -f "$f" ] && files+=("$f")
	done
fi
CANDOR_BENCH_CODE="${files[*]}" go test ./scan/ -run '^$' -bench BenchmarkCodePass -benchtime 5x -count 1 |
	awk '/^BenchmarkCodePass\//{
		name=$1; sub(/^BenchmarkCodePass\//, "", name); sub(/-[0-9]+$/, "", name)
		for (i=2;i<=NF;i++) { if ($(i+1)=="ns/op") ns=$i; if ($(i+1)=="MB/s") mbs=$i; if ($(i+1)=="file-MiB") fm=$i; if ($(i+1)=="text-MiB") tm=$i; if ($(i+1)=="B/op") bop=$i }
		printf "%-40s file %6.1f MiB  text %5.1f MiB  pass %7.1f ms  %6.1f MB/s text  %6.1f MiB allocated\n", name, fm, tm, ns/1e6, mbs, bop/1048576
	}'
