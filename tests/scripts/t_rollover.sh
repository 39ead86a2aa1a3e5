#!/bin/bash
# t_rollover.sh - "loradane rollover" replaces a server key while a client
# handshakes in a loop: the new TLSA record is published by DNS UPDATE to
# a Knot DNS that signs online, the switch waits for 2 x TTL of secure
# sightings, the rollover is killed (-9) in the middle and resumed, and no
# handshake fails at any point.  Afterwards the old key is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/../fixture/ports.sh"

here=$(cd "$(dirname "$0")/../fixture" && pwd)
K=$TMP/knot
P=$TMP/pki
kport=$(free_port)
tport=$(free_port)
zone=opr.test

cleanup_knot() { "$here/knot-ctl.sh" stop "$K" >/dev/null 2>&1; }
trap 'cleanup_knot; _lib_cleanup' EXIT

check "knot starts and signs $zone" \
    "$here/knot-ctl.sh" start "$K" "$zone" "$kport"
KRES="--forward 127.0.0.1@$kport --ta $K/ta.ds"
UPD="--server 127.0.0.1@$kport --tsig $K/tsig.key --zone $zone"

# A TTL of 2 s keeps the 2 x TTL wait short.
check "pki init makes operator opr" \
    "$LORADANE" pki init --operator opr --domain "$zone" --out "$P" \
    --address 127.0.0.1 --port "ns=$tport" --roles ns --ttl 2
"$LORADANE" zone records --pki "$P" --operator opr >"$TMP/records"
check "zone records are published by DNS UPDATE" \
    "$LORADANE" zone update $UPD --add "$TMP/records"

opdir=$P/opr
"$LORADANE" serve-test --cert "$opdir/ns-server/cert.pem" \
    --key "$opdir/ns-server/key.pem" --port "$tport" --client-auth none \
    $KRES >"$TMP/srv.out" 2>"$TMP/srv.err" &
srv=$!
_bg_pids="$_bg_pids $srv"
echo "$srv" >"$TMP/srv.pid"
check "server starts with generation 1" wait_for "$TMP/srv.out" '^listening' 15

# The client: a fresh process (no cache) per handshake, until told to stop.
client_loop() {
	local n=0
	while [ ! -e "$TMP/stop" ]; do
		if "$LORADANE" check ns.$zone "$tport" $KRES >"$TMP/c.last" 2>&1; then
			echo ok >>"$TMP/results"
		else
			echo fail >>"$TMP/results"
			cat "$TMP/c.last" >>"$TMP/failures"
		fi
		n=$((n + 1))
	done
}
client_loop &
loop=$!
_bg_pids="$_bg_pids $loop"
handshakes() { [ -e "$TMP/results" ] && [ "$(grep -c ok "$TMP/results")" -ge "$1" ]; }
check "client handshakes before the rollover" wait_until 30 handshakes 3

RO=("$LORADANE" rollover --pki "$P" --operator opr --identity ns-server
    $UPD $KRES --reload-pidfile "$TMP/srv.pid" --poll 1)
"${RO[@]}" --stop-after created >"$TMP/ro1" 2>&1
check "rollover stops after step created" \
    contains "$TMP/ro1" "stopped after step created"
check "generation 2 exists, key mode 0600" \
    test "$(stat -c %a "$opdir/ns-server.2/key.pem")" = 600
check "the link still points at generation 1" \
    test "$(readlink "$opdir/ns-server")" = ns-server.1
"$LORADANE" zone records --pki "$P" --operator opr >"$TMP/rec2"
check "records during 'created' list only generation 1" \
    bash -c "grep -c 'ns-server generation' '$TMP/rec2' | grep -qx 1"

# Resume, and kill -9 while it waits for 2 x TTL of secure sightings.
"${RO[@]}" >"$TMP/ro2" 2>&1 &
ro=$!
secure_seen() { grep -Eq '^secure-since [1-9]' "$opdir/ns-server.rollover"; }
check "resumed rollover publishes and sees the record secure" \
    wait_until 60 secure_seen
kill -9 "$ro"
wait "$ro" 2>/dev/null
check "state after the crash is 'published'" \
    contains "$opdir/ns-server.rollover" '^step published'
"$LORADANE" zone records --pki "$P" --operator opr >"$TMP/rec3"
check "records while published list both generations" \
    bash -c "grep -c 'ns-server generation' '$TMP/rec3' | grep -qx 2"
"${RO[@]}" status >"$TMP/ro-status" 2>&1
check "rollover status shows the step" \
    contains "$TMP/ro-status" "generation 1 -> 2, step published"

"${RO[@]}" >"$TMP/ro3" 2>&1
rc=$?
check "rollover resumes after the crash and completes" test $rc -eq 0
check "it waited for 2 x TTL before switching" \
    contains "$TMP/ro3" "step observed committed"
check "the server was seen presenting generation 2" \
    contains "$TMP/ro3" "presents generation 2"
check "the old record was deleted" contains "$TMP/ro3" "deleted .*TLSA 3 1 1"
check "the link points at generation 2" \
    test "$(readlink "$opdir/ns-server")" = ns-server.2
check "the state file is gone" test ! -e "$opdir/ns-server.rollover"
check "the server reloaded" wait_for "$TMP/srv.err" "reloaded" 5

# A few more handshakes on the new key, then stop the client.
before=$(grep -c ok "$TMP/results")
check "client handshakes after the rollover" wait_until 30 handshakes $((before + 3))
touch "$TMP/stop"
wait "$loop"
total=$(wc -l <"$TMP/results")
fails=$(grep -c fail "$TMP/results")
echo "# $total handshakes during the rollover, $fails failed"
[ -e "$TMP/failures" ] && sed 's/^/#   /' "$TMP/failures" | head -20
check "no handshake failed during the whole rollover ($total)" \
    test "$fails" -eq 0
check "handshakes ran throughout (at least 10)" test "$total" -ge 10

# The old key: refused once its record's TTL has passed.
kill "$srv"
wait "$srv" 2>/dev/null
"$LORADANE" serve-test --cert "$opdir/ns-server.1/cert.pem" \
    --key "$opdir/ns-server.1/key.pem" --port "$tport" --client-auth none \
    $KRES >"$TMP/old.out" 2>"$TMP/old.err" &
old=$!
_bg_pids="$_bg_pids $old"
check "a server with the old key starts" wait_for "$TMP/old.out" '^listening' 15
refused() {
	! "$LORADANE" check ns.$zone "$tport" $KRES >"$TMP/old.c" 2>&1
}
check "the old key is refused within TTL + 5 s" wait_until 7 refused
check "the refusal says the certificate did not match" \
    contains "$TMP/old.c" "match"
"$LORADANE" zone records --pki "$P" --operator opr >"$TMP/rec4"
check "records after the rollover list only generation 2" \
    contains "$TMP/rec4" "ns-server generation 2"

# DANE-TA: the root CA's 2 1 1 record alone authenticates the certificate
# chain the server sends (its SAN carries the host name).
"$LORADANE" zone records --pki "$P" --operator opr --dane-ta |
    grep 'TLSA.2 1 1' >"$TMP/ta-rr"
check "zone records --dane-ta emits the root CA's 2 1 1" \
    test "$(wc -l <"$TMP/ta-rr")" -eq 2
"$LORADANE" zone update $UPD --delete "_$tport._tcp.ns.$zone. TLSA" \
    --add "$TMP/ta-rr" >/dev/null
kill "$old"
wait "$old" 2>/dev/null
"$LORADANE" serve-test --cert "$opdir/ns-server/cert.pem" \
    --key "$opdir/ns-server/key.pem" --port "$tport" --client-auth none \
    $KRES >"$TMP/ta.out" 2>"$TMP/ta.err" &
_bg_pids="$_bg_pids $!"
wait_for "$TMP/ta.out" '^listening' 15
"$LORADANE" check ns.$zone "$tport" $KRES >"$TMP/ta.c" 2>&1
check "DANE-TA 2 1 1 of the operator's root authenticates the server" \
    contains "$TMP/ta.c" "matched by 2 1 1 [0-9a-f]+\.\.\. at depth 2"
check "bad identity is a usage error" \
    bash -c "'$LORADANE' rollover --pki '$P' --operator opr --identity nope status; test \$? -eq 2"
check "unknown operator is refused" \
    bash -c "! '$LORADANE' rollover --pki '$P' --operator nobody --identity ns-server status 2>'$TMP/unk'"
check "... naming it" contains "$TMP/unk" "unknown operator 'nobody'"
done_testing
