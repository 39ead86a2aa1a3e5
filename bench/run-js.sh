#!/bin/bash
# run-js.sh BUILD - the Join Server under load, against nginx, in one run
# (/work/shared/specs/performance-method.md; bench/README.md, "Join Server
# benchmark"):
#   1. JoinReq per server-CPU-second with a new DANE-authenticated TLS
#      handshake per request: loradane-js driven by BUILD/bench/jsload
#      --new-conn-per-request, against nginx doing mutual TLS (same P-256
#      keys, the fixture's CA) and answering a static JoinAns, driven by
#      ab with one connection per request;
#   2. the same over persistent connections (jsload without
#      --new-conn-per-request, ab -k);
#   3. JoinReq latency (p50, p99) at a fixed rate with BENCH_JS_DEVICES
#      provisioned devices;
#   4. the peak RSS (VmHWM) of loradane-js with BENCH_JS_BIG devices.
# Servers run pinned to CPU 1, load generators to CPU 0; server CPU is
# utime+stime of the server's processes (all threads) from /proc/PID/stat.
# Provisioning (loradane device import) is never inside a timed part.
#
# Environment (defaults in brackets): BENCH_JS_SECS [6] seconds per
# measured run and mode in 1 and 2; BENCH_JS_RUNS [5]; BENCH_JS_WARMUP [2]
# seconds of warm-up per mode; BENCH_JS_CONNS [4] connections at a time
# in 1 and 2 (jsload --conns, ab -c); BENCH_JS_DEVICES [100000];
# BENCH_JS_RATE [500] joins/s and BENCH_JS_LAT_SECS [30] for 3;
# BENCH_JS_LAT_CONNS [16]; BENCH_JS_BIG [1000000] devices for 4 (0: skip
# 4); BENCH_JS_RSS_SECS [10] seconds of load per mode in 4;
# BENCH_JS_SAMPLE [20000] devices jsload is given in 1, 2 and 4, spread
# over the store; BENCH_JS_TMPFS [1]: also measure 1 and 2 with the
# store on tmpfs (/dev/shm), which separates the cost of the durable
# commit from the rest (0: don't); BENCH_JS_DIR [/var/tmp] where the
# store and the rest of the run's files go; BENCH_JS_WORKERS [unset: the
# daemon's default] its "workers" directive.
set -u
BUILD=${1:?usage: bench/run-js.sh BUILD}
top=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in
/*) ;;
*) BUILD=$top/$BUILD ;;
esac
LORADANE=$BUILD/loradane
JS=$BUILD/loradane-js
JSLOAD=$BUILD/bench/jsload
SECS=${BENCH_JS_SECS:-6}
RUNS=${BENCH_JS_RUNS:-5}
WARMUP=${BENCH_JS_WARMUP:-2}
CONNS=${BENCH_JS_CONNS:-4}
DEVICES=${BENCH_JS_DEVICES:-100000}
RATE=${BENCH_JS_RATE:-500}
LAT_SECS=${BENCH_JS_LAT_SECS:-30}
LAT_CONNS=${BENCH_JS_LAT_CONNS:-16}
BIG=${BENCH_JS_BIG:-1000000}
RSS_SECS=${BENCH_JS_RSS_SECS:-10}
SAMPLE=${BENCH_JS_SAMPLE:-20000}
TMPFS=${BENCH_JS_TMPFS:-1}
BASEDIR=${BENCH_JS_DIR:-/var/tmp}
WORKERS=${BENCH_JS_WORKERS:-}
for v in "$SECS" "$RUNS" "$WARMUP" "$CONNS" "$DEVICES" "$RATE" \
    "$LAT_SECS" "$LAT_CONNS" "$RSS_SECS" "$SAMPLE"; do
	case $v in
	'' | *[!0-9]* | 0) echo "bench: bad BENCH_JS_* value '$v'" >&2; exit 2 ;;
	esac
done
case $WORKERS in
*[!0-9]* | 0) echo "bench: bad BENCH_JS_WORKERS '$WORKERS'" >&2; exit 2 ;;
esac
for v in "$BIG" "$TMPFS"; do
	case $v in
	'' | *[!0-9]*) echo "bench: bad BENCH_JS_* value '$v'" >&2; exit 2 ;;
	esac
done

die() {
	echo "bench: $*" >&2
	exit 1
}

for f in "$LORADANE" "$JS" "$JSLOAD"; do
	[ -x "$f" ] || die "missing $f (make BUILD=... all first)"
done

# ensure_packages - nginx and ab (apache2-utils) are the reference; they
# are installed here, only if missing, because only this benchmark needs
# them.  A policy-rc.d keeps the package from starting a system nginx
# (this script runs its own, on loopback); should one start anyway, it
# is stopped.
ensure_packages() {
	local need="" sudo="" made_policy=0 had_pid=0
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] ||
	    need="$need nginx"
	command -v ab >/dev/null 2>&1 || need="$need apache2-utils"
	[ -z "$need" ] && return 0
	echo "bench: installing:$need" >&2
	if [ "$(id -u)" != 0 ]; then
		command -v sudo >/dev/null 2>&1 || die "need root to install:$need"
		sudo=sudo
	fi
	[ -e /run/nginx.pid ] && had_pid=1
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
		$sudo chmod 755 /usr/sbin/policy-rc.d
		made_policy=1
	fi
	# Package lists may be old or absent: update once, then install.
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends $need >&2
	local rc=$?
	[ "$made_policy" = 1 ] && $sudo rm -f /usr/sbin/policy-rc.d
	[ "$rc" = 0 ] || die "apt-get install$need failed"
	if [ "$had_pid" = 0 ] && [ -e /run/nginx.pid ]; then
		echo "bench: stopping the system nginx the package started" >&2
		$sudo nginx -s quit 2>/dev/null
	fi
}
ensure_packages
PATH=$PATH:/usr/sbin
for t in openssl taskset ss nsd nginx ab awk pgrep curl; do
	command -v "$t" >/dev/null 2>&1 || die "missing tool: $t"
done

# Pinning needs two CPUs; with fewer, say so rather than fail.
if [ "$(nproc)" -ge 2 ]; then
	PIN_SRV="taskset -c 1" PIN_CLI="taskset -c 0"
else
	echo "bench: fewer than 2 CPUs: servers and clients are not pinned" >&2
	PIN_SRV="" PIN_CLI=""
fi
HZ=$(getconf CLK_TCK)

# shellcheck source=tests/fixture/ports.sh
. "$top/tests/fixture/ports.sh"

T=$(mktemp -d "$BASEDIR/loradane-bench-js.XXXXXX") || die "mktemp in $BASEDIR"
SHM=""
# shellcheck source=bench/lib.sh
. "$top/bench/lib.sh"
cleanup() {
	stop_servers "$T/fx"
	rm -rf "$T"
	[ -n "$SHM" ] && rm -rf "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DANCE_TEST_DNS_PORT=$(free_port) || die "no free port"
DANCE_TEST_TLS_PORT=$(free_port) || die "no free port"
NGX_PORT=$(free_port) || die "no free port"
export DANCE_TEST_DNS_PORT DANCE_TEST_TLS_PORT
if ! "$top/tests/fixture/mkfixture.sh" "$T/fx" >"$T/mk.log" 2>&1 ||
    ! "$top/tests/fixture/nsd-ctl.sh" start "$T/fx" >>"$T/mk.log" 2>&1; then
	cat "$T/mk.log" >&2
	die "fixture failed"
fi
# shellcheck disable=SC1091
. "$T/fx/env.sh"
C=$DANCE_CERTS
PORT=$DANCE_TEST_TLS_PORT
# The client: the CA-issued clita key, leaf only, for both servers.
# loradane-js authenticates it by its DANE-EE record (TLSA 3 1 1), nginx
# by its chain to orgca; a leaf alone is all either needs.
NAME=_ns-client.clita.good.dance.test
JE=70b3d57ed0000001
MACV=(1.0.4 1.1) # devices alternate; both count DevNonces up

# wait_until SECS CMD... - poll CMD until it succeeds (0); fail at the
# deadline, or at once when CMD says waiting is pointless (2)
wait_until() {
	local deadline=$((SECONDS + $1)) rc
	shift
	for (( ; ; )); do
		"$@"
		rc=$?
		[ "$rc" = 0 ] && return 0
		[ "$rc" = 2 ] && return 1
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# alive_and_logged PID FILE PATTERN - FILE has PATTERN (0); 2 if PID has
# died, so that the caller stops waiting
alive_and_logged() {
	kill -0 "$1" 2>/dev/null || return 2
	grep -q -- "$3" "$2" 2>/dev/null
}

# listening PORT - some socket listens on 127.0.0.x:PORT
listening() {
	ss -Htln "sport = :$1" 2>/dev/null | grep -q .
}

# cpu_ticks PID... - utime+stime of the processes, all their threads, in
# clock ticks; the fields are counted after the ")" that ends comm
cpu_ticks() {
	local p t=0 f
	for p in "$@"; do
		f=$(sed 's/^.*) //' "/proc/$p/stat") || return 1
		# shellcheck disable=SC2086
		set -- $f
		t=$((t + ${12} + ${13}))
	done
	echo "$t"
}

# status_kib PID FIELD - a VmHWM-style line of /proc/PID/status, in KiB
status_kib() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

# ---------------------------------------------------------------------
# Devices.  Keys come from awk's rand() seeded per block: different for
# every device (the server caches no key schedule across devices), the
# same from run to run.  Blocks of 100,000 keep each import's memory
# small: "device import" reads its whole file before its transaction.
BLOCK=100000

# gen_block FIRST LAST CSV LIST - devices FIRST..LAST as a CSV for
# "loradane device import" and as lines for jsload --devices
gen_block() {
	awk -v first="$1" -v last="$2" -v csv="$3" -v list="$4" -v je="$JE" \
	    -v mv="${MACV[*]}" '
	function key(   k, i) {
		k = ""
		for (i = 0; i < 8; i++)
			k = k sprintf("%04x", int(rand() * 65536))
		return k
	}
	BEGIN {
		srand(first + 1)
		nm = split(mv, mvs, " ")
		print "DevEUI,JoinEUI,MACVersion,AppKey,NwkKey,HomeNetID,ASID,NSKEKLabel,ASKEKLabel" > csv
		for (i = first; i <= last; i++) {
			dev = sprintf("a0b1c2d3%08x", i)
			v = mvs[i % nm + 1]
			ak = key()
			nk = v == "1.1" ? key() : ""
			print dev "," je "," v "," ak "," nk ",000013,,," > csv
			print dev " " je " " v " " ak (nk != "" ? " " nk : "") " 000013" > list
		}
	}'
}

# provision STORE FIRST COUNT - import devices FIRST..FIRST+COUNT-1 into
# STORE (a SQLite path), a block at a time; the jsload lines are
# appended to $T/devices.list
provision() {
	local store=$1 i=$2 end=$(($2 + $3)) last
	while [ "$i" -lt "$end" ]; do
		last=$((i + BLOCK - 1 < end - 1 ? i + BLOCK - 1 : end - 1))
		gen_block "$i" "$last" "$T/block.csv" "$T/block.list"
		"$LORADANE" device import --store "sqlite:$store" --kek "$T/kek" \
		    "$T/block.csv" >>"$T/import.log" 2>&1 ||
		    die "device import of $i..$last failed: $(tail -n 2 "$T/import.log")"
		cat "$T/block.list" >>"$T/devices.list"
		i=$((last + 1))
	done
	rm -f "$T/block.csv" "$T/block.list"
}

# sample N OUT - N devices of $T/devices.list, evenly spread over it
sample() {
	local total step
	total=$(wc -l <"$T/devices.list")
	step=$(((total + $1 - 1) / $1))
	awk -v s="$step" '(NR - 1) % s == 0' "$T/devices.list" >"$2"
}

openssl rand -hex 32 >"$T/kek"
chmod 600 "$T/kek"
# Two devices outside every jsload list, for the sample JoinReq/JoinAns
# that nginx serves (one of each MAC version).
PROBE=a0b1c2d3ffffff11
PROBE_NWK=$(openssl rand -hex 16)
printf '%s\n%s,%s,1.1,%s,%s,000013,,,\n' \
    "DevEUI,JoinEUI,MACVersion,AppKey,NwkKey,HomeNetID,ASID,NSKEKLabel,ASKEKLabel" \
    "$PROBE" "$JE" "$(openssl rand -hex 16)" "$PROBE_NWK" >"$T/probe.csv"

t_prov=$SECONDS
: >"$T/devices.list"
provision "$T/js.db" 0 "$DEVICES"
"$LORADANE" device import --store "sqlite:$T/js.db" --kek "$T/kek" \
    "$T/probe.csv" >>"$T/import.log" 2>&1 || die "probe import failed"
t_prov=$((SECONDS - t_prov))
sample "$SAMPLE" "$T/sample.list"
if [ "$TMPFS" != 0 ]; then
	if SHM=$(mktemp -d /dev/shm/loradane-bench-js.XXXXXX 2>/dev/null); then
		cp "$T/js.db" "$SHM/js.db"
	else
		echo "bench: no /dev/shm: the tmpfs variant is skipped" >&2
		SHM="" TMPFS=0
	fi
fi

# ---------------------------------------------------------------------
# Servers.

# js_start LABEL ADDR STORE - a loradane-js on ADDR:PORT with its store;
# sets JS_PID.  The TLSA record is for srv...:PORT, so a second JS (the
# tmpfs variant) takes another loopback address and the same port.
js_start() {
	local label=$1 addr=$2 store=$3
	cat >"$T/$label.conf" <<CONF
# bench/run-js.sh: $label
listen $addr $PORT
tls-cert $C/srv.crt
tls-key $C/srv.key
joineui 70b3d57ed0000000/36
store sqlite:$store
kek-file $T/kek
trust-anchor $DANCE_TA_DS
forward 127.0.0.1@$DANCE_TEST_DNS_PORT
netid 000013 $NAME
${WORKERS:+workers $WORKERS}
CONF
	$PIN_SRV "$JS" -d -f "$T/$label.conf" </dev/null >"$T/$label.out" \
	    2>"$T/$label.err" &
	JS_PID=$!
	pids="$pids $JS_PID"
	if ! wait_until 15 alive_and_logged "$JS_PID" "$T/$label.err" \
	    "listening on $addr port $PORT"; then
		cat "$T/$label.err" >&2
		die "loradane-js ($label) did not start"
	fi
}

# js_stop PID - SIGTERM, and wait for it
js_stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# The sample exchange nginx answers with: a real JoinReq and the
# loradane-js JoinAns to it (a 1.1 join: the larger of the two answers).
js_start js 127.0.0.1 "$T/js.db"
PID_JS=$JS_PID
phy=$("$LORADANE" join-request --deveui "$PROBE" --joineui "$JE" \
    --nwkkey "$PROBE_NWK" --devnonce 1 | awk '$1 == "hex:" { print $2 }')
printf '{"ProtocolVersion":"1.0","SenderID":"000013","ReceiverID":"%s","TransactionID":1,"MessageType":"JoinReq","MACVersion":"1.1","PHYPayload":"%s","DevEUI":"%s","DevAddr":"01020304","DLSettings":"80","RxDelay":1}' \
    "$JE" "$phy" "$PROBE" >"$T/joinreq.json"
"$LORADANE" bi-request srv.good.dance.test "$PORT" --client-name "$NAME" \
    --cert "$C/clita.crt" --key "$C/clita.key" \
    --forward "127.0.0.1@$DANCE_TEST_DNS_PORT" --ta "$DANCE_TA_DS" \
    "$T/joinreq.json" >"$T/probe.out" 2>&1
awk '/^HTTP 200$/ { getline; print; exit }' "$T/probe.out" >"$T/joinans.json"
grep -q '"ResultCode":"Success"' "$T/joinans.json" ||
    die "sample JoinReq failed: $(cat "$T/probe.out")"
ANS_BYTES=$(($(wc -c <"$T/joinans.json") - 1))
REQ_BYTES=$(wc -c <"$T/joinreq.json")

if [ "$TMPFS" != 0 ]; then
	js_start shm 127.0.0.2 "$SHM/js.db"
	PID_SHM=$JS_PID
fi

# nginx: its own prefix, configuration, pid and logs in $T.  The answer
# is the JoinAns above; its double quotes need no escaping inside '...'.
mkdir -p "$T/nginx-tmp"
sed -e "s|@DIR@|$T|g" -e "s|@PORT@|$NGX_PORT|g" -e "s|@CERTS@|$C|g" \
    -e "s|@BODY@|$(sed 's/[|&\\]/\\&/g' "$T/joinans.json")|" \
    "$top/bench/nginx-js.conf.in" >"$T/nginx.conf"
$PIN_SRV nginx -p "$T" -c "$T/nginx.conf" -e "$T/nginx.err" \
    </dev/null >"$T/nginx.out" 2>&1 &
PID_NGX=$!
pids="$pids $PID_NGX"
wait_until 15 listening "$NGX_PORT" || {
	cat "$T/nginx.out" "$T/nginx.err" >&2
	die "nginx did not start"
}
# has_worker - nginx's master has forked its worker
has_worker() {
	pgrep -P "$PID_NGX" >/dev/null
}
wait_until 15 has_worker || die "nginx started no worker"
mapfile -t NGX_PIDS < <(echo "$PID_NGX"; pgrep -P "$PID_NGX")
[ "${#NGX_PIDS[@]}" -eq 2 ] || die "nginx: expected one worker, got: ${NGX_PIDS[*]}"
cat "$C/clita.crt" "$C/clita.key" >"$T/clita-combined.pem"
# nginx must refuse a client without a certificate, and answer one with
# it: otherwise it would be measuring something else.
curl_ngx() {
	curl -sk -o "$T/curl.body" -w '%{http_code}' --tlsv1.3 "$@" \
	    --data-binary "@$T/joinreq.json" -H 'Content-Type: application/json' \
	    "https://127.0.0.1:$NGX_PORT/"
}
[ "$(curl_ngx)" = 400 ] || die "nginx answered a client without a certificate"
if [ "$(curl_ngx --cert "$C/clita.crt" --key "$C/clita.key")" != 200 ] ||
    ! cmp -s "$T/curl.body" <(tr -d '\n' <"$T/joinans.json"); then
	die "nginx did not answer the client certificate with the JoinAns"
fi

# ---------------------------------------------------------------------
# Load.

declare -A NONCE=([js]=0 [shm]=0)

# jsload_run LABEL OUT LIST SECS JSLOAD-OPTION... - jsload against the
# loradane-js LABEL; OUT gets its summary plus "server_cpu_s" and
# "client_cpu_s".  Counter devices need every DevNonce above those the
# store has seen, so each run starts past the highest the last one sent
# (from its --log).  Any error, refusal or unanswered request aborts:
# failed requests are cheaper and would flatter the rate.
jsload_run() {
	local label=$1 out=$2 list=$3 secs=$4 pid addr c0 c1 rc max
	shift 4
	if [ "$label" = js ]; then
		pid=$PID_JS addr=127.0.0.1
	else
		pid=$PID_SHM addr=127.0.0.2
	fi
	c0=$(cpu_ticks "$pid")
	$PIN_CLI "$JSLOAD" srv.good.dance.test "$PORT" --connect "$addr" \
	    --client-name "$NAME" --cert "$C/clita.crt" --key "$C/clita.key" \
	    --forward "127.0.0.1@$DANCE_TEST_DNS_PORT" --ta "$DANCE_TA_DS" \
	    --devices "$list" --duration "$secs" \
	    --devnonce-start "${NONCE[$label]}" --log "$out.log" "$@" \
	    >"$out" 2>"$out.err"
	rc=$?
	c1=$(cpu_ticks "$pid")
	awk -v t=$((c1 - c0)) -v hz="$HZ" \
	    'BEGIN { printf "server_cpu_s %.3f\n", t / hz }' >>"$out"
	max=$(awk 'BEGIN { m = -1 } $3 + 0 > m { m = $3 + 0 } END { print m }' "$out.log")
	NONCE[$label]=$((max + 1))
	[ "${NONCE[$label]}" -lt 65000 ] || die "DevNonces used up (more runs than devices can take)"
	if [ "$rc" != 0 ] || ! grep -q '^result PASS$' "$out" ||
	    ! awk '$1 ~ /^(errors|unanswered|timeouts|bad_accepts|connect_failures)$/ && $2 != 0 { bad = 1 }
		END { exit bad }' "$out"; then
		cat "$out" >&2
		tail -n 3 "$out.err" >&2
		die "jsload against $label failed (rc $rc)"
	fi
	rm -f "$out.log"
}

# ab_run OUT SECS [-k] - ab against nginx; OUT gets ab's report plus
# "server_cpu_s".  -n bounds ab's per-request table (it allocates one
# slot per request up front); -t ends the run first.
ab_run() {
	local out=$1 secs=$2 c0 c1 rc
	shift 2
	c0=$(cpu_ticks "${NGX_PIDS[@]}")
	# shellcheck disable=SC2086
	$PIN_CLI ab -q "$@" -c "$CONNS" -E "$T/clita-combined.pem" \
	    -p "$T/joinreq.json" -T application/json -t "$secs" \
	    -n $((60000 * secs)) "https://127.0.0.1:$NGX_PORT/" >"$out" 2>&1
	rc=$?
	c1=$(cpu_ticks "${NGX_PIDS[@]}")
	awk -v t=$((c1 - c0)) -v hz="$HZ" \
	    'BEGIN { printf "server_cpu_s %.3f\n", t / hz }' >>"$out"
	if [ "$rc" != 0 ] || ! grep -q '^Failed requests: *0$' "$out" ||
	    grep -q '^Non-2xx responses' "$out"; then
		cat "$out" >&2
		die "ab against nginx failed (rc $rc)"
	fi
}

# measure MODE OUT SECS - one run of MODE: js-new, js-ka, shm-new,
# shm-ka (loradane-js, on disk or tmpfs), ngx-new, ngx-ka; OUT gets a
# line "requests wall_s server_cpu_s p50_ms p99_ms"
measure() {
	local mode=$1 out=$2 secs=$3
	case $mode in
	js-new | shm-new)
		jsload_run "${mode%-*}" "$out.raw" "$T/sample.list" "$secs" \
		    --conns "$CONNS" --new-conn-per-request
		;;
	js-ka | shm-ka)
		jsload_run "${mode%-*}" "$out.raw" "$T/sample.list" "$secs" \
		    --conns "$CONNS"
		;;
	ngx-new) ab_run "$out.raw" "$secs" ;;
	ngx-ka) ab_run "$out.raw" "$secs" -k ;;
	esac
	case $mode in
	ngx-*)
		awk '/^Complete requests:/ { n = $3 } /^Time taken for tests:/ { w = $5 }
		    /^server_cpu_s/ { c = $2 } $1 == "50%" { p50 = $2 } $1 == "99%" { p99 = $2 }
		    END { print n, w, c, p50, p99 }' "$out.raw" >"$out"
		;;
	*)
		awk '$1 == "answered" { n = $2 } $1 == "duration_s" { w = $2 }
		    $1 == "server_cpu_s" { c = $2 } $1 == "latency_p50_ms" { p50 = $2 }
		    $1 == "latency_p99_ms" { p99 = $2 }
		    END { print n, w, c, p50, p99 }' "$out.raw" >"$out"
		;;
	esac
}

MODES="js-new ngx-new"
[ "$TMPFS" != 0 ] && MODES="$MODES shm-new"
MODES="$MODES js-ka ngx-ka"
[ "$TMPFS" != 0 ] && MODES="$MODES shm-ka"

# Warm-up: fills loradane-js's TLSA cache, faults in code, heap and the
# store's pages, for every server.
t_runs=$SECONDS
for m in $MODES; do
	measure "$m" "$T/warmup.$m" "$WARMUP"
done
grep -q "authenticated as $NAME by TLSA $NAME 3 1 1 at depth 0" "$T/js.err" ||
    die "loradane-js did not authenticate the client by DANE-EE"

# Measured runs: in each, every mode in turn, so that a burst of
# background load on a shared machine lands on all of them alike and
# the per-run ratios are paired.
for ((r = 1; r <= RUNS; r++)); do
	for m in $MODES; do
		measure "$m" "$T/run.$m.$r" "$SECS"
	done
done
t_runs=$((SECONDS - t_runs))

# 3. Latency at a fixed rate: every provisioned device (up to 100,000:
# jsload's loading is quadratic in the devices it is given), persistent
# connections as an NS keeps them, after a warm-up at the same rate.
t_lat=$SECONDS
if [ "$DEVICES" -le 100000 ]; then
	cp "$T/devices.list" "$T/lat.list"
else
	sample 100000 "$T/lat.list"
fi
LAT_DEVICES=$(wc -l <"$T/lat.list")
for s in js shm; do
	[ "$s" = shm ] && [ "$TMPFS" = 0 ] && continue
	jsload_run "$s" "$T/lat.$s.warm" "$T/sample.list" 5 \
	    --conns "$LAT_CONNS" --rate "$RATE"
	jsload_run "$s" "$T/lat.$s" "$T/lat.list" "$LAT_SECS" \
	    --conns "$LAT_CONNS" --rate "$RATE"
done
t_lat=$((SECONDS - t_lat))
HWM_SMALL=$(status_kib "$PID_JS" VmHWM)
js_stop "$PID_JS"
[ "$TMPFS" != 0 ] && js_stop "$PID_SHM"

# 4. Peak RSS with BIG devices: the rest are imported (not timed), then
# a fresh loradane-js takes persistent and new connections, at full
# speed, on devices spread over the whole store.
if [ "$BIG" -gt "$DEVICES" ]; then
	t_big=$SECONDS
	provision "$T/js.db" "$DEVICES" $((BIG - DEVICES))
	t_big=$((SECONDS - t_big))
	sample "$SAMPLE" "$T/big.list"
	js_start big 127.0.0.1 "$T/js.db"
	PID_JS=$JS_PID
	RSS_START=$(status_kib "$PID_JS" VmRSS)
	jsload_run js "$T/big.ka" "$T/big.list" "$RSS_SECS" --conns "$LAT_CONNS"
	jsload_run js "$T/big.new" "$T/big.list" "$RSS_SECS" --conns "$CONNS" \
	    --new-conn-per-request
	HWM_BIG=$(status_kib "$PID_JS" VmHWM)
	ANON_BIG=$(status_kib "$PID_JS" RssAnon)
	FILE_BIG=$(status_kib "$PID_JS" RssFile)
	js_stop "$PID_JS"
fi

# ---------------------------------------------------------------------
# Report.

# stats [DECIMALS] - median, min and max of the numbers on stdin
stats() {
	sort -g | awk -v d="${1:-1}" '{ v[NR] = $1 } END {
		if (NR == 0) { print "nan nan nan"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		f = "%." d "f %." d "f %." d "f\n"
		printf f, m, v[1], v[NR] }'
}

# col MODE WHAT - WHAT for each measured run of MODE, one a line: rate
# (requests per server-CPU-second), wall (requests per second), p50 or
# p99 (ms); a run's file holds "requests wall_s cpu_s p50 p99"
col() {
	local r
	for ((r = 1; r <= RUNS; r++)); do
		awk -v w="$2" '{
			if (w == "rate") v = $3 > 0 ? $1 / $3 : 0
			else if (w == "wall") v = $2 > 0 ? $1 / $2 : 0
			else if (w == "p50") v = $4
			else v = $5
			printf "%.4f\n", v }' "$T/run.$1.$r"
	done
}

# ratio A B - A/B with two decimals
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'
}

# paired A B - min-max of the per-run ratios of A to B
paired() {
	paste <(col "$1" rate) <(col "$2" rate) |
	    awk '{ printf "%.4f\n", ($2 > 0 ? $1 / $2 : 0) }' | stats 2 |
	    awk '{ printf "%s-%s", $2, $3 }'
}

declare -A MED
label() {
	case $1 in
	js-*) echo "loradane-js (DANE, SQLite on disk)" ;;
	shm-*) echo "loradane-js (DANE, SQLite on tmpfs)" ;;
	ngx-*) echo "nginx $NGX_VERSION (mTLS, static JoinAns)" ;;
	esac
}
# row MODE - one table line: median (min-max) per server-CPU-s, CPU ms
# per request, wall rate, latency (medians over the runs)
row() {
	local med lo hi wall p50 p99
	read -r med lo hi < <(col "$1" rate | stats 0)
	read -r wall _ _ < <(col "$1" wall | stats 0)
	read -r p50 _ _ < <(col "$1" p50 | stats 2)
	read -r p99 _ _ < <(col "$1" p99 | stats 2)
	MED[$1]=$med
	printf '  %-44s %8s %15s %9s %8s %8s/%s\n' "$(label "$1")" "$med" \
	    "($lo-$hi)" "$(awk -v x="$med" 'BEGIN { printf "%.3f", (x > 0 ? 1000 / x : 0) }')" \
	    "$wall" "$p50" "$p99"
}
header() {
	printf '  %-44s %8s %15s %9s %8s %s\n' server "req/CPU-s" "(min-max)" \
	    "CPU ms" "wall/s" "p50/p99 ms"
}
# verdict NAME A B TARGET - the ratio line and whether TARGET is met
verdict() {
	local r
	r=$(ratio "${MED[$2]}" "${MED[$3]}")
	printf '  %s = %sx (per-run %s); target >= %s: %s\n' "$1" "$r" \
	    "$(paired "$2" "$3")" "$4" \
	    "$(awk -v r="$r" -v t="$4" 'BEGIN { print (r >= t ? "met" : "NOT met") }')"
}

NGX_VERSION=$(nginx -v 2>&1 | sed 's|.*nginx/||')
FSTYPE=$(df --output=fstype "$T" | tail -n 1)
echo "loradane-js bench: JoinReq per server-CPU-second against nginx, latency, memory"
echo "host: $(grep -m1 '^model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) CPUs; $(openssl version | cut -d' ' -f1-2); $(date -u +%Y-%m-%dT%H:%MZ); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "store: SQLite (WAL, synchronous=FULL) in $BASEDIR ($FSTYPE); $DEVICES devices (MAC ${MACV[*]} alternating) provisioned in ${t_prov} s, not timed"
echo "loradane-js workers: ${WORKERS:-default}; servers on CPU 1, jsload/ab on CPU 0; $CONNS connections at a time; warm-up ${WARMUP} s per mode, then $RUNS runs of ${SECS} s, modes alternating"
echo "client: $NAME (clita, P-256, leaf only): DANE-EE 3 1 1 for loradane-js, chain to orgca for nginx"
echo "bodies: JoinReq $REQ_BYTES bytes (ab posts a real one), JoinAns $ANS_BYTES bytes (nginx returns a real one)"
echo
echo "1. JoinReq with a new TLS 1.3 handshake per request (jsload --new-conn-per-request; ab, no -k)"
header
row js-new
[ "$TMPFS" != 0 ] && row shm-new
row ngx-new
verdict "loradane-js/nginx (new connection)" js-new ngx-new 0.8
[ "$TMPFS" != 0 ] && verdict "loradane-js on tmpfs/nginx (new connection)" shm-new ngx-new 0.8
echo
echo "2. JoinReq over persistent connections (jsload --conns $CONNS; ab -k -c $CONNS)"
header
row js-ka
[ "$TMPFS" != 0 ] && row shm-ka
row ngx-ka
verdict "loradane-js/nginx (keep-alive)" js-ka ngx-ka 0.5
[ "$TMPFS" != 0 ] && verdict "loradane-js on tmpfs/nginx (keep-alive)" shm-ka ngx-ka 0.5
echo
echo "3. JoinReq latency at $RATE joins/s, $DEVICES devices provisioned (jsload --rate $RATE --conns $LAT_CONNS, persistent, $LAT_DEVICES devices, $LAT_SECS s)"
# lat_line LABEL FILE - the figures of a fixed-rate run, and whether the
# rate was held: jsload sends only on a free connection and times a
# request from its sending, so when the server keeps every connection
# busy the rate drops and the wait for a connection is not in the
# latencies
lat_line() {
	awk -v l="$1" -v rate="$RATE" '{ v[$1] = $2 } END {
	printf "  %-36s p50 %s ms, p99 %s ms; %d joins, %s/s answered; server CPU %.0f%% of one core (%.3f ms per join); rate %s\n",
	    l, v["latency_p50_ms"], v["latency_p99_ms"], v["answered"],
	    v["rate_answered"], (100 * v["server_cpu_s"] / v["duration_s"]),
	    (v["answered"] > 0 ? 1000 * v["server_cpu_s"] / v["answered"] : 0),
	    (v["rate_sent"] >= 0.95 * rate ? "held" : "NOT held (" v["rate_sent"] "/s sent)") }' "$2"
}
lat_line "loradane-js (SQLite on disk):" "$T/lat.js"
[ "$TMPFS" != 0 ] && lat_line "loradane-js (SQLite on tmpfs):" "$T/lat.shm"
echo
echo "4. loradane-js peak RSS (VmHWM)"
printf '  with %d devices, after 1-3: %.1f MiB\n' "$DEVICES" "$(awk -v k="$HWM_SMALL" 'BEGIN { print k / 1024 }')"
if [ "$BIG" -gt "$DEVICES" ]; then
	printf '  with %d devices (%d more imported in %d s, not timed; store %s): %.1f MiB (RssAnon %.1f, RssFile %.1f; VmRSS at start %.1f MiB)\n' \
	    "$BIG" $((BIG - DEVICES)) "$t_big" "$(du -h "$T/js.db" | cut -f1)" \
	    "$(awk -v k="$HWM_BIG" 'BEGIN { print k / 1024 }')" \
	    "$(awk -v k="$ANON_BIG" 'BEGIN { print k / 1024 }')" \
	    "$(awk -v k="$FILE_BIG" 'BEGIN { print k / 1024 }')" \
	    "$(awk -v k="$RSS_START" 'BEGIN { print k / 1024 }')"
	printf '  load: %s persistent joins, then %s on new connections, over %d devices spread over the store\n' \
	    "$(awk '$1 == "answered" { print $2 }' "$T/big.ka")" \
	    "$(awk '$1 == "answered" { print $2 }' "$T/big.new")" \
	    "$(wc -l <"$T/big.list")"
	awk -v k="$HWM_BIG" 'BEGIN { printf "  target (VmHWM < 64 MiB with the big store): %s\n", (k < 65536 ? "met" : "NOT met") }'
else
	echo "  (BENCH_JS_BIG=$BIG: no larger store measured)"
fi
echo
echo "commands (ports and paths of this run):"
echo "  loradane-js: $PIN_SRV $JS -d -f $T/js.conf"
echo "  jsload:      $PIN_CLI $JSLOAD srv.good.dance.test $PORT --client-name $NAME --cert clita.crt --key clita.key --forward ... --ta ... --devices LIST --duration $SECS --conns $CONNS [--new-conn-per-request]"
echo "  nginx:       $PIN_SRV nginx -p $T -c $T/nginx.conf (bench/nginx-js.conf.in)"
echo "  ab:          $PIN_CLI ab -q [-k] -c $CONNS -E clita.crt+key.pem -p joinreq.json -T application/json -t $SECS https://127.0.0.1:$NGX_PORT/"
echo "(runs 1-2 took ${t_runs} s, 3 took ${t_lat} s; bench took ${SECONDS} s)"
