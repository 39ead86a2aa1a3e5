#!/bin/bash
# t_sim.sh - "loradane sim" end to end against tests/helpers/fakenet (an
# NS and JS in one, over real Semtech UDP on loopback): 1.0.2, 1.0.4 and
# 1.1 devices join through 1 and 3 gateways with exact counts and the
# JS's session keys; RX2 answers; a late answer (TX_ACK TOO_LATE), a
# wrong-key accept (bad_accepts, exit 1), no answer (timeouts, retries
# with a new DevNonce); counters wrapping past 2^32; US915; --duration
# with --progress; missing PUSH_ACKs; no NS; usage errors.  Data: 5
# uplinks per device verified by fakenet (1.0 and 1.1 MICs), confirmed
# uplinks ACKed, LinkCheck/DeviceTime answers, a wrong-key downlink
# (bad_downlinks, exit 1), FCntUp past 65535, replayed uplinks.
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/fixture/ports.sh
. "$TOP/tests/fixture/ports.sh"

L=$LORADANE
FN=$HELPERS/fakenet
JE=0807060504030201
cat >"$TMP/devs" <<EOF
# DevEUI JoinEUI MACVersion AppKey [NwkKey] HomeNetID
0102030405060701 $JE 1.0.2 000102030405060708090a0b0c0d0e0f 000013
0102030405060702 $JE 1.0.2 101112131415161718191a1b1c1d1e1f 000013
0102030405060703 $JE 1.0.4 202122232425262728292a2b2c2d2e2f 000013
0102030405060704 $JE 1.0.4 303132333435363738393a3b3c3d3e3f 000013
0102030405060705 $JE 1.1 404142434445464748494a4b4c4d4e4f 505152535455565758595a5b5c5d5e5f 000013
0102030405060706 $JE 1.1 606162636465666768696a6b6c6d6e6f 707172737475767778797a7b7c7d7e7f 000013
EOF
head -n 2 "$TMP/devs" >"$TMP/dev1"

n_fn=0
# fakenet [fakenet options...] - start one; sets FN_PORT, FN_PID, FN_OUT
fakenet() {
	n_fn=$((n_fn + 1))
	FN_OUT=$TMP/fn.$n_fn.out
	"$FN" --port 0 "$@" >"$FN_OUT" 2>"$TMP/fn.$n_fn.err" &
	FN_PID=$!
	_bg_pids="$_bg_pids $FN_PID"
	if ! wait_for "$FN_OUT" '^fakenet: ready ' 15; then
		sed 's/^/#   /' "$TMP/fn.$n_fn.err" >&2
		return 1
	fi
	FN_PORT=$(sed -n 's/^fakenet: ready 127\.0\.0\.1://p' "$FN_OUT")
}

# sim NAME [sim options...] - run the simulator against the last
# fakenet; summary in $TMP/NAME.out, stderr in $TMP/NAME.err, status in
# SIM_RC; then stop that fakenet
sim() {
	local name=$1
	shift
	"$L" sim --ns 127.0.0.1 "$FN_PORT" "$@" >"$TMP/$name.out" \
	    2>"$TMP/$name.err"
	SIM_RC=$?
	kill "$FN_PID" 2>/dev/null
	wait "$FN_PID" 2>/dev/null
}

# counts NAME "key value"... - every key has exactly that value
counts() {
	local name=$1 kv k v got bad=0
	shift
	for kv in "$@"; do
		k=${kv% *} v=${kv#* }
		got=$(awk -v k="$k" '$1 == k {print $2}' "$TMP/$name.out")
		if [ "$got" != "$v" ]; then
			echo "# $name: $k is '$got', want '$v'" >&2
			bad=1
		fi
	done
	[ $bad -eq 0 ] || sed 's/^/#   /' "$TMP/$name.out" "$TMP/$name.err" >&2
	return $bad
}

# same_keys NAME - the session keys the devices derived (sim -vv) are
# the ones the JS made (fakenet's accept lines), per DevEUI and DevNonce
same_keys() {
	sed -n 's/^join \([0-9a-f]*\) accepted devnonce \([0-9]*\) .* attempts [0-9]* \(.*\)$/\1 \2 \3/p' \
	    "$TMP/$1.err" | sort >"$TMP/$1.devkeys"
	sed -n 's/^accept \([0-9a-f]*\) \([0-9]*\) [0-9a-f]* rx[12] tmst [0-9]* devaddr [0-9a-f]* joinnonce [0-9]* \(.*\)$/\1 \2 \3/p' \
	    "$FN_OUT" | sort >"$TMP/$1.jskeys"
	[ -s "$TMP/$1.devkeys" ] && diff "$TMP/$1.devkeys" "$TMP/$1.jskeys" >&2
}

# lines FILE REGEX N - exactly N lines match
lines() {
	local got
	got=$(grep -Ec -- "$2" "$1")
	[ "$got" -eq "$3" ] || echo "# $1: $got lines /$2/, want $3" >&2
	[ "$got" -eq "$3" ]
}

# json_ok FILE FILTER - jq -e, quietly
json_ok() { jq -e "$2" "$1" >/dev/null; }

ALLOK=("joins_failed 0" "join_timeouts 0" "too_late 0" "bad_accepts 0"
	"push_ack_missing 0")

# --- 1 gateway: every MAC version joins in RX1
fakenet --devices "$TMP/devs"
sim one --devices "$TMP/devs" --gateways 1 --rate 50 -vv
check "1 gateway: exit 0" [ "$SIM_RC" -eq 0 ]
check "1 gateway: 6 joins sent, 6 accepted in RX1, nothing else" \
    counts one "joins_sent 6" "joins_accepted 6" "rx1 6" "rx2 0" "${ALLOK[@]}"
check "1 gateway: 1.0.2, 1.0.4 and 1.1 (OptNeg) keys equal the JS's" \
    same_keys one
check "1 gateway: four 1.1 keys derived for the 1.1 devices" \
    lines "$TMP/one.err" 'fnwksintkey .* snwksintkey .* nwksenckey .* appskey' 2
check "1 gateway: the JS refused no join-request" \
    lines "$FN_OUT" '^refused' 0

# --- 3 gateways, each frame heard by all three, each device twice
fakenet --devices "$TMP/devs"
sim three --devices "$TMP/devs" --gateways 3 --gateways-per-frame 3 \
    --joins 12 --rate 100 -vv
check "3 gateways: exit 0" [ "$SIM_RC" -eq 0 ]
check "3 gateways: 12 joins sent, 12 accepted" \
    counts three "joins_started 12" "joins_sent 12" "joins_accepted 12" \
    "rx1 12" "rx2 0" "${ALLOK[@]}"
check "3 gateways: the NS got 36 requests" lines "$FN_OUT" '^jreq' 36
check "3 gateways: and answered 12 (24 copies from other gateways)" \
    lines "$FN_OUT" '^copy' 24
check "3 gateways: DevNonces pass the JS's rules (counter, no repeat)" \
    lines "$FN_OUT" '^refused' 0
check "3 gateways: 1.0.4/1.1 DevNonces count 1, 2 from --devnonce-start" \
    lines "$FN_OUT" '^accept 010203040506070[3-6] [12] ' 8
check "3 gateways: keys equal the JS's" same_keys three

# --- JSON summary, a counter start
fakenet --devices "$TMP/devs"
sim json --devices "$TMP/devs" --gateways 2 --devnonce-start 100 --json
check "--json: exit 0" [ "$SIM_RC" -eq 0 ]
check "--json: one object with the same counts" \
    json_ok "$TMP/json.out" '.joins_sent == 6 and .joins_accepted == 6 and .rx1 == 6 and
	.joins_failed == 0 and .bad_accepts == 0 and .push_ack_missing == 0
	and .latency_p50_ms > 0 and .latency_max_ms >= .latency_p99_ms'
check "--devnonce-start 100: counters start at 100" \
    lines "$FN_OUT" '^accept 010203040506070[3-6] 100 ' 4

# --- RX2
fakenet --devices "$TMP/devs" --mode rx2
sim rx2 --devices "$TMP/devs" --gateways 2 --rate 50 -vv
check "RX2: exit 0" [ "$SIM_RC" -eq 0 ]
check "RX2: 6 accepted, counted as rx2" \
    counts rx2 "joins_accepted 6" "rx1 0" "rx2 6" "${ALLOK[@]}"
check "RX2: keys equal the JS's" same_keys rx2

# --- too late: the NS answers after the RX1 tmst
fakenet --devices "$TMP/dev1" --mode late --late-ms 5300
sim late --devices "$TMP/dev1" --joins 1 --retries 0
check "too late: exit 1" [ "$SIM_RC" -eq 1 ]
check "too late: too_late 1, the join timed out and failed" \
    counts late "joins_sent 1" "joins_accepted 0" "joins_failed 1" \
    "join_timeouts 1" "too_late 1" "bad_accepts 0"
check "too late: the NS got TX_ACK TOO_LATE" \
    contains "$FN_OUT" '^txack 00800000a0000000 TOO_LATE$'

# --- wrong key
fakenet --devices "$TMP/dev1" --mode wrongkey
sim wrong --devices "$TMP/dev1" --joins 1 --retries 0
check "wrong key: exit 1" [ "$SIM_RC" -eq 1 ]
check "wrong key: bad_accepts 1, the join failed" \
    counts wrong "joins_accepted 0" "joins_failed 1" "bad_accepts 1" \
    "join_timeouts 1" "rx1 0"
check "wrong key: said why" contains "$TMP/wrong.err" 'MIC mismatch'
check "wrong key: the gateway transmitted it (TX_ACK NONE)" \
    contains "$FN_OUT" '^txack 00800000a0000000 NONE$'

# --- no answer: timeout, one retry with a new DevNonce
fakenet --devices "$TMP/dev1" --mode none
sim none --devices "$TMP/dev1" --joins 1 --retries 1
check "no answer: exit 1" [ "$SIM_RC" -eq 1 ]
check "no answer: 2 requests, 2 timeouts, 1 failed join" \
    counts none "joins_started 1" "joins_sent 2" "join_timeouts 2" \
    "joins_failed 1" "joins_accepted 0" "bad_accepts 0"
check "no answer: the retry had a new DevNonce" \
    [ "$(awk '$1 == "ignored" {print $3}' "$FN_OUT" | sort -u | wc -l)" -eq 2 ]

# --- counters wrap: they start 2 s before 2^32, joins every 0.5 s
fakenet --devices "$TMP/devs"
sim wrap --devices "$TMP/devs" --gateways 2 --rate 2 \
    --tmst-start $((4294967296 - 2000000))
check "wrap: exit 0" [ "$SIM_RC" -eq 0 ]
check "wrap: 6 accepted" counts wrap "joins_accepted 6" "rx1 6" "${ALLOK[@]}"
check "wrap: uplinks before the wrap got windows after it" \
    [ "$(awk '$1 == "accept" && $7 < 5000000' "$FN_OUT" | wc -l)" -ge 1 ]
check "wrap: uplinks after the wrap too" \
    [ "$(awk '$1 == "jreq" && $5 < 4000000' "$FN_OUT" | wc -l)" -ge 1 ]

# --- US915
fakenet --devices "$TMP/devs" --region US915
sim us --devices "$TMP/devs" --region US915 --gateways 2 -vv
check "US915: exit 0, 6 accepted in RX1" [ "$SIM_RC" -eq 0 ]
check "US915: counts" counts us "joins_accepted 6" "rx1 6" "${ALLOK[@]}"
check "US915: keys equal the JS's" same_keys us

# --- --duration with --progress; missing PUSH_ACKs
fakenet --devices "$TMP/devs" --no-push-ack
sim dur --devices "$TMP/devs" --duration 1.5 --rate 4 --progress \
    --keepalive 200
n=$(awk '$1 == "joins_started" {print $2}' "$TMP/dur.out")
check "--duration: exit 0 without PUSH_ACKs" [ "$SIM_RC" -eq 0 ]
# duration_ok - 1.5 s at 4/s starts 6 joins (7 if the last tick is
# exactly on time), all accepted
duration_ok() {
	[ "${n:-0}" -ge 6 ] && [ "$n" -le 7 ] && counts dur "joins_accepted $n"
}
check "--duration 1.5 at 4/s: 6 or 7 joins, all accepted" duration_ok
check "--no-push-ack: every PUSH_DATA counted missing" \
    counts dur "push_ack_missing $n"
# pulls - PULL_DATA every 200 ms for the 1.5 s or more of the run
pulls() { [ "$(grep -c '^pull 00800000a0000000$' "$FN_OUT")" -ge 6 ]; }
check "--keepalive 200: PULL_DATA every 200 ms" pulls
check "--progress: a progress line" \
    contains "$TMP/dur.err" '^joins [0-9]+ ok [0-9]+ failed 0 rx1 [0-9]+ rx2 0 p50 [0-9.]+ ms p99 [0-9.]+ ms$'

# fn_count KEY N - fakenet's exit count KEY is N
fn_count() {
	local got
	got=$(awk -v k="$1" '$1 == k {print $2}' "$FN_OUT")
	[ "$got" = "$2" ] || echo "# $FN_OUT: $1 is '$got', want '$2'" >&2
	[ "$got" = "$2" ]
}
DATAOK=("bad_downlinks 0" "ack_missing 0" "joins_failed 0" "bad_accepts 0")

# --- data: 5 unconfirmed uplinks per device, 1.0.2, 1.0.4 and 1.1
fakenet --devices "$TMP/devs"
sim up --devices "$TMP/devs" --gateways 2 --rate 50 --uplinks 5 \
    --uplink-interval 100
check "uplinks: exit 0" [ "$SIM_RC" -eq 0 ]
check "uplinks: 30 sent, no downlink asked for" \
    counts up "uplinks_sent 30" "downlinks 0" "acks 0" "${DATAOK[@]}"
check "uplinks: fakenet verified all 30 MICs" fn_count uplinks_ok 30
check "uplinks: no bad MIC, no replay" \
    eval 'fn_count uplinks_bad_mic 0 && fn_count uplinks_replayed 0'
check "uplinks: FCntUp 0..4 for each of the 6 DevAddrs" \
    [ "$(awk '$1 == "up" && $5 == "ok" {print $2, $3}' "$FN_OUT" | sort -u | wc -l)" -eq 30 ]
check "uplinks: second gateway's copies deduplicated" \
    lines "$FN_OUT" '^up [0-9a-f]+ [0-9]+ [0-9a-f]+ copy$' 30

# --- confirmed uplinks with MAC commands, --json
fakenet --devices "$TMP/devs"
sim conf --devices "$TMP/devs" --gateways 2 --rate 50 --uplinks 5 \
    --uplink-interval 100 --confirmed --mac-commands --fport 7 \
    --payload 01020304 --json -v
check "confirmed: exit 0" [ "$SIM_RC" -eq 0 ]
check "confirmed: 30 uplinks, 30 ACKs (5 per device), none missing" \
    json_ok "$TMP/conf.out" '.uplinks_sent == 30 and .acks == 30 and
	.ack_missing == 0 and .downlinks == 30 and .bad_downlinks == 0'
check "--mac-commands: 30 LinkCheckAns and 30 DeviceTimeAns" \
    json_ok "$TMP/conf.out" '.link_check_ans == 30 and .device_time_ans == 30'
check "confirmed: 5 ACKed downlinks per device" \
    [ "$(grep -c '^downlink [0-9a-f]* rx1 fcnt [0-9]* ack$' "$TMP/conf.err")" -eq 30 ]
check "LinkCheckAns: both gateways counted" \
    lines "$TMP/conf.err" 'link_check margin [0-9]+ gateways 2$' 30
# devtime_ok - every DeviceTimeAns within 5 s of now in GPS time
devtime_ok() {
	local now=$(($(date +%s) - 315964800 + 18))
	awk -v now="$now" '$3 == "device_time" {n++; d = now - $5;
		if (d < -5 || d > 60) bad++}
		END {exit !(n == 30 && bad == 0)}' "$TMP/conf.err"
}
check "DeviceTimeAns: GPS time, within seconds of now" devtime_ok
check "confirmed: fakenet verified 30 MICs" fn_count uplinks_ok 30

# --- --mac-every 2: MAC commands on uplinks 2 and 4 only
fakenet --devices "$TMP/dev1"
sim every --devices "$TMP/dev1" --uplinks 5 --uplink-interval 50 \
    --mac-every 2
check "--mac-every 2: exit 0" [ "$SIM_RC" -eq 0 ]
check "--mac-every 2: 2 LinkCheckAns for 5 uplinks" \
    counts every "uplinks_sent 5" "link_check_ans 2" "device_time_ans 2" \
    "acks 0" "${DATAOK[@]}"

# --- a wrong-key downlink
fakenet --devices "$TMP/dev1" --mode dlwrongkey
sim dlbad --devices "$TMP/dev1" --uplinks 2 --uplink-interval 50 \
    --confirmed
check "wrong-key downlink: exit 1" [ "$SIM_RC" -eq 1 ]
check "wrong-key downlink: bad_downlinks 2, no ACK taken" \
    counts dlbad "uplinks_sent 2" "bad_downlinks 2" "acks 0" \
    "ack_missing 2" "downlinks 0"
check "wrong-key downlink: said why" \
    contains "$TMP/dlbad.err" 'devaddr [0-9a-f]{8}: integrity check failed'

# --- FCntUp past 65535: the 32-bit counter is in the MIC
fakenet --devices "$TMP/devs" --fcnt-last 65532
sim roll --devices "$TMP/devs" --gateways 2 --rate 50 --uplinks 5 \
    --uplink-interval 50 --fcnt-start 65533 --confirmed
check "--fcnt-start 65533: exit 0, 30 ACKs" \
    counts roll "uplinks_sent 30" "acks 30" "${DATAOK[@]}"
check "--fcnt-start 65533: fakenet verified all 30" \
    eval 'fn_count uplinks_ok 30 && fn_count uplinks_bad_mic 0'
check "--fcnt-start 65533: 65536 and 65537 rebuilt by fakenet" \
    lines "$FN_OUT" '^up [0-9a-f]+ 6553[67] [0-9a-f]+ ok$' 12

# --- replayed uplinks
fakenet --devices "$TMP/devs"
sim replay --devices "$TMP/devs" --gateways 2 --rate 50 --uplinks 5 \
    --uplink-interval 50 --replay-uplink
check "--replay-uplink: exit 0" [ "$SIM_RC" -eq 0 ]
check "--replay-uplink: 30 uplinks, each replayed" \
    counts replay "uplinks_sent 30" "uplinks_replayed 30" "${DATAOK[@]}"
check "--replay-uplink: fakenet took 30 and refused 30 replays" \
    eval 'fn_count uplinks_ok 30 && fn_count uplinks_replayed 30 &&
	fn_count uplinks_bad_mic 0'

# --- no NS, usage errors
"$L" sim --ns 127.0.0.1 "$(free_port)" --devices "$TMP/devs" --ready-timeout 300 >"$TMP/nons.out" 2>&1
check "no NS: exit 1" [ $? -eq 1 ]
check "no NS: said so" contains "$TMP/nons.out" 'no PULL_ACK from 127.0.0.1'
"$L" sim --devices "$TMP/devs" >/dev/null 2>&1
check "no --ns: exit 2" [ $? -eq 2 ]
"$L" sim --ns 127.0.0.1 1700 --devices "$TMP/devs" --joins 1 \
    --duration 1 >/dev/null 2>&1
check "--joins with --duration: exit 2" [ $? -eq 2 ]
"$L" sim --ns 127.0.0.1 1700 --devices "$TMP/devs" --fport 0 >/dev/null 2>&1
check "--fport 0: exit 2" [ $? -eq 2 ]
"$L" sim --ns 127.0.0.1 1700 --devices "$TMP/devs" --payload 0g \
    >/dev/null 2>&1
check "--payload not hex: exit 2" [ $? -eq 2 ]
printf '0102030405060701 %s 1.1 000102030405060708090a0b0c0d0e0f 000013\n' \
    $JE >"$TMP/bad"
"$L" sim --ns 127.0.0.1 1700 --devices "$TMP/bad" >"$TMP/bad.out" 2>&1
check "1.1 device without NwkKey: exit 1" [ $? -eq 1 ]
check "1.1 device without NwkKey: file:line: why" \
    contains "$TMP/bad.out" 'bad:1: NwkKey: required'
done_testing
