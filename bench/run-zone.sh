#!/bin/bash
# run-zone.sh BUILD - DNSSEC zone signing: "loradane zone sign" against
# ldns-signzone (ldnsutils, the same ldns and OpenSSL underneath) on the
# same synthetic operator zone, measured in the same run.  Not a test.
#
# The zone: BENCH_ZONE_NAMES names, each with an A and a TLSA 3 1 1
# record (an operator with that many identities), NSEC.  Both sign with
# one ECDSAP256SHA256 KSK and ZSK made beforehand (loradane's own, and the
# same kind made by ldns-keygen for ldns-signzone).  Each tool signs
# BENCH_RUNS times, alternating; user+system CPU seconds per run; the
# result is the median signing rate (RRsets signed per CPU-second) and
# the ratio of the medians.
#
# Environment: BENCH_RUNS (5), BENCH_ZONE_NAMES (2000).
set -u
BUILD=${1:?usage: bench/run-zone.sh BUILD}
top=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
L=$BUILD/loradane
RUNS=${BENCH_RUNS:-5}
NAMES=${BENCH_ZONE_NAMES:-2000}
case $RUNS in '' | *[!0-9]* | 0) echo "bad BENCH_RUNS" >&2; exit 1 ;; esac
case $NAMES in '' | *[!0-9]* | 0) echo "bad BENCH_ZONE_NAMES" >&2; exit 1 ;; esac
W=$(mktemp -d /tmp/loradane-bench-zone.XXXXXX)
trap 'rm -rf "$W"' EXIT
z=bench.test

{
	printf '$ORIGIN %s.\n$TTL 300\n' $z
	printf '@ SOA ns.%s. h.%s. 1 3600 900 1209600 300\n@ NS ns.%s.\nns A 127.0.0.1\n' $z $z $z
	for i in $(seq 1 "$NAMES"); do
		h=$(printf '%064x' "$i")
		printf 'e%d A 127.0.0.%d\n_4431._tcp.e%d TLSA 3 1 1 %s\n' \
		    "$i" $((i % 250 + 1)) "$i" "$h"
	done
} >"$W/zone"
# Keys first, outside the timed runs.
"$L" zone sign --origin $z --keys "$W/keys" --out "$W/warm" "$W/zone" \
    >/dev/null 2>&1 || { echo "bench-zone: loradane zone sign failed" >&2; exit 1; }
(cd "$W" && ldns-keygen -a ECDSAP256SHA256 -k $z >ksk && ldns-keygen -a ECDSAP256SHA256 $z >zsk) ||
    { echo "bench-zone: ldns-keygen failed" >&2; exit 1; }
rrsets=$(ldns-read-zone "$W/warm" | awk '$4 != "RRSIG" {print $1, $4}' | sort -u | wc -l)

cpu() {	# cpu CMD... - user+system seconds of CMD
	local TIMEFORMAT='%U %S' t
	t=$({ time "$@" >/dev/null 2>&1; } 2>&1) || return 1
	awk '{print $1 + $2}' <<<"$t"
}
median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
: >"$W/ours"
: >"$W/ldns"
for r in $(seq 1 "$RUNS"); do
	rm -f "$W/out1" "$W/zone.signed"
	cpu "$L" zone sign --origin $z --keys "$W/keys" --out "$W/out1" \
	    "$W/zone" >>"$W/ours" || { echo "bench-zone: loradane failed" >&2; exit 1; }
	cpu ldns-signzone -f "$W/out2" "$W/zone" "$W/$(cat "$W/ksk")" \
	    "$W/$(cat "$W/zsk")" >>"$W/ldns" || { echo "bench-zone: ldns-signzone failed" >&2; exit 1; }
done
ldns-verify-zone "$W/out1" >/dev/null 2>&1 || echo "bench-zone: warning: our output does not verify" >&2
o=$(median <"$W/ours")
l=$(median <"$W/ldns")
echo "zone sign: $NAMES names, $rrsets RRsets, $RUNS runs each (median CPU seconds)"
awk -v o="$o" -v l="$l" -v n="$rrsets" 'BEGIN {
	printf "  loradane zone sign  %.3f s  %8.0f RRsets/CPU-s\n", o, n / o
	printf "  ldns-signzone       %.3f s  %8.0f RRsets/CPU-s\n", l, n / l
	printf "  ratio loradane/ldns-signzone: %.2fx\n", l / o
}'
