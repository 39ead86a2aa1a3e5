#!/bin/bash
# t_ns.sh - loradane-ns, joins: simulated devices (loradane sim) join
# through simulated gateways over the Semtech UDP protocol; the NS finds
# the Join Server through the DNS (the JoinEUI's NAPTR -> SRV, validated by
# the fixture's NSD), authenticates it by its TLSA record and is
# authenticated by its own client identity, stores the session and
# schedules the join-accept in RX1.  Refusals: an unknown gateway, a
# JoinEUI with no DNS name, a Join Server behind a bogus TLSA, a Join
# Server that does not authorize this NS; none stops the NS.  A DevAddr is
# never handed out twice, across a kill -9.
. "$(dirname "$0")/lib.sh"

NS=$BUILD/loradane-ns
JS=$BUILD/loradane-js
C=$DANCE_CERTS
W=$TMP/w
mkdir -p "$W"
JE=0807060504030201
KA=000102030405060708090a0b0c0d0e0f KB=101112131415161718191a1b1c1d1e1f
KC=202122232425262728292a2b2c2d2e2f NC=303132333435363738393a3b3c3d3e3f
. "$(dirname "$0")/../fixture/ports.sh"
udp=$(free_port)

# The Join Server, with three devices of the NS's NetID.
js_fixture_conf "$W" >"$W/js.conf"
echo "netid 000013 _ns-client.ee.good.dance.test" >>"$W/js.conf"
cat >"$W/devices.csv" <<CSV
DevEUI,JoinEUI,MACVersion,AppKey,NwkKey,HomeNetID,ASID,NSKEKLabel,ASKEKLabel
0102030405060701,$JE,1.0.2,$KA,,000013,,,
0102030405060702,$JE,1.0.4,$KB,,000013,,,
0102030405060703,$JE,1.1,$KC,$NC,000013,,,
CSV
cat >"$W/sim.devices" <<LIST
0102030405060701 $JE 1.0.2 $KA 000013
0102030405060702 $JE 1.0.4 $KB 000013
0102030405060703 $JE 1.1 $KC $NC 000013
LIST
check "JS devices imported" "$LORADANE" device import \
    --store "sqlite:$W/js.db" --kek "$W/kek" "$W/devices.csv"
"$JS" -d -f "$W/js.conf" >"$W/js.out" 2>"$W/js.err" &
jspid=$!
_bg_pids="$_bg_pids $jspid"
check "loradane-js starts" \
    wait_for "$W/js.err" "listening on 127.0.0.1 port $DANCE_TEST_TLS_PORT" 15

# ns_conf EXTRA... - the NS configuration, with extra lines
ns_conf() {
	cat <<CONF
listen-udp 127.0.0.1 $udp
netid 000013
client-cert $C/cli.crt
client-key $C/cli.key
client-name _ns-client.ee.good.dance.test
trust-anchor $DANCE_TA_DS
forward 127.0.0.1@$DANCE_TEST_DNS_PORT
joineui-suffix joineuis.good.dance.test
store sqlite:$W/ns.db
kek-file $W/kek
CONF
	printf '%s\n' "$@"
}
ns_start() {
	"$NS" -d -v -f "$W/ns.conf" >"$W/ns.out" 2>>"$W/ns.err" &
	nspid=$!
	_bg_pids="$_bg_pids $nspid"
	wait_for "$W/ns.err" "listening for gateways on 127.0.0.1 port $udp" 15
}
# sim OUT ARGS... - loradane sim against the NS, summary in OUT
sim() {
	local out=$1
	shift
	"$LORADANE" sim --ns 127.0.0.1 "$udp" "$@" >"$out" 2>"$out.err"
}
val() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

ns_conf "gateway aa555a0000000000" "gateway aa555a0000000001" \
    "gateway aa555a0000000002" >"$W/ns.conf"
check "-n accepts the configuration" "$NS" -n -f "$W/ns.conf"
check "loradane-ns starts" ns_start

sim "$W/s1" --devices "$W/sim.devices" --gateways 3 \
    --gateway-eui aa555a0000000000 --gateways-per-frame 3
rc=$?
check "three devices (1.0.2, 1.0.4, 1.1) join through three gateways (exit $rc)" \
    test "$rc" = 0
check "... all three accepted, in RX1" \
    test "$(val "$W/s1" joins_accepted)" = 3 -a "$(val "$W/s1" rx1)" = 3
check "the NS found the JS through the JoinEUI's DNS name, validated" \
    contains "$W/ns.err" "js=srv.good.dance.test port $DANCE_TEST_TLS_PORT via NAPTR -> SRV _lwns._tcp.srv.good.dance.test \(secure\)"
check "the NS authenticated the JS by its TLSA record" \
    contains "$W/ns.err" "server srv.good.dance.test port $DANCE_TEST_TLS_PORT authenticated as srv.good.dance.test by TLSA"
check "the JS authenticated the NS by its client identity" \
    contains "$W/js.err" "client .* authenticated as _ns-client.ee.good.dance.test by TLSA"
check "one join line per device, accepted in RX1" \
    test "$(grep -c 'msg=join .*result=accepted-rx1' "$W/ns.err")" = 3

# Uplinks after the join: MIC and FCnt checked by the NS, the FCnt
# recorded durably; confirmed ones acknowledged, LinkCheckReq and
# DeviceTimeReq answered, through the best gateway in RX1.
sim "$W/u1" --devices "$W/sim.devices" --gateways 2 \
    --gateway-eui aa555a0000000000 --gateways-per-frame 2 --devnonce-start 10 \
    --uplinks 4 --uplink-interval 50 --confirmed --mac-every 2
rc=$?
check "each device joins and sends 4 confirmed uplinks (exit $rc)" \
    test "$rc" = 0 -a "$(val "$W/u1" uplinks_sent)" = 12
check "... every one acknowledged by the NS" \
    test "$(val "$W/u1" acks)" = 12 -a "$(val "$W/u1" bad_downlinks)" = 0
check "... LinkCheckReq and DeviceTimeReq answered (6 each)" \
    test "$(val "$W/u1" link_check_ans)" = 6 -a \
    "$(val "$W/u1" device_time_ans)" = 6
twelve() {
	[ "$(grep -c 'msg=uplink .*result=accepted answer=rx1' "$W/ns.err")" = 12 ]
}
check "the NS accepted the 12 uplinks and answered in RX1" \
    wait_until 10 twelve
# The NS runs LoRaWAN 1.0.x sessions (mac-version 1.0.3: OptNeg off), so
# a 1.1 device joins in 1.0 mode and MAX_FCNT_GAP holds: a first FCnt of
# 65534 after a join is refused, and so is the next.
grep ' 1.1 ' "$W/sim.devices" >"$W/v11.devices"
sim "$W/u2" --devices "$W/v11.devices" --gateways 1 \
    --gateway-eui aa555a0000000000 --devnonce-start 20 --uplinks 2 \
    --uplink-interval 50 --fcnt-start 65534
gapped() {
	[ "$(grep -cE 'deveui=0102030405060703 .*fcnt=6553[45] .*result=fcnt-gap' "$W/ns.err")" = 2 ]
}
check "a first FCnt of 65534 after a join is refused (gap over 16384)" \
    wait_until 10 gapped
grep ' 1.0.4 ' "$W/sim.devices" >"$W/v104.devices"
sim "$W/u3" --devices "$W/v104.devices" --gateways 1 \
    --gateway-eui aa555a0000000000 --devnonce-start 30 --uplinks 1 \
    --fcnt-start 20000
check "a 1.0.4 device's first FCnt 20000 is refused (gap over 16384)" \
    wait_for "$W/ns.err" "deveui=0102030405060702 .*fcnt=20000 .*result=fcnt-gap" 10

# A gateway that is not on the list: its frames are dropped and logged.
sim "$W/s2" --devices "$W/sim.devices" --gateways 1 \
    --gateway-eui bb555a0000000000 --joins 1 --ready-timeout 1000
rc=$?
check "an unknown gateway is not even answered PULL_ACK (sim exit $rc)" \
    test "$rc" = 1
check "... and the NS logs the gateway" contains "$W/ns.err" \
    "gateway bb555a0000000000 .*not an allowed gateway"

# Devices the DNS knows nothing of, or whose JS cannot be authenticated.
printf '0102030405060799 0807060504030299 1.0.2 %s 000013\n' "$KA" \
    >"$W/nodns.devices"
sim "$W/s3" --devices "$W/nodns.devices" --gateways 1 \
    --gateway-eui aa555a0000000000 --joins 1
check "a JoinEUI with no DNS name: no join-accept" \
    test "$(val "$W/s3" joins_accepted)" = 0
check "... no NAPTR, and the plain name has no TLSA: the NS says so" \
    contains "$W/ns.err" "joineui=0807060504030299 .*result=js-unreachable .*no TLSA record \(authenticated denial\)"

kill "$nspid"
wait "$nspid" 2>/dev/null
ns_conf "gateway any" \
    "join-server 0807060504030299 srv.bogus.dance.test $DANCE_TEST_TLS_PORT 127.0.0.1" \
    >"$W/ns.conf"
check "loradane-ns restarts with a join-server line to a bogus zone" ns_start
sim "$W/s4" --devices "$W/nodns.devices" --gateways 1 \
    --gateway-eui aa555a0000000000 --joins 1
check "a JS behind a bogus TLSA is never sent the JoinReq" \
    contains "$W/ns.err" "joineui=0807060504030299 .*result=js-unreachable .*bogus"

# kill -9, then a join again: the DevAddr allocation goes on.
kill -9 "$nspid"
wait "$nspid" 2>/dev/null
check "loradane-ns restarts after kill -9" ns_start
sim "$W/s5" --devices "$W/sim.devices" --gateways 1 \
    --gateway-eui aa555a0000000000 --devnonce-start 100
check "after the restart the three devices join again" \
    test "$(val "$W/s5" joins_accepted)" = 3
n=$(grep -o 'result=accepted-rx1 devaddr=[0-9a-f]*' "$W/ns.err" | sort | uniq -d | wc -l)
check "no DevAddr was handed out twice ($(grep -c 'result=accepted' "$W/ns.err") joins)" \
    test "$n" = 0

# The JS does not authorize this NS for NetID 000013.
kill "$jspid"
wait "$jspid" 2>/dev/null
sed -i 's/^netid 000013 .*/netid 000013 _ns-client.other.good.dance.test/' \
    "$W/js.conf"
"$JS" -d -f "$W/js.conf" >"$W/js.out" 2>"$W/js2.err" &
_bg_pids="$_bg_pids $!"
check "loradane-js restarts without this NS's authorization" \
    wait_for "$W/js2.err" "listening on 127.0.0.1" 15
sim "$W/s6" --devices "$W/sim.devices" --gateways 1 \
    --gateway-eui aa555a0000000000 --devnonce-start 200 --joins 1
check "the JS refuses the NS (UnknownSender) and no join-accept goes out" \
    contains "$W/ns.err" "result=js-refused why=\"UnknownSender"
check "the NS is still running" kill -0 "$nspid"
done_testing
