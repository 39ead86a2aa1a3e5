#!/bin/bash
# t_dane_wire.sh - spec §9 cases 20-22, 28, 30 and 32: peers that get the
# protocol wrong.  Stock `openssl s_client` (which cannot send
# dane_clientid) and the crafted peer tests/helpers/craftpeer.c (raw
# OpenSSL: any extension payload, on any certificate entry, any protocol
# version, even a key that does not match its certificate) against
# serve-test; and a key rollover done in the wrong order.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dane.sh"

G=good.dance.test
EE=_ns-client.ee.$G
R=_ns-client.r.roll.dance.test
CLI="--cert $DANCE_CERTS/cli.crt --key $DANCE_CERTS/cli.key"
BADNAME="malformed client name:"

# expect_sclient_refused CASE NUM NAME REASON [s_client options] - stock
# s_client is refused: no data, fatal alert NUM (NAME in -msg output)
expect_sclient_refused() {
	local c=$1 num=$2 name=$3 reason=$4
	shift 4
	new_out
	mark
	timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -msg -ign_eof \
	    "$@" </dev/null >"$TMP/$OUT" 2>&1
	RC=$?
	N_REF=$((N_REF + 1))
	check "$c: s_client fails and receives no data from the server" \
	    eval "[ $RC -ne 0 ] && [ $RC -ne 124 ] && ! grep -q '^hello ' '$TMP/$OUT'"
	check "$c: s_client received fatal alert $num ($name)" \
	    eval "contains '$TMP/$OUT' '^<<< TLS 1\.[23], Alert \[length 0002\], fatal $name$' && contains '$TMP/$OUT' 'SSL alert number $num$'"
	check "$c: server logs one handshake_failure line: /$reason/" \
	    one_refusal "$reason"
}

swap_roll v1
srv_start wire || not_ok "serve-test starts"

# The crafted peer can succeed: a well-formed extension is accepted, so
# every refusal below is the server's doing, not the peer's.
new_out
mark
run_craft "$OUT" $CLI --ext-hex "$(name_hex "$EE")"
N_OK=$((N_OK + 1))
check "control: the crafted peer with a well-formed ClientName is accepted" \
    contains "$TMP/$OUT" "^accepted: hello $(re "$EE") tickets=0$"
check "control: server: authenticated as $EE by TLSA $EE 3 1 1 at depth 0" \
    wait_new "authenticated as $(re "$EE") by TLSA $(re "$EE") 3 1 1 at depth 0\$"

# 20: no dane_clientid at all: stock s_client, and the crafted peer
# without its extension.
expect_sclient_refused "case 20 (stock s_client)" 40 handshake_failure \
    "peer sent no dane_clientid extension: client sent no dane_clientid extension$" \
    -tls1_3 $CLI
expect_craft_refused "case 20 (crafted, no extension)" 40 \
    "client sent no dane_clientid extension$" $CLI

# 21: a zero-length ClientName: the server's own CR form, from a client.
expect_craft_refused "case 21 (zero-length ClientName)" 40 \
    "$BADNAME zero-length ClientName from client$" $CLI --ext-hex 00

# 22: malformed extensions.
expect_craft_refused "case 22 (length byte 5, 3 octets follow)" 40 \
    "$BADNAME malformed dane_clientid: length byte 5, 3 octets follow$" \
    $CLI --ext-hex 05414243
short=$(name_hex "$EE")
short=$(printf '%02x' $((0x${short:0:2} - 1)))${short:2}
expect_craft_refused "case 22 (length byte one short)" 40 \
    "$BADNAME malformed dane_clientid: length byte 28, 29 octets follow$" \
    $CLI --ext-hex "$short"
expect_craft_refused "case 22 (empty extension_data, the -07 form)" 40 \
    "$BADNAME malformed dane_clientid: length byte 0, 0 octets follow$" \
    $CLI --ext-hex ''
long=ff$(hex_of "$(printf 'a%.0s' $(seq 256))")
expect_craft_refused "case 22 (inlen 257 > 256)" 40 \
    "$BADNAME malformed dane_clientid: length byte 255, 256 octets follow$" \
    $CLI --ext-hex "$long"
expect_craft_refused "case 22 (non-ASCII octets)" 40 \
    "$BADNAME ClientName has characters outside \[A-Za-z0-9\._-\]" \
    $CLI --ext-hex "$(name_hex "_ns-client.$(printf '\303\251')e.$G")"
expect_craft_refused "case 22 (a \\DDD escape)" 40 \
    "$BADNAME ClientName has characters outside \[A-Za-z0-9\._-\]" \
    $CLI --ext-hex "$(name_hex '\095ns-client.ee.good.dance.test')"
expect_craft_refused "case 22 (a NUL octet)" 40 \
    "$BADNAME ClientName has characters outside \[A-Za-z0-9\._-\]" \
    $CLI --ext-hex "$(len_prefixed "$(hex_of _ns-client.ee)00$(hex_of ".$G")")"
# 255 octets, every label legal, but no DNS name is that long (253 in
# text at most): refused as malformed, before any DNS query.
l63=$(printf 'a%.0s' $(seq 63))
toolong=$l63.$l63.$l63.$(printf 'b%.0s' $(seq 61)).x
expect_craft_refused "case 22 (255-octet name)" 40 \
    "$BADNAME ClientName has characters outside" \
    $CLI --ext-hex "$(name_hex "$toolong")"
# The extension belongs on the end-entity entry only.
expect_craft_refused "case 22 (extension on certificate entry 1)" 40 \
    "$BADNAME dane_clientid on certificate entry 1, not the end entity$" \
    --cert "$DANCE_CERTS/clita-chain.pem" --key "$DANCE_CERTS/clita.key" \
    --ext-hex "$(name_hex "_ns-client.ta.$G")" --ext-chainidx 1

# 28: TLS 1.2 against a server that requires DANE: protocol_version.
expect_sclient_refused "case 28 (stock s_client -tls1_2)" 70 \
    protocol_version "TLS handshake failed: .*unsupported protocol$" \
    -tls1_2 $CLI
expect_craft_refused "case 28 (crafted, TLS 1.2 with the extension)" 70 \
    "TLS handshake failed: .*unsupported protocol$" $CLI --tls12 \
    --ext-hex "$(name_hex "$EE")"

# 32: a certificate that does not match its private key.  The crafted
# peer presents cli.crt, whose key is published (the DANE check passes),
# but signs CertificateVerify with cli2's key: decrypt_error (51).  The
# same composition with cli's own key is accepted, so the key alone
# makes the difference.
new_out
mark
run_craft "$OUT" --cert "$DANCE_CERTS/cli.crt" \
    --sign-key "$DANCE_CERTS/cli.key" --ext-hex "$(name_hex "$EE")"
N_OK=$((N_OK + 1))
check "case 32 (control: composed key, the certificate's own) is accepted" \
    contains "$TMP/$OUT" "^accepted: hello $(re "$EE") tickets=0$"
check "case 32 (control): server: authenticated as $EE" \
    wait_new "authenticated as $(re "$EE") by TLSA $(re "$EE") 3 1 1 at depth 0\$"
expect_craft_refused "case 32 (key does not match the certificate)" 51 \
    "TLS handshake failed: .*bad signature$" --cert "$DANCE_CERTS/cli.crt" \
    --sign-key "$DANCE_CERTS/cli2.key" --ext-hex "$(name_hex "$EE")"
srv_stop

# 30: rollover done wrong.  The client switches to its next key (cli2)
# while only the current one (cli) is published: refused, and that answer
# is now cached for the 2 s TTL.  The zone then gains cli2 (v2), but
# within the TTL the server must keep refusing cli2 from its cache; once
# the TTL has run out (polled), cli2 is accepted.
#
# Whether the retry lands within the TTL depends on how long the zone
# swap takes, so it is judged on the server's own timestamps: a retry
# after the cached answer's expiry proves nothing and the round is run
# again with fresh caches.
ttl_cached() {	# the line the server logged when it cached $R
	grep "TLSA $(re "$R"): secure, " "$SRVLOG" | tail -n 1
}
verdict=
for round in 1 2 3; do
	swap_roll v1
	srv_start "roll30-$round" -v || not_ok "serve-test starts (case 30)"
	expect_refused "case 30 (round $round: cli2 before its TLSA is published)" \
	    "$R" cli2 "certificate matches no TLSA record of $(re "$R")$"
	line=$(ttl_cached)
	filled=$(log_ms "$line")
	expires=$((filled + ${line##*ttl } * 1000))
	swap_roll v2
	new_out
	mark
	run_check "$OUT" "$R" cli2
	wait_new 'handshake_failure:| authenticated as ' ||
	    not_ok "case 30: the server judged the retry"
	at=$(log_ms "$(since_mark | grep -E 'handshake_failure:| authenticated as ' | head -n 1)")
	if grep -q 'REFUSED by the server' "$TMP/$OUT"; then
		N_REF=$((N_REF + 1))
		verdict=refused
		break
	fi
	N_OK=$((N_OK + 1))
	if [ "$at" -lt "$expires" ]; then
		verdict=accepted
		break
	fi
	echo "# case 30 round $round: retry at +$((at - filled)) ms, after" \
	    "the cached answer expired (+$((expires - filled)) ms): again"
	srv_stop
done
check "case 30: the retry ran within the cached answer's TTL (round $round)" \
    test -n "$verdict"
if [ "$verdict" = refused ]; then
	assert_refused "case 30 (cli2 while the old RRset is cached)" "$OUT" \
	    "$R" "certificate matches no TLSA record of $(re "$R")$"
	check "case 30: refused at +$((at - filled)) ms, within the TTL (+$((expires - filled)) ms)" \
	    test "$at" -lt "$expires"
	check "case 30: served from the cache: the server did not look $R up again" \
	    eval "! since_mark | grep -q 'TLSA $(re "$R"): '"
else
	not_ok "case 30: cli2 was accepted $((at - filled)) ms after the old RRset was cached, within its TTL"
fi
check "case 30: once the TTL has run out cli2 is accepted (polled)" \
    poll_until accepted "$R" cli2 20
expect_auth "case 30 (cli2 after the TTL)" "$R" cli2 "3 1 1" 0
check "case 30: the server now holds both records of v2" \
    contains "$SRVLOG" "TLSA $(re "$R"): secure, 2 records"
srv_stop
swap_roll v1

dane_done
