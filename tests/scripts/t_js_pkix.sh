#!/bin/bash
# t_js_pkix.sh - loradane-js's one exception to DANE client identities:
# a peer the configuration names with "pkix-peer NAME CAFILE" may connect
# without dane_clientid, by its certificate chain to that CA and its name.
# curl is the PKIX client (it knows nothing of DANE).  Checked: such a peer
# is authenticated and then authorized like any other (netid lines); a
# right CA with the wrong name, a wrong CA, and a named peer without a
# netid line are refused; a DANE client is unchanged, and one whose TLSA
# does not match is refused even though the PKIX CA would vouch for its
# certificate; -n reports a bad pkix-peer line.
. "$(dirname "$0")/lib.sh"

JS=$BUILD/loradane-js
C=$DANCE_CERTS
port=$DANCE_TEST_TLS_PORT
W=$TMP/w
mkdir -p "$W"
fails() { ! "$@"; }
conf() {
	js_fixture_conf "$W"
	cat <<CONF
netid 000013 _ns-client.ee.good.dance.test _ns-client.ta.good.dance.test
pkix-peer _ns-client.ta.good.dance.test $C/orgca.crt
pkix-peer _ns-client.other.good.dance.test $C/orgca.crt
CONF
}
conf >"$W/js.conf"
printf '{"ProtocolVersion":"1.0","SenderID":"000013","ReceiverID":"0807060504030201","TransactionID":9,"MessageType":"HomeNSReq","DevEUI":"0102030405060799"}' >"$W/req.json"

"$JS" -d -f "$W/js.conf" >"$W/js.out" 2>"$W/js.err" &
_bg_pids="$_bg_pids $!"
check "loradane-js starts with two pkix-peer lines" \
    wait_for "$W/js.err" "listening on 127.0.0.1 port $port" 15

# pkix_post OUT CERT KEY - a POST by curl: TLS 1.3, the server checked
# by PKIX against its own (self-signed) certificate, no dane_clientid
pkix_post() {
	curl -sS --tlsv1.3 --max-time 10 --cacert "$C/srv.crt" \
	    --resolve "srv.good.dance.test:$port:127.0.0.1" \
	    --cert "$2" --key "$3" -H 'Content-Type: application/json' \
	    --data-binary "@$W/req.json" "https://srv.good.dance.test:$port/" \
	    >"$1" 2>"$1.err"
}

check "a named PKIX peer (orgca, SAN _ns-client.ta...) is answered" \
    pkix_post "$W/a1" "$C/clita-chain.pem" "$C/clita.key"
check "... and authorized by its netid line: a HomeNSReq answer" \
    contains "$W/a1" '"MessageType":"HomeNSAns".*"UnknownDevEUI"'
check "the JS logs it as authenticated by PKIX, under its name" \
    contains "$W/js.err" "peer=_ns-client.ta.good.dance.test .*auth=pkix"

pkix_post "$W/a2" "$C/clitabad-chain.pem" "$C/clitabad.key"
check "a named PKIX peer without a netid line is authenticated, not authorized" \
    contains "$W/a2" '"Result":\{"ResultCode":"UnknownSender"'

check "a certificate from no configured CA is refused" \
    fails pkix_post "$W/a3" "$C/cli.crt" "$C/cli.key"
check "... and the JS says why" \
    contains "$W/js.err" "no dane_clientid extension and is no named PKIX peer"

# The same CA, a name that is not configured: make a pkix-peer list with
# only _ns-client.ta, then present clitabad (SAN _ns-client.other).
conf | grep -v "pkix-peer _ns-client.other" >"$W/js2.conf"
sed -i "s|^listen .*|listen 127.0.0.2 $port|" "$W/js2.conf"
"$JS" -d -f "$W/js2.conf" >"$W/js2.out" 2>"$W/js2.err" &
_bg_pids="$_bg_pids $!"
check "a second JS with only the _ns-client.ta peer starts" \
    wait_for "$W/js2.err" "listening on 127.0.0.2 port $port" 15
check "the right CA with a name that is not a pkix-peer is refused" \
    fails curl -sS --tlsv1.3 --max-time 10 --cacert "$C/srv.crt" \
    --resolve "srv.good.dance.test:$port:127.0.0.2" \
    --cert "$C/clitabad-chain.pem" --key "$C/clitabad.key" \
    --data-binary "@$W/req.json" "https://srv.good.dance.test:$port/"
check "... because the certificate is not issued for the peer's name" \
    contains "$W/js2.err" "not issued for that name"

# DANE clients are unchanged, and never judged by a PKIX CA.
"$LORADANE" bi-request srv.good.dance.test "$port" \
    --client-name _ns-client.ee.good.dance.test --cert "$C/cli.crt" \
    --key "$C/cli.key" $RESOLVER "$W/req.json" >"$W/d1" 2>"$W/d1.err"
check "a DANE client is answered as before" contains "$W/d1" "^HTTP 200$"
check "a DANE client whose TLSA does not match is refused, though the PKIX CA would vouch for its certificate" \
    fails "$LORADANE" bi-request srv.good.dance.test "$port" \
    --client-name _ns-client.ee.good.dance.test \
    --cert "$C/clita-chain.pem" --key "$C/clita.key" $RESOLVER "$W/req.json"

# -n: a pkix-peer whose CA file cannot be read, or a bad name.
conf >"$W/bad.conf"
echo "pkix-peer _ns-client.x.good.dance.test $W/absent.pem" >>"$W/bad.conf"
echo "pkix-peer bad..name $C/orgca.crt" >>"$W/bad.conf"
"$JS" -n -f "$W/bad.conf" >"$W/n.out" 2>&1
rc=$?
check "-n refuses an unreadable pkix-peer CA file (exit $rc)" test "$rc" = 1
check "... naming the line and the file" \
    contains "$W/n.out" "bad.conf:1[0-9]: pkix-peer: .*absent.pem"
check "... and the bad name on its own line" \
    contains "$W/n.out" "bad.conf:1[0-9]: pkix-peer: .*not a valid client name"
done_testing
