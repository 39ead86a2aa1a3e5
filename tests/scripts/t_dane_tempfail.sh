#!/bin/bash
# t_dane_tempfail.sh - spec §9 case 19: SERVFAIL or timeout.  A resolver
# that is down, or an authority slower than the server's DNS deadline,
# must end every affected handshake with handshake_failure within that
# deadline, as a temporary failure, many at once, while the server goes
# on serving clients whose names it already holds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dane.sh"

G=good.dance.test
R=_ns-client.r.roll.dance.test
TEMPFAIL="DNS lookup failed temporarily: TLSA"
DEADLINE_MS=1500	# the servers' --dns-timeout
SLOW_DEADLINE_MS=5000	# ... behind the slow authority: room to work meanwhile
SLACK_MS=3000		# the rest of a handshake, with room for ASan
K=8			# concurrent handshakes

# run_bg I NAME ID - run_check in the background into $TMP/bgI; its
# status into $TMP/bgI.rc; the pid is appended to BG
run_bg() {
	(
		# Wait for the server's verdict past its DNS deadline.
		run_check "bg$1" "$2" "$3" --wait 15000
		echo "$RC" >"$TMP/bg$1.rc"
	) &
	BG="$BG $!"
}

# all_refused FIRST LAST - background clients FIRST..LAST were refused
# with alert 40 and never authenticated
all_refused() {
	local i
	for i in $(seq "$1" "$2"); do
		RC=$(cat "$TMP/bg$i.rc") &&
		    refused_ok "bg$i" "$3" &&
		    contains "$TMP/bg$i" 'REFUSED by the server \(.*sslv3 alert handshake failure\)' ||
		    return 1
	done
}

# n_refusals N REGEX NAME - exactly N handshake_failure lines since the
# mark, every one of them matching REGEX, and NAME never authenticated
n_refusals() {
	local n
	n=$(since_mark | grep -c 'handshake_failure:')
	if [ "$n" -ne "$1" ] ||
	    since_mark | grep 'handshake_failure:' | grep -Evq -- "$2" ||
	    since_mark | grep -q " authenticated as $3 "; then
		echo "# want $1 refusal lines matching /$2/, got:" >&2
		since_mark | sed 's/^/#   /' >&2
		return 1
	fi
}

# --- The resolver is down: nothing listens where it forwards. ---------
dead=$(free_port)
RESOLVER="--forward 127.0.0.1@$dead --ta $DANCE_TA_DS" \
    srv_start down --dns-timeout "$DEADLINE_MS" ||
    not_ok "serve-test starts (resolver down)"
t0=$(now_ms)
expect_refused "case 19 (resolver down)" "_ns-client.ee.$G" cli \
    "$TEMPFAIL _ns-client\.ee\.good\.dance\.test is temporary failure: (timeout|rcode 2 \(SERVFAIL\))$"
dt=$(($(now_ms) - t0))
check "case 19 (resolver down): refused after ${dt} ms, within the DNS deadline + ${SLACK_MS} ms" \
    test "$dt" -lt $((DEADLINE_MS + SLACK_MS))
# Many at once: each ends within the deadline, none hangs.
mark
BG=
t0=$(now_ms)
for i in $(seq 1 $K); do
	run_bg "$i" "_ns-client.ee.$G" cli
done
wait $BG
dt=$(($(now_ms) - t0))
N_REF=$((N_REF + K))
check "case 19 (resolver down, $K at once): all refused with alert 40" \
    all_refused 1 $K "_ns-client.ee.$G"
check "case 19 (resolver down, $K at once): all done in ${dt} ms, within the deadline + ${SLACK_MS} ms" \
    test "$dt" -lt $((DEADLINE_MS + SLACK_MS))
check "case 19 (resolver down, $K at once): $K refusal lines, each a temporary failure" \
    n_refusals $K "$TEMPFAIL _ns-client\.ee\.good\.dance\.test is temporary failure: " \
    "_ns-client.ee.$G"
srv_stop

# --- A slow authority. ------------------------------------------------
# roll.dance.test is reached through slowdns, which holds every query
# 20 s, four times the server's deadline; the rest of the DNS is the
# fixture itself.  The good name is prefetched, so it never waits.  The
# deadline leaves a loaded machine (CI, ASan) seconds to serve the
# prefetched client while the slow ones still wait.
slow=$(free_port)
"$HELPERS/slowdns" "$slow" "$DANCE_TEST_DNS_PORT" 20000 >"$TMP/slowdns.out" \
    2>&1 &
slow_pid=$!
_bg_pids="$_bg_pids $slow_pid"
wait_for "$TMP/slowdns.out" '^slowdns: ready' || not_ok "slowdns starts"
srv_start slow -v --stub "roll.dance.test=127.0.0.1@$slow" \
    --dns-timeout "$SLOW_DEADLINE_MS" --prefetch "_ns-client.ee.$G" ||
    not_ok "serve-test starts (slow authority)"
check "case 19 (slow authority): the prefetch of _ns-client.ee.$G has finished" \
    wait_for "$SRVLOG" "TLSA _ns-client\.ee\.good\.dance\.test: secure," 15
mark
BG=
t0=$(now_ms)
for i in $(seq $((K + 1)) $((2 * K))); do
	run_bg "$i" "$R" cli
done
# A TLS 1.3 client is through its side of the handshake ("connected")
# before the server has judged it: then every one of them is held up in
# the server by the slow TLSA lookup.
waiting() {
	local i
	for i in $(seq $((K + 1)) $((2 * K))); do
		grep -q '^connected:' "$TMP/bg$i" 2>/dev/null || return 1
	done
}
check "case 19 (slow authority): $K clients wait on the slow lookup" \
    wait_until 10 waiting
expect_auth "case 19 (slow authority, prefetched name meanwhile)" \
    "_ns-client.ee.$G" cli "3 1 1" 0
none_ended() {
	local i
	for i in $(seq $((K + 1)) $((2 * K))); do
		! grep -q '^verdict:' "$TMP/bg$i" || return 1
	done
}
check "case 19 (slow authority): none of the $K slow handshakes had ended meanwhile" \
    none_ended
wait $BG
dt=$(($(now_ms) - t0))
N_REF=$((N_REF + K))
check "case 19 (slow authority, $K at once): all refused with alert 40" \
    all_refused $((K + 1)) $((2 * K)) "$R"
check "case 19 (slow authority): all done in ${dt} ms: the deadline, not the 20 s authority" \
    test "$dt" -lt $((SLOW_DEADLINE_MS + SLACK_MS))
check "case 19 (slow authority): $K refusal lines, each a timeout" \
    n_refusals $K "$TEMPFAIL $(re "$R") is temporary failure: timeout$" "$R"
expect_auth "case 19 (slow authority, the server still serves)" \
    "_ns-client.ee.$G" cli "3 1 1" 0
srv_stop
stop_server "$slow_pid"

dane_done
