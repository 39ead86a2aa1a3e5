#!/bin/bash
# t_cli_basic.sh - loradane tlsa agrees with the openssl pipeline, and
# check/serve-test authenticate both ways on the good path.
. "$(dirname "$0")/lib.sh"

c=$DANCE_CERTS/cli.crt
want=$(openssl x509 -in "$c" -pubkey -noout | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 | awk '{print $NF}')
got=$("$LORADANE" tlsa --cert "$c")
check "tlsa 3 1 1 equals the openssl SPKI SHA-256 pipeline" \
    test "$got" = "3 1 1 $want"
want=$(openssl x509 -in "$c" -outform DER | openssl dgst -sha512 | awk '{print $NF}')
got=$("$LORADANE" tlsa --cert "$c" --usage 3 --selector 0 --mtype 2)
check "tlsa 3 0 2 equals the certificate SHA-512" test "$got" = "3 0 2 $want"
check "tlsa refuses a usage out of range" \
    bash -c "! '$LORADANE' tlsa --cert '$c' --usage 4 2>/dev/null"

port=$DANCE_TEST_TLS_PORT
start_server srv "$port" || not_ok "serve-test starts"
"$LORADANE" check srv.good.dance.test "$port" $RESOLVER \
    --client-name _ns-client.ee.good.dance.test \
    --cert "$DANCE_CERTS/cli.crt" --key "$DANCE_CERTS/cli.key" >"$TMP/c1" 2>&1
rc=$?
check "check exits 0 when both sides are authenticated" test $rc -eq 0
check "check prints the secure TLSA RRset" \
    contains "$TMP/c1" "TLSA _$port._tcp.srv.good.dance.test: secure, 1 record"
check "check names the matching record and depth" \
    contains "$TMP/c1" "matched by 3 1 1 [0-9a-f]+\.\.\. at depth 0"
check "check reports the server accepted the identity" \
    contains "$TMP/c1" "accepted by the server"
check "server logs the authenticated ClientName" \
    wait_for "$TMP/srv.err" "authenticated as _ns-client.ee.good.dance.test"
stop_server "$SERVER_PID"
done_testing
