#!/bin/bash
# t_dane_negative.sh - spec §9 negative cases 11-18, 23-27, 29 and 31: the
# DNS said something other than "secure, and this key", so the handshake
# must be refused with handshake_failure (40) and the reason logged once.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dane.sh"

G=good.dance.test
R=_ns-client.r.roll.dance.test
NOMATCH="certificate matches no TLSA record of"

swap_roll v1
srv_start neg || not_ok "serve-test starts"

# 11: one bit of the 3 1 1 digest flipped, zone re-signed: a near miss.
expect_refused "case 11 (wrong hash)" "_ns-client.wronghash.$G" cli \
    "$NOMATCH _ns-client\.wronghash\.good\.dance\.test"

# 12-14: signatures that do not validate.  The TLSA data is right (it
# names cli's key); only DNSSEC says no.
expect_refused "case 12 (bogus: tampered RRSIG)" \
    "_ns-client.x.bogus.dance.test" cli \
    "DNSSEC validation failed \(bogus\): TLSA _ns-client\.x\.bogus\.dance\.test is bogus: .*signature verification failed"
expect_refused "case 13 (bogus: RRSIG expired)" \
    "_ns-client.x.expired.dance.test" cli \
    "DNSSEC validation failed \(bogus\): TLSA _ns-client\.x\.expired\.dance\.test is bogus: .*signature expired"
expect_refused "case 14 (bogus: RRSIG not yet valid)" \
    "_ns-client.x.future.dance.test" cli \
    "DNSSEC validation failed \(bogus\): TLSA _ns-client\.x\.future\.dance\.test is bogus: .*signature before inception"

# 15: an unsigned zone below an insecure delegation: right data, unusable.
expect_refused "case 15 (insecure zone)" "_ns-client.x.insecure.dance.test" \
    cli "\(insecure\): TLSA _ns-client\.x\.insecure\.dance\.test is insecure$"

# 17-18: authenticated denial is no identity, and no fallback.
expect_refused "case 17 (secure NXDOMAIN)" "_ns-client.absent.$G" cli \
    "no TLSA record \(authenticated denial\): TLSA _ns-client\.absent\.good\.dance\.test is secure NXDOMAIN$"
expect_refused "case 18 (secure NODATA)" "_ns-client.nodata.$G" cli \
    "no TLSA record \(authenticated denial\): TLSA _ns-client\.nodata\.good\.dance\.test is secure NODATA$"

# 23: the key matches another name's TLSA (cli2 is published only at
# _ns-client.other), not the one announced.
expect_auth "case 23 (control: cli2 under its own name)" \
    "_ns-client.other.$G" cli2 "3 1 1" 0
expect_refused "case 23 (cli2 announcing _ns-client.ee)" "_ns-client.ee.$G" \
    cli2 "$NOMATCH _ns-client\.ee\.good\.dance\.test"

# 24: DANE-TA needs the ClientName in the SAN, and the CA in the chain.
expect_refused "case 24 (DANE-TA, SAN lacks the name)" "_ns-client.ta.$G" \
    clitabad-chain "certificate verification failed at depth 0: hostname mismatch"
expect_refused "case 24 (DANE-TA, CA not sent)" "_ns-client.ta.$G" clita \
    "$NOMATCH _ns-client\.ta\.good\.dance\.test"

# 26: PKIX-TA/PKIX-EE only: unusable without a CA store.
expect_refused "case 26 (PKIX usages only)" "_ns-client.pkix.$G" cli \
    "no usable TLSA record: TLSA _ns-client\.pkix\.good\.dance\.test has no usable record \(2 published, e\.g\. [01] 1 1 "

# 27: unknown matching type and a short digest: nothing usable.
expect_refused "case 27 (unusable records only)" "_ns-client.unusable.$G" cli \
    "no usable TLSA record: TLSA _ns-client\.unusable\.good\.dance\.test has no usable record \(2 published"

# 29: the other direction, the client authenticating the server.
# badsrv publishes cli's key, so the real server key does not match: the
# client refuses, logs why once, and the server receives alert 40.
new_out
mark
"$LORADANE" check badsrv.good.dance.test "$PORT" $RESOLVER >"$TMP/$OUT" 2>&1
RC=$?
N_REF=$((N_REF + 1))
check "case 29 (badsrv): check exits non-zero: NOT authenticated, no match" \
    eval "[ $RC -ne 0 ] && contains '$TMP/$OUT' '^server badsrv\.good\.dance\.test port $PORT: NOT authenticated: certificate does not match TLSA$' && contains '$TMP/$OUT' '^verdict: NOT AUTHENTICATED$'"
check "case 29 (badsrv): the client logged one handshake_failure line naming the TLSA" \
    eval "[ \$(grep -c handshake_failure: '$TMP/$OUT') -eq 1 ] && contains '$TMP/$OUT' 'handshake_failure: .*$NOMATCH _${PORT}\._tcp\.badsrv\.good\.dance\.test'"
check "case 29 (badsrv): the server received alert 40 from the client" \
    one_refusal "sslv3 alert handshake failure"
# The other server names are refused on their DNS answer alone, before
# any connection: the server's tally below shows none reached it.
srv_name_refused() {	# srv_name_refused CASE HOST REASON
	new_out
	"$LORADANE" check "$2" "$PORT" $RESOLVER >"$TMP/$OUT" 2>&1
	RC=$?
	check "$1: check exits non-zero: NOT authenticated" \
	    eval "[ $RC -ne 0 ] && contains '$TMP/$OUT' '^server $(re "$2") port $PORT: NOT authenticated: ' && contains '$TMP/$OUT' '^verdict: NOT AUTHENTICATED$' && ! grep -q '^connected:' '$TMP/$OUT'"
	check "$1: the client logged one handshake_failure line: /$3/" \
	    eval "[ \$(grep -c handshake_failure: '$TMP/$OUT') -eq 1 ] && contains '$TMP/$OUT' 'handshake_failure: .*$3'"
}
srv_name_refused "case 29 (nosrv)" "nosrv.$G" \
    "TLSA _${PORT}\._tcp\.nosrv\.good\.dance\.test is secure NXDOMAIN"
srv_name_refused "case 29 (srv.bogus)" srv.bogus.dance.test \
    "TLSA _${PORT}\._tcp\.srv\.bogus\.dance\.test is bogus: "
srv_name_refused "case 29 (srv.insecure)" srv.insecure.dance.test \
    "TLSA _${PORT}\._tcp\.srv\.insecure\.dance\.test is insecure"
srv_stop

# 16: a server with no trust anchor at all: every answer is insecure,
# even from the signed zone that authenticates cli in case 23's control.
RESOLVER="--forward 127.0.0.1@$DANCE_TEST_DNS_PORT --no-ta" \
    srv_start nota || not_ok "serve-test --no-ta starts"
expect_refused "case 16 (no trust anchor)" "_ns-client.ee.$G" cli \
    "\(insecure\): TLSA _ns-client\.ee\.good\.dance\.test is insecure$"
srv_stop

# 25: allow-list.  The name has a valid TLSA (case 1 authenticates it) but
# lies outside the allowed suffixes: refused before any DNS query.
# First with the real resolver, shown by the resolver's debug lines: the
# allowed name is looked up, the other one is not.
srv_start allow -v --allow some.other.suffix --allow roll.dance.test ||
    not_ok "serve-test --allow starts"
expect_refused "case 25 (outside the allow-list)" "_ns-client.ee.$G" cli \
    "client name not allowed: ClientName _ns-client\.ee\.good\.dance\.test is outside the allowed suffixes$"
expect_auth "case 25 (control: an allowed name)" "$R" cli "3 1 1" 0
check "case 25: debug log: the allowed name was looked up" \
    contains "$SRVLOG" "TLSA $(re "$R"): secure"
check "case 25: debug log: the refused name was never looked up" \
    eval "! grep -q 'TLSA _ns-client.ee.$G:' '$SRVLOG'"
srv_stop
# Then on the wire: the server's only resolver is dnssink, which writes
# down every query it receives and answers none.
sink=$(free_port)
"$HELPERS/dnssink" "$sink" >"$TMP/sink.out" 2>&1 &
sink_pid=$!
_bg_pids="$_bg_pids $sink_pid"
wait_for "$TMP/sink.out" '^dnssink: ready' || not_ok "dnssink starts"
RESOLVER="--forward 127.0.0.1@$sink --ta $DANCE_TA_DS" \
    srv_start allowsink --allow some.other.suffix --allow roll.dance.test \
    --dns-timeout 1000 || not_ok "serve-test with dnssink starts"
expect_refused "case 25 (wire: outside the allow-list)" "_ns-client.ee.$G" \
    cli "ClientName _ns-client\.ee\.good\.dance\.test is outside the allowed suffixes$"
# Had a query been sent, the handshake would have waited on it: so the
# sink's log is complete here, and must hold nothing but its ready line.
check "case 25: dnssink received no query at all for the refused handshake" \
    eval "[ \$(wc -l <'$TMP/sink.out') -eq 1 ]"
# The control: an allowed name does reach the wire (and, unanswered,
# fails as a timeout): so the sink would have seen the other one.
expect_refused "case 25 (wire control: an allowed name is queried)" "$R" cli \
    "DNS lookup failed temporarily: TLSA $(re "$R") is temporary failure: timeout$"
check "case 25: dnssink received the TLSA query for the allowed name" \
    wait_for "$TMP/sink.out" "^query (udp|tcp) $(re "$R") TLSA$" 5
check "case 25: dnssink never received a query for the refused name" \
    eval "! grep -q 'ee\.good\.dance\.test' '$TMP/sink.out'"
srv_stop
stop_server "$sink_pid"

# 31: revocation.  v1 publishes cli; v4 removes the TLSA.  Once the 2 s
# TTL has run out (polled, not slept), cli is refused: secure NODATA.
srv_start revoke -v || not_ok "serve-test starts (case 31)"
expect_auth "case 31 (before revocation)" "$R" cli "3 1 1" 0
# A resumed session would skip the Certificate, and so the TLSA check:
# the server must hand out no ticket to resume with.
new_out
run_craft "$OUT" --cert "$DANCE_CERTS/cli.crt" --key "$DANCE_CERTS/cli.key" \
    --ext-hex "$(name_hex "$R")"
N_OK=$((N_OK + 1))
check "case 31: an authenticated client gets no session ticket (no resumption)" \
    contains "$TMP/$OUT" "^accepted: hello $(re "$R") tickets=0$"
swap_roll v4
check "case 31: after the swap to v4 cli is refused within the deadline" \
    poll_until refused "$R" cli 20
expect_refused "case 31 (revoked)" "$R" cli \
    "no TLSA record \(authenticated denial\): TLSA $(re "$R") is secure NODATA$"
srv_stop
swap_roll v1

dane_done
