#!/bin/bash
# t_bi_client.sh - lib/backend's discovery (bi_dns) and connection pool
# (bi_client), through tests/helpers/bipost, against a real loradane-js
# and the fixture's NSD: NAPTR -> SRV discovery (the plain-HTTP record
# dropped, the lowest LWNS order taken), the plain-name fallback on a
# secure denial, refusals that fail closed (no HTTPS record, a denied
# SRV, an insecure zone, a bogus TLSA, a server whose certificate does
# not match), kept connections (one handshake for many requests, a
# bounded pool under parallel load), and a server killed and restarted
# between requests.
. "$(dirname "$0")/lib.sh"

JS=$BUILD/loradane-js
P=$HELPERS/bipost
C=$DANCE_CERTS
port=$DANCE_TEST_TLS_PORT
ID=(--client-name _ns-client.ee.good.dance.test --cert "$C/cli.crt"
    --key "$C/cli.key" --forward "127.0.0.1@$DANCE_TEST_DNS_PORT"
    --ta "$DANCE_TA_DS")
W=$TMP/w
mkdir -p "$W"

{
	js_fixture_conf "$W"
	echo "netid 000013 _ns-client.ee.good.dance.test"
} >"$W/js.conf"
# A HomeNSReq for a device the JS does not know: a small, valid request
# answered with a BI error body (HTTP 200) and no state.
printf '{"ProtocolVersion":"1.0","SenderID":"000013","ReceiverID":"0807060504030201","TransactionID":7,"MessageType":"HomeNSReq","DevEUI":"0102030405060799"}' >"$W/req.json"

start_js() {
	"$JS" -d -f "$W/js.conf" >"$W/js.out" 2>"$W/js.err" &
	jspid=$!
	_bg_pids="$_bg_pids $jspid"
	wait_for "$W/js.err" "listening on 127.0.0.1 port $port" 15
}
check "loradane-js starts" start_js

# post OUT ARGS... - bipost, output in OUT
post() {
	local out=$1
	shift
	"$P" "${ID[@]}" "$@" "$W/req.json" >"$out" 2>"$out.err"
}
# count OUT PATTERN - lines of OUT that match
count() { grep -c -- "$2" "$1"; }

# Discovery through NAPTR and SRV.
post "$W/d1" --discover js.good.dance.test --count 3
check "NAPTR -> SRV: discovered srv.good.dance.test on the SRV's port" \
    contains "$W/d1" "^discovered js.good.dance.test host srv.good.dance.test port $port via NAPTR -> SRV _lwns._tcp.srv.good.dance.test"
check "the LWN (plain HTTP) record is never taken, though of lower order" \
    test "$(count "$W/d1" "_lwn\._tcp")" = 0
check "3 requests answered over DANE mutual TLS (HTTP 200)" \
    test "$(count "$W/d1" "^answer [0-9]* status 200 peer ")" = 3
check "one handshake, the connection kept: 3 requests, 2 on reuse" \
    contains "$W/d1" "^stats handshakes 1 handshake_failures 0 requests 3 reused 2 failures 0$"
check "the JS answered each as a Backend Interfaces error (UnknownDevEUI)" \
    test "$(grep -c 'UnknownDevEUI' "$W/js.err")" -ge 3

# The plain-name fallback: no NAPTR at the name (secure NODATA).
post "$W/d2" --discover srv.good.dance.test --default-port "$port"
check "no NAPTR (secure denial): the name itself, on the default port" \
    contains "$W/d2" "^discovered srv.good.dance.test host srv.good.dance.test port $port via plain name"
check "... and it is authenticated by its TLSA record" \
    contains "$W/d2" "^answer 0 status 200 peer "

# Refusals: nothing is sent, and each says why.
post "$W/r1" --discover httponly.good.dance.test
check "a NAPTR set with only plain-HTTP (LWN) records is refused" \
    contains "$W/r1" "^discovery-failed httponly.good.dance.test err .* why .*no record for LWNS"
post "$W/r2" --discover deadsrv.good.dance.test
check "a NAPTR leading to a denied SRV is refused, no fallback" \
    contains "$W/r2" "^discovery-failed deadsrv.good.dance.test err .*_lwns._tcp.nosuch.good.dance.test SRV: secure"
post "$W/r3" --discover srv.insecure.dance.test --default-port "$port"
check "an unsigned zone is refused at the first lookup" \
    contains "$W/r3" "^discovery-failed srv.insecure.dance.test err .*insecure"
post "$W/r4" --discover srv.bogus.dance.test --default-port "$port" \
    --connect 127.0.0.1
check "a bogus TLSA: the request fails before anything is sent" \
    contains "$W/r4" "^failure 0 err no authenticated connection .*bogus"
post "$W/r5" --host badsrv.good.dance.test --port "$port" --connect 127.0.0.1
check "a server whose certificate does not match its TLSA is refused" \
    contains "$W/r5" "^failure 0 err no authenticated connection .*does not match TLSA"
n_before=$(count "$W/js.err" "msg=HomeNSReq")
check "none of the refused requests reached the JS" \
    test "$n_before" = 4

# A bounded pool under parallel load.
post "$W/p1" --host srv.good.dance.test --port "$port" --count 40 \
    --parallel 8 --max-conns 3
check "40 requests, 8 at a time, all answered" \
    test "$(count "$W/p1" "^answer [0-9]* status 200")" = 40
hs=$(awk '/^stats/ { print $3 }' "$W/p1")
check "at most 3 connections were made for them (made $hs)" \
    test "$hs" -ge 1 -a "$hs" -le 3

# The server killed and restarted between two halves of a run: the kept
# connection is found dead, a new one is made, nothing is lost.
rm -f "$W/go"
"$P" "${ID[@]}" --host srv.good.dance.test --port "$port" --count 6 \
    --wait-file "$W/go" "$W/req.json" >"$W/k1" 2>"$W/k1.err" &
bp=$!
_bg_pids="$_bg_pids $bp"
first_half() { [ "$(grep -c '^answer' "$W/k1")" -ge 3 ]; }
check "the first half is answered" wait_until 15 first_half
kill -9 "$jspid"
wait "$jspid" 2>/dev/null
check "loradane-js restarts" start_js
touch "$W/go"
wait "$bp"
rc=$?
check "after the restart the second half is answered too (exit $rc)" \
    test "$rc" = 0 -a "$(count "$W/k1" "^answer [0-9]* status 200")" = 6
check "on a second connection" \
    contains "$W/k1" "^stats handshakes 2 "
done_testing
