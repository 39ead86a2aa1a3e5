#!/bin/bash
# t_js.sh - loradane-js end to end, once on SQLite and once on PostgreSQL:
# an NS authenticated by DANE sends JoinReqs (1.0.2, 1.0.4, 1.1) and gets
# JoinAns whose join-accepts lora-packet decrypts and verifies, with
# session keys equal to lora-packet's own derivation; every refusal of the
# issue (replayed DevNonce, MIC, unknown device, an authenticated sender
# not authorized for its NetID, no DANE identity, bogus TLSA, malformed
# JSON, oversized body, wrong types) while the daemon keeps serving;
# AppSKeyReq only by the device's own AS; HomeNSReq; metrics; reload.
. "$(dirname "$0")/lib.sh"

JS=$BUILD/loradane-js
L=$LORADANE
C=$DANCE_CERTS
port=$DANCE_TEST_TLS_PORT
RES="--forward 127.0.0.1@$DANCE_TEST_DNS_PORT --ta $DANCE_TA_DS"
NS_ID=(--client-name _ns-client.ee.good.dance.test --cert "$C/cli.crt" --key "$C/cli.key")
NS2_ID=(--client-name _ns-client.other.good.dance.test --cert "$C/cli2.crt" --key "$C/cli2.key")
AS_ID=(--client-name _ns-client.clita.good.dance.test --cert "$C/clita-chain.pem" --key "$C/clita.key")
JE=0807060504030201
KA=000102030405060708090a0b0c0d0e0f KB=101112131415161718191a1b1c1d1e1f
KC=202122232425262728292a2b2c2d2e2f NC=303132333435363738393a3b3c3d3e3f
NSKEK=00112233445566778899aabbccddeeff ASKEK=ffeeddccbbaa99887766554433221100

if mods=$("$TOP/tests/interop/install.sh" 2>"$TMP/npm.err"); then
	ok "npm: lora-packet installed"
else
	not_ok "npm: lora-packet installed"
fi

# phy DEVEUI KEY DEVNONCE - a join-request, hex
phy() {
	"$L" join-request --deveui "$1" --joineui $JE --appkey "$2" \
	    --devnonce "$3" | awk '$1 == "hex:" {print $2}'
}

# jr FILE DEVEUI PHY DLSETTINGS MACVERSION [SENDER] - a JoinReq body
jr() {
	printf '{"ProtocolVersion":"1.0","SenderID":"%s","ReceiverID":"%s","TransactionID":%d,"MessageType":"JoinReq","MACVersion":"%s","PHYPayload":"%s","DevEUI":"%s","DevAddr":"01020304","DLSettings":"%s","RxDelay":1}' \
	    "${6:-000013}" $JE $RANDOM "$5" "$3" "$2" "$4" >"$1"
}

# send OUT IDENTITY... -- FILE... - bi-request, answers in OUT
send() {
	local out=$1
	shift
	local id=()
	while [ "$1" != "--" ]; do id+=("$1"); shift; done
	shift
	"$L" bi-request srv.good.dance.test "$port" "${id[@]}" $RES "$@" \
	    >"$out" 2>"$out.err"
}

# body N OUT - the Nth answer body of a bi-request output
body() { awk -v n="$1" '/^HTTP /{i++; getline; if (i == n) print}' "$2"; }

# verify DESC SPEC ANSWER - lora-packet checks a JoinAns
verify() {
	if node "$TOP/tests/interop/joinans.js" "$mods" "$2" "$3" >"$TMP/v.out" 2>&1; then
		ok "$1"
	else
		sed 's/^/#   /' "$TMP/v.out"
		not_ok "$1"
	fi
}

start_js() {
	"$JS" -d -f "$W/js.conf" >"$W/js.out" 2>"$W/js.err" &
	jspid=$!
	_bg_pids="$_bg_pids $jspid"
	wait_for "$W/js.err" "listening on 127.0.0.1 port $port" 15
}

suite() {	# suite NAME STORE-URI
	local name=$1 store=$2
	W=$TMP/$name
	mkdir -p "$W"
	echo "# --- $name"
	openssl rand -hex 32 >"$W/kek"
	echo $NSKEK >"$W/ns.kek"
	echo $ASKEK >"$W/as.kek"
	chmod 600 "$W/kek" "$W/ns.kek" "$W/as.kek"
	cat >"$W/devices.csv" <<CSV
DevEUI,JoinEUI,MACVersion,AppKey,NwkKey,HomeNetID,ASID,NSKEKLabel,ASKEKLabel
0102030405060701,$JE,1.0.2,$KA,,000013,_ns-client.clita.good.dance.test,,as-kek
0102030405060702,$JE,1.0.4,$KB,,000013,_ns-client.clita.good.dance.test,,
0102030405060703,$JE,1.1,$KC,$NC,000013,_ns-client.clita.good.dance.test,ns-kek,as-kek
0102030405060704,$JE,1.0.2,$KA,,000099,_ns-client.clita.good.dance.test,,
CSV
	check "$name: devices imported" "$L" device import --store "$store" \
	    --kek "$W/kek" "$W/devices.csv"
	cat >"$W/js.conf" <<CONF
# loradane-js test configuration ($name)
listen 127.0.0.1 $port
tls-cert $C/srv.crt
tls-key $C/srv.key
joineui $JE
store $store
kek-file $W/kek
trust-anchor $DANCE_TA_DS
forward 127.0.0.1@$DANCE_TEST_DNS_PORT
netid 000013 _ns-client.ee.good.dance.test
kek ns-kek $W/ns.kek
kek as-kek $W/as.kek
max-body 4096
metrics 127.0.0.1 $mport
pidfile $W/js.pid
CONF
	check "$name: -n accepts the configuration" "$JS" -n -f "$W/js.conf"
	check "$name: loradane-js starts" start_js

	# 1.0.2: JoinNonce 1, then the same DevNonce is a replay.
	p=$(phy 0102030405060701 $KA 258)
	jr "$W/a1" 0102030405060701 "$p" 15 1.0.2
	send "$W/r1" "${NS_ID[@]}" -- "$W/a1" "$W/a1"
	check "$name: JoinReq 1.0.2 over DANE mTLS gets HTTP 200" \
	    contains "$W/r1" "^HTTP 200$"
	verify "$name: 1.0.2 JoinAns verified by lora-packet" \
	    "{\"ver\":\"1.0\",\"appkey\":\"$KA\",\"dev_eui\":\"0102030405060701\",\"join_eui\":\"$JE\",\"dev_nonce\":258,\"net_id\":\"000013\",\"dev_addr\":\"01020304\",\"join_nonce\":1,\"keks\":{\"as-kek\":\"$ASKEK\"}}" \
	    "$(body 1 "$W/r1")"
	check "$name: replayed DevNonce refused (JoinReqFailed)" \
	    bash -c "[[ '$(body 2 "$W/r1")' == *'\"ResultCode\":\"JoinReqFailed\"'*'DevNonce 258'* ]]"
	# 1.0.4: DevNonce must increase.
	for dn in 5 5 4 6; do
		jr "$W/b$dn.$RANDOM" 0102030405060702 "$(phy 0102030405060702 $KB $dn)" 00 1.0.4
	done
	send "$W/r2" "${NS_ID[@]}" -- $(ls -tr "$W"/b[0-9].*)
	verify "$name: 1.0.4 JoinAns (DevNonce 5) verified by lora-packet" \
	    "{\"ver\":\"1.0\",\"appkey\":\"$KB\",\"dev_eui\":\"0102030405060702\",\"join_eui\":\"$JE\",\"dev_nonce\":5,\"net_id\":\"000013\",\"dev_addr\":\"01020304\",\"join_nonce\":1,\"keks\":{}}" \
	    "$(body 1 "$W/r2")"
	check "$name: 1.0.4 same DevNonce refused" \
	    bash -c "[[ '$(body 2 "$W/r2")' == *JoinReqFailed* ]]"
	check "$name: 1.0.4 lower DevNonce refused" \
	    bash -c "[[ '$(body 3 "$W/r3" 2>/dev/null; body 3 "$W/r2")' == *JoinReqFailed* ]]"
	verify "$name: 1.0.4 next DevNonce accepted, JoinNonce 2" \
	    "{\"ver\":\"1.0\",\"appkey\":\"$KB\",\"dev_eui\":\"0102030405060702\",\"join_eui\":\"$JE\",\"dev_nonce\":6,\"net_id\":\"000013\",\"dev_addr\":\"01020304\",\"join_nonce\":2,\"keks\":{}}" \
	    "$(body 4 "$W/r2")"
	# 1.1 with OptNeg: the MIC uses NwkKey; three wrapped network keys.
	p=$("$L" join-request --deveui 0102030405060703 --joineui $JE --nwkkey $NC --devnonce 1 | awk '$1 == "hex:" {print $2}')
	jr "$W/c1" 0102030405060703 "$p" 80 1.1
	send "$W/r3" "${NS_ID[@]}" -- "$W/c1"
	b=$(body 1 "$W/r3")
	verify "$name: 1.1 JoinAns (OptNeg) verified by lora-packet, keys unwrapped" \
	    "{\"ver\":\"1.1\",\"appkey\":\"$KC\",\"nwkkey\":\"$NC\",\"dev_eui\":\"0102030405060703\",\"join_eui\":\"$JE\",\"dev_nonce\":1,\"net_id\":\"000013\",\"dev_addr\":\"01020304\",\"join_nonce\":1,\"keks\":{\"ns-kek\":\"$NSKEK\",\"as-kek\":\"$ASKEK\"},\"appskey_out\":true}" \
	    "$b"
	want=$(awk '$1 == "appskey" {print $2}' "$TMP/v.out")
	skid=$(sed -n 's/.*"SessionKeyID":"\([0-9a-f]*\)".*/\1/p' <<<"$b")
	check "$name: the 1.1 JoinAns carries a SessionKeyID" test -n "$skid"

	# RejoinReq (1.1): type 1 signed with JSIntKey and counted by the JS;
	# type 2 signed with SNwkSIntKey, checked by the NS, which we trust.
	rjr() {	# rjr FILE PHY
		printf '{"ProtocolVersion":"1.0","SenderID":"000013","ReceiverID":"%s","TransactionID":%d,"MessageType":"RejoinReq","MACVersion":"1.1","PHYPayload":"%s","DevEUI":"0102030405060703","DevAddr":"01020304","DLSettings":"80","RxDelay":1}' \
		    $JE $RANDOM "$2" >"$1"
	}
	rjr "$W/rj1" "$("$L" join-request --rejoin-type 1 --deveui 0102030405060703 --joineui $JE --nwkkey $NC --rjcount 7 | awk '$1 == "hex:" {print $2}')"
	rjr "$W/rj2" "$("$L" join-request --rejoin-type 2 --deveui 0102030405060703 --netid 000013 --snwksintkey $NC --rjcount 3 | awk '$1 == "hex:" {print $2}')"
	p=$("$L" join-request --rejoin-type 1 --deveui 0102030405060703 --joineui $JE --nwkkey $KC --rjcount 8 | awk '$1 == "hex:" {print $2}')
	rjr "$W/rj3" "$p"
	send "$W/rr" "${NS_ID[@]}" -- "$W/rj1" "$W/rj1" "$W/rj2" "$W/rj3"
	verify "$name: RejoinReq type 1 answered, verified by lora-packet (JSEncKey)" \
	    "{\"ver\":\"1.1\",\"appkey\":\"$KC\",\"nwkkey\":\"$NC\",\"dev_eui\":\"0102030405060703\",\"join_eui\":\"$JE\",\"dev_nonce\":7,\"rejoin_type\":1,\"net_id\":\"000013\",\"dev_addr\":\"01020304\",\"join_nonce\":2,\"keks\":{\"ns-kek\":\"$NSKEK\",\"as-kek\":\"$ASKEK\"}}" \
	    "$(body 1 "$W/rr")"
	check "$name: ... a replayed RJcount1 is refused" \
	    bash -c "[[ '$(body 2 "$W/rr")' == *JoinReqFailed* ]]"
	verify "$name: RejoinReq type 2 answered, verified by lora-packet" \
	    "{\"ver\":\"1.1\",\"appkey\":\"$KC\",\"nwkkey\":\"$NC\",\"dev_eui\":\"0102030405060703\",\"join_eui\":\"$JE\",\"dev_nonce\":3,\"rejoin_type\":2,\"net_id\":\"000013\",\"dev_addr\":\"01020304\",\"join_nonce\":3,\"keks\":{\"ns-kek\":\"$NSKEK\",\"as-kek\":\"$ASKEK\"}}" \
	    "$(body 3 "$W/rr")"
	check "$name: ... a type-1 rejoin signed with the wrong key: MICFailed" \
	    bash -c "[[ '$(body 4 "$W/rr")' == *MICFailed* ]]"
	rjr "$W/rj4" "$("$L" join-request --rejoin-type 2 --deveui 0102030405060701 --netid 000013 --snwksintkey $KA --rjcount 1 | awk '$1 == "hex:" {print $2}')"
	sed -i 's/0102030405060703/0102030405060701/' "$W/rj4"
	send "$W/rr2" "${NS_ID[@]}" -- "$W/rj4"
	check "$name: RejoinReq for a 1.0.2 device: JoinReqFailed" \
	    bash -c "[[ '$(body 1 "$W/rr2")' == *JoinReqFailed*'not a LoRaWAN 1.1 device'* ]]"

	# AppSKeyReq: only the device's own AS gets the AppSKey.
	printf '{"ProtocolVersion":"1.0","SenderID":"as.example","ReceiverID":"%s","TransactionID":7,"MessageType":"AppSKeyReq","DevEUI":"0102030405060703","SessionKeyID":"%s"}' $JE "$skid" >"$W/ak"
	send "$W/r4" "${AS_ID[@]}" -- "$W/ak"
	got=$(body 1 "$W/r4")
	check "$name: AppSKeyReq by the device's AS succeeds" \
	    bash -c "[[ '$got' == *'\"ResultCode\":\"Success\"'* ]]"
	wrapped=$(sed -n 's/.*"AppSKey":{"KEKLabel":"as-kek","AESKey":"\([0-9a-f]*\)".*/\1/p' <<<"$got")
	unwrapped=$(node -e 'const c=require("crypto");const d=c.createDecipheriv("id-aes128-wrap",Buffer.from(process.argv[1],"hex"),Buffer.from("a6a6a6a6a6a6a6a6","hex"));process.stdout.write(Buffer.concat([d.update(Buffer.from(process.argv[2],"hex")),d.final()]).toString("hex"))' $ASKEK "$wrapped" 2>/dev/null)
	check "$name: ... its AppSKey, wrapped for the AS, is lora-packet's" \
	    test -n "$want" -a "$unwrapped" = "$want"
	send "$W/r5" "${NS_ID[@]}" -- "$W/ak"
	check "$name: AppSKeyReq by another identity: UnknownSender" \
	    bash -c "[[ '$(body 1 "$W/r5")' == *UnknownSender* && '$(body 1 "$W/r5")' != *AESKey* ]]"

	# HomeNSReq
	printf '{"ProtocolVersion":"1.0","SenderID":"000013","ReceiverID":"%s","TransactionID":8,"MessageType":"HomeNSReq","DevEUI":"0102030405060704"}' $JE >"$W/hn"
	send "$W/r6" "${NS_ID[@]}" -- "$W/hn"
	check "$name: HomeNSReq answers the home NetID" \
	    bash -c "[[ '$(body 1 "$W/r6")' == *'\"HNetID\":\"000099\"'* ]]"

	# Refusals, on one connection: the daemon keeps serving after each.
	p=$(phy 0102030405060701 $KA 999)
	jr "$W/m1" 0102030405060701 "${p%????????}00000000" 15 1.0.2
	jr "$W/m2" 0102030405060799 "$(phy 0102030405060799 $KA 1)" 15 1.0.2
	jr "$W/m3" 0102030405060704 "$(phy 0102030405060704 $KA 1)" 15 1.0.2
	printf '{"ProtocolVersion":"1.0","SenderID":"000013","ReceiverID":"%s","TransactionID":9,"MessageType":"JoinReq","MACVersion":"1.0.2","PHYPayload":"00","DevEUI":1234,"DevAddr":"01020304","DLSettings":"15","RxDelay":1}' $JE >"$W/m4"
	printf '{"ProtocolVersion":"1.0", "SenderID": [' >"$W/m5"
	send "$W/r7" "${NS_ID[@]}" -- "$W/m1" "$W/m2" "$W/m3" "$W/m4" "$W/m5" "$W/a1"
	check "$name: wrong MIC: MICFailed" \
	    bash -c "[[ '$(body 1 "$W/r7")' == *MICFailed* ]]"
	check "$name: unknown DevEUI: UnknownDevEUI" \
	    bash -c "[[ '$(body 2 "$W/r7")' == *UnknownDevEUI* ]]"
	check "$name: device of another home NetID: NoRoamingAgreement" \
	    bash -c "[[ '$(body 3 "$W/r7")' == *NoRoamingAgreement* ]]"
	check "$name: wrong type names the field (MalformedRequest)" \
	    bash -c "[[ '$(body 4 "$W/r7")' == *MalformedRequest*DevEUI* ]]"
	check "$name: unparsable JSON gets HTTP 400" \
	    bash -c "grep -c '^HTTP 400' '$W/r7' | grep -qx 1"
	check "$name: ... and the connection still serves (replay refused)" \
	    bash -c "[[ '$(body 6 "$W/r7")' == *JoinReqFailed* ]]"
	head -c 6000 /dev/zero | tr '\0' ' ' >"$W/big"
	send "$W/r8" "${NS_ID[@]}" -- "$W/big"
	check "$name: oversized body gets HTTP 413" contains "$W/r8" "^HTTP 413$"
	jr "$W/n1" 0102030405060701 "$(phy 0102030405060701 $KA 777)" 15 1.0.2
	send "$W/r9" "${NS2_ID[@]}" -- "$W/n1"
	check "$name: authenticated sender not authorized for NetID 000013: UnknownSender" \
	    bash -c "[[ '$(body 1 "$W/r9")' == *UnknownSender*_ns-client.other.good.dance.test* ]]"
	check "$name: ... and it is logged with the reason" \
	    contains "$W/js.err" "peer=_ns-client.other.good.dance.test msg=JoinReq .*result=UnknownSender"
	send "$W/r10" -- "$W/n1"
	check "$name: client without a DANE identity is refused" \
	    bash -c "! grep -q '^HTTP' '$W/r10'"
	send "$W/r11" --client-name _ns-client.x.bogus.dance.test \
	    --cert "$C/cli.crt" --key "$C/cli.key" -- "$W/n1"
	check "$name: client whose TLSA is bogus is refused" \
	    bash -c "! grep -q '^HTTP' '$W/r11'"
	check "$name: ... the server logs why (bogus)" \
	    wait_for "$W/js.err" "_ns-client.x.bogus.dance.test.*bogus" 5
	send "$W/r12" "${NS_ID[@]}" -- "$W/n1"
	check "$name: the daemon still serves after every refusal" \
	    bash -c "[[ '$(body 1 "$W/r12")' == *Success* ]]"
	curl -s "http://127.0.0.1:$mport/metrics" >"$W/metrics"
	check "$name: metrics count requests by result" \
	    contains "$W/metrics" '^loradane_js_requests_total\{message="JoinReq",result="MICFailed"\} 1$'
	check "$name: metrics count DANE failures by reason" \
	    contains "$W/metrics" '^loradane_js_dane_failures_total\{reason="DNSSEC validation failed \(bogus\)"\} 1$'
	check "$name: metrics have the JoinReq latency histogram" \
	    contains "$W/metrics" '^loradane_js_joinreq_seconds_count [1-9]'

	# Reload: authorize the second NS; a broken file changes nothing.
	sed -i 's/^netid 000013 .*/netid 000013 _ns-client.ee.good.dance.test _ns-client.other.good.dance.test/' "$W/js.conf"
	kill -HUP "$jspid"
	check "$name: SIGHUP reloads" wait_for "$W/js.err" "reloaded: 1 NetIDs" 10
	jr "$W/n2" 0102030405060701 "$(phy 0102030405060701 $KA 778)" 15 1.0.2
	send "$W/r13" "${NS2_ID[@]}" -- "$W/n2"
	check "$name: ... and the second NS is now authorized" \
	    bash -c "[[ '$(body 1 "$W/r13")' == *Success* ]]"
	echo "netid 00zz13 _ns-client.x.test" >>"$W/js.conf"
	kill -HUP "$jspid"
	check "$name: a broken reload is refused" \
	    wait_for "$W/js.err" "reload refused: keeping the running configuration" 10
	check "$name: ... naming the line" contains "$W/js.err" "js.conf:[0-9]+: netid: NetID '00zz13'"
	jr "$W/n3" 0102030405060701 "$(phy 0102030405060701 $KA 779)" 15 1.0.2
	send "$W/r14" "${NS2_ID[@]}" -- "$W/n3"
	check "$name: ... and the running configuration still serves" \
	    bash -c "[[ '$(body 1 "$W/r14")' == *Success* ]]"
	# A reload keeps open connections: request 2 waits on a FIFO while
	# the daemon reloads, then goes out on the same connection.
	sed -i '$d' "$W/js.conf"
	jr "$W/n4" 0102030405060701 "$(phy 0102030405060701 $KA 780)" 15 1.0.2
	jr "$W/n5" 0102030405060701 "$(phy 0102030405060701 $KA 781)" 15 1.0.2
	mkfifo "$W/fifo"
	hs=$(grep -c "authenticated as" "$W/js.err")
	rl=$(grep -c "reloaded:" "$W/js.err")
	send "$W/r15" "${NS_ID[@]}" -- "$W/n4" "$W/fifo" &
	sp=$!
	wait_for "$W/r15" "^HTTP 200" 10
	kill -HUP "$jspid"
	reloaded() { [ "$(grep -c "reloaded:" "$W/js.err")" -gt "$rl" ]; }
	check "$name: reload while a connection is open" wait_until 10 reloaded
	cat "$W/n5" >"$W/fifo"
	wait "$sp"
	check "$name: ... the open connection still serves after the reload" \
	    bash -c "[[ '$(body 2 "$W/r15")' == *Success* ]]"
	check "$name: ... without a new handshake" \
	    test "$(grep -c "authenticated as" "$W/js.err")" -eq $((hs + 1))
	echo "netid 00zz13 _ns-client.x.test" >>"$W/js.conf"
	"$JS" -n -f "$W/js.conf" 2>"$W/n.err"
	check "$name: -n reports the error with its line and fails" \
	    bash -c "[ \$? -ne 0 ] 2>/dev/null; grep -q 'js.conf:[0-9]*: netid:' '$W/n.err'"
	kill "$jspid"
	wait "$jspid" 2>/dev/null
	check "$name: SIGTERM stops it and removes the pidfile" test ! -e "$W/js.pid"
}

. "$(dirname "$0")/../fixture/ports.sh"
mport=$(free_port)
suite sqlite "sqlite:$TMP/js.db"
if [ -n "${LORADANE_TEST_PG_URI:-}" ]; then
	db=js_$$_$RANDOM
	if psql -q "$LORADANE_TEST_PG_URI" -c "CREATE DATABASE $db" >/dev/null 2>&1; then
		suite postgresql "${LORADANE_TEST_PG_URI%/*}/$db"
	else
		not_ok "postgresql: create a database for the suite"
	fi
else
	not_ok "postgresql: LORADANE_TEST_PG_URI is set by tests/run.sh"
fi
done_testing
