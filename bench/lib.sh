# Shared by the bench scripts: source it, set $runs, then
#   read -r wall rss < <(measure COMMAND ARGS...)
# measure runs COMMAND $runs times and prints the best wall time (seconds) and the
# largest peak RSS (KiB) seen, from /usr/bin/time.
measure() {
	local best="" rss=0 out w r
	for _ in $(seq "$runs"); do
		out=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null; } 2>&1 | tail -1)
		w=${out% *}; r=${out#* }
		if [ -z "$best" ] || awk "BEGIN{exit !($w < $best)}"; then best=$w; fi
		[ "$r" -gt "$rss" ] && rss=$r
	done
	echo "$best $rss"
}

# docker_save_image DEB OUT writes, unless OUT exists, a `docker save` tarball whose one
# layer is the file system of the Debian package DEB (uncompressed, as docker save writes
# layers), tagged candor-bench/docker.io:deb. No Docker engine is needed; dpkg-deb is.
docker_save_image() {
	local deb=$1 img=$2 tmp lsha csha
	[ -s "$img" ] && return 0
	tmp=$(mktemp -d "$(dirname "$img")/img.XXXXXX")
	dpkg-deb --fsys-tarfile "$deb" >"$tmp/layer.tar"
	lsha=$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)
	mkdir -p "$tmp/img/$lsha"
	mv "$tmp/layer.tar" "$tmp/img/$lsha/layer.tar"
	printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$lsha" >"$tmp/config.json"
	csha=$(sha256sum "$tmp/config.json" | cut -d' ' -f1)
	mv "$tmp/config.json" "$tmp/img/$csha.json"
	printf '[{"Config":"%s.json","RepoTags":["candor-bench/docker.io:deb"],"Layers":["%s/layer.tar"]}]' "$csha" "$lsha" >"$tmp/img/manifest.json"
	tar -cf "$img.part" -C "$tmp/img" manifest.json "$csha.json" "$lsha/layer.tar"
	mv "$img.part" "$img"
	rm -rf "$tmp"
}
