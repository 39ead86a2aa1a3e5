#!/bin/bash
# run.sh BUILD - full-handshake mutual TLS 1.3 per server-CPU-second:
# loradane serve-test with DANE client authentication (warm TLSA cache),
# the same server with PKIX client authentication, and openssl s_server
# -Verify 1, all with the same P-256 keys, measured in the same run by
# the same load generator (BUILD/bench/hsbench).  The method (see
# bench/README.md): server pinned to CPU 1, load generator to CPU 0,
# server CPU from /proc/PID/stat, a warm-up, then RUNS measured runs
# reported as median and min-max.
#
# Environment: BENCH_N (handshakes per mode and run, 2000), BENCH_RUNS
# (5), BENCH_WARMUP (500), BENCH_CONC (connections at a time, 1),
# BENCH_CHUNK (handshakes per hsbench call, 250; see "Measured runs").
set -u
BUILD=${1:?usage: bench/run.sh BUILD}
top=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in
/*) ;;
*) BUILD=$top/$BUILD ;;
esac
LORADANE=$BUILD/loradane
HSBENCH=$BUILD/bench/hsbench
N=${BENCH_N:-2000}
RUNS=${BENCH_RUNS:-5}
WARMUP=${BENCH_WARMUP:-500}
CONC=${BENCH_CONC:-1}
CHUNK=${BENCH_CHUNK:-250}
for v in "$N" "$RUNS" "$WARMUP" "$CONC" "$CHUNK"; do
	case $v in
	'' | *[!0-9]* | 0) echo "bench: bad BENCH_* value '$v'" >&2; exit 2 ;;
	esac
done

die() {
	echo "bench: $*" >&2
	exit 1
}

for f in "$LORADANE" "$HSBENCH"; do
	[ -x "$f" ] || die "missing $f (make BUILD=... all first)"
done
for t in openssl taskset ss nsd; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done

# Pinning needs two CPUs; with fewer, say so rather than fail.
if [ "$(nproc)" -ge 2 ]; then
	PIN_SRV="taskset -c 1" PIN_CLI="taskset -c 0"
else
	echo "bench: fewer than 2 CPUs: server and client are not pinned" >&2
	PIN_SRV="" PIN_CLI=""
fi

# No ip_local_port_range change is needed: every server here closes
# first, so TIME_WAIT stays on the server's side of each connection and
# the client never holds more than BENCH_CONC ephemeral ports at once.

# shellcheck source=tests/fixture/ports.sh
. "$top/tests/fixture/ports.sh"

FIX=$(mktemp -d /tmp/loradane-bench.XXXXXX)
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
cleanup() {
	stop_servers "$FIX/fx"
	rm -rf "$FIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DANCE_TEST_DNS_PORT=$(free_port) || die "no free port"
DANCE_TEST_TLS_PORT=$(free_port) || die "no free port"
PORT_PKIX=$(free_port) || die "no free port"
PORT_OSSL=$(free_port) || die "no free port"
export DANCE_TEST_DNS_PORT DANCE_TEST_TLS_PORT
PORT_DANE=$DANCE_TEST_TLS_PORT

if ! "$top/tests/fixture/mkfixture.sh" "$FIX/fx" >"$FIX/mk.log" 2>&1 ||
    ! "$top/tests/fixture/nsd-ctl.sh" start "$FIX/fx" >>"$FIX/mk.log" 2>&1; then
	cat "$FIX/mk.log" >&2
	die "fixture failed"
fi
# shellcheck disable=SC1091
. "$FIX/fx/env.sh"
C=$DANCE_CERTS
NAME=_ns-client.clita.good.dance.test

# wait_listen PORT PID - until PORT accepts (deadline 15 s) or PID died
wait_listen() {
	local i
	for ((i = 0; i < 300; i++)); do
		ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# The three servers, with the same key and certificate (srv, P-256).
CMD_DANE="$PIN_SRV $LORADANE serve-test --cert $C/srv.crt --key $C/srv.key \
--port $PORT_DANE --client-auth dane --prefetch $NAME \
--forward 127.0.0.1@$DANCE_TEST_DNS_PORT --ta $DANCE_TA_DS"
CMD_PKIX="$PIN_SRV $LORADANE serve-test --cert $C/srv.crt --key $C/srv.key \
--port $PORT_PKIX --client-auth pkix --pkix-ca $C/orgca.crt"
# -verify_return_error: without it s_server -Verify completes the
# handshake even when the client certificate fails verification (it only
# logs); with it, it refuses like the other two.  A good client costs the
# same either way.
CMD_OSSL="$PIN_SRV openssl s_server -accept 127.0.0.1:$PORT_OSSL -tls1_3 \
-no_ticket -Verify 1 -verify_return_error -CAfile $C/orgca.crt \
-cert $C/srv.crt -key $C/srv.key -quiet"

# start NAME CMD - start a server (word-split CMD), set SRV_PID
start() {
	local name=$1 port
	shift
	# s_server -quiet reads stdin: /dev/null does not make it spin.
	$1 </dev/null >"$FIX/$name.out" 2>"$FIX/$name.err" &
	SRV_PID=$!
	pids="$pids $SRV_PID"
	case $name in
	dane) port=$PORT_DANE ;; pkix) port=$PORT_PKIX ;; *) port=$PORT_OSSL ;;
	esac
	if ! wait_listen "$port" "$SRV_PID"; then
		cat "$FIX/$name.err" >&2
		die "server $name did not start"
	fi
}
start dane "$CMD_DANE"
PID_DANE=$SRV_PID
start pkix "$CMD_PKIX"
PID_PKIX=$SRV_PID
start ossl "$CMD_OSSL"
PID_OSSL=$SRV_PID

# client MODE N - one hsbench run against MODE's server; prints its line
CLI_ARGS="-C $C/clita-chain.pem -k $C/clita.key -N $NAME -c $CONC"
client() {
	local port pid how
	case $1 in
	dane) port=$PORT_DANE pid=$PID_DANE how=hello ;;
	pkix) port=$PORT_PKIX pid=$PID_PKIX how=hello ;;
	ossl) port=$PORT_OSSL pid=$PID_OSSL how=close ;;
	esac
	# shellcheck disable=SC2086
	$PIN_CLI "$HSBENCH" -p "$port" -P "$pid" -n "$2" -m "$how" $CLI_ARGS
}

# Warm-up: fills the DANE server's TLSA cache (its --prefetch started
# the lookup), faults in code and heap of all three servers.
for m in dane pkix ossl; do
	client "$m" "$WARMUP" >"$FIX/warmup.$m" ||
	    die "warm-up against $m failed: $(cat "$FIX/warmup.$m")"
done
# Each server must have authenticated the way it is meant to.
grep -q "authenticated as $NAME by TLSA $NAME 3 1 1 at depth 0" \
    "$FIX/dane.err" || die "DANE server did not authenticate by DANE-EE"
grep -q "authenticated as" "$FIX/pkix.err" &&
    die "PKIX server logged a DANE authentication"

# Measured runs.  A run is N handshakes per mode, made in chunks of
# CHUNK that alternate between the modes (DANE, PKIX, s_server, DANE,
# ...), so that a burst of background load on this shared machine lands
# on all three modes alike instead of on one mode's whole run.  Between
# its chunks a server is idle, so the per-chunk CPU readings add up to
# the server's CPU for the run.
nchunks=$(((N + CHUNK - 1) / CHUNK))
for ((r = 1; r <= RUNS; r++)); do
	for ((k = 0; k < nchunks; k++)); do
		n=$((N - k * CHUNK < CHUNK ? N - k * CHUNK : CHUNK))
		for m in dane pkix ossl; do
			if ! client "$m" "$n" >>"$FIX/run.$m.$r"; then
				tail -n 1 "$FIX/run.$m.$r" >&2
				die "run $r against $m failed"
			fi
		done
	done
done

# agg FILE NAME - a run's rate: its handshakes over the sum of NAME
agg() {
	awk -v k="$2" '{ for (i = 1; i < NF; i++) {
		if ($i == "handshakes") hs += $(i + 1)
		if ($i == k) t += $(i + 1) } }
	    END { printf "%.1f\n", (t > 0 ? hs / t : 0) }' "$1"
}

# stats [DECIMALS] - median, min and max of the numbers on stdin
stats() {
	sort -g | awk -v d="${1:-1}" '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan nan nan"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		f = "%." d "f %." d "f %." d "f\n"
		printf f, m, v[1], v[NR] }'
}

declare -A MED
echo "loradane bench: full TLS 1.3 handshakes with a client certificate, per server-CPU-second"
echo "host: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs; $(openssl version); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "$N handshakes per mode and run, $CONC at a time, in chunks of $CHUNK alternating between the modes;"
echo "warm-up $WARMUP per mode, then $RUNS measured runs; server on CPU 1, client on CPU 0"
echo
printf '%-9s %10s %21s %12s %10s   %s\n' mode "hs/CPU-s" "(min - max)" \
    "wall hs/s" "CPU ms/hs" "runs (hs/CPU-s)"
for m in dane pkix ossl; do
	rates=$(for ((r = 1; r <= RUNS; r++)); do
		agg "$FIX/run.$m.$r" server_cpu_s
	done)
	read -r med lo hi < <(stats <<<"$rates")
	read -r wmed _ _ < <(for ((r = 1; r <= RUNS; r++)); do
		agg "$FIX/run.$m.$r" wall_s
	done | stats)
	MED[$m]=$med
	case $m in dane) label=DANE ;; pkix) label=PKIX ;; *) label=s_server ;; esac
	printf '%-9s %10s %21s %12s %10s   %s\n' "$label" "$med" "($lo - $hi)" \
	    "$wmed" "$(awk -v x="$med" 'BEGIN { printf "%.3f", 1000 / x }')" \
	    "$(tr '\n' ' ' <<<"$rates")"
done
echo

# ratio A B - A/B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}
# round_ratios A B - min-max of the per-round ratios (runs are paired)
round_ratios() {
	local r a b
	for ((r = 1; r <= RUNS; r++)); do
		a=$(agg "$FIX/run.$1.$r" server_cpu_s)
		b=$(agg "$FIX/run.$2.$r" server_cpu_s)
		ratio "$a" "$b"
		echo
	done | stats 2 | awk '{ printf "%s-%s", $2, $3 }'
}
rp=$(ratio "${MED[dane]}" "${MED[pkix]}")
ro=$(ratio "${MED[dane]}" "${MED[ossl]}")
echo "DANE/PKIX = ${rp}x   DANE/s_server = ${ro}x   (ratios of medians)"
echo "per-round ratios: DANE/PKIX $(round_ratios dane pkix)   DANE/s_server $(round_ratios dane ossl)"
if awk -v p="$rp" -v o="$ro" 'BEGIN { exit !(p >= 1.0 && o >= 1.0) }'; then
	echo "target (DANE >= PKIX and DANE >= 1.0x s_server): met"
else
	echo "target (DANE >= PKIX and DANE >= 1.0x s_server): NOT met"
fi
echo
echo "commands (ports and paths of this run):"
echo "  DANE:     $CMD_DANE"
echo "  PKIX:     $CMD_PKIX"
echo "  s_server: $CMD_OSSL </dev/null"
echo "  client:   $PIN_CLI $HSBENCH -p PORT -P SERVER_PID -n $CHUNK -m hello|close $CLI_ARGS"
echo "            (-m close for s_server, which sends nothing: the client sends close_notify and waits for the server's close)"
echo "(bench took ${SECONDS} s)"
