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
