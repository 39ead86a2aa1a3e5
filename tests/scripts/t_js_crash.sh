#!/bin/bash
# t_js_crash.sh - crash safety of loradane-js: under a steady load of real
# join-requests (bench/jsload: 20 devices of MAC versions 1.0.2, 1.0.4
# and 1.1, deliberate DevNonce replays), the Join Server is killed with
# SIGKILL at random moments, at least 5 times, and restarted each time.
# From the join-accepts the client received (not from the JS database):
# no JoinNonce was issued twice to a device, no DevNonce was accepted
# twice, no replay was accepted, the rate stayed at 100 JoinReq/s or
# more, and joins succeeded after every restart.  Once with SQLite, once
# with PostgreSQL (a database of its own in the run's private server).
# Each run lasts JS_CRASH_SECONDS (default 66) seconds.
# shellcheck disable=SC2016 # awk programs and bash -c bodies are literal
# shellcheck source=tests/scripts/lib.sh
. "$(dirname "$0")/lib.sh"

BIN=${BUILD:-$(dirname "$LORADANE")}
JS=$BIN/loradane-js
JSLOAD=$BIN/bench/jsload
DURATION=${JS_CRASH_SECONDS:-66}
RATE=200     # JoinReq/s asked of jsload; 100/s must be achieved
MIN_RATE=100
MIN_KILLS=5
# Kills come GAP_MIN + [0, GAP_SPREAD) ms apart: random moments, yet even
# the longest gaps (plus a restart each) leave room for MIN_KILLS.
GAP_MIN=3000
GAP_SPREAD=6000
# The acceptance run (66 s, 5 kills) is the plain build's.  Under the
# sanitizers the same test runs shorter, to find memory errors around
# kills without doubling CI time.
case $BIN in
*-asan)
	DURATION=${JS_CRASH_SECONDS:-30}
	MIN_KILLS=3
	GAP_MIN=2000
	GAP_SPREAD=3000
	;;
esac
JOINEUI=0807060504030201
NETID=000013
CLIENT=_ns-client.ee.good.dance.test

for f in "$JS" "$JSLOAD"; do
	if [ ! -x "$f" ]; then
		not_ok "$f is built"
		done_testing
		exit
	fi
done

# now_us - wall clock in microseconds (jsload's log uses the same clock)
now_us() {
	local t=$EPOCHREALTIME
	echo "${t/[.,]/}"
}

# The devices: 20, of three MAC versions, each with its own keys, as a
# CSV for "loradane device import" and as a list for jsload.
(umask 077 && openssl rand -hex 32 >"$TMP/kek")
echo "DevEUI,JoinEUI,MACVersion,AppKey,NwkKey,HomeNetID,ASID,NSKEKLabel,ASKEKLabel" \
    >"$TMP/devices.csv"
: >"$TMP/devices.txt"
for i in $(seq 1 20); do
	eui=$(printf '70b3d57e0000c0%02x' "$i")
	appkey=$(openssl rand -hex 16)
	nwkkey=
	case $((i % 3)) in
	0) v=1.0.2 ;;
	1) v=1.0.4 ;;
	2) v=1.1 nwkkey=$(openssl rand -hex 16) ;;
	esac
	echo "$eui,$JOINEUI,$v,$appkey,$nwkkey,$NETID,_as-client.as.good.dance.test,," \
	    >>"$TMP/devices.csv"
	echo "$eui $JOINEUI $v $appkey $nwkkey $NETID" >>"$TMP/devices.txt"
done

# start_js DIR N - start loradane-js on DIR/js.conf, its log in DIR/js.N.err;
# returns once it says it listens; sets JS_PID
start_js() {
	"$JS" -d -f "$1/js.conf" 2>"$1/js.$2.err" &
	JS_PID=$!
	_bg_pids="$_bg_pids $JS_PID"
	if ! wait_for "$1/js.$2.err" 'listening on 127\.0\.0\.1 port' 20; then
		echo "# loradane-js did not start (start $2):" >&2
		sed 's/^/#   /' "$1/js.$2.err" >&2
		return 1
	fi
}

# crash_run NAME STORE_URI - provision, load, kill and restart, check
crash_run() {
	local name=$1 uri=$2 d=$TMP/$1 kills=0 load_pid load_rc end_us gap
	local rate k
	mkdir -p "$d"
	if ! "$LORADANE" device import --store "$uri" --kek "$TMP/kek" \
	    "$TMP/devices.csv" >"$d/import.out" 2>&1; then
		sed 's/^/#   /' "$d/import.out" >&2
		not_ok "[$name] import 20 devices"
		return
	fi
	ok "[$name] import 20 devices (1.0.2, 1.0.4, 1.1)"
	cat >"$d/js.conf" <<EOF
listen 127.0.0.1 $DANCE_TEST_TLS_PORT
tls-cert $DANCE_CERTS/srv.crt
tls-key $DANCE_CERTS/srv.key
joineui $JOINEUI
store $uri
kek-file $TMP/kek
trust-anchor $DANCE_TA_DS
forward 127.0.0.1@$DANCE_TEST_DNS_PORT
netid $NETID $CLIENT
EOF
	if ! start_js "$d" 0; then
		not_ok "[$name] loradane-js starts"
		return
	fi
	# shellcheck disable=SC2086 # RESOLVER is several options
	"$JSLOAD" srv.good.dance.test "$DANCE_TEST_TLS_PORT" \
	    --client-name "$CLIENT" --cert "$DANCE_CERTS/cli.crt" \
	    --key "$DANCE_CERTS/cli.key" $RESOLVER \
	    --devices "$TMP/devices.txt" --duration "$DURATION" \
	    --rate "$RATE" --conns 4 --replay-percent 10 --timeout 5000 \
	    --log "$d/load.log" >"$d/load.out" 2>"$d/load.err" &
	load_pid=$!
	_bg_pids="$_bg_pids $load_pid"
	end_us=$(($(now_us) + DURATION * 1000000))
	: >"$d/kills"
	: >"$d/restarts"
	if ! wait_for "$d/load.log" ' Success ' 20; then
		sed 's/^/#   /' "$d/load.err" >&2
		not_ok "[$name] jsload's first join succeeds"
	fi
	# Kill at random moments, GAP_MIN to GAP_MIN + GAP_SPREAD ms apart,
	# while a kill and the restart still leave a few seconds of load
	# after them.
	while :; do
		gap=$((GAP_MIN + RANDOM % GAP_SPREAD))
		[ $(($(now_us) + gap * 1000 + 4000000)) -lt "$end_us" ] || break
		sleep "$((gap / 1000)).$(printf '%03d' $((gap % 1000)))"
		kill -0 "$load_pid" 2>/dev/null || break
		now_us >>"$d/kills"
		kill -KILL "$JS_PID"
		wait "$JS_PID" 2>/dev/null
		_bg_pids=${_bg_pids/ $JS_PID/}
		kills=$((kills + 1))
		if ! start_js "$d" "$kills"; then
			not_ok "[$name] loradane-js restarts after kill $kills"
			break
		fi
		now_us >>"$d/restarts"
	done
	wait "$load_pid"
	load_rc=$?
	_bg_pids=${_bg_pids/ $load_pid/}
	kill -TERM "$JS_PID" 2>/dev/null
	wait "$JS_PID" 2>/dev/null
	_bg_pids=${_bg_pids/ $JS_PID/}

	sed "s/^/# [$name] /" "$d/load.out"
	if [ "$load_rc" -eq 0 ]; then
		ok "[$name] jsload's own checks pass (every accept decrypted and verified)"
	else
		tail -5 "$d/load.err" | sed 's/^/#   /' >&2
		not_ok "[$name] jsload's own checks pass (exit $load_rc)"
	fi
	# The log: "t devEUI devNonce result joinNonce"; a join-accept was
	# received for "Success" and (wrongly) for "replay-accepted".
	check "[$name] no JoinNonce issued twice to a device" \
	    awk '$4 == "Success" || $4 == "replay-accepted" {
		if (seen[$2 " " $5]++) { print "# twice: " $0; bad = 1 } }
		END { exit bad }' "$d/load.log"
	check "[$name] no DevNonce accepted twice for a device" \
	    awk '$4 == "Success" || $4 == "replay-accepted" {
		if (seen[$2 " " $3]++) { print "# twice: " $0; bad = 1 } }
		END { exit bad }' "$d/load.log"
	check "[$name] replays were made and every one was refused" \
	    awk '$4 == "replay-refused" { r++ } $4 ~ /^replay-/ && $4 != "replay-refused" {
		print "# " $0; bad = 1 } END { exit (bad || r == 0) }' "$d/load.log"
	check "[$name] every fresh join-request answered was accepted" \
	    awk '$4 != "Success" && $4 != "unanswered" && $4 !~ /^replay-/ {
		print "# " $0; bad = 1 } END { exit bad }' "$d/load.log"
	rate=$(awk '$1 == "rate_answered" { print $2 }' "$d/load.out")
	check "[$name] rate achieved ${rate:-?} JoinReq/s >= $MIN_RATE" \
	    awk -v r="${rate:-0}" -v m="$MIN_RATE" 'BEGIN { exit !(r >= m) }'
	check "[$name] loradane-js was killed $kills times (>= $MIN_KILLS)" \
	    test "$kills" -ge "$MIN_KILLS"
	check "[$name] no sanitizer report in the Join Server's logs" \
	    bash -c '! grep -lE "ERROR: (Address|Leak)Sanitizer|runtime error:" "$@"' \
	    _ "$d"/js.*.err
	# Every restart is followed by a success before the next kill.
	k=$(awk 'FILENAME == ARGV[1] { r[++nr] = $1 / 1e6; next }
		FILENAME == ARGV[2] { kl[++nk] = $1 / 1e6; next }
		$4 == "Success" { for (i = 1; i <= nr; i++)
			if ($1 >= r[i] && (i + 1 > nk || $1 < kl[i + 1])) got[i] = 1 }
		END { for (i = 1; i <= nr; i++) if (!got[i]) miss++
			print nr - miss "/" nr }' \
	    "$d/restarts" "$d/kills" "$d/load.log")
	check "[$name] joins succeeded after every restart ($k)" \
	    bash -c '[ "${1%/*}" = "${1#*/}" ] && [ "${1#*/}" -gt 0 ]' _ "$k"
}

crash_run sqlite "sqlite:$TMP/js.db"

if [ -z "${LORADANE_TEST_PG_URI:-}" ]; then
	not_ok "[postgresql] not run: no PostgreSQL (LORADANE_TEST_PG_URI)"
else
	db=jscrash_$$_$RANDOM
	if psql "$LORADANE_TEST_PG_URI" -X -q -v ON_ERROR_STOP=1 \
	    -c "CREATE DATABASE $db" >"$TMP/pg.out" 2>&1; then
		crash_run postgresql "${LORADANE_TEST_PG_URI%/*}/$db"
		psql "$LORADANE_TEST_PG_URI" -X -q \
		    -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1
	else
		sed 's/^/#   /' "$TMP/pg.out" >&2
		not_ok "[postgresql] create a database for the run"
	fi
fi
done_testing
