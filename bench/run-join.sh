#!/bin/bash
# run-join.sh BUILD - LoRaWAN join-server and network-server crypto per
# CPU-second: loradane (lib/lorawan, BUILD/bench/join) against the npm
# package lora-packet (bench/join.js) doing the same work, measured in the
# same run.  Modes (see bench/join.c):
#   join10  complete 1.0 join: join-request decode + MIC check, NwkSKey and
#           AppSKey derivation, join-accept build + MIC + encryption
#   join11  the same for 1.1 with OptNeg (JS keys, four session keys)
#   up10    data uplink: decode + 1.0 MIC verification
#   up11    data uplink: decode + 1.1 MIC verification (cmacS | cmacF)
# Method (bench/README.md): both pinned to CPU 1, each run warms up in its
# own process (C 0.5 s, node 1 s for the JIT) then measures
# BENCH_JOIN_SECS of process CPU time; C and lora-packet runs alternate,
# BENCH_RUNS times per mode; median and min-max of ops per CPU-second,
# ratio of the medians and the range of the per-run (paired) ratios.
# Targets: C >= 300,000 joins per CPU-second and >= 20x lora-packet.
#
# Environment: BENCH_RUNS (5), BENCH_JOIN_SECS (1), BENCH_JOIN_MODES
# ("join10 join11 up10 up11").
set -u
BUILD=${1:?usage: bench/run-join.sh BUILD}
top=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in
/*) ;;
*) BUILD=$top/$BUILD ;;
esac
JOIN=$BUILD/bench/join
RUNS=${BENCH_RUNS:-5}
SECS=${BENCH_JOIN_SECS:-1}
MODES=${BENCH_JOIN_MODES:-join10 join11 up10 up11}
TARGET_RATE=300000
TARGET_RATIO=20

die() {
	echo "bench-join: $*" >&2
	exit 1
}
case $RUNS in '' | *[!0-9]* | 0) die "bad BENCH_RUNS '$RUNS'" ;; esac
case $SECS in '' | *[!0-9.]* | .) die "bad BENCH_JOIN_SECS '$SECS'" ;; esac
for m in $MODES; do
	case $m in join10 | join11 | up10 | up11) ;; *) die "bad mode '$m'" ;; esac
done
[ -x "$JOIN" ] || die "missing $JOIN (make BUILD=... all first)"
command -v node >/dev/null 2>&1 || die "missing node"
mods=$("$top/tests/interop/install.sh") || die "cannot install lora-packet"
LPVER=$(node -e 'process.stdout.write(require(process.argv[1]).version)' \
    "$mods/lora-packet/package.json")

if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null 2>&1; then
	PIN="taskset -c 1"
else
	echo "bench-join: fewer than 2 CPUs or no taskset: not pinned" >&2
	PIN=""
fi

OUT=$(mktemp -d /tmp/loradane-bench-join.XXXXXX)
trap 'rm -rf "$OUT"' EXIT
trap 'exit 130' INT TERM

# field FILE NAME - the value after NAME on every line of FILE
field() {
	awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"
}
# stats [DECIMALS] - median, min and max of the numbers on stdin
stats() {
	sort -g | awk -v d="${1:-0}" '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan nan nan"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		f = "%." d "f %." d "f %." d "f\n"
		printf f, m, v[1], v[NR] }'
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b > 0 ? a / b : 0) }'
}

for m in $MODES; do
	for ((r = 1; r <= RUNS; r++)); do
		# shellcheck disable=SC2086
		$PIN "$JOIN" "$m" "$SECS" 0.5 >>"$OUT/c.$m" 2>"$OUT/err" ||
		    die "C $m run $r failed: $(cat "$OUT/err")"
		# shellcheck disable=SC2086
		$PIN node "$top/bench/join.js" "$mods" "$m" "$SECS" 1 \
		    >>"$OUT/lp.$m" 2>"$OUT/err" ||
		    die "lora-packet $m run $r failed: $(cat "$OUT/err")"
	done
done

echo "loradane bench: LoRaWAN join and uplink-MIC work per CPU-second, loradane (C) vs lora-packet $LPVER (node $(node --version))"
echo "host: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs; $(openssl version); load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "pinned: ${PIN:-no}; per run: warm-up (C 0.5 s, node 1 s), then ${SECS} s of process CPU; $RUNS runs per mode, C and lora-packet alternating"
echo
printf '%-7s %12s %21s %14s %19s %9s %13s\n' mode "C ops/CPU-s" "(min - max)" \
    "lp ops/CPU-s" "(min - max)" "C/lp" "per-run C/lp"
met=1
for m in $MODES; do
	read -r cm clo chi < <(field "$OUT/c.$m" ops_per_cpu_s | stats)
	read -r lm llo lhi < <(field "$OUT/lp.$m" ops_per_cpu_s | stats)
	rr=$(paste <(field "$OUT/c.$m" ops_per_cpu_s) \
	    <(field "$OUT/lp.$m" ops_per_cpu_s) |
	    awk '{ printf "%.1f\n", ($2 > 0 ? $1 / $2 : 0) }' | stats 1 |
	    awk '{ printf "%s-%s", $2, $3 }')
	rm_=$(ratio "$cm" "$lm")
	printf '%-7s %12s %21s %14s %19s %8sx %13s\n' "$m" "$cm" "($clo - $chi)" \
	    "$lm" "($llo - $lhi)" "$rm_" "$rr"
	case $m in
	join*)
		awk -v c="$cm" -v q="$rm_" -v t="$TARGET_RATE" -v x="$TARGET_RATIO" \
		    'BEGIN { exit !(c >= t && q >= x) }' || met=0 ;;
	esac
done
echo
echo "C runs, wall rate (ops/s, median): $(for m in $MODES; do
	printf '%s %s  ' "$m" "$(field "$OUT/c.$m" ops_per_wall_s | stats | cut -d' ' -f1)"
done)"
case " $MODES " in
*" join"*)
	if [ "$met" = 1 ]; then
		echo "target (C >= $TARGET_RATE joins per CPU-second and >= ${TARGET_RATIO}x lora-packet): met"
	else
		echo "target (C >= $TARGET_RATE joins per CPU-second and >= ${TARGET_RATIO}x lora-packet): NOT met"
	fi ;;
esac
echo "commands: $PIN $JOIN MODE $SECS 0.5;  $PIN node bench/join.js $mods MODE $SECS 1"
echo "(join bench took ${SECONDS} s)"
