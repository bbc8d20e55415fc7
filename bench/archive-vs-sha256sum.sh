#!/usr/bin/env bash
# Compares `candor scan` of a whole Debian package (ar + xz-compressed data.tar,
# every executable inside analysed) with `sha256sum` of the same file, in the
# same run: wall time (best of N) and peak memory (max RSS). For context it also
# times decompressing the package's file system (`dpkg-deb --fsys-tarfile`)
# into sha256sum: the least any tool must do to look at the executables inside.
# Then it builds a `docker save` image from the package and compares the same
# two on it: there nothing needs decompressing, and candor must keep up with
# sha256sum while hashing the image, its layer and every executable.
#
# usage: bench/archive-vs-sha256sum.sh [FILE] [RUNS]
# Without FILE, the script downloads Debian's docker.io package with apt-get.
set -euo pipefail
export GOTOOLCHAIN=go1.27.3
cd "$(dirname "$0")/.."
file=${1:-}
runs=${2:-5}
work=${CANDOR_BENCH_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/candor-bench}
mkdir -p "$work"
if [ -z "$file" ]; then
	if ! ls "$work"/docker.io_*.deb >/dev/null 2>&1; then
		(cd "$work" && apt-get download -qq docker.io)
	fi
	file=$(ls "$work"/docker.io_*.deb | head -1)
fi
go build -o "$work/candor" ./cmd/candor
size=$(stat -c %s "$file")
cat "$file" >/dev/null # warm the page cache for every tool

. bench/lib.sh # the working directory is the repository root here
read -r sw sr < <(measure sha256sum "$file")
read -r cw cr < <(measure "$work/candor" scan --quiet --format json "$file")
dw=n/a
if command -v dpkg-deb >/dev/null; then
	read -r dw _ < <(measure sh -c 'dpkg-deb --fsys-tarfile "$1" | sha256sum' sh "$file")
fi

# An image built from the package: its file system as the one layer of a
# `docker save` tarball (layers stored uncompressed, as docker save writes
# them). No Docker engine is needed to build it.
iw=n/a
if command -v dpkg-deb >/dev/null; then
	img="$work/$(basename "$file" .deb).docker-save.tar"
	docker_save_image "$file" "$img"
	isize=$(stat -c %s "$img")
	cat "$img" >/dev/null
	read -r isw isr < <(measure sha256sum "$img")
	read -r iw ir < <(measure "$work/candor" scan --quiet --format json "$img")
fi

awk -v f="$file" -v size="$size" -v sw="$sw" -v sr="$sr" -v cw="$cw" -v cr="$cr" -v dw="$dw" \
	-v img="${img:-}" -v isize="${isize:-0}" -v isw="${isw:-0}" -v isr="${isr:-0}" -v iw="$iw" -v ir="${ir:-0}" 'BEGIN{
	mb = size/1048576
	printf "package                  %s (%.1f MiB)\n", f, mb
	printf "  sha256sum              wall %.3f s  peak RSS %.1f MiB\n", sw, sr/1024
	if (dw != "n/a") printf "  dpkg-deb | sha256sum   wall %.3f s  (decompression alone, for context)\n", dw
	printf "  candor scan            wall %.3f s  peak RSS %.1f MiB\n", cw, cr/1024
	printf "  ratio                  wall %.2fx sha256sum\n", cw/sw
	if (iw != "n/a") {
		printf "image built from it      %s (%.1f MiB, docker save)\n", img, isize/1048576
		printf "  sha256sum              wall %.3f s  peak RSS %.1f MiB\n", isw, isr/1024
		printf "  candor scan            wall %.3f s  peak RSS %.1f MiB\n", iw, ir/1024
		printf "  ratio                  wall %.2fx sha256sum (target <= 1)\n", iw/isw
	}
}'
