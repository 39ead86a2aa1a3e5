#!/bin/bash
# t_mqtt.sh - lib/mqtt against a real Mosquitto (a private one on a free
# loopback port, tests/fixture/mosquitto-ctl.sh): QoS 1 publishes
# acknowledged and delivered back to our own subscription, and seen by an
# independent subscriber (mosquitto_sub) started first; then the broker
# stopped dead with QoS 1 messages written but not acknowledged, the loss
# reported, and after the broker comes back on the same port the client
# reconnects, resubscribes and resends them with DUP set (the broker's log
# shows "d1"), every one acknowledged and delivered: at least once.
# Last, TLS: a broker certificate verified by address and by name, and one
# for another name refused.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/fixture/ports.sh
. "$TOP/tests/fixture/ports.sh"

PROBE=$HELPERS/mqtt_probe
CTL=$TOP/tests/fixture/mosquitto-ctl.sh
B=$TMP/broker
N=20
M=10

if ! command -v mosquitto_sub >/dev/null 2>&1 ||
    { ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; }; then
	not_ok "mosquitto and mosquitto-clients installed (scripts/install-deps.sh)"
	done_testing
	exit
fi
# As root the broker runs as user mosquitto, which must reach $B.
[ "$(id -u)" != 0 ] || chmod 711 "$TMP"
_lib_cleanup_mqtt() {
	"$CTL" stop "$B" >/dev/null 2>&1
	"$CTL" stop "$TMP/tls/broker" >/dev/null 2>&1
	_lib_cleanup
}
trap _lib_cleanup_mqtt EXIT

port=$(free_port)
if "$CTL" start "$B" "$port" 2>"$TMP/start.err"; then
	ok "mosquitto started on 127.0.0.1:$port"
else
	sed 's/^/# /' "$TMP/start.err"
	not_ok "mosquitto started on 127.0.0.1:$port"
	done_testing
	exit
fi

# --- 1. publish N, all acknowledged, all back; an outside subscriber
# started first sees them too
mosquitto_sub -h 127.0.0.1 -p "$port" -i t-sub -q 1 -t loradane/t/a -C $N \
    -W 30 >"$TMP/sub.out" 2>"$TMP/sub.err" &
sub=$!
_bg_pids="$_bg_pids $sub"
check "outside subscriber connected first" \
    wait_for "$B/mosquitto.log" 'Subscriptions.*loradane/t/a|t-sub 1 loradane/t/a' 15
"$PROBE" -n $N -c t-probe-a -t 30 127.0.0.1 "$port" loradane/t/a \
    >"$TMP/a.out" 2>"$TMP/a.err"
rc=$?
check "probe exits 0" [ "$rc" -eq 0 ]
check "$N QoS 1 messages acknowledged and delivered back" \
    contains "$TMP/a.out" "^result acked=$N received=$N dups=0$"
wait "$sub" 2>/dev/null
check "the outside subscriber got all $N" \
    [ "$(grep -c '^m[0-9]*$' "$TMP/sub.out")" -eq $N ]
check "... in order" [ "$(head -1 "$TMP/sub.out")$(tail -1 "$TMP/sub.out")" = "m1m$N" ]

# --- 2. the broker dies with M messages in flight
mkfifo "$TMP/cmd"
"$PROBE" -i -r -c t-probe-b -k 60 -b 300 -t 60 127.0.0.1 "$port" \
    loradane/t/b <"$TMP/cmd" >"$TMP/b.out" 2>"$TMP/b.err" &
probe=$!
_bg_pids="$_bg_pids $probe"
exec 3>"$TMP/cmd"
check "interactive probe subscribed" wait_for "$TMP/b.out" '^subscribed$' 15
bpid=$("$CTL" pid "$B")
# Frozen, the broker reads nothing: the messages are written, never acked.
kill -STOP "$bpid"
echo "pub $M" >&3
check "$M messages published to a frozen broker" \
    wait_for "$TMP/b.out" "^published $M$" 15
check "... none acknowledged" [ "$(grep -c '^acked' "$TMP/b.out")" -eq 0 ]
kill -KILL "$bpid"
check "the loss is reported with $M still queued" \
    wait_for "$TMP/b.out" "^down .* queued=$M$" 15
"$CTL" stop "$B" >/dev/null 2>&1
check "reconnect attempts while the broker is away" \
    wait_until 15 sh -c "[ \$(grep -c '^down' '$TMP/b.out') -ge 2 ]"

if "$CTL" start "$B" "$port" 2>"$TMP/start.err"; then
	ok "mosquitto restarted on the same port"
else
	sed 's/^/# /' "$TMP/start.err"
	not_ok "mosquitto restarted on the same port"
fi
check "reconnected" wait_until 15 sh -c \
    "[ \$(grep -c '^connected' '$TMP/b.out') -ge 2 ]"
check "all $M acknowledged after the reconnect" \
    wait_for "$TMP/b.out" "^acked $M$" 15
check "all $M delivered back after the reconnect" \
    wait_for "$TMP/b.out" "^received $M$" 15
check "resent with DUP set (broker log: d1, q1)" \
    contains "$B/mosquitto.log" "Received PUBLISH from t-probe-b \(d1, q1"
# The new broker holds the retained last one: it really got them.
mosquitto_sub -h 127.0.0.1 -p "$port" -t loradane/t/b --retained-only \
    -C 1 -W 10 >"$TMP/ret.out" 2>&1
check "the restarted broker has the retained m$M" contains "$TMP/ret.out" "^m$M$"
echo quit >&3
exec 3>&-
wait "$probe"
rc=$?
check "interactive probe closes cleanly" [ "$rc" -eq 0 ]
check "... after a DISCONNECT" contains "$TMP/b.out" '^closed$'
sed 's/^/#   /' "$TMP/b.out" | grep -Ev '^#   (acked|received) ' >&2

"$CTL" stop "$B" >/dev/null 2>&1
check "mosquitto stopped, port free" wait_until 15 sh -c \
    "! ss -Htln '( sport = :$port )' | grep -q ."

# --- 3. TLS: a broker certificate for 127.0.0.1 from a CA made now
T=$TMP/tls
mkdir -p "$T"
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/ca.key" -out "$T/ca.crt" -subj /CN=t-mqtt-ca -days 2 \
    >"$T/ossl.log" 2>&1 &&
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$T/srv.key" -out "$T/srv.csr" -subj /CN=localhost \
	>>"$T/ossl.log" 2>&1 &&
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$T/ext" &&
    openssl x509 -req -in "$T/srv.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" \
	-CAcreateserial -out "$T/srv.crt" -days 2 -extfile "$T/ext" \
	>>"$T/ossl.log" 2>&1; then
	ok "TLS: CA and broker certificate made"
else
	sed 's/^/# /' "$T/ossl.log"
	not_ok "TLS: CA and broker certificate made"
fi
tport=$(free_port)
if "$CTL" start "$T/broker" "$tport" "$T/srv.crt" "$T/srv.key" \
    2>"$TMP/start.err"; then
	ok "TLS: mosquitto started on 127.0.0.1:$tport"
else
	sed 's/^/# /' "$TMP/start.err"
	not_ok "TLS: mosquitto started on 127.0.0.1:$tport"
fi
"$PROBE" -n 5 -c t-probe-tls -t 20 -a "$T/ca.crt" 127.0.0.1 "$tport" \
    loradane/t/tls >"$TMP/tls.out" 2>&1
check "TLS: 5 messages acknowledged and delivered back (IP checked)" \
    contains "$TMP/tls.out" "^result acked=5 received=5 dups=0$"
"$PROBE" -n 1 -c t-probe-tls2 -t 20 -a "$T/ca.crt" localhost "$tport" \
    loradane/t/tls2 >"$TMP/tls2.out" 2>&1
check "TLS: by host name (resolved, name checked)" \
    contains "$TMP/tls2.out" "^result acked=1 received=1 dups=0$"
# the probe gives up at its deadline: the refusal comes long before
"$PROBE" -n 1 -c t-probe-tls3 -t 3 -a "$T/ca.crt" -s wrong.example \
    127.0.0.1 "$tport" loradane/t/tls >"$TMP/tls3.out" 2>&1
check "TLS: a certificate for another name is refused" \
    contains "$TMP/tls3.out" "^down TLS error"
check "... never connected" \
    sh -c "! grep -q '^connected' '$TMP/tls3.out'"
"$CTL" stop "$T/broker" >/dev/null 2>&1
done_testing
